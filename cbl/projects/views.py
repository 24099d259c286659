"""Home, challenges, the class board, the project page and phase changes."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from cbl import audit
from cbl.accounts.models import Role
from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.formtools import choices
from cbl.notifications.inbox import inbox_for
from cbl.permissions import (can_change_classroom, can_decide_phase, can_edit_project, can_manage_classroom,
                             can_request_phase, get_visible, is_archived, is_team_member, is_teacher_of,
                             renamable_people, visible_challenges, visible_classrooms, visible_projects)
from cbl.projects import hooks, lifecycle, phases, queries, services
from cbl.projects.blueprint import bp, load_project
from cbl.projects.forms import (ActivityForm, CandidateForm, ChallengeForm, DecisionForm, ElementForm,
                                GuidingQuestionForm, PhaseRequestForm, StepBackForm)
from cbl.projects.defaults import PHASE_LABELS
from cbl.projects.models import Challenge, Phase, PhaseRequest, Project
from cbl.teams.forms import EmptyForm
from cbl.teams import names
from cbl.teams.models import Classroom


@bp.get("/home")
@login_required
def home():
    """Each person's start page: students their projects, teachers their classes and
    waiting requests, partners the projects shared with them."""
    role = current_user.role
    # Archived classes, challenges and teams leave the homes; the archive page lists them.
    in_use = visible_classrooms(current_user).where(Classroom.archived.is_(False)).order_by(Classroom.name)
    if role is Role.STUDENT:
        cards = queries.student_projects(current_user)
        missing = queries.missing_elements([c.project for c in cards])
        classrooms = db.session.scalars(in_use).all()
        return render_template("projects/home_student.html", cards=cards, missing=missing, classrooms=classrooms)
    if role is Role.PARTNER:
        projects = db.session.scalars(visible_projects(current_user).options(*queries.project_options())
                                      .where(Project.id.in_(queries.active_project_ids()))).all()
        return render_template("projects/home_partner.html", projects=projects,
                               **hooks.partner_home_context(user=current_user, projects=projects))
    classrooms = db.session.scalars(in_use).all()
    # Guests' comments to approve have their own section, with the buttons to do it.
    waiting = inbox_for(current_user, without=("comment_waiting",)) if role is Role.TEACHER else []
    name_requests = names.name_requests_among(renamable_people(current_user))
    return render_template("projects/home_teacher.html", classrooms=classrooms, inbox=waiting,
                           decision_form=DecisionForm(), name_requests=name_requests,
                           name_request_classes=names.classes_of(name_requests, current_user),
                           **(hooks.teacher_home_context(user=current_user) if role is Role.TEACHER else {}))


def _challenge_fields(form: ChallengeForm) -> dict:
    return {name: getattr(form, name).data for name in services.CHALLENGE_FIELDS}


@bp.route("/classes/<int:classroom_id>/challenges/new", methods=["GET", "POST"])
@login_required
def create_challenge(classroom_id: int):
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_change_classroom(current_user, classroom):
        abort(403, _("You can't add challenges to this class."))
    form = ChallengeForm()
    duplicate = None
    if form.validate_on_submit() and not (duplicate := _duplicate_title(form, classroom)):
        try:
            challenge = services.create_challenge(classroom, current_user, **_challenge_fields(form))
        except ValidationFailed as err:
            getattr(form, err.field or "title").errors = [str(err)]
        else:
            flash(_("Challenge “%(title)s” created: every team of the class has its project.",
                    title=challenge.title), "success")
            return redirect(url_for("projects.board", classroom_id=classroom.id))
    return render_template("projects/challenge_form.html", form=form, classroom=classroom, challenge=None,
                           duplicate=duplicate), 400 if request.method == "POST" and not duplicate else 200


def _duplicate_title(form: ChallengeForm, classroom: Classroom, challenge: Challenge | None = None) -> str | None:
    """The warning for a title the class already uses, unless the teacher confirmed it."""
    if form.confirm_duplicate.data or not lifecycle.challenge_title_taken(
            classroom.id, form.title.data, challenge.id if challenge else None):
        return None
    return _("This class already has a challenge called “%(title)s”. Tick the box below and save again to keep "
             "the name anyway, or change it.", title=form.title.data.strip())


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit_challenge(challenge_id: int):
    challenge = get_visible(visible_challenges(current_user), Challenge, challenge_id)
    if challenge.archived or not can_change_classroom(current_user, challenge.classroom):
        abort(403, _("You can't change this challenge: only the class's teachers can, and not while it is archived."))
    form = ChallengeForm(obj=challenge)
    conflict = None
    if request.method == "GET":
        form.size.data = challenge.size.value
    duplicate = None
    if form.validate_on_submit() and not (duplicate := _duplicate_title(form, challenge.classroom, challenge)):
        try:
            services.update_challenge(challenge, form.version.data, current_user, **_challenge_fields(form))
        except ValidationFailed as err:
            getattr(form, err.field or "title").errors = [str(err)]
        except EditConflict as err:
            conflict = err
            form.version.data, form.version.raw_data = err.current_version, [str(err.current_version)]
        else:
            flash(_("Challenge saved."), "success")
            return redirect(url_for("projects.board", classroom_id=challenge.classroom_id))
    return render_template("projects/challenge_form.html", form=form, classroom=challenge.classroom,
                           challenge=challenge, duplicate=duplicate, conflict=conflict), \
        409 if conflict else (400 if request.method == "POST" and not duplicate else 200)


@bp.get("/classes/<int:classroom_id>/board")
@login_required
def board(classroom_id: int):
    """The teacher's class board: every team at a glance, requests answered in place."""
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_manage_classroom(current_user, classroom):
        abort(403, _("The class board is for the class's teachers."))
    challenges = [c for c in classroom.challenges if not c.archived]
    return render_template("projects/board.html", classroom=classroom, challenges=challenges,
                           board=queries.class_board(classroom), decision_form=DecisionForm(),
                           may_decide=current_user.role is Role.TEACHER and not classroom.archived,
                           **hooks.board_context(classroom=classroom))


def render_project(project: Project, status: int = 200, **overrides):
    """The project page, with ``overrides`` replacing the blank forms (after a failed save)."""
    page = queries.project_page(project)
    shown = request.args.get("phase") or overrides.pop("phase", None)
    try:
        shown_phase = Phase(shown) if shown else project.phase
    except ValueError:
        shown_phase = project.phase
    member = is_team_member(current_user, project.team_id)
    teacher = not member and is_teacher_of(current_user, project.team.classroom_id)
    archived = is_archived(project)  # archived: readable by the same people, editable by none
    editable = (member or teacher) and not archived
    forms = dict(candidate_form=CandidateForm(), question_form=GuidingQuestionForm(), request_form=PhaseRequestForm(),
                 decision_form=DecisionForm(), step_back_form=_step_back_form(project), empty=EmptyForm(),
                 activity_form=_activity_form(page))
    forms.update(overrides)
    return render_template(
        "projects/detail.html", page=page, project=project, shown_phase=shown_phase, editable=editable,
        archived=archived,
        may_request=member and not archived, may_decide=teacher and not archived, member=member, element_form=ElementForm,
        **hooks.project_page_context(project, member=member, teacher=teacher, shown_phase=shown_phase), **forms), status


def _activity_form(page, form: ActivityForm | None = None) -> ActivityForm:
    form = form or ActivityForm(formdata=None)
    form.questions.choices = choices((q.id, q.text) for q in page.questions)
    return form


def _step_back_form(project: Project, form: StepBackForm | None = None) -> StepBackForm:
    form = form or StepBackForm(formdata=None)
    # Nearest first, so the default is one step back, never a skip.
    form.to_phase.choices = choices((p.value, PHASE_LABELS[p]) for p in reversed(Phase) if p.index < project.phase.index)
    return form


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    project = load_project(project_id)
    if current_user.role is Role.PARTNER:
        audit.record_now(audit.Action.PARTNER_VIEW, actor_id=current_user.id, classroom_id=project.team.classroom_id,
                         object_type="project", object_id=project.id)
        services.note_partner_visit(project, current_user)
    return render_project(project)


def _redirect_to(project: Project, phase: Phase | None = None):
    return redirect(url_for("projects.detail", project_id=project.id, phase=(phase or project.phase).value))


@bp.post("/projects/<int:project_id>/phase/request")
@login_required
def request_phase(project_id: int):
    project = load_project(project_id)
    if not can_request_phase(current_user, project):
        abort(403, _("Only the team can ask to move its project on."))
    form = PhaseRequestForm()
    if not form.validate_on_submit():
        return render_project(project, 400, request_form=form)
    try:
        result = phases.request_next_phase(project, current_user, form.note.data or "")
    except ValidationFailed as err:
        flash(str(err), "error")
    else:
        if isinstance(result, PhaseRequest):
            flash(_("Your teacher has been asked to let you move on to %(phase)s.",
                    phase=PHASE_LABELS[result.to_phase]), "success")
        else:
            flash(_("Your project moved on to %(phase)s.", phase=PHASE_LABELS[project.phase]), "success")
    return _redirect_to(project)


@bp.post("/projects/<int:project_id>/phase/withdraw")
@login_required
def withdraw_phase_request(project_id: int):
    project = load_project(project_id)
    if not can_request_phase(current_user, project):
        abort(403, _("Only the team can withdraw its request."))
    if EmptyForm().validate_on_submit():
        try:
            phases.withdraw_request(project, current_user)
        except NotFound:
            flash(_("There was no request waiting."), "error")
        else:
            flash(_("Your request is withdrawn."), "success")
    return _redirect_to(project)


@bp.post("/projects/<int:project_id>/phase/back")
@login_required
def step_back(project_id: int):
    project = load_project(project_id)
    if not can_request_phase(current_user, project):
        abort(403, _("Only the team can take its project back to an earlier phase."))
    form = _step_back_form(project, StepBackForm())
    if form.validate_on_submit():
        try:
            phases.step_back(project, current_user, Phase(form.to_phase.data), form.reason.data)
        except ValidationFailed as err:
            getattr(form, err.field or "reason").errors = [str(err)]
        else:
            flash(_("Your project is back in %(phase)s. The history keeps why.",
                    phase=PHASE_LABELS[project.phase]), "success")
            return _redirect_to(project)
    return render_project(project, 400, step_back_form=form)


@bp.post("/phase-requests/<int:request_id>/decide")
@login_required
def decide(request_id: int):
    """Approve or return a request, from the board, the home page or the project page."""
    phase_request = db.session.scalar(select(PhaseRequest).where(
        PhaseRequest.id == request_id,
        PhaseRequest.project_id.in_(visible_projects(current_user).with_only_columns(Project.id))))
    if phase_request is None:
        abort(404)
    project = load_project(phase_request.project_id)
    if not can_decide_phase(current_user, project):
        abort(403, _("Only the class's teachers answer requests to move on."))
    form = DecisionForm()
    back = _safe_back(url_for("projects.board", classroom_id=project.team.classroom_id))
    if not form.validate_on_submit():
        flash(_("Choose approve or return."), "error")
        return redirect(back)
    try:
        phases.decide_request(phase_request, current_user, form.decision.data == "approve", form.comment.data or "")
    except ValidationFailed as err:
        flash(str(err), "error")
    else:
        if form.decision.data == "approve":
            flash(_("%(team)s moved on to %(phase)s.", team=project.team.name,
                    phase=PHASE_LABELS[phase_request.to_phase]), "success")
        else:
            flash(_("The request of %(team)s was returned with your comment.", team=project.team.name), "success")
    return redirect(back)


def _safe_back(default: str) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default
