"""The teams' requests to publish their story, in their teachers' inbox."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl.accounts.models import User
from cbl.extensions import db
from cbl.notifications import site_path
from cbl.notifications.inbox import InboxItem, inbox_source
from cbl.permissions import taught_classroom_ids
from cbl.portfolio.models import Publication, PublicationStatus
from cbl.projects.models import Project
from cbl.teams.models import Team


@inbox_source("publication_request")
def publication_requests(user: User) -> list[InboxItem]:
    """Requests to publish waiting in the teacher's classes (one query)."""
    waiting = db.session.scalars(
        select(Publication).join(Project, Project.id == Publication.project_id).join(Team, Team.id == Project.team_id)
        .where(Publication.status == PublicationStatus.REQUESTED, Team.classroom_id.in_(taught_classroom_ids(user)))
        .options(joinedload(Publication.project).joinedload(Project.team).joinedload(Team.classroom),
                 joinedload(Publication.project).joinedload(Project.challenge)))
    return [InboxItem(
        kind="publication_request",
        text=_("%(team)s asks to publish its story “%(title)s”", team=publication.project.team.name,
               title=publication.project.challenge.title),
        url=site_path("portfolio.publication", project_id=publication.project_id), action=_("review it"),
        classroom=publication.project.team.classroom.name, challenge=publication.project.challenge.title,
        since=publication.requested_at) for publication in waiting]
