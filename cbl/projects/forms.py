"""Forms of the projects area. Forms check shape; services check rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField, URLField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from cbl.formtools import Form, OnceForm, choices, version_field
from cbl.projects.defaults import PRIORITY_LABELS, REFLECTION_PROMPTS, SIZE_LABELS
from cbl.projects.models import Phase
from cbl.teams.forms import MultiCheckboxField

TEXT_LIMIT = 20_000
MAX_VERSION = 2**31 - 1  # a version number beyond this came from a tampered form


def with_scheme(value):
    """A web address typed without its scheme ("example.org/page") gets https://."""
    if isinstance(value, str):
        value = value.strip()
        if value and "://" not in value and ":" not in value.split("/")[0] and "." in value.split("/")[0]:
            return "https://" + value
    return value


def web_address(form, field) -> None:
    value = (field.data or "").strip()
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValidationError(_l("Give a web address that starts with http:// or https://."))


class ChallengeForm(OnceForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        description=_l("A short name for the challenge, for example “Water in our neighbourhood”."))
    big_idea = StringField(_l("Big idea"), validators=[DataRequired(), Length(max=200)],
                           description=_l("A broad concept worth exploring: water, community, health, kindness…"))
    description = TextAreaField(_l("Description"), validators=[Length(max=TEXT_LIMIT)],
                                description=_l("What the class should know to get started."))
    essential_question_template = TextAreaField(
        _l("Essential question starter (optional)"), validators=[Length(max=2000)],
        description=_l("A sentence starter for teams, for example “How might we … in our neighbourhood?”"))
    size = SelectField(_l("Size"), choices=choices(SIZE_LABELS.items()), default="mini")
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    prompt_engage = TextAreaField(_l("Reflection prompt for Engage"), validators=[Length(max=2000)],
                                  default=REFLECTION_PROMPTS[Phase.ENGAGE])
    prompt_investigate = TextAreaField(_l("Reflection prompt for Investigate"), validators=[Length(max=2000)],
                                       default=REFLECTION_PROMPTS[Phase.INVESTIGATE])
    prompt_act = TextAreaField(_l("Reflection prompt for Act"), validators=[Length(max=2000)],
                               default=REFLECTION_PROMPTS[Phase.ACT])
    # Shown only after a duplicate-name warning (issue 10, item 11).
    confirm_duplicate = BooleanField(_l("Yes, keep this name anyway"))
    version = version_field()


class CopyChallengeForm(OnceForm):
    classroom = SelectField(_l("Copy into the class"), coerce=int, validate_choice=True,
                            description=_l("The copy gets a project for every team of that class."))
    confirm_duplicate = BooleanField(_l("Yes, keep this name anyway"))


class ElementForm(Form):
    body = TextAreaField(_l("Text"), validators=[Length(max=TEXT_LIMIT)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_VERSION)])


class CandidateForm(OnceForm):
    text = StringField(_l("A question worth asking"), validators=[DataRequired(), Length(max=500)])


class GuidingQuestionForm(OnceForm):
    text = StringField(_l("What do you need to learn?"), validators=[DataRequired(), Length(max=500)])


PRIORITY_CHOICES = choices([("", _l("Not yet prioritised"))] + list(PRIORITY_LABELS.items()))


class QuestionEditForm(Form):
    text = StringField(_l("Guiding question"), validators=[DataRequired(), Length(max=500)])
    category = StringField(_l("Category"), validators=[Length(max=60)],
                           description=_l("Group related questions, for example “Science”, “People”, “Costs”."))
    priority = SelectField(_l("Priority"), choices=PRIORITY_CHOICES, default="")
    findings = TextAreaField(_l("Findings"), validators=[Length(max=TEXT_LIMIT)],
                             description=_l("What the activities and resources taught you about this question."))
    answered = BooleanField(_l("This question is answered"))
    summary = TextAreaField(_l("Summary of the answer"), validators=[Length(max=TEXT_LIMIT)],
                            description=_l("Needed to mark the question answered."))
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_VERSION)])


class ActivityForm(OnceForm):
    kind = RadioField(_l("Kind"), choices=choices([("activity", _l("Activity (lesson, experiment, interview, survey…)")),
                                                    ("resource", _l("Resource (book, website, data set, expert…)"))]),
                      default="activity")
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    details = TextAreaField(_l("Details"), validators=[Length(max=TEXT_LIMIT)])
    url = URLField(_l("Web address (optional)"), validators=[Optional(), Length(max=500), web_address],
                   filters=[with_scheme])
    questions = MultiCheckboxField(_l("Guiding questions it answers"), coerce=int)


class ActivityEditForm(ActivityForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_VERSION)])


class PhaseRequestForm(OnceForm):
    note = TextAreaField(_l("Note for your teacher (optional)"), validators=[Length(max=2000)])


class DecisionForm(Form):
    decision = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the team"), validators=[Length(max=2000)])

    def validate_decision(self, field) -> None:
        if field.data not in ("approve", "return"):
            raise ValidationError(_l("Choose approve or return."))


class StepBackForm(OnceForm):
    to_phase = SelectField(_l("Go back to"), choices=[])
    reason = TextAreaField(_l("Why?"), validators=[DataRequired(), Length(max=2000)])
