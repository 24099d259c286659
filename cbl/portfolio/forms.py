"""Forms of the portfolio area. Forms check shape; services check rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from cbl.formtools import Form, OnceForm, choices
from cbl.projects.forms import MAX_VERSION, TEXT_LIMIT, web_address, with_scheme
from cbl.portfolio.models import Visibility
from cbl.teams.forms import MultiCheckboxField

MAX_PHOTOS = 5  # at 20 MB each, within the request limit of config.MAX_CONTENT_LENGTH
CONTRIBUTION_LIMIT = 200

VISIBILITY_LABELS = {
    Visibility.PRIVATE: _l("Only me and my teachers"),
    Visibility.TEAM: _l("My team"),
    Visibility.CLASS: _l("My class"),
    Visibility.PARTNERS: _l("Invited community partners too"),
    Visibility.PUBLIC: _l("Everyone, once the project is published"),
}


class PhotoForm(Form):
    """One photo and its description; the description is required with a photo."""

    class Meta:
        csrf = False  # part of EntryForm, which carries the token

    file = FileField(_l("Photo"))
    alt = StringField(_l("Describe the photo for someone who cannot see it"), validators=[Length(max=500)])

    def validate_alt(self, field) -> None:
        if self.file.data and not (field.data or "").strip():
            raise ValidationError(_l("Describe this photo: people using screen readers rely on it."))


class CompetencyTagsField(MultiCheckboxField):
    """The competency tags: only those the class's frameworks offer (and the entry has)."""

    def pre_validate(self, form) -> None:
        offered = {choice.value for choice in self.choices or []}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Choose competencies from the list: one you chose is not offered in this "
                                     "class."))


class EntryForm(OnceForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Length(max=TEXT_LIMIT)],
                         description=_l("Markdown works: **bold**, *italic*, lists, [links](https://…)."))
    link_url = URLField(_l("Web address"), validators=[Optional(), Length(max=500), web_address],
                        filters=[with_scheme],
                        description=_l("A video, a recording, a web page: shown as a link, never embedded."))
    phase = SelectField(_l("Phase"))
    element_key = SelectField(_l("Element it documents (optional)"))
    guiding_question = SelectField(_l("Guiding question it answers (optional)"))
    visibility = SelectField(_l("Who can see it"))
    competencies = CompetencyTagsField(_l("Competencies it shows (optional)"), coerce=int)
    photos = FieldList(FormField(PhotoForm), min_entries=3, max_entries=MAX_PHOTOS)
    document = FileField(_l("File"), render_kw={"accept": ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.txt,.csv,.md"},
                         description=_l(
        "PDF, Word, Excel, PowerPoint, OpenDocument or plain text, up to 20 MB. Files are shared as they are: "
        "remove names, addresses and other personal details first."))
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_VERSION)])

    def set_choices(self, phases, elements, questions, visibilities, competencies=()) -> None:
        """Fill the option lists from the project: ``(value, label)`` pairs each."""
        self.competencies.choices = choices(competencies)
        self.phase.choices = choices(phases)
        self.element_key.choices = choices([("", _l("None"))] + list(elements))
        self.guiding_question.choices = choices([("", _l("None"))] + list(questions))
        self.visibility.choices = choices(visibilities)


def read_contributors(formdata, member_ids: list[int]) -> tuple[dict[int, str], str | None]:
    """The teammates ticked as contributors with what they did, from ``contributor-<id>``
    and ``contribution-<id>`` fields; an error message when a text is too long."""
    chosen: dict[int, str] = {}
    for user_id in member_ids:
        if formdata.get(f"contributor-{user_id}"):
            text = (formdata.get(f"contribution-{user_id}") or "").replace("\x00", "").strip()
            if len(text) > CONTRIBUTION_LIMIT:
                return chosen, str(_l("Say what each person did in at most %(n)d characters.", n=CONTRIBUTION_LIMIT))
            chosen[user_id] = text
    return chosen, None


class PreviewForm(Form):
    body = TextAreaField(validators=[Length(max=TEXT_LIMIT)])


class EntryFilterForm(Form):
    """The timeline's filter chips (read from the query string)."""

    class Meta:
        csrf = False

    phase = StringField()
    kind = StringField()
    author = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_VERSION)])
    competency = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_VERSION)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])

