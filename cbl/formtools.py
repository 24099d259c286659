"""The base form and small helpers shared by the forms of every area."""

from flask_babel import format_number, gettext
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, IntegerField, SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from cbl import once


def strip_nul(value):
    """Drop NUL characters: no text needs them, and PostgreSQL refuses to store them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextLimit(Length):
    """A length limit that refuses long text with a message saying the limit and how long the
    text is, instead of letting the browser cut it (no ``maxlength`` attribute is rendered:
    the field carries ``data-limit`` for the live counter of static/js/typed-work.js)."""

    def __init__(self, min: int = -1, max: int = -1, message: str | None = None):
        super().__init__(min=min, max=max, message=message)
        self.field_flags = {"text_limit": max} if max != -1 else {}

    def __call__(self, form, field):
        length = len(field.data) if isinstance(field.data, str) else 0
        if self.max != -1 and length > self.max:
            raise ValidationError(gettext(
                "At most %(limit)s characters — this has %(count)s. Nothing was saved; shorten it and save again.",
                limit=format_number(self.max), count=format_number(length)))
        if self.min != -1 and length < self.min:
            super().__call__(form, field)


def _limited(validators):
    """The field's validators with every maximum length turned into a :class:`TextLimit`."""
    return [TextLimit(min=v.min, max=v.max, message=v.message)
            if isinstance(v, Length) and not isinstance(v, TextLimit) and v.max != -1 else v
            for v in validators or ()]


class Form(FlaskForm):
    """Every form of the product: CSRF-protected (Flask-WTF), cleaned of NUL characters, and
    with length limits that explain themselves instead of cutting text."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)  # their inner fields are filtered
            filters = [*(unbound_field.kwargs.get("filters") or ()), strip_nul]
            extra = {}
            if "validators" in unbound_field.kwargs:
                extra["validators"] = _limited(unbound_field.kwargs["validators"])
            return unbound_field.bind(form=form, filters=filters, **extra, **options)

        def render_field(self, field, render_kw):
            limit = getattr(field.flags, "text_limit", None)
            if limit and field.type != "PasswordField":
                render_kw = {"data_limit": limit, **render_kw}
            return super().render_field(field, render_kw)


class OnceForm(Form):
    """A create form: sent twice, it makes one object (see :mod:`cbl.once`).

    The template renders ``{{ once_field() }}`` inside the ``<form>``: a fresh token for each
    form shown, so that two forms of one page (a reply under each comment) differ."""

    once_token = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """Validate, then claim the form's token; raises :class:`cbl.once.AlreadySaved` when
        this form was saved before (the application answers with what it made)."""
        if not super().validate(extra_validators):
            return False
        if self.once_token.raw_data:  # only a token the page sent counts
            once.claim(self.once_token.data)
        return True


class EmptyForm(Form):
    """A button that posts nothing but its CSRF token."""


class OnceEmptyForm(OnceForm):
    """A button that creates something (a copy): its CSRF token and a one-time token."""


def version_field() -> IntegerField:
    """The hidden version an edit form was loaded at, for the conflict check of
    :mod:`cbl.versioning` (empty on a create form)."""
    return IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), …]`` as the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]
