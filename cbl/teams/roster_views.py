"""A teacher's roster: add students (one, or a list with a preview), move and remove them.

The class page's roster section links here. Only the class's teachers and administrators
reach these pages (another teacher's class answers 404, a student 403)."""

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.formtools import choices
from cbl.permissions import visible_classrooms
from cbl.teams import roster
from cbl.teams.forms import AddStudentForm, ConfirmRosterForm, EmptyForm, MoveStudentForm, RosterListForm
from cbl.teams.models import Classroom, Enrolment
from cbl.teams.views import _managed_classroom, bp

PAYLOAD_MAX_AGE = 3600  # a preview may be confirmed within the hour
MAX_UPLOAD = 512 * 1024


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cbl.roster-list")


def _sign(classroom: Classroom, checked: roster.Preview) -> str:
    return _serializer().dumps({"c": classroom.id, "u": current_user.id, "rows": checked.rows()})


def _unsign(classroom: Classroom, payload: str) -> list | None:
    """The rows of a list this teacher previewed for this class, or None for anything else."""
    try:
        data = _serializer().loads(payload, max_age=PAYLOAD_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != classroom.id or data.get("u") != current_user.id:
        return None
    rows = data.get("rows")
    if not isinstance(rows, list) or not 0 < len(rows) <= roster.MAX_LINES:
        return None
    for row in rows:
        if (not isinstance(row, list) or len(row) != 5 or not isinstance(row[0], int)
                or not all(isinstance(v, str) and len(v) <= 300 for v in row[1:])):
            return None
    return rows


def _add_page(classroom: Classroom, one=None, many=None, status: int = 200):
    return render_template("teams/roster_add.html", classroom=classroom, one=one or AddStudentForm(prefix="one"),
                           many=many or RosterListForm()), status


def _preview_page(classroom: Classroom, checked: roster.Preview, text: str, many=None, notice: str | None = None):
    many = many or RosterListForm()
    many.students.data = text
    confirm = ConfirmRosterForm()
    confirm.payload.data = _sign(classroom, checked) if checked.ok else ""
    return render_template("teams/roster_preview.html", classroom=classroom, checked=checked, many=many,
                           confirm=confirm, notice=notice, NEW=roster.NEW, EXISTING=roster.EXISTING,
                           ENROLLED=roster.ENROLLED), 200 if checked.ok else 400


@bp.get("/classes/<int:classroom_id>/roster/add")
@login_required
def roster_add(classroom_id: int):
    return _add_page(_managed_classroom(classroom_id))


@bp.post("/classes/<int:classroom_id>/roster/preview")
@login_required
def roster_preview(classroom_id: int):
    """Check a list (or one student) and show what saving it would do; nothing is saved."""
    classroom = _managed_classroom(classroom_id)
    if request.form.get("mode") == "one":
        one = AddStudentForm(prefix="one")
        if not one.validate_on_submit():
            return _add_page(classroom, one=one, status=400)
        line = roster.Line(1, one.name.data.strip(), (one.email.data or "").strip(), (one.school_id.data or "").strip(),
                           (one.username.data or "").strip())
        checked = roster.preview(classroom, roster.Preview(lines=[line]), current_user)
        text = _one_line_text(line)
        return _preview_page(classroom, checked, text)
    many = RosterListForm()
    if not many.validate_on_submit():
        return _add_page(classroom, many=many, status=400)
    text = many.students.data or ""
    upload = many.upload.data
    if upload and getattr(upload, "filename", ""):
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            many.upload.errors = [_("The file is larger than %(size)d KB: split the list.", size=MAX_UPLOAD // 1024)]
            return _add_page(classroom, many=many, status=400)
        try:
            text = roster.read_upload(data)
        except ValidationFailed as err:
            many.upload.errors = [str(err)]
            return _add_page(classroom, many=many, status=400)
    if not text.strip():
        many.students.errors = [_("Paste a list or choose a file.")]
        return _add_page(classroom, many=many, status=400)
    checked = roster.preview(classroom, roster.parse(text), current_user)
    return _preview_page(classroom, checked, text, many)


def _one_line_text(line: roster.Line) -> str:
    """A typed-in student as a list line, for the preview's editable list."""
    values = [line.name, line.email, line.school_id, line.username]
    while values and not values[-1]:
        values.pop()
    return ", ".join(f'"{v}"' if "," in v else v for v in values)


@bp.post("/classes/<int:classroom_id>/roster/confirm")
@login_required
def roster_confirm(classroom_id: int):
    """Save a previewed list, all of it or nothing, and show the one-time passwords once."""
    classroom = _managed_classroom(classroom_id)
    form = ConfirmRosterForm()
    rows = _unsign(classroom, form.payload.data or "") if form.payload.data else None
    if rows is None:
        flash(_("This preview is too old or not valid. Check the list again."), "error")
        return _add_page(classroom, status=400)
    if not form.validate_on_submit():  # a re-sent form is answered by cbl.once
        return _add_page(classroom, status=400)
    claimed = g.get("once_claim")
    if claimed is not None:  # a re-sent form leads back to the class, not to the passwords
        claimed[0].url = url_for("teams.classroom", classroom_id=classroom.id, _anchor="roster-heading")
    try:
        saved = roster.save(classroom, rows, current_user)
    except ValidationFailed as err:
        checked = roster.preview(classroom, roster.lines_from_rows(rows), current_user)
        text = "\n".join(_one_line_text(line) for line in checked.lines)
        return _preview_page(classroom, checked, text, notice=str(err))
    response = make_response(render_template("teams/roster_passwords.html", classroom=classroom, saved=saved))
    response.headers["Cache-Control"] = "no-store"
    return response


def _student_in(classroom: Classroom, user_id: int) -> User:
    student = db.session.scalar(select(User).join(Enrolment, Enrolment.user_id == User.id).where(
        Enrolment.classroom_id == classroom.id, User.id == user_id))
    if student is None:
        abort(404)
    return student


@bp.route("/classes/<int:classroom_id>/students/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_student(classroom_id: int, user_id: int):
    """Take a student out of the class, after a confirmation; nothing of theirs is deleted."""
    classroom = _managed_classroom(classroom_id)
    student = _student_in(classroom, user_id)
    form = EmptyForm()
    if request.method == "POST":
        if form.validate_on_submit():
            roster.remove(classroom, student, current_user)
            flash(_("%(name)s is no longer in %(class_name)s. Nothing was deleted: their work stays with their "
                    "team's projects.", name=student.display_name, class_name=classroom.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id, _anchor="roster-heading"))
        return render_template("teams/roster_remove.html", classroom=classroom, student=student, form=form), 400
    return render_template("teams/roster_remove.html", classroom=classroom, student=student, form=form)


def _move_targets(classroom: Classroom) -> list[Classroom]:
    return list(db.session.scalars(visible_classrooms(current_user).where(
        Classroom.archived.is_(False), Classroom.id != classroom.id).order_by(Classroom.name, Classroom.id)))


@bp.route("/classes/<int:classroom_id>/students/<int:user_id>/move", methods=["GET", "POST"])
@login_required
def move_student(classroom_id: int, user_id: int):
    """Move a student to another class the teacher teaches; their work stays with this class."""
    classroom = _managed_classroom(classroom_id)
    student = _student_in(classroom, user_id)
    targets = {c.id: c for c in _move_targets(classroom)}
    form = MoveStudentForm()
    form.target.choices = choices((c.id, f"{c.name} ({c.term})" if c.term else c.name) for c in targets.values())
    if targets and form.validate_on_submit():
        target = targets[form.target.data]
        try:
            roster.move(classroom, student, target, current_user)
        except ValidationFailed as err:
            form.target.errors = [str(err)]
        else:
            flash(_("%(name)s moved to %(class_name)s. Their work stays with this class's projects.",
                    name=student.display_name, class_name=target.name), "success")
            return redirect(url_for("teams.classroom", classroom_id=classroom.id, _anchor="roster-heading"))
    return render_template("teams/roster_move.html", classroom=classroom, student=student, form=form,
                           targets=targets), 400 if request.method == "POST" else 200
