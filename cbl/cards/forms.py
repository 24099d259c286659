"""Forms of the sign-in cards. Forms check shape; services check rules."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField
from wtforms.validators import AnyOf, NumberRange, Optional
from wtforms.widgets import HiddenInput

from cbl.formtools import Form


def _student_field() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class PrintCardsForm(Form):
    """Print new cards: for every student ("all"), those without one ("missing"), or one."""
    scope = HiddenField(validators=[AnyOf(("all", "missing", "student"), message=_l("Choose whose cards to print."))])
    student = _student_field()


class VoidCardsForm(Form):
    """Void the class's cards, or (with ``student``) one student's."""
    student = _student_field()
