"""Forms of the teams area."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from cbl.formtools import EmptyForm, Form, OnceForm, version_field  # noqa: F401  (EmptyForm is used from here by other areas)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClassroomForm(OnceForm):
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example “Grade 8 Science”."))
    # The class's school (hidden when the teacher belongs to one school only) and term; a
    # class of no term keeps the free-text label below.
    school = SelectField(_l("School"), coerce=int, validate_choice=True)
    academic_term = SelectField(_l("Term"), coerce=int, validate_choice=True)
    term = StringField(_l("Term label"), validators=[Length(max=60)],
                       description=_l("For a class of no term above. For example “Fall 2026”."))
    joining_open = BooleanField(_l("Students can join with the class code"), default=True)
    students_form_teams = BooleanField(_l("Students form their own teams"))
    teams_advance_freely = BooleanField(_l("Teams move to the next phase without my approval"))
    moderate_outsider_comments = BooleanField(
        _l("Comments from invited guests wait for my approval before students see them"), default=True)
    teams_invite_partners = BooleanField(_l("Teams may invite community partners themselves (I am told)"))
    partners_see_full_names = BooleanField(_l("Invited guests see students' full names"),
                                           description=_l("Otherwise they see first names only."))
    # Shown only after a duplicate-name warning (issue 10, item 11).
    confirm_duplicate = BooleanField(_l("Yes, keep this name anyway"))
    frameworks = MultiCheckboxField(
        _l("Competency frameworks this class uses"), coerce=int, validate_choice=True,
        description=_l("Entries are tagged, timelines filtered and rubrics built with these frameworks' "
                       "competencies only. Tags already given are kept if you remove a framework."))

    # Sent with the checkboxes: a post without it (an older page, a script) leaves the
    # class's frameworks as they are, rather than reading "none ticked".
    frameworks_shown = HiddenField()

    def chosen_frameworks(self) -> list[int] | None:
        return list(self.frameworks.data or []) if self.frameworks_shown.data else None

    def validate_frameworks(self, field) -> None:
        if self.frameworks_shown.data and not field.data:
            raise ValidationError(_l("Choose at least one competency framework."))
    version = version_field()


class AdminClassroomForm(ClassroomForm):
    """An administrator sets up a class on behalf of the teacher who will teach it."""

    teacher = SelectField(_l("Teacher"), coerce=int, validate_choice=True)


class JoinClassForm(Form):
    join_code = StringField(_l("Class join code"), validators=[DataRequired(), Length(max=16)])


class StudentTeamForm(OnceForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=80)])
    # Shown only after a duplicate-name warning (issue 10, item 11).
    confirm_duplicate = BooleanField(_l("Yes, keep this name anyway"))


class TeamForm(StudentTeamForm):
    members = MultiCheckboxField(_l("Members"), coerce=int, validate_choice=True,
                                 description=_l("A student belongs to one team per class: choosing someone from another team moves them here."))
    version = version_field()


class StudentNameForm(Form):
    """A teacher or admin sets a student's name (names are the school's)."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    school_id = StringField(_l("School id (optional)"), validators=[Length(max=64)],
                            description=_l("The school's own number for a student, as in your student information system."))


class AddStudentForm(Form):
    """One student, typed in: checked like a one-line list (cbl/teams/roster.py)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("First name and surname."))
    email = StringField(_l("Email (optional)"), validators=[Length(max=254)])
    school_id = StringField(_l("School id (optional)"), validators=[Length(max=64)],
                            description=_l("The school's own number for a student, as in your student information system."))
    username = StringField(_l("Username (optional)"), validators=[Length(max=64)],
                           description=_l("For a student without email. Left empty, one is made from the name, "
                                          "such as “mayac”."))


class RosterListForm(Form):
    """A list of students, pasted or uploaded."""

    students = TextAreaField(_l("Students, one a line"), validators=[Length(max=100_000)],
                             description=_l("Name, email, school id — empty fields allowed, for example "
                                            "“Maya Chen, maya@school.org, 20417” or “Leo Park,,20418”. "
                                            "Or paste a table whose first row names the columns: name, email, "
                                            "school_id, username. At most 500 students at once."))
    upload = FileField(_l("Or upload a CSV file"),
                       description=_l("Its first row names the columns: name, email, school_id, username."))


class ConfirmRosterForm(OnceForm):
    """Saving a previewed list: the list travels signed, and is checked again."""

    payload = HiddenField(validators=[DataRequired(), Length(max=200_000)])


class MoveStudentForm(Form):
    target = SelectField(_l("Move to the class"), coerce=int, validate_choice=True)
