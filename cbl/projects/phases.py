"""Moving a project between phases: requests, the teacher's decision, stepping back.

Every change of phase writes a line of history (who, when, why)."""

from flask_babel import gettext as _
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.notifications import NotificationKind, notify, settle, site_path
from cbl.projects.models import ChangeKind, Phase, PhaseChange, PhaseRequest, Project, RequestStatus
from cbl.projects.services import touch
from cbl.teams.models import ClassroomTeacher, TeamMember


def pending_request(project: Project) -> PhaseRequest | None:
    return db.session.scalar(select(PhaseRequest).where(
        PhaseRequest.project_id == project.id, PhaseRequest.status == RequestStatus.PENDING))


def _move(project: Project, to_phase: Phase, kind: ChangeKind, actor: User, reason: str,
          request: PhaseRequest | None = None) -> PhaseChange:
    change = PhaseChange(project_id=project.id, from_phase=project.phase, to_phase=to_phase, kind=kind,
                         reason=reason.strip(), actor_id=actor.id, request_id=request.id if request else None)
    db.session.add(change)
    project.phase = to_phase
    project.phase_started_at = utcnow()
    touch(project)
    return change


def _notify(project: Project, kind: NotificationKind, actor: User, phase: Phase, *, teachers: bool) -> None:
    """Tell the class's teachers (a request) or the team's members (a decision, which settles
    the teachers' notices of the request)."""
    people = (select(ClassroomTeacher.user_id).where(ClassroomTeacher.classroom_id == project.team.classroom_id)
              if teachers else select(TeamMember.user_id).where(TeamMember.team_id == project.team_id))
    url = site_path("projects.detail", project_id=project.id)
    if not teachers:
        settle(NotificationKind.PHASE_REQUESTED, url=url)
    notify(db.session.scalars(people), kind, url=url,
           actor_id=actor.id, person=actor.display_name, team=project.team.name, project=project.challenge.title,
           phase=phase.value)


def request_next_phase(project: Project, acting: User, note: str) -> PhaseRequest | PhaseChange:
    """The team asks to move on. In a class that lets teams advance freely the project moves
    at once (returns the PhaseChange); otherwise a pending request waits for a teacher.
    Raises ValidationFailed in the last phase or when a request is already pending."""
    target = project.phase.next
    if target is None:
        raise ValidationFailed(_("Act is the last phase: there is no next phase to move to."))
    if pending_request(project) is not None:
        raise ValidationFailed(_("Your team already asked to move on; your teacher has not answered yet."))
    if project.team.classroom.teams_advance_freely:
        change = _move(project, target, ChangeKind.ADVANCED, acting, note)
        db.session.commit()
        return change
    request = PhaseRequest(project_id=project.id, from_phase=project.phase, to_phase=target,
                           note=note.strip(), requested_by_id=acting.id)
    db.session.add(request)
    touch(project)
    _notify(project, NotificationKind.PHASE_REQUESTED, acting, target, teachers=True)
    db.session.commit()
    return request


def withdraw_request(project: Project, acting: User) -> None:
    """The team takes back its pending request. Raises NotFound when none is pending."""
    request = pending_request(project)
    if request is None:
        raise NotFound()
    request.status = RequestStatus.WITHDRAWN
    request.decided_by_id, request.decided_at = acting.id, utcnow()
    settle(NotificationKind.PHASE_REQUESTED, url=site_path("projects.detail", project_id=project.id))
    db.session.commit()


def decide_request(request: PhaseRequest, teacher: User, approve: bool, comment: str) -> PhaseRequest:
    """Approve (the project moves on) or return (a comment is required) a pending request.
    Raises ValidationFailed when it was already decided or when a return has no comment."""
    if request.status is not RequestStatus.PENDING:
        raise ValidationFailed(_("This request was already answered."))
    project = db.session.get(Project, request.project_id)
    if project.phase is not request.from_phase:
        raise ValidationFailed(_("The project is no longer in the phase this request was made from."))
    if not approve and not comment.strip():
        raise ValidationFailed(_("Say what the team should do before asking again."), field="comment")
    request.status = RequestStatus.APPROVED if approve else RequestStatus.RETURNED
    request.decided_by_id, request.decided_at, request.response = teacher.id, utcnow(), comment.strip()
    if approve:
        _move(project, request.to_phase, ChangeKind.APPROVED, teacher, comment, request)
    _notify(project, NotificationKind.PHASE_APPROVED if approve else NotificationKind.PHASE_RETURNED, teacher,
            request.to_phase, teachers=False)
    db.session.commit()
    return request


def step_back(project: Project, acting: User, to_phase: Phase, reason: str) -> PhaseChange:
    """Return to an earlier phase, for a reason the history keeps. A pending request is
    withdrawn. Raises ValidationFailed for a phase that is not earlier or a missing reason."""
    if to_phase.index >= project.phase.index:
        raise ValidationFailed(_("Choose a phase before the current one."), field="to_phase")
    if not reason.strip():
        raise ValidationFailed(_("Say why the team goes back, so the history tells the story."), field="reason")
    request = pending_request(project)
    if request is not None:
        request.status = RequestStatus.WITHDRAWN
        request.decided_by_id, request.decided_at = acting.id, utcnow()
    change = _move(project, to_phase, ChangeKind.STEPPED_BACK, acting, reason)
    # The teachers are told (a step back changes what they expect of the team); a request it
    # withdrew no longer waits for them.
    settle(NotificationKind.PHASE_REQUESTED, url=site_path("projects.detail", project_id=project.id))
    _notify(project, NotificationKind.PHASE_STEPPED_BACK, acting, to_phase, teachers=True)
    db.session.commit()
    return change
