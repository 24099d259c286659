"""Forms of the feedback area."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from cbl.accounts.forms import password_length
from cbl.formtools import Form, OnceForm, choices
from cbl.teams.forms import MultiCheckboxField


class InviteForm(OnceForm):
    email = EmailField(_l("Their email address"), validators=[DataRequired(), Email(check_deliverability=False),
                                                               Length(max=254)])
    message = TextAreaField(_l("A personal message (optional)"), validators=[Length(max=2000)],
                            description=_l("Say who the students are and what kind of response would help them."))
    # Checked by the invitation service, which says which projects may be shared.
    projects = MultiCheckboxField(_l("Projects they may see"), coerce=int, validate_choice=False,
                                  description=_l("They see only the entries the team shares with partners."))


class AcceptForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                               description=_l("Students and teachers will see this name."))
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), password_length, Length(max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class CommentForm(OnceForm):
    kind = RadioField(_l("What kind of feedback?"), choices=choices([
        ("question", _l("A question")), ("suggestion", _l("A suggestion")), ("praise", _l("Praise"))]),
        validators=[DataRequired(_l("Choose what kind of feedback this is."))])
    body = TextAreaField(_l("Your feedback"), validators=[DataRequired(_l("Write your comment first.")),
                                                         Length(max=5000)],
                         description=_l("Be specific and kind. Markdown works: **bold**, *italics*, lists, links."))
    entry_id = HiddenField()
    next = HiddenField()


class ReplyForm(OnceForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(_l("Write your reply first.")), Length(max=5000)])
    next = HiddenField()


class AddressedForm(Form):
    answer_entry = SelectField(_l("The entry that answers it (optional)"), coerce=int, validate_choice=False)
    next = HiddenField()
