"""Forms of the feedback area."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from cbl.accounts.forms import password_length
from cbl.formtools import Form
from cbl.teams.forms import MultiCheckboxField


class InviteForm(Form):
    email = EmailField(_l("Their email address"), validators=[DataRequired(), Email(check_deliverability=False),
                                                               Length(max=254)])
    message = TextAreaField(_l("A personal message (optional)"), validators=[Length(max=2000)],
                            description=_l("Say who the students are and what kind of response would help them."))
    projects = MultiCheckboxField(_l("Projects they may see"), coerce=int,
                                  description=_l("They see only the entries the team shares with partners."))


class AcceptForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                               description=_l("Students and teachers will see this name."))
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), password_length, Length(max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])
