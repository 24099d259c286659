"""Forms of the grading pages. A rubric decides the fields: a level (radio buttons) for each
criterion, and for teachers and self-assessments a comment on each. The form classes are
built per rubric by :func:`rubric_form`; forms check shape, the services check rules."""

from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from cbl.assessment.grading.services import Marks, RubricGrid
from cbl.assessment.models import Assessment
from cbl.formtools import Form, choices

MAX_ID = 2**31 - 1  # a number beyond this came from a tampered form
COMMENT_LIMIT = 5_000
OVERALL_LIMIT = 10_000
LEVEL_PREFIX, COMMENT_PREFIX = "level_", "comment_"


class LevelField(RadioField):
    """One criterion's level: one of the rubric's levels, or none (not assessed)."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = int(valuelist[0])
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_("Choose one of the levels of this rubric.")) from None

    def pre_validate(self, form):
        if self.process_errors or self.data is None:
            return
        if self.data not in {int(choice.value) for choice in self.choices}:
            raise ValidationError(_("Choose one of the levels of this rubric."))


class AssessmentForm(Form):
    version = IntegerField(widget=HiddenInput(), default=0,
                           validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])
    rubric_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    overall_comment = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=OVERALL_LIMIT)])


class TeacherGradeForm(AssessmentForm):
    work_date = DateField(_l("Date of the work"), validators=[InputRequired(_l("Give the date of the work assessed."))],
                          description=_l("Mastery orders evidence by the date of the work, not the date of grading."))
    save = SubmitField(_l("Save draft"))
    release = SubmitField(_l("Save and release"))


class VoiceForm(AssessmentForm):
    """Self-assessment, peer evaluation and partner rating."""

    submit = SubmitField(_l("Submit"))


def level_name(criterion_id: int) -> str:
    return f"{LEVEL_PREFIX}{criterion_id}"


def comment_name(criterion_id: int) -> str:
    return f"{COMMENT_PREFIX}{criterion_id}"


def rubric_form(base: type[AssessmentForm], grid: RubricGrid, *, comments: bool, formdata=None,
                assessment: Assessment | None = None, **data) -> AssessmentForm:
    """A form of ``base`` with a level field per criterion of ``grid`` (and a comment field
    each if ``comments``). Without ``formdata`` it shows ``assessment`` (or a blank grid)."""
    level_choices = choices((level.id, level.label) for level in grid.levels)
    fields = {}
    for criterion in grid.criteria:
        fields[level_name(criterion.id)] = LevelField(criterion.title, choices=level_choices)
        if comments:
            fields[comment_name(criterion.id)] = TextAreaField(
                _("Comment on “%(criterion)s”", criterion=criterion.title),
                validators=[Optional(), Length(max=COMMENT_LIMIT)])
    form_class = type(base.__name__, (base,), fields)
    if formdata is not None:
        return form_class(formdata=formdata)
    form = form_class(formdata=None, **data)
    form.rubric_id.data = grid.rubric.id
    if assessment is not None:
        form.version.data = assessment.version
        form.overall_comment.data = assessment.overall_comment
        if hasattr(form, "work_date"):
            form.work_date.data = assessment.work_date
        for score in assessment.scores:
            if level_name(score.criterion_id) in form:
                form[level_name(score.criterion_id)].data = score.level_id
            if comments and comment_name(score.criterion_id) in form:
                form[comment_name(score.criterion_id)].data = score.comment
    return form


def unknown_criteria(formdata: MultiDict, form: AssessmentForm) -> list[str]:
    """Level or comment fields posted for criteria this rubric does not have."""
    return [key for key in formdata if key.startswith((LEVEL_PREFIX, COMMENT_PREFIX)) and key not in form]


def read_marks(form: AssessmentForm, grid: RubricGrid) -> Marks:
    """The form's choices as :class:`~cbl.assessment.grading.Marks`."""
    levels, comments = {}, {}
    for criterion in grid.criteria:
        levels[criterion.id] = form[level_name(criterion.id)].data
        if comment_name(criterion.id) in form:
            comments[criterion.id] = form[comment_name(criterion.id)].data or ""
    return Marks(levels=levels, comments=comments, overall_comment=form.overall_comment.data or "",
                 work_date=getattr(form, "work_date", None) and form.work_date.data)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PeerScaleForm(Form):
    """A challenge's contribution scale: its questions and its level names, one a line."""

    questions = TextAreaField(_l("Questions about each teammate, one a line"),
                              validators=[InputRequired(_l("Write at least one question.")), Length(max=4_000)],
                              description=_l("For example: “Did their share of the work”. Up to 8."))
    levels = TextAreaField(_l("Levels, one a line, from lowest to highest"),
                           validators=[InputRequired(_l("Write at least two levels.")), Length(max=1_000)],
                           description=_l("For example: Rarely, Sometimes, Usually, Always. From 2 to 6."))
    save = SubmitField(_l("Save the peer evaluation"))

    def validate_questions(self, field):
        if not 1 <= len(_lines(field.data)) <= 8:
            raise ValidationError(_("Write from 1 to 8 questions, one a line."))

    def validate_levels(self, field):
        if not 2 <= len(_lines(field.data)) <= 6:
            raise ValidationError(_("Write from 2 to 6 levels, one a line."))

    @property
    def question_list(self) -> list[str]:
        return _lines(self.questions.data)

    @property
    def level_list(self) -> list[str]:
        return _lines(self.levels.data)
