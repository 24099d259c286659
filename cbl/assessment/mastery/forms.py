"""The form of a class's mastery settings. The form checks shape; the service checks again."""

import math

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange

from cbl.assessment.mastery.methods import METHOD_LABELS, Method
from cbl.formtools import Form, choices

METHOD_HINTS = {
    Method.MOST_RECENT: _l("The level of the latest work: what the student can do now."),
    Method.HIGHEST: _l("The best level ever reached."),
    Method.MEAN: _l("The average of every level reached; early work weighs as much as recent work."),
    Method.DECAYING_AVERAGE: _l("An average in which each new piece of work counts more than the ones "
                                "before it (by the weight below)."),
    Method.TIMES_PROFICIENT: _l("Mastered once the student reached proficient or above a number of times "
                                "(set below)."),
}


class LocalFloatField(FloatField):
    """A number typed with a decimal point or a decimal comma (0.65 or 0,65)."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)
        if self.data is not None and not math.isfinite(self.data):  # float() accepts "nan" and "inf"
            self.data = None
            raise ValueError(self.gettext("Not a valid float value."))


class MasterySettingsForm(Form):
    method = RadioField(_l("How mastery is computed"), validate_choice=True,
                        choices=choices((m.value, METHOD_LABELS[m]) for m in Method),
                        validators=[InputRequired(_l("Choose one of the methods."))])
    weight = LocalFloatField(
        _l("Weight of the newest evidence (decaying average)"),
        validators=[InputRequired(_l("Give a number between 0.05 and 0.95, such as 0.65.")),
                    NumberRange(min=0.05, max=0.95, message=_l("Give a number between 0.05 and 0.95, such as 0.65."))],
        description=_l("Between 0.05 and 0.95: 0.65 means the newest piece of work counts 65% and everything "
                       "before it 35%."))
    times = IntegerField(
        _l("Times at or above proficient needed (n times)"),
        validators=[InputRequired(_l("Give a whole number from 1 to 20.")),
                    NumberRange(min=1, max=20, message=_l("Give a whole number from 1 to 20."))])
    proficient_points = LocalFloatField(
        _l("Points of the proficient level"),
        validators=[InputRequired(_l("Give the points of the proficient level, such as 3.")),
                    NumberRange(min=0.01, max=100, message=_l("Give a number of points above 0 and at most 100."))],
        description=_l("On a rubric Beginning 1 · Developing 2 · Proficient 3 · Advanced 4, this is 3. "
                       "Every chart draws a line here."))
    count_other_voices = BooleanField(
        _l("Self, peer and partner assessments count toward mastery"),
        description=_l("Off: they are shown beside the teacher's but only the teacher's assessments count."))
