"""Inviting community partners to a team's projects, and accepting the invitation."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cbl import audit
from cbl.accounts.models import Role, User, get_user_by_email, normalise_email
from cbl.accounts.services import create_user
from cbl.dbtypes import utcnow
from cbl.errors import Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.feedback.models import Invitation, InvitationKind, InvitationStatus
from cbl.mail import send_mail
from cbl.projects.models import Project, ProjectPartner
from cbl.teams.models import Classroom, Team


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invite(acting: User, classroom: Classroom, email: str, message: str, project_ids: list[int],
           kind: InvitationKind = InvitationKind.PARTNER) -> Invitation:
    """Invite ``email`` to these projects of the class and mail the link. Raises
    ValidationFailed for projects outside the class or an address that belongs to an
    account that is not a partner's."""
    email = normalise_email(email)
    projects = list(db.session.scalars(select(Project).join(Team, Team.id == Project.team_id).where(
        Project.id.in_(project_ids), Team.classroom_id == classroom.id)))
    if not projects or len(projects) != len(set(project_ids)):
        raise ValidationFailed(_("Choose projects of this class."), field="projects")
    existing = get_user_by_email(email)
    if existing is not None and existing.role is not Role.PARTNER:
        raise ValidationFailed(_("This address belongs to a school account. Invite partners by their own "
                                 "address."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(classroom_id=classroom.id, email=email, kind=kind, message=message.strip(),
                            token_hash=hash_token(token), invited_by_id=acting.id, projects=projects,
                            expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record(audit.Action.INVITATION_SENT, actor_id=acting.id, classroom_id=classroom.id,
                 object_type="invitation", object_id=invitation.id, detail=email)
    _mail_invitation(invitation, token, acting)
    db.session.commit()
    return invitation


def _mail_invitation(invitation: Invitation, token: str, acting: User) -> None:
    link = url_for("feedback.accept", token=token, _external=True)
    titles = "\n".join(f"- {p.challenge.title} ({p.team.name})" for p in invitation.projects)
    body = _("%(name)s invites you to see and respond to the work of students at %(school)s:\n\n%(projects)s\n\n"
             "%(message)s\n\nOpen this link to accept (it works once, until %(until)s):\n%(link)s\n",
             name=acting.display_name, school=invitation.classroom.name, projects=titles,
             message=invitation.message, until=invitation.expires_at.strftime("%Y-%m-%d"), link=link)
    send_mail(invitation.email, _("An invitation to see students' work on CBL Tracker"), body)


def find_by_token(token: str) -> Invitation:
    """The invitation a link's token opens. Raises NotFound for a token that matches none,
    and ValidationFailed (its message says why) for one used, revoked or expired."""
    if not token or len(token) > 200:
        raise NotFound()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise NotFound()
    reasons = {
        InvitationStatus.ACCEPTED: _("This invitation was already used. Sign in to see the projects it opened."),
        InvitationStatus.REVOKED: _("This invitation was withdrawn by the school."),
        InvitationStatus.EXPIRED: _("This invitation has expired. Ask the teacher for a new one."),
    }
    if invitation.status in reasons:
        raise ValidationFailed(reasons[invitation.status])
    return invitation


def accept_with_new_account(token: str, display_name: str, password: str) -> User:
    """Create the partner's account (with the invited address) and open the projects."""
    invitation = find_by_token(token)
    if get_user_by_email(invitation.email) is not None:
        raise ValidationFailed(_("An account with this address exists already: sign in to accept."), field="email")
    user = create_user(invitation.email, display_name, password, Role.PARTNER)
    return _accept(invitation, user)


def is_for(invitation: Invitation, user: User) -> bool:
    """Whether the signed-in account is the partner account of the invited address."""
    return user.role is Role.PARTNER and normalise_email(user.email) == invitation.email


def accept_as(token: str, user: User) -> User:
    """Open the invitation's projects to the signed-in partner it was sent to. Raises
    Forbidden when the signed-in account is another one."""
    invitation = find_by_token(token)
    if not is_for(invitation, user):
        raise Forbidden(_("This invitation was sent to another address. Sign out, then open the link again."))
    return _accept(invitation, user)


def _accept(invitation: Invitation, user: User) -> User:
    until = utcnow() + timedelta(days=current_app.config["PARTNER_ACCESS_DAYS"])
    for project in invitation.projects:
        grant = db.session.scalar(select(ProjectPartner).where(
            ProjectPartner.project_id == project.id, ProjectPartner.user_id == user.id))
        if grant is None:
            db.session.add(ProjectPartner(project_id=project.id, user_id=user.id,
                                          granted_by_id=invitation.invited_by_id, expires_at=until))
        else:
            grant.revoked_at, grant.expires_at = None, max(grant.expires_at, until)
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    audit.record(audit.Action.INVITATION_ACCEPTED, actor_id=user.id, classroom_id=invitation.classroom_id,
                 object_type="invitation", object_id=invitation.id, detail=invitation.email)
    db.session.commit()
    return user


def revoke(invitation: Invitation, acting: User) -> None:
    """Withdraw an invitation that was not used yet."""
    if invitation.status is not InvitationStatus.PENDING:
        raise ValidationFailed(_("Only an invitation that was not used yet can be withdrawn."))
    invitation.revoked_at = utcnow()
    audit.record(audit.Action.INVITATION_REVOKED, actor_id=acting.id, classroom_id=invitation.classroom_id,
                 object_type="invitation", object_id=invitation.id, detail=invitation.email)
    db.session.commit()


def list_for_classroom(classroom: Classroom) -> list[Invitation]:
    """The class's invitations, newest first, with their projects."""
    return list(db.session.scalars(select(Invitation).where(Invitation.classroom_id == classroom.id)
                                   .options(selectinload(Invitation.projects).joinedload(Project.team))
                                   .order_by(Invitation.created_at.desc(), Invitation.id.desc())))
