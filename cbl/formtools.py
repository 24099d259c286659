"""The base form and small helpers shared by the forms of every area."""

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, IntegerField, SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput


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


class EmptyForm(Form):
    """A button that posts nothing but its CSRF token."""


def version_field() -> IntegerField:
    """The hidden version an edit form was loaded at, for the conflict check of
    :mod:`cbl.versioning` (empty on a create form)."""
    return IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), …]`` as the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]
