"""Grading pages for teachers: the teams of a challenge, the grading page of one team (or
one of its students), releasing one assessment or all drafts; and, on the project page, the
links into assessing. The students' and partners' pages are in ``grading_voice_views``."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.views import _safe_next
from cbl.assessment.grading import services as grading
from cbl.assessment.grading import queries as grading_queries
from cbl.assessment.access import visible_assessments
from cbl.assessment.blueprint import bp
from cbl.assessment.grading.forms import (MAX_ID, AssessmentForm, TeacherGradeForm, comment_name, level_name,
                                          read_marks, rubric_form, unknown_criteria)
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus
from cbl.errors import EditConflict, Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import EmptyForm
from cbl.permissions import get_visible, is_teacher_of, person_name, visible_challenges
from cbl.portfolio.queries import TimelineFilter, project_timeline
from cbl.projects import hooks
from cbl.projects.blueprint import load_project
from cbl.projects.models import Challenge, Project

ENTRY_LIMIT = 60  # the newest entries beside the rubric; the whole portfolio is a link away


def rubric_link(challenge: Challenge) -> str | None:
    """The page where a teacher chooses the challenge's rubric, once that page exists."""
    if "assessment.rubric_challenge" not in current_app.view_functions:
        return None
    return url_for("assessment.rubric_challenge", challenge_id=challenge.id)


def _teacher_challenge(challenge_id: int) -> Challenge:
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if not is_teacher_of(current_user, challenge.classroom_id):
        abort(403, _("Only the class's teachers grade this challenge."))
    return challenge


def _student_arg() -> int | None:
    """``?student=<id>``: assess one member rather than the team (404 for nonsense)."""
    raw = request.args.get("student", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        abort(404)
    return int(raw)


def place_error(form: AssessmentForm, err: ValidationFailed) -> str | None:
    """Put a service's message on its field; return it when it belongs to no visible field."""
    if err.field and err.field in form and err.field not in ("version", "rubric_id"):
        form[err.field].errors = [*form[err.field].errors, str(err)]
        return None
    return str(err)


def hidden_problem(form: AssessmentForm) -> str | None:
    """A clear message for a tampered or outdated hidden field (they have no label to show)."""
    if form.version.errors or form.rubric_id.errors:
        return _("This form is out of date. Reload the page; your choices below are kept until you do.")
    return None


@bp.get("/challenges/<int:challenge_id>/grade")
@login_required
def grade(challenge_id: int):
    """The teams of a challenge with the state of their assessments."""
    challenge = _teacher_challenge(challenge_id)
    return render_template("assessment/grading/challenge.html", challenge=challenge,
                           settings=grading.challenge_settings(challenge.id),
                           rows=grading_queries.challenge_overview(current_user, challenge),
                           rubric_link=rubric_link(challenge), empty=EmptyForm())


@bp.post("/challenges/<int:challenge_id>/grade/release")
@login_required
def grade_release_all(challenge_id: int):
    challenge = _teacher_challenge(challenge_id)
    if EmptyForm().validate_on_submit():
        result = grading.release_drafts(challenge, current_user)
        flash(ngettext("%(num)d assessment released; its students are told.",
                       "%(num)d assessments released; their students are told.", result.released)
              if result.released else _("No draft was ready to release."), "success" if result.released else "error")
        if result.skipped:
            flash(ngettext("%(num)d draft has no level yet and stays a draft.",
                           "%(num)d drafts have no level yet and stay drafts.", result.skipped), "error")
    return redirect(url_for("assessment.grade", challenge_id=challenge.id))


@bp.post("/assessments/<int:assessment_id>/release")
@login_required
def grade_release(assessment_id: int):
    assessment = get_visible(visible_assessments(current_user).options(
        joinedload(Assessment.project).joinedload(Project.team), selectinload(Assessment.scores)),
        Assessment, assessment_id)
    if assessment.kind is not AssessmentKind.TEACHER or not grading.can_grade(current_user, assessment.project):
        abort(403, _("You can't release assessments in this class."))
    back = _safe_next(request.form.get("next")) or url_for(
        "assessment.grade_project", project_id=assessment.project_id, student=assessment.student_id)
    if EmptyForm().validate_on_submit():
        try:
            released = grading.release_assessment(assessment, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("Released: the students can read it now.") if released else _("It was released already."),
                  "success")
    return redirect(back)


def render_grading(page: grading_queries.GradingPage, form: TeacherGradeForm, status: int = 200, **extra):
    """The grading page, with ``form`` (as typed, after a refused save)."""
    entries = list(db.session.scalars(
        project_timeline(current_user, page.project, TimelineFilter()).limit(ENTRY_LIMIT)))
    return render_template(
        "assessment/grading/project.html", page=page, project=page.project, form=form, entries=entries,
        who=person_name(page.student) if page.student else page.project.team.name,
        level_name=level_name, comment_name=comment_name, voice_label=grading_queries.voice_label,
        rubric_link=rubric_link(page.project.challenge), problem=extra.pop("problem", None) or hidden_problem(form),
        **extra), status


@bp.route("/projects/<int:project_id>/grade", methods=["GET", "POST"])
@login_required
def grade_project(project_id: int):
    """Grade the team (or, with ``?student=``, one member): the portfolio beside the rubric."""
    project = load_project(project_id)
    if not grading.can_grade(current_user, project):
        abort(403, _("Only the class's teachers grade this project."))
    student_id = _student_arg()
    try:
        page = grading_queries.grading_page(current_user, project, student_id)
    except NotFound:
        abort(404)
    if page.grid is None:
        return render_template("assessment/grading/no_rubric.html", project=project,
                               rubric_link=rubric_link(project.challenge)), 409 if request.method == "POST" else 200
    if request.method == "GET":
        form = rubric_form(TeacherGradeForm, page.grid, comments=True, assessment=page.current)
        if page.current is None:
            form.work_date.data = project.last_activity_at.date()
        return render_grading(page, form)
    form = rubric_form(TeacherGradeForm, page.grid, comments=True, formdata=request.form)
    if unknown_criteria(request.form, form):
        return render_grading(page, form, 400, problem=_(
            "This form holds a criterion that is not in the rubric. Reload the page and choose again."))
    if not form.validate_on_submit():
        return render_grading(page, form, 400)
    was_draft = page.current is None or page.current.status is AssessmentStatus.DRAFT
    try:
        saved = grading.save_teacher_assessment(
            project, current_user, student_id=student_id, rubric_id=form.rubric_id.data,
            base_version=form.version.data, marks=read_marks(form, page.grid), release=bool(form.release.data))
    except EditConflict as conflict:
        form.version.data, form.version.raw_data = conflict.current_version, [str(conflict.current_version)]
        page = grading_queries.grading_page(current_user, load_project(project_id), student_id)
        return render_grading(page, form, 409, conflict=conflict)
    except ValidationFailed as err:
        return render_grading(page, form, 400, problem=place_error(form, err))
    except Forbidden:
        abort(403, _("Only the class's teachers grade this project."))
    except NotFound:
        abort(404)
    who = page.student.display_name if page.student else project.team.name
    if form.release.data and was_draft:
        message = _("Assessment of %(who)s released: the students are told.", who=who)
    elif saved.status is AssessmentStatus.RELEASED:
        message = _("Correction saved. The assessment of %(who)s stays released; the students are told and "
                    "the change is in the audit log.", who=who)
    elif page.student:
        message = _("Draft saved. %(who)s cannot see it until you release it.", who=who)
    else:
        message = _("Draft saved. The students of %(who)s cannot see it until you release it.", who=who)
    flash(message, "success")
    return redirect(url_for("assessment.grade_project", project_id=project.id, student=student_id))


# --- on the project page -----------------------------------------------------------------------

@hooks.project_page_extra
def _project_panel(project: Project, *, member: bool = False, teacher: bool = False, **_known) -> dict:
    """The assessing panel of the project page: teachers grade (no query: the grading page
    says when the challenge has no rubric yet); team members assess themselves and their
    teammates when the challenge asks them to, and read their released assessments;
    partners' rating is offered by :mod:`cbl.assessment.partner.views`."""
    if teacher:
        return {"grading_panel": {"teacher": True}}
    if not member:
        return {}
    settings = grading.challenge_settings(project.challenge_id)
    return {"grading_panel": {"member": True, "self": grading.voice_on(settings, AssessmentKind.SELF),
                              "peer": grading.voice_on(settings, AssessmentKind.PEER)}}


from cbl.assessment.grading import voice_views as grading_voice_views  # noqa: E402,F401  (the students' and partners' routes)
from cbl.assessment.grading import peer_views as grading_peer_views  # noqa: E402,F401  (the peer scale's editor)
