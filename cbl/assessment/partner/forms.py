"""Forms of the partner rating: the teacher's questions, and the partner's answers (built
per challenge from its questions by :func:`rating_form`)."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from cbl.assessment.partner.services import COMMENT_MAX, MAX_QUESTIONS, QUESTION_MAX, SCALE
from cbl.assessment.partner.models import PartnerRating
from cbl.formtools import Form, choices

ANSWER_PREFIX = "answer_"


class PartnerQuestionsForm(Form):
    """Up to four questions; blank ones are dropped."""

    save = SubmitField(_l("Save the questions"))
    restore = SubmitField(_l("Use the default questions"))


for _n in range(1, MAX_QUESTIONS + 1):
    setattr(PartnerQuestionsForm, f"question_{_n}",
            StringField(_l("Question %(n)d", n=_n), validators=[Optional(), Length(max=QUESTION_MAX)]))


def question_fields(form: PartnerQuestionsForm) -> list:
    return [form[f"question_{n}"] for n in range(1, MAX_QUESTIONS + 1)]


class RatingForm(Form):
    comment = TextAreaField(_l("Your comment for the team (optional)"),
                            validators=[Optional(), Length(max=COMMENT_MAX)],
                            description=_l("The teacher reads it and may share it with the team."))


def answer_name(index: int) -> str:
    return f"{ANSWER_PREFIX}{index}"


def rating_form(questions: list[str], formdata=None, rating: PartnerRating | None = None) -> RatingForm:
    """A form with one short-scale question per ``questions`` (each may be skipped)."""
    scale = choices((int(value), str(label)) for value, label in SCALE)
    fields = {answer_name(i): RadioField(q, choices=scale, coerce=int, validators=[Optional()])
              for i, q in enumerate(questions)}
    form_class = type("RatingForm", (RatingForm,), fields)
    if formdata is not None:
        return form_class(formdata=formdata)
    form = form_class(formdata=None)
    if rating is not None and list(rating.questions or []) == list(questions):
        for i, (_question, answer) in enumerate(rating.pairs()):
            form[answer_name(i)].data = answer
        form.comment.data = rating.comment
    elif rating is not None:
        form.comment.data = rating.comment
    return form


def answers_of(form: RatingForm, questions: list[str]) -> list[int | None]:
    return [form[answer_name(i)].data for i in range(len(questions))]
