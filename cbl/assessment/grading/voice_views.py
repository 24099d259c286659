"""Assessments for students and partners: a student's released assessments, one assessment,
and the other voices a challenge may ask for — self-assessment, peer evaluation of a
teammate, a partner's rating. Rules in :mod:`cbl.assessment.grading.services`."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cbl.accounts.models import Role, User
from cbl.assessment.grading import services as grading
from cbl.assessment.grading import queries as grading_queries
from cbl.assessment.blueprint import bp
from cbl.assessment.grading.peer import peer_rubric_id
from cbl.assessment.grading.forms import VoiceForm, comment_name, level_name, read_marks, rubric_form, unknown_criteria
from cbl.assessment.grading.views import hidden_problem, place_error
from cbl.assessment.models import AssessmentKind
from cbl.errors import EditConflict, Forbidden, NotFound, ValidationFailed
from cbl.permissions import person_name, role_required, show_full_names_of
from cbl.portfolio.queries import team_members
from cbl.projects.blueprint import load_project
from cbl.projects.models import Project


@bp.get("/assessments")
@role_required(Role.STUDENT)
def my_assessments():
    """The student's released assessments, newest work first, with the other voices beside."""
    items = grading_queries.student_assessments(current_user)
    voices = grading_queries.voices_about(current_user, sorted({a.project_id for a in items}))
    return render_template("assessment/grading/mine.html", items=items, voices=voices,
                           score_rows=grading_queries.score_rows, voice_label=grading_queries.voice_label)


@bp.get("/assessments/<int:assessment_id>")
@login_required
def view_assessment(assessment_id: int):
    """One assessment, read-only, for whoever may read it (its students once released)."""
    try:
        assessment = grading_queries.load_assessment(current_user, assessment_id)
    except NotFound:
        abort(404)
    show_full_names_of(assessment.project.team.classroom)
    return render_template("assessment/grading/detail.html", assessment=assessment,
                           rows=grading_queries.score_rows(assessment),
                           label=grading_queries.voice_label(assessment, current_user),
                           may_grade=grading.can_grade(current_user, assessment.project))


def _titles(kind: AssessmentKind, student: User | None) -> tuple[str, str, str]:
    """The page's title, its lead and the label of the overall comment."""
    if kind is AssessmentKind.SELF:
        return (_("My self-assessment"), _("Where do you stand on each criterion? Be honest: your teacher reads "
                                           "it beside their own assessment."), _("What I learned, overall"))
    if kind is AssessmentKind.PEER:
        name = person_name(student)
        return (_("Evaluate %(name)s's contribution", name=name),
                _("How did %(name)s contribute to the team's work? Skip what you cannot judge. %(name)s sees "
                  "your evaluation without your name.", name=name),
                _("%(name)s's contribution to the team", name=name))
    return (_("Rate this project"), _("A short rating for the team: choose what fits for each criterion you can "
                                      "judge, and add a comment if you wish. The teacher reads it."),
            _("Your comment for the team"))


def _voice(project: Project, kind: AssessmentKind, student: User | None):
    """GET: the form (read-only once final); POST: submit it, or show it again as typed."""
    settings = grading.challenge_settings(project.challenge_id)
    if not grading.may_use_voice(current_user, project, settings, kind):
        abort(403, _("This challenge does not ask you for that assessment."))
    student_id = student.id if student is not None else None
    existing = grading.find_assessment(current_user, project.id, kind, student_id=student_id,
                                       assessor_id=current_user.id)
    if existing is not None:
        grid = grading.load_grid(existing.rubric_id)
    elif kind is AssessmentKind.PEER:
        grid = grading.load_grid(peer_rubric_id(project.challenge, current_user))
    else:
        grid = grading.load_grid(settings.rubric_id)
    locked = kind is not AssessmentKind.PARTNER and grading.voices_locked(project.id, existing)
    comments = kind is AssessmentKind.SELF
    status, extra = 200, {}
    if request.method == "GET":
        form = rubric_form(VoiceForm, grid, comments=comments, assessment=existing)
    else:
        if locked:
            abort(403, _("This assessment is final: your teacher has released the team's assessment."))
        form = rubric_form(VoiceForm, grid, comments=comments, formdata=request.form)
        if unknown_criteria(request.form, form):
            status, extra["problem"] = 400, _("This form holds a criterion that is not in the rubric. Reload the "
                                              "page and choose again.")
        elif not form.validate_on_submit():
            status = 400
        else:
            try:
                grading.submit_voice(project, current_user, kind, student_id=student_id,
                                     rubric_id=form.rubric_id.data, base_version=form.version.data,
                                     marks=read_marks(form, grid))
            except EditConflict as conflict:
                form.version.data, form.version.raw_data = conflict.current_version, [str(conflict.current_version)]
                status, extra["problem"] = 409, str(conflict)
            except ValidationFailed as err:
                status, extra["problem"] = 400, place_error(form, err)
            except Forbidden:
                abort(403, _("This assessment is final: your teacher has released the team's assessment."))
            except NotFound:
                abort(404)
            else:
                flash(_("Thank you: it is submitted. You can change it until your teacher releases the team's "
                        "assessment.") if kind is not AssessmentKind.PARTNER else _("Thank you for your rating."),
                      "success")
                return redirect(url_for("projects.detail", project_id=project.id))
    title, lead, overall_label = _titles(kind, student)
    form.overall_comment.label.text = overall_label
    return render_template("assessment/grading/voice.html", project=project, grid=grid, form=form, kind=kind,
                           existing=existing, locked=locked, title=title, lead=lead, student=student,
                           level_name=level_name, comment_name=comment_name,
                           problem=extra.get("problem") or hidden_problem(form)), status


@bp.route("/projects/<int:project_id>/self-assessment", methods=["GET", "POST"])
@login_required
def self_assess(project_id: int):
    return _voice(load_project(project_id), AssessmentKind.SELF, current_user)


@bp.route("/projects/<int:project_id>/peers/<int:user_id>", methods=["GET", "POST"])
@login_required
def peer_evaluate(project_id: int, user_id: int):
    """A team member evaluates one teammate's contribution (404 for anyone else's id)."""
    project = load_project(project_id)
    settings = grading.challenge_settings(project.challenge_id)
    if not grading.may_use_voice(current_user, project, settings, AssessmentKind.PEER):
        abort(403, _("This challenge does not ask you for that assessment."))
    teammate = next((m for m in team_members(project) if m.id == user_id), None)
    if teammate is None or teammate.id == current_user.id:
        abort(404)
    return _voice(project, AssessmentKind.PEER, teammate)
