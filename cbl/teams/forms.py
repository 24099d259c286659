"""Forms of the teams area."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from cbl.formtools import EmptyForm, Form, version_field  # noqa: F401  (EmptyForm is used from here by other areas)


class ClassroomForm(Form):
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example “Grade 8 Science”."))
    term = StringField(_l("Term"), validators=[Length(max=60)], description=_l("For example “Fall 2026”."))
    joining_open = BooleanField(_l("Students can join with the class code"), default=True)
    students_form_teams = BooleanField(_l("Students form their own teams"))
    teams_advance_freely = BooleanField(_l("Teams move to the next phase without my approval"))
    moderate_outsider_comments = BooleanField(
        _l("Comments from invited guests wait for my approval before students see them"), default=True)
    teams_invite_partners = BooleanField(_l("Teams may invite community partners themselves (I am told)"))
    partners_see_full_names = BooleanField(_l("Invited guests see students' full names"),
                                           description=_l("Otherwise they see first names only."))
    version = version_field()


class AdminClassroomForm(ClassroomForm):
    """An administrator sets up a class on behalf of the teacher who will teach it."""

    teacher = SelectField(_l("Teacher"), coerce=int, validate_choice=True)


class JoinClassForm(Form):
    join_code = StringField(_l("Class join code"), validators=[DataRequired(), Length(max=16)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TeamForm(Form):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=80)])
    members = MultiCheckboxField(_l("Members"), coerce=int, validate_choice=True,
                                 description=_l("A student belongs to one team per class: choosing someone from another team moves them here."))
    version = version_field()


class StudentTeamForm(Form):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=80)])
