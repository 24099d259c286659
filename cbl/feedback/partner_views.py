"""Partners' access seen from both sides: the partner's dashboard (what is new since their
last visit) and, for the school, who holds access to a project and removing it."""

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from cbl import audit
from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.comments import visible_comments
from cbl.feedback.models import Comment, Invitation, InvitationStatus, invitation_project
from cbl.feedback.views import bp
from cbl.formtools import EmptyForm
from cbl.permissions import is_archived, is_teacher_of, visible_entries
from cbl.portfolio.models import Entry
from cbl.projects import hooks
from cbl.projects.blueprint import load_project
from cbl.projects.models import PhaseChange, Project, ProjectPartner


@dataclass
class News:
    """What changed on a project since the partner last opened it."""

    first_visit: bool
    entries: int = 0
    comments: int = 0
    phase_changes: int = 0
    expires_at: object = None

    @property
    def anything(self) -> bool:
        return self.first_visit or bool(self.entries or self.comments or self.phase_changes)


def _since(column):
    """Rows newer than the partner's last visit of their project (all of them before a first visit)."""
    return or_(ProjectPartner.last_visited_at.is_(None), column > ProjectPartner.last_visited_at)


def _grant_join(project_column, user: User):
    return and_(ProjectPartner.project_id == project_column, ProjectPartner.user_id == user.id)


@hooks.partner_home_extra
def _partner_home(*, user: User, projects: list[Project], **_known) -> dict:
    """News per project for the partner's dashboard: four queries, whatever the numbers."""
    ids = [p.id for p in projects]
    if not ids:
        return {"news": {}, "family": {}}
    grants = {g.project_id: g for g in db.session.scalars(select(ProjectPartner).where(
        ProjectPartner.user_id == user.id, ProjectPartner.project_id.in_(ids))
        .options(joinedload(ProjectPartner.family_of)))}
    news = {pid: News(first_visit=grants[pid].last_visited_at is None, expires_at=grants[pid].expires_at)
            for pid in ids if pid in grants}
    entries = visible_entries(user).join(ProjectPartner, _grant_join(Entry.project_id, user)) \
        .where(_since(Entry.updated_at)).with_only_columns(Entry.project_id, func.count()).group_by(Entry.project_id)
    for project_id, count in db.session.execute(entries):
        news[project_id].entries = count
    comments = visible_comments(user).join(ProjectPartner, _grant_join(Comment.project_id, user)) \
        .where(_since(Comment.created_at), or_(Comment.author_id.is_(None), Comment.author_id != user.id)) \
        .with_only_columns(Comment.project_id, func.count()).group_by(Comment.project_id)
    for project_id, count in db.session.execute(comments):
        news[project_id].comments = count
    changes = select(PhaseChange.project_id, func.count()).join(ProjectPartner, _grant_join(PhaseChange.project_id, user)) \
        .where(PhaseChange.project_id.in_(ids), _since(PhaseChange.at)).group_by(PhaseChange.project_id)
    for project_id, count in db.session.execute(changes):
        news[project_id].phase_changes = count
    # A family guest's card names their child (the grant says whose family they are).
    return {"news": news, "family": {pid: g.family_of for pid, g in grants.items() if g.family_of is not None}}


@hooks.project_page_extra
def _project_partners(project: Project, *, member: bool, teacher: bool, **_known) -> dict:
    """Who outside the school can see the project: shown to the team and its teachers."""
    if not (member or teacher):
        return {"project_partners": None}
    grants = db.session.scalars(select(ProjectPartner).where(
        ProjectPartner.project_id == project.id, ProjectPartner.revoked_at.is_(None),
        ProjectPartner.expires_at > utcnow())
        .options(joinedload(ProjectPartner.user), joinedload(ProjectPartner.family_of))
        .order_by(ProjectPartner.created_at))
    open_ = not is_archived(project)  # an archived project is read-only: nobody invites or removes
    return {"project_partners": list(grants), "may_remove_partners": teacher and open_,
            # as invitations.may_invite, from what the page knows already
            "may_invite_guest": open_ and (teacher or project.team.classroom.teams_invite_partners),
            "may_invite_family": open_ and member}


@bp.post("/projects/<int:project_id>/partners/<int:user_id>/remove")
@login_required
def remove_partner(project_id: int, user_id: int):
    """A teacher ends a partner's access to the project at once."""
    project = load_project(project_id)
    if not is_teacher_of(current_user, project.team.classroom_id):
        abort(403, _("Only the class's teachers remove guests."))
    grant = db.session.scalar(select(ProjectPartner).where(
        ProjectPartner.project_id == project.id, ProjectPartner.user_id == user_id,
        ProjectPartner.revoked_at.is_(None)).options(joinedload(ProjectPartner.user)))
    if grant is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        grant.revoked_at, grant.revoked_by_id = utcnow(), current_user.id
        # An invitation still waiting would give the access back: it is withdrawn too.
        waiting = db.session.scalars(select(Invitation).join(invitation_project).where(
            invitation_project.c.project_id == project.id, Invitation.email == grant.user.email,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
        for invitation in waiting:
            if invitation.status is InvitationStatus.PENDING:
                invitation.revoked_at = utcnow()
        audit.record(audit.Action.PARTNER_REMOVED, actor_id=current_user.id, classroom_id=project.team.classroom_id,
                     object_type="project", object_id=project.id, detail=grant.user.email)
        db.session.commit()
        flash(_("%(name)s can no longer see this project.", name=grant.user.display_name), "success")
    return redirect(url_for("projects.detail", project_id=project.id, _anchor="partners"))

