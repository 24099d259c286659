"""Inviting partners (teachers) and accepting an invitation (the invited person)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl.accounts import sessions
from cbl.audit import Action, AuditEvent, describe_detail, name_objects
from cbl.accounts.models import Role, get_user_by_email
from cbl.errors import Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.feedback import invitations
from cbl.feedback.forms import AcceptForm, InviteForm
from cbl.feedback.models import Invitation, InvitationKind
from cbl.formtools import choices
from cbl.paging import paginate
from cbl.permissions import (can_manage_classroom, get_visible, is_teacher_of, role_required, visible_audit_events,
                             visible_classrooms)
from cbl.projects.blueprint import load_project
from cbl.projects.models import Project
from cbl.ratelimit import invitation_limits
from cbl.school import school_name
from cbl.teams.forms import EmptyForm
from cbl.teams.models import Classroom, Team

bp = Blueprint("feedback", __name__)


@bp.route("/projects/<int:project_id>/invite", methods=["GET", "POST"])
@login_required
@invitation_limits
def invite(project_id: int):
    """Invite a guest to this project (and others the inviter may share): teachers invite
    community partners, the team too where the class allows it, and a student their family."""
    project = load_project(project_id)
    kind = InvitationKind.FAMILY if request.args.get("kind") == "family" else InvitationKind.PARTNER
    if not invitations.may_invite(current_user, project, kind):
        abort(403, _("You can't invite guests to this project."))
    form = InviteForm()
    if kind is InvitationKind.FAMILY:
        form.message.description = _("Tell them what your project is about and what you would like to hear.")
    form.projects.choices = choices((p.id, f"{p.challenge.title} · {p.team.name}")
                                    for p in invitations.invitable_projects(current_user, project))
    if request.method == "GET":
        form.projects.data = [project.id]
    elif form.validate_on_submit():
        try:
            invitation = invitations.invite(current_user, project, form.email.data, form.message.data or "",
                                            form.projects.data or [], kind)
        except ValidationFailed as err:
            getattr(form, err.field or "email").errors = [str(err)]
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            if is_teacher_of(current_user, project.team.classroom_id):
                return redirect(url_for("feedback.classroom_invitations", classroom_id=project.team.classroom_id))
            return redirect(url_for("feedback.invite", project_id=project.id,
                                    kind=kind.value if kind is InvitationKind.FAMILY else None))
    teacher = is_teacher_of(current_user, project.team.classroom_id)
    sent = [] if teacher else invitations.sent_by(current_user, project.team.classroom_id)
    return render_template("feedback/invite.html", form=form, project=project, kind=kind.value, sent=sent,
                           teacher=teacher), 400 if request.method == "POST" else 200


@bp.get("/classes/<int:classroom_id>/invitations")
@login_required
def classroom_invitations(classroom_id: int):
    classroom = get_visible(visible_classrooms(current_user), Classroom, classroom_id)
    if not can_manage_classroom(current_user, classroom):
        abort(403, _("Only the class's teachers see its invitations."))
    listed = invitations.list_for_classroom(classroom)
    removed = invitations.removed_grants(classroom)
    # Accepted invitations whose guest a teacher has since removed from all their projects.
    ended = {i.id for i in listed if i.accepted_by_id and i.projects
             and all((p.id, i.accepted_by_id) in removed for p in i.projects)}
    return render_template("feedback/invitations.html", classroom=classroom, invitations=listed, ended=ended,
                           may_revoke=is_teacher_of(current_user, classroom.id), empty=EmptyForm())


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int):
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id,
        Invitation.classroom_id.in_(visible_classrooms(current_user).with_only_columns(Classroom.id))))
    if invitation is None:
        abort(404)
    inviter = invitation.invited_by_id == current_user.id
    if not (inviter or is_teacher_of(current_user, invitation.classroom_id)):
        abort(403, _("Only the person who sent this invitation, or a teacher of the class, can withdraw it."))
    if EmptyForm().validate_on_submit():
        try:
            invitations.revoke(invitation, current_user)
        except ValidationFailed as err:
            flash(str(err), "error")
        else:
            flash(_("The invitation to %(email)s was withdrawn.", email=invitation.email), "success")
    if not is_teacher_of(current_user, invitation.classroom_id) and invitation.projects:
        return redirect(url_for("feedback.invite", project_id=invitation.projects[0].id,
                                kind="family" if invitation.kind is InvitationKind.FAMILY else None))
    return redirect(url_for("feedback.classroom_invitations", classroom_id=invitation.classroom_id))


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
def accept(token: str):
    """The invited person opens their link: create an account, or accept while signed in."""
    try:
        invitation = invitations.find_by_token(token)
    except NotFound:
        return render_template("feedback/invitation_problem.html",
                               message=_("This invitation link is not valid. Check that you copied all of it.")), 404
    except ValidationFailed as err:
        return render_template("feedback/invitation_problem.html", message=str(err)), 410
    form = AcceptForm()
    if current_user.is_authenticated:
        if not invitations.is_for(invitation, current_user):
            return render_template("feedback/invitation_problem.html", message=_(
                "This invitation was sent to another address. Sign out, then open the link again.")), 403
        if request.method == "POST" and EmptyForm().validate_on_submit():
            try:
                invitations.accept_as(token, current_user)
            except Forbidden as err:
                return render_template("feedback/invitation_problem.html", message=str(err)), 403
            flash(_("Welcome! The projects are on your home page."), "success")
            return redirect(url_for("projects.home"))
    elif form.validate_on_submit():
        try:
            user = invitations.accept_with_new_account(token, form.display_name.data, form.password.data)
        except ValidationFailed as err:
            form.display_name.errors = [str(err)]
        else:
            sessions.start(user)
            flash(_("Welcome, %(name)s! The projects are on your home page.", name=user.first_name), "success")
            return redirect(url_for("projects.home"))
    has_account = get_user_by_email(invitation.email) is not None
    return render_template("feedback/accept.html", invitation=invitation, form=form, token=token,
                           has_account=has_account, empty=EmptyForm(), inviter=invitations.inviter_name(invitation),
                           school=school_name(invitation.classroom),
                           teachers=invitations.teacher_names(invitation.classroom_id),
                           family=invitation.kind is InvitationKind.FAMILY), 400 if request.method == "POST" else 200


@bp.get("/audit")
@role_required(Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)
def audit_log():
    """Who did what, newest first: administrators see everything, teachers their classes
    (including the sign-ins of partners invited to them). Filtered by kind of event and by
    class."""
    if invitations.record_expirations():
        db.session.rollback()  # start a fresh read that sees the events just written
    stmt = visible_audit_events(current_user).options(joinedload(AuditEvent.actor))
    action = request.args.get("action", "")
    if action in {a.value for a in Action}:
        stmt = stmt.where(AuditEvent.action == Action(action))
    else:
        action = ""
    classrooms = db.session.scalars(visible_classrooms(current_user).order_by(Classroom.name)).all()
    classroom_id = request.args.get("classroom", type=int)
    if classroom_id not in {c.id for c in classrooms}:
        classroom_id = None
    if classroom_id is not None:
        stmt = stmt.where(AuditEvent.classroom_id == classroom_id)
    page = paginate(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return render_template("feedback/audit.html", page=page, actions=list(Action), action=action,
                           classrooms=classrooms, classroom_id=classroom_id,
                           names=name_objects(current_user, list(page.items)), describe_detail=describe_detail)
