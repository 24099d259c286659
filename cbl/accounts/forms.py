"""Forms of the accounts area. Forms check shape; services check rules."""

from flask import current_app
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import escape
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, ValidationError

from cbl.formtools import Form, OnceForm, choices


# Runs of keys and letters that make a long password easy to guess ("1234567890",
# "qwertyuiop"), and the common passwords that are long enough to pass the length rule.
_RUNS = ("01234567890", "09876543210", "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba",
         "qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "qwertzuiopasdfghjklyxcvbnm")
_COMMON = frozenset({"password", "passwords", "contraseña", "contrasena", "iloveyou", "teamo", "qwerty", "welcome",
                     "letmein", "football", "futbol", "princess", "princesa", "starwars", "minecraft", "pokemon",
                     "sunshine", "monkey", "dragon", "baseball", "superman", "batman", "admin", "login", "student",
                     "estudiante", "school", "escuela", "abc", "qwe", "asd", "zxc"})


def guessable(password: str) -> bool:
    """True for a password that passes the length rule but is among the first anyone would
    try: one to three different characters ("aaaaaaaaaa", "ababababab"), a run of keys
    ("1234567890", "qwertyuiop"), or a common word with a few digits ("password2026")."""
    plain = password.casefold()
    if len(set(plain)) <= 3:
        return True
    squeezed = "".join(ch for ch in plain if ch.isalnum())
    if squeezed and any(squeezed in run for run in _RUNS):
        return True
    letters = "".join(ch for ch in squeezed if not ch.isdigit())
    digits = "".join(ch for ch in squeezed if ch.isdigit())
    return letters in _COMMON and (len(digits) <= 4 or any(digits in run for run in _RUNS) or len(set(digits)) == 1)


def password_length(form, field) -> None:
    """The rule for every password someone chooses: long enough and not one of the first
    guesses (the hint under the field says so before anyone types)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))
    if guessable(field.data):
        raise ValidationError(_l("This password is too easy to guess. Try three words you will remember, "
                                 "with a dash between them."))


class PasswordHint:
    """The hint under a new-password field, read when the page is drawn (the minimum length
    is a setting)."""

    def __str__(self) -> str:
        return gettext("At least %(n)d characters, hard to guess. Tip: three words you will remember, "
                       "like “purple-turtle-jumps”.", n=current_app.config["PASSWORD_MIN_LENGTH"])

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __bool__(self) -> bool:
        return True


PASSWORD_HINT = PasswordHint()


class LoginForm(Form):
    # An email, or the username a school gave a student without one.
    email = StringField(_l("Email or username"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SignupForm(Form):
    join_code = StringField(_l("Class join code"), validators=[DataRequired(), Length(max=16)],
                            description=_l("Your teacher gives you this code."))
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                               description=_l("First name and surname. Only your first name is ever shown to the public."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), password_length, Length(max=200)],
                             description=PASSWORD_HINT)
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class ProfileForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=choices([("", _l("As my browser says")), ("en", "English"), ("es", "Español")]))


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), password_length, Length(max=200)],
                                 description=PASSWORD_HINT)
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))])


class CreateUserForm(OnceForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=choices([("teacher", _l("Teacher")), ("student", _l("Student")),
                                                      ("partner", _l("Community partner")),
                                                      ("school_admin", _l("School administrator")),
                                                      ("admin", _l("District administrator"))]))
    school = SelectField(_l("School"), coerce=int, validate_choice=True)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), password_length, Length(max=200)],
                             description=_l("Share it privately; they can change it under “My account”."))
    school_id = StringField(_l("School id (optional)"), validators=[Length(max=64)],
                            description=_l("The school's own number for a student, as in your student information system."))


class ActiveForm(Form):
    active = BooleanField(_l("Active"))


class LoginLinkRequestForm(Form):
    email = EmailField(_l("Your email address"), filters=[lambda value: value.strip() if value else value], validators=[DataRequired(), Email(check_deliverability=False),
                                                             Length(max=254)])


ROLE_LABELS = (("student", _l("Student")), ("teacher", _l("Teacher")), ("partner", _l("Community partner")),
               ("school_admin", _l("School administrator")), ("admin", _l("District administrator")))


class PeopleSearchForm(Form):
    """The People page's search and filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    # Own ids: the create form on the same page has a "role" field too.
    q = StringField(_l("Search"), id="filter-q", validators=[Length(max=100)],
                    description=_l("Part of a name, email, username or school id."))
    role = SelectField(_l("Role"), id="filter-role", choices=choices([("", _l("All roles")), *ROLE_LABELS]), default="")
    classroom = SelectField(_l("Class"), id="filter-classroom", validate_choice=False, default="")


class EditPersonForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS))
    username = StringField(_l("Username"), validators=[Length(max=64)],
                           description=_l("How a student without email signs in: lower-case letters, digits, dots, "
                                          "dashes or underscores."))
    school_id = StringField(_l("School id"), validators=[Length(max=64)],
                            description=_l("The school's own number for a student, as in your student information system."))


class PlaceInClassForm(Form):
    classroom = SelectField(_l("Place in the class"), coerce=int, validate_choice=True)


class ForgotPasswordForm(Form):
    email = StringField(_l("Your email address"), filters=[lambda value: value.strip() if value else value],
                        validators=[DataRequired(), Length(max=254)])

    def validate_email(self, field) -> None:
        # A username has no mailbox to send a link to: say who can help instead.
        if "@" not in (field.data or ""):
            raise ValidationError(_l("Students who sign in with a username: ask your teacher to reset your "
                                     "password."))
        Email(check_deliverability=False, message=_l("Enter an email address such as name@school.org."))(self, field)


class NewPasswordForm(Form):
    """Choosing a password without the old one: with a recovery link, or after a one-time
    password (the same rules as the change-password form)."""
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), password_length, Length(max=200)],
                                 description=PASSWORD_HINT)
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))])


class EmailChangeForm(Form):
    email = EmailField(_l("New email address"), filters=[lambda value: value.strip() if value else value],
                       validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
                       description=_l("We mail a link to the new address; your address changes when you open it."))
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class EndSessionForm(Form):
    session_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class SignupConfirmForm(Form):
    """The mailed sign-up link asks again for the password typed on the sign-up form: whoever
    typed someone else's address there cannot have the owner of that mailbox make an account
    whose password the stranger knows."""

    password = PasswordField(_l("The password you chose when you signed up"),
                             validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"})
