"""The base form and small helpers shared by the forms of every area."""

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, SelectChoice

from cbl import once


def strip_nul(value):
    """Drop NUL characters: no text needs them, and PostgreSQL refuses to store them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of the product: CSRF-protected (Flask-WTF) and cleaned of NUL characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)  # their inner fields are filtered
            filters = [*(unbound_field.kwargs.get("filters") or ()), strip_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


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


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), …]`` as the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]
