"""The teams' requests to move on, in their teachers' inbox."""

from flask_babel import gettext as _

from cbl.accounts.models import User
from cbl.notifications import site_path
from cbl.notifications.inbox import InboxItem, inbox_source
from cbl.projects.defaults import PHASE_LABELS
from cbl.projects.queries import pending_requests_for_teacher


@inbox_source("phase_request")
def phase_requests(user: User) -> list[InboxItem]:
    """Pending phase requests in the teacher's classes (one query)."""
    return [InboxItem(
        kind="phase_request",
        text=_("%(team)s asks to move to %(phase)s", team=req.project.team.name, phase=PHASE_LABELS[req.to_phase]),
        url=site_path("projects.board", classroom_id=req.project.team.classroom_id), action=_("answer on the class board"),
        classroom=req.project.team.classroom.name, challenge=req.project.challenge.title, since=req.requested_at,
        more=((_("see the project"), site_path("projects.detail", project_id=req.project_id)),))
        for req in pending_requests_for_teacher(user)]
