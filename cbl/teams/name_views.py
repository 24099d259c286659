"""Students' names: teachers (for students of their classes) and admins approve or decline
a requested name, or set it directly (issue 10, item 5)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cbl.accounts.models import Role, User
from cbl.errors import ValidationFailed
from cbl.formtools import EmptyForm
from cbl.permissions import get_visible, renamable_people, role_required
from cbl.teams import names
from cbl.teams.forms import StudentNameForm
from cbl.teams.views import bp


def _student(user_id: int) -> User:
    """The student if the visitor may rename them, else 404 (a teacher of another class
    does not learn whether the account exists)."""
    return get_visible(renamable_people(current_user), User, user_id)


def _back() -> str:
    target = request.values.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("projects.home")


def _decide(user_id: int, approve: bool):
    student = _student(user_id)
    if EmptyForm().validate_on_submit():
        try:
            names.decide_name(student, approve, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            if approve:
                flash(_("%(name)s is now the student's name.", name=student.display_name), "success")
            else:
                flash(_("The name stays %(name)s. The student is told.", name=student.display_name), "success")
    return redirect(_back())


@bp.post("/people/<int:user_id>/name/approve")
@role_required(Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)
def approve_name(user_id: int):
    return _decide(user_id, True)


@bp.post("/people/<int:user_id>/name/decline")
@role_required(Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)
def decline_name(user_id: int):
    return _decide(user_id, False)


@bp.route("/people/<int:user_id>/name", methods=["GET", "POST"])
@role_required(Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)
def edit_name(user_id: int):
    """A teacher or admin sets the student's name (a waiting request is settled by it)."""
    student = _student(user_id)
    form = StudentNameForm(obj=student)
    if form.validate_on_submit():
        try:
            names.set_student_name(student, form.display_name.data, current_user, school_id=form.school_id.data)
        except ValidationFailed as err:
            form.school_id.errors = [str(err)]
        else:
            flash(_("The student's name is now %(name)s.", name=student.display_name), "success")
            return redirect(_back())
    return render_template("teams/name_form.html", form=form, student=student, next_url=_back()), \
        400 if request.method == "POST" else 200
