"""Forms of schools and terms. Forms check shape; services check rules."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cbl.formtools import Form, OnceForm, choices
from cbl.schools.models import TermKind

TERM_KINDS = ((TermKind.TERM, _l("Term")), (TermKind.SEMESTER, _l("Semester")),
              (TermKind.SCHOOL_YEAR, _l("School year")), (TermKind.GRADING_PERIOD, _l("Grading period")))


class SchoolForm(OnceForm):
    name = StringField(_l("School name"), validators=[DataRequired(), Length(max=160)],
                       description=_l("Invitations, mail and showcase pages of its classes name the school."))
    identifier = StringField(_l("School code (optional)"), validators=[Optional(), Length(max=64)],
                             description=_l("The school's code in your student information system."))


class SchoolNameForm(Form):
    """A school admin renames their own school; its code is the district's."""

    name = SchoolForm.name


class AppointAdminForm(Form):
    person = StringField(_l("Email or username of a teacher"), validators=[DataRequired(), Length(max=254)],
                         description=_l("The teacher becomes an administrator of this school."))


class TermForm(OnceForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)],
                        description=_l("For example “Fall 2026”."))
    kind = SelectField(_l("Kind"), choices=choices((k.value, label) for k, label in TERM_KINDS))
    school = SelectField(_l("School"), coerce=int, validate_choice=True)
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("The end date must come after the start date."))
