"""Inviting community partners to a team's projects, and accepting the invitation."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload, selectinload

from cbl import audit
from cbl.audit import AuditEvent
from cbl.accounts.models import Role, User, get_user_by_email, normalise_email
from cbl.accounts.services import create_user
from cbl.dbtypes import utcnow
from cbl.errors import Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.feedback.models import Invitation, InvitationKind, InvitationStatus
from cbl.jobs import external_url
from cbl.mail import in_language, send_mail
from cbl.notifications.models import NotificationKind
from cbl.notifications.services import notify
from cbl.permissions import is_archived, is_team_member, is_teacher_of
from cbl.school import school_name
from cbl.projects.models import Project, ProjectPartner
from cbl.teams.models import Classroom, ClassroomTeacher, Team


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_invite(user: User, project: Project, kind: InvitationKind) -> bool:
    """Teachers of the class invite partners; the team too where the class allows it; a
    student invites their family to their own team's projects. Nobody invites anyone to an
    archived project."""
    if is_archived(project):
        return False
    if kind is InvitationKind.FAMILY:
        return is_team_member(user, project.team_id)
    if is_teacher_of(user, project.team.classroom_id):
        return True
    return is_team_member(user, project.team_id) and project.team.classroom.teams_invite_partners


def invitable_projects(user: User, project: Project) -> list[Project]:
    """The projects an invitation from this page may open: every project of the class for
    its teachers; the projects of the student's own team for a student."""
    stmt = select(Project).join(Team, Team.id == Project.team_id).where(Team.classroom_id == project.team.classroom_id)
    if not is_teacher_of(user, project.team.classroom_id):
        stmt = stmt.where(Project.team_id == project.team_id)
    return list(db.session.scalars(stmt.options(joinedload(Project.team), joinedload(Project.challenge))
                                   .order_by(Team.name, Project.id)))


def invite(acting: User, project: Project, email: str, message: str, project_ids: list[int],
           kind: InvitationKind = InvitationKind.PARTNER) -> Invitation:
    """Invite ``email`` to these projects (from ``project``'s page) and mail the link. Raises
    Forbidden when ``acting`` may not invite, ValidationFailed for projects they may not
    open or an address that belongs to a school account. The class's teachers are told
    when a student sends it."""
    if not may_invite(acting, project, kind):
        raise Forbidden(_("You cannot invite guests to this project."))
    classroom = project.team.classroom
    email = normalise_email(email)
    allowed = {p.id: p for p in invitable_projects(acting, project)}
    wanted = set(project_ids)
    if not wanted or not wanted <= set(allowed):
        raise ValidationFailed(_("Choose projects you may share."), field="projects")
    projects = [allowed[i] for i in sorted(wanted)]
    existing = get_user_by_email(email)
    if existing is not None and existing.role is not Role.PARTNER:
        raise ValidationFailed(_("This address belongs to a school account. Invite guests by their own "
                                 "address."), field="email")
    if existing is not None:
        granted = set(db.session.scalars(select(ProjectPartner.project_id).where(
            ProjectPartner.user_id == existing.id, ProjectPartner.project_id.in_(wanted),
            ProjectPartner.revoked_at.is_(None), ProjectPartner.expires_at > utcnow())))
        if granted == wanted:
            raise ValidationFailed(_("%(email)s can already see these projects.", email=email), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(classroom_id=classroom.id, email=email, kind=kind, message=message.strip(),
                            token_hash=hash_token(token), invited_by_id=acting.id, projects=projects,
                            expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record(audit.Action.INVITATION_SENT, actor_id=acting.id, classroom_id=classroom.id,
                 object_type="invitation", object_id=invitation.id, detail=f"{kind.value}: {email}")
    if acting.role is Role.STUDENT:
        teachers = db.session.scalars(select(ClassroomTeacher.user_id).where(
            ClassroomTeacher.classroom_id == classroom.id))
        notify(teachers, NotificationKind.TEAM_INVITED, actor_id=acting.id,
               url=url_for("feedback.classroom_invitations", classroom_id=classroom.id),
               person=acting.display_name, team=project.team.name, guest=email, project=project.challenge.title)
    _mail_invitation(invitation, token, acting)
    db.session.commit()
    return invitation


def teacher_names(classroom_id: int) -> str:
    """The class's teachers, by name, as an invitation names them ("Ana Rivera, Tom Lee")."""
    return ", ".join(db.session.scalars(select(User.display_name).join(
        ClassroomTeacher, ClassroomTeacher.user_id == User.id).where(ClassroomTeacher.classroom_id == classroom_id)
        .order_by(User.display_name)))


def inviter_name(invitation: Invitation) -> str:
    """Who invites, as the guest reads it: a student by first name (as everywhere outsiders read
    about students), a teacher by full name."""
    inviter = invitation.invited_by
    if inviter is None:
        return _("A teacher")
    return inviter.first_name if inviter.role is Role.STUDENT else inviter.display_name


def _mail_invitation(invitation: Invitation, token: str, acting: User) -> None:
    """The invitation mail names the school, the class and its teacher, so that a cautious
    parent can tell it from phishing; it comes from the school's sender (cbl/school.py)."""
    link = external_url("feedback.accept", token=token)
    titles = "\n".join(f"- {p.challenge.title} ({p.team.name})" for p in invitation.projects)
    name = inviter_name(invitation)
    school = school_name(invitation.classroom)
    where = school or invitation.classroom.name
    teachers = teacher_names(invitation.classroom_id) or "?"
    guest = get_user_by_email(invitation.email)
    # In the language of the guest's account if they have one, else in the inviter's.
    with in_language(guest.locale if guest is not None else None):
        if school:
            about = _("%(school)s, class %(classroom)s, teacher: %(teachers)s.", school=school,
                      classroom=invitation.classroom.name, teachers=teachers)
        else:
            about = _("Class %(classroom)s, teacher: %(teachers)s.", classroom=invitation.classroom.name,
                      teachers=teachers)
        if invitation.kind is InvitationKind.FAMILY:
            subject = _("%(name)s invites you to see their school project (%(school)s)", name=name, school=where)
            intro = _("%(name)s invites you to see their school project and respond to it, as their family.",
                      name=name)
        else:
            subject = _("An invitation to see students' work at %(school)s", school=where)
            intro = _("%(name)s invites you to see and respond to the work of students at %(school)s.", name=name,
                      school=where)
        intro = f"{intro}\n{about}"
        body = _("%(intro)s\n\n%(projects)s\n\n%(message)s\n\nOpen this link to accept (it works once, until "
                 "%(until)s):\n%(link)s\n", intro=intro, projects=titles, message=invitation.message,
                 until=invitation.expires_at.strftime("%Y-%m-%d"), link=link)
        body = re.sub(r"\n{3,}", "\n\n", body)  # no personal message: no gap where it would be
        body += "\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio. Not expecting "
                               "this? Ask %(teachers)s or the school before you open the link.", school=where,
                               teachers=teachers) + "\n"
        send_mail(invitation.email, subject, body)


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
            grant = ProjectPartner(project_id=project.id, user_id=user.id,
                                   granted_by_id=invitation.invited_by_id, expires_at=until)
            db.session.add(grant)
        else:
            grant.revoked_at, grant.expires_at = None, max(grant.expires_at, until)
        # A family invitation makes its guest the inviting student's family on these projects;
        # a partner's invitation never turns a family grant back into a partner's.
        if invitation.kind is InvitationKind.FAMILY and invitation.invited_by_id is not None:
            grant.family_of_id = invitation.invited_by_id
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    first = invitation.projects[0] if invitation.projects else None
    notify([invitation.invited_by_id], NotificationKind.INVITATION_ACCEPTED, actor_id=user.id,
           url=url_for("projects.detail", project_id=first.id) if first else url_for("projects.home"),
           person=user.display_name, project=first.challenge.title if first else "",
           team=first.team.name if first else "")
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


def sent_by(user: User, classroom_id: int) -> list[Invitation]:
    """The invitations this person sent in the class, newest first (a student's own list)."""
    return list(db.session.scalars(select(Invitation).where(Invitation.classroom_id == classroom_id,
                                                            Invitation.invited_by_id == user.id)
                                   .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def record_expirations() -> int:
    """Write an ``invitation_expired`` audit event, dated when it expired, for each unused
    invitation that ran out and has none yet. Run when the audit log is read, so the log is
    complete whenever someone looks; saved on a connection of its own (a page view changes
    nothing else). Returns how many were written."""
    recorded = select(AuditEvent.object_id).where(AuditEvent.action == audit.Action.INVITATION_EXPIRED,
                                                  AuditEvent.object_type == "invitation")
    expired = select(Invitation.id, Invitation.classroom_id, Invitation.expires_at, Invitation.email).where(
        Invitation.expires_at <= utcnow(), Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.id.not_in(recorded))
    with db.engine.connect().execution_options(cbl_write=True) as connection:
        with connection.begin():
            rows = connection.execute(expired).all()
            if rows:
                connection.execute(insert(AuditEvent), [
                    {"at": row.expires_at, "action": audit.Action.INVITATION_EXPIRED, "actor_id": None,
                     "classroom_id": row.classroom_id, "object_type": "invitation", "object_id": row.id,
                     "detail": row.email} for row in rows])
    return len(rows)


def removed_grants(classroom: Classroom) -> set[tuple[int, int]]:
    """(project id, partner id) of the class's guests whom a teacher removed from a project."""
    rows = db.session.execute(select(ProjectPartner.project_id, ProjectPartner.user_id)
                              .join(Project, Project.id == ProjectPartner.project_id)
                              .join(Team, Team.id == Project.team_id)
                              .where(Team.classroom_id == classroom.id, ProjectPartner.revoked_at.is_not(None)))
    return {(project_id, user_id) for project_id, user_id in rows}
