"""Mastery pages: a student's competency profile, growth per competency and transcript; the
class heat map, gradebook download and mastery settings (issue 5 points 4, 5 and 7).

Who may (DESIGN.md §4, "see assessments and mastery"):
- a student's profile, growth and transcript: the student themself, the class's teachers and
  admins. Anyone else gets 404, another student of the class too: whose results exist is
  nobody else's business;
- the heat map: the class's teachers and admins (403 for its students);
- the gradebook and the settings: the class's teachers (403 for its students and admins).

Every number comes from :mod:`cbl.assessment.mastery.services`, which reads only what the
visitor may read."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from babel.numbers import format_decimal
from sqlalchemy import select

from cbl.accounts.models import Role, User
from cbl import audit
from cbl.assessment.mastery import services as service
from cbl.assessment.access import visible_goals
from cbl.assessment.blueprint import bp
from cbl.assessment.mastery.methods import METHOD_LABELS, Method
from cbl.assessment.mastery.scale import level_name
from cbl.assessment.mastery.charts import growth_chart, profile_chart
from cbl.assessment.mastery.export import gradebook_csv, gradebook_filename
from cbl.assessment.mastery.gradebook import gradebook_wide_csv, gradebook_wide_filename
from cbl.assessment.mastery.forms import METHOD_HINTS, MasterySettingsForm
from cbl.assessment.models import AssessmentKind, LearningGoal
from cbl.competencies.models import Competency
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.permissions import can_manage_classroom, can_read_class_mastery, get_visible, is_teacher_of, visible_classrooms
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment

KIND_LABELS = {AssessmentKind.TEACHER: _l("Teacher"), AssessmentKind.SELF: _l("Self-assessment"),
               AssessmentKind.PEER: _l("Teammate"), AssessmentKind.PARTNER: _l("Partner")}
# Where an assessment is read, by role: the first of these endpoints that exists is linked
# (the pages belong to the grading area, which may rename them).
ASSESSMENT_PAGES = {Role.STUDENT: ("assessment.view_assessment", "assessment.my_assessments"),
                    Role.TEACHER: ("assessment.view_assessment", "assessment.grade_project"),
                    Role.ADMIN: ("assessment.view_assessment",),
                    Role.SCHOOL_ADMIN: ("assessment.view_assessment",)}


# --- loaders ---------------------------------------------------------------------------------

def _load_student(classroom_id: int, student_id: int) -> tuple[Classroom, User]:
    """The class and one of its students, if the visitor may see that student's mastery:
    the student themself, the class's teachers, admins. 404 for everyone else."""
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if current_user.role is Role.STUDENT and current_user.id != student_id:
        abort(404)
    if current_user.role is not Role.STUDENT and not can_manage_classroom(current_user, classroom):
        abort(404)
    student = db.session.scalar(select(User).join(Enrolment, Enrolment.user_id == User.id).where(
        Enrolment.classroom_id == classroom.id, User.id == student_id, User.role == Role.STUDENT))
    if student is None:
        abort(404)
    return classroom, student


def _load_class(classroom_id: int) -> Classroom:
    """A class for its teachers and admins: 404 if invisible, 403 for anyone else (the same
    rule hides the links to its pages)."""
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_read_class_mastery(current_user, classroom):
        abort(403, _("The class's mastery is for its teachers and the school's administrators."))
    return classroom


def assessment_url(assessment_id: int, project_id: int, classroom_id: int, student_id: int) -> str | None:
    """A link to where the visitor reads this assessment, if that page exists."""
    known = {"assessment_id": assessment_id, "project_id": project_id, "classroom_id": classroom_id,
             "student_id": student_id}
    for endpoint in ASSESSMENT_PAGES.get(current_user.role, ()):
        if endpoint not in current_app.view_functions:
            continue
        for rule in current_app.url_map.iter_rules(endpoint):
            if rule.arguments <= set(known):
                anchor = None if "assessment_id" in rule.arguments else f"assessment-{assessment_id}"
                return url_for(endpoint, **{name: known[name] for name in rule.arguments}, _anchor=anchor)
    return None


@bp.app_template_filter("mastery_num")
def mastery_num(value: float | None) -> str:
    """A level or mastery value for reading: at most two decimals, in the page's language."""
    if value is None:
        return "–"
    return format_decimal(round(value, 2), format="#,##0.##", locale=get_locale() or "en")


def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "method_labels": METHOD_LABELS, "assessment_url": assessment_url}


# --- a student's mastery -----------------------------------------------------------------------

@bp.get("/classes/<int:classroom_id>/students/<int:student_id>/profile")
@login_required
def profile(classroom_id: int, student_id: int):
    """The jagged profile: every competency of the class as a bar, each linked to its evidence."""
    classroom, student = _load_student(classroom_id, student_id)
    mastery = service.class_mastery(current_user, classroom, students=[student])
    scale = mastery.scale.levels
    results = {c.id: r for c in mastery.competencies if (r := mastery.result(student.id, c.id))}
    chart = profile_chart(mastery.competencies, results, scale, mastery.settings.proficient_points)
    return render_template("assessment/mastery/profile.html", classroom=classroom, student=student,
                           mastery=mastery, results=results, chart=chart, scale=scale, **_labels())


@bp.get("/classes/<int:classroom_id>/students/<int:student_id>/growth/<int:competency_id>")
@login_required
def growth(classroom_id: int, student_id: int, competency_id: int):
    """One competency over time: each piece of evidence by the date of its work, and the
    running mastery value."""
    classroom, student = _load_student(classroom_id, student_id)
    competency = db.get_or_404(Competency, competency_id)
    mastery = service.class_mastery(current_user, classroom, students=[student], competency_id=competency.id)
    points = service.growth(mastery.settings, mastery.items(student.id, competency.id), mastery.scale)
    scale = mastery.scale.levels
    chart = growth_chart(points, scale, mastery.settings.proficient_points)
    return render_template("assessment/mastery/growth.html", classroom=classroom, student=student,
                           competency=competency, mastery=mastery, points=points, chart=chart,
                           result=mastery.result(student.id, competency.id), **_labels())


def _transcript_section(classroom: Classroom, student: User) -> dict:
    """What the transcript shows of one class: its teachers, the student's mastery and goals."""
    mastery = service.class_mastery(current_user, classroom, students=[student])
    goals = db.session.scalars(visible_goals(current_user).where(
        LearningGoal.student_id == student.id, LearningGoal.classroom_id == classroom.id)
        .order_by(LearningGoal.created_at)).all()
    goals_by_competency: dict[int | None, list[LearningGoal]] = {}
    for goal in goals:
        goals_by_competency.setdefault(goal.competency_id, []).append(goal)
    teachers = db.session.scalars(select(User).join(ClassroomTeacher, ClassroomTeacher.user_id == User.id)
                                  .where(ClassroomTeacher.classroom_id == classroom.id)
                                  .order_by(User.display_name)).all()
    return {"classroom": classroom, "mastery": mastery, "goals": goals_by_competency, "teachers": teachers}


def _render_transcript(student: User, sections: list[dict], *, back_classroom: Classroom | None):
    return render_template("assessment/mastery/transcript.html", student=student, sections=sections,
                           back_classroom=back_classroom, printed_on=utcnow().date(),
                           school_name=current_app.config.get("SCHOOL_NAME") or "CBL Tracker",
                           level_name=level_name, **_labels())


@bp.get("/classes/<int:classroom_id>/students/<int:student_id>/transcript")
@login_required
def transcript(classroom_id: int, student_id: int):
    """A printable competency transcript of one student in one class."""
    classroom, student = _load_student(classroom_id, student_id)
    return _render_transcript(student, [_transcript_section(classroom, student)], back_classroom=classroom)


@bp.get("/students/<int:student_id>/transcript")
@login_required
def transcript_all(student_id: int):
    """The transcript across every class of the student the visitor may read: all of them
    for the student themself and admins, the classes they teach for a teacher (404 when none)."""
    if current_user.role is Role.STUDENT and current_user.id != student_id:
        abort(404)
    if current_user.role not in (Role.STUDENT, Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN):
        abort(404)
    student = db.session.scalar(select(User).where(User.id == student_id, User.role == Role.STUDENT))
    if student is None:
        abort(404)
    classrooms = db.session.scalars(
        visible_classrooms(current_user).join(Enrolment, Enrolment.classroom_id == Classroom.id)
        .where(Enrolment.user_id == student.id).order_by(Classroom.created_at, Classroom.id)).all()
    if not classrooms:
        abort(404)
    return _render_transcript(student, [_transcript_section(c, student) for c in classrooms], back_classroom=None)


# --- the class ---------------------------------------------------------------------------------

@bp.get("/classes/<int:classroom_id>/heatmap")
@login_required
def heatmap(classroom_id: int):
    """Students × competencies, each cell the student's mastery with a link to their profile."""
    classroom = _load_class(classroom_id)
    mastery = service.class_mastery(current_user, classroom)
    return render_template("assessment/mastery/heatmap.html", classroom=classroom, mastery=mastery,
                           **_labels())


@bp.get("/classes/<int:classroom_id>/gradebook.csv")
@login_required
def gradebook(classroom_id: int):
    """The class gradebook (released assessments only) as a CSV download, streamed."""
    classroom = _load_class(classroom_id)
    audit.record_now(audit.Action.GRADEBOOK_EXPORTED, actor_id=current_user.id, classroom_id=classroom.id,
                     object_type="classroom", object_id=classroom.id)
    response = Response(stream_with_context(gradebook_csv(current_user.id, classroom.id)),
                        content_type="text/csv; charset=utf-8")
    filename = gradebook_filename(classroom, utcnow().date())
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/classes/<int:classroom_id>/gradebook-students.csv")
@login_required
def gradebook_wide(classroom_id: int):
    """The gradebook with one row per student (competencies' mastery and each released
    assessment); ``?voices=1`` adds self, peer and partner assessments to the teacher's."""
    classroom = _load_class(classroom_id)
    other_voices = request.args.get("voices") == "1"
    audit.record_now(audit.Action.GRADEBOOK_EXPORTED, actor_id=current_user.id, classroom_id=classroom.id,
                     object_type="classroom", object_id=classroom.id,
                     detail="one row per student" + (", with self, peer and partner" if other_voices else ""))
    response = Response(stream_with_context(gradebook_wide_csv(current_user.id, classroom.id,
                                                               other_voices=other_voices)),
                        content_type="text/csv; charset=utf-8")
    filename = gradebook_wide_filename(classroom, utcnow().date())
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/classes/<int:classroom_id>/mastery-settings", methods=["GET", "POST"])
@login_required
def mastery_settings(classroom_id: int):
    """How the class computes mastery: the method and its numbers."""
    classroom = _load_class(classroom_id)
    settings = service.get_settings(classroom.id)
    form = MasterySettingsForm(obj=settings)
    if request.method == "GET":
        form.method.data = Method(settings.method).value
    if form.validate_on_submit():
        try:
            service.update_settings(classroom, method=form.method.data, weight=form.weight.data,
                                    times=form.times.data, proficient_points=form.proficient_points.data,
                                    count_other_voices=form.count_other_voices.data, acting=current_user)
        except ValidationFailed as err:
            getattr(form, err.field or "method").errors = [str(err)]
        else:
            flash(_("Mastery settings saved. Every profile and the heat map now use them."), "success")
            return redirect(url_for("assessment.heatmap", classroom_id=classroom.id))
    scale = [(mastery_num(points), label) for points, label in service.class_scale(current_user, classroom.id)]
    return render_template("assessment/mastery/settings.html", classroom=classroom, form=form,
                           method_hints=METHOD_HINTS, scale=scale), 400 if request.method == "POST" else 200
