"""Forms for learning goals. Forms check shape; the goals service checks the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cbl.assessment.goals.services import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from cbl.assessment.models import GoalStatus
from cbl.formtools import Form, OnceForm, choices, version_field

MAX_ID = 2**31 - 1
MARKDOWN_HINT = _l("Markdown works: **bold**, *italics*, lists, links.")
STATUS_LABELS = {GoalStatus.ACTIVE: _l("Working on it"), GoalStatus.ACHIEVED: _l("Achieved"),
                 GoalStatus.SET_ASIDE: _l("Set aside")}


class GoalForm(OnceForm):
    title = StringField(_l("Your goal"), validators=[DataRequired(_l("Name your goal.")), Length(max=TITLE_MAX)],
                        description=_l("What you want to get better at, in a few words — for example "
                                       "“Speak up in team meetings”."))
    description = TextAreaField(_l("Why it matters and how you will get there (optional)"),
                                validators=[Length(max=DESCRIPTION_MAX)], description=MARKDOWN_HINT)
    competency = SelectField(_l("Competency (optional)"), coerce=int, default=0,
                             description=_l("The competency this goal helps you grow."))
    target_date = DateField(_l("Target date (optional)"), validators=[Optional()])
    version = version_field()

    def set_choices(self, competencies: list[tuple[int, str]]) -> None:
        self.competency.choices = choices([(0, _l("No competency")), *competencies])


class StatusForm(Form):
    status = RadioField(_l("Where are you with this goal?"),
                        choices=choices((status.value, label) for status, label in STATUS_LABELS.items()),
                        validators=[InputRequired(_l("Choose where you are with this goal."))])


class EvidenceForm(Form):
    # The choices list what the student may link; the service checks the id again.
    entry = SelectField(_l("Portfolio entry"), coerce=int, validate_choice=False,
                        validators=[InputRequired(_l("Choose one of your portfolio entries in this class.")),
                                    NumberRange(min=1, max=MAX_ID,
                                                message=_l("Choose one of your portfolio entries in this class."))],
                        description=_l("Your entries and your team's entries in this class."))


class ProgressForm(OnceForm):
    """The student's progress note."""

    body = TextAreaField(_l("What progress did you make?"),
                         validators=[DataRequired(_l("Write something first.")), Length(max=NOTE_MAX)],
                         description=_l("What you tried, what worked, what you will do next. Markdown works: "
                                        "**bold**, *italics*, lists, links."))


class GoalCommentForm(OnceForm):
    """A teacher's comment on a student's goal."""

    body = TextAreaField(_l("Your comment"),
                         validators=[DataRequired(_l("Write something first.")), Length(max=NOTE_MAX)],
                         description=_l("The student is told of your comment. Markdown works: **bold**, *italics*, "
                                        "lists, links."))
