"""Read models for the pages: a fixed number of queries however many teams or rows.

Each function takes objects the caller has already loaded through a permission-scoped
query, and only reads what belongs to them."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.projects.models import (Activity, CandidateQuestion, Challenge, ElementKey, GuidingQuestion, Phase, PhaseChange,
                                 PhaseRequest, Project, ProjectElement, QuestionStatus, RequestStatus)
from cbl.teams.models import Classroom, ClassroomTeacher, Team, TeamMember


def active_project_ids():
    """The ids of projects whose class, challenge and team are all in use (not archived):
    the board and the homes list only these (issue 10, item 11)."""
    return (select(Project.id).join(Team, Team.id == Project.team_id)
            .join(Classroom, Classroom.id == Team.classroom_id).join(Challenge, Challenge.id == Project.challenge_id)
            .where(Team.archived.is_(False), Classroom.archived.is_(False), Challenge.archived.is_(False)))


def archived_project_ids():
    """The ids of projects whose class, challenge or team is archived."""
    return select(Project.id).where(Project.id.not_in(active_project_ids()))


def project_options():
    """Load options that bring a project's team, class and challenge in the same query."""
    return (joinedload(Project.team).joinedload(Team.classroom), joinedload(Project.challenge))


@dataclass
class ProjectPage:
    project: Project
    elements: dict[ElementKey, ProjectElement]
    candidates: list[CandidateQuestion]
    questions: list[GuidingQuestion]
    activities: list[Activity]
    activities_by_question: dict[int, list[Activity]]
    latest_request: PhaseRequest | None
    history: list[PhaseChange]
    members: list[User]

    @property
    def pending(self) -> PhaseRequest | None:
        """The request waiting for a teacher, if any."""
        latest = self.latest_request
        return latest if latest is not None and latest.status is RequestStatus.PENDING else None

    @property
    def returned(self) -> PhaseRequest | None:
        """The team's last request, when a teacher returned it (until they ask again)."""
        latest = self.latest_request
        return latest if latest is not None and latest.status is RequestStatus.RETURNED else None

    @property
    def open_questions(self) -> int:
        return sum(1 for q in self.questions if q.status is QuestionStatus.OPEN)


def project_page(project: Project) -> ProjectPage:
    """Everything the project page shows, in seven queries."""
    elements = {e.key: e for e in db.session.scalars(
        select(ProjectElement).where(ProjectElement.project_id == project.id))}
    candidates = list(db.session.scalars(
        select(CandidateQuestion).where(CandidateQuestion.project_id == project.id,
                                        CandidateQuestion.deleted_at.is_(None)).order_by(CandidateQuestion.id)))
    questions = list(db.session.scalars(
        select(GuidingQuestion).where(GuidingQuestion.project_id == project.id, GuidingQuestion.deleted_at.is_(None))
        .order_by(GuidingQuestion.id)))
    activities = list(db.session.scalars(
        select(Activity).where(Activity.project_id == project.id, Activity.deleted_at.is_(None))
        .options(selectinload(Activity.questions)).order_by(Activity.id)))
    by_question: dict[int, list[Activity]] = defaultdict(list)
    for activity in activities:
        for question in activity.questions:
            by_question[question.id].append(activity)
    latest = db.session.scalar(
        select(PhaseRequest).options(joinedload(PhaseRequest.requested_by), joinedload(PhaseRequest.decided_by))
        .where(PhaseRequest.project_id == project.id).order_by(PhaseRequest.id.desc()).limit(1))
    history = list(db.session.scalars(
        select(PhaseChange).options(joinedload(PhaseChange.actor))
        .where(PhaseChange.project_id == project.id).order_by(PhaseChange.at.desc(), PhaseChange.id.desc())))
    members = list(db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == project.team_id).order_by(User.display_name)))
    return ProjectPage(project, elements, candidates, _sorted_questions(questions), activities,
                       dict(by_question), latest, history, members)


PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2, None: 3}


def _sorted_questions(questions: list[GuidingQuestion]) -> list[GuidingQuestion]:
    """The matrix order: open before answered, then by priority, category, age."""
    return sorted(questions, key=lambda q: (q.status is QuestionStatus.ANSWERED,
                                            PRIORITY_ORDER[q.priority.value if q.priority else None],
                                            q.category.lower(), q.id))


@dataclass
class BoardCard:
    project: Project
    members: list[User] = field(default_factory=list)
    open_questions: int = 0
    pending: PhaseRequest | None = None
    returned: PhaseRequest | None = None

    @property
    def days_in_phase(self) -> int:
        return max(0, (utcnow() - self.project.phase_started_at).days)

    @property
    def last_activity(self) -> datetime:
        return self.project.last_activity_at


def _cards(projects: list[Project]) -> list[BoardCard]:
    """Cards for these projects with members, open-question counts and pending requests:
    three queries whatever the number of projects."""
    cards = {p.id: BoardCard(p) for p in projects}
    if not cards:
        return []
    counts = db.session.execute(
        select(GuidingQuestion.project_id, func.count())
        .where(GuidingQuestion.project_id.in_(cards), GuidingQuestion.status == QuestionStatus.OPEN,
               GuidingQuestion.deleted_at.is_(None))
        .group_by(GuidingQuestion.project_id))
    for project_id, count in counts:
        cards[project_id].open_questions = count
    latest_ids = (select(func.max(PhaseRequest.id)).where(PhaseRequest.project_id.in_(cards))
                  .group_by(PhaseRequest.project_id))
    for request in db.session.scalars(
            select(PhaseRequest).options(joinedload(PhaseRequest.requested_by), joinedload(PhaseRequest.decided_by))
            .where(PhaseRequest.id.in_(latest_ids))):
        if request.status is RequestStatus.PENDING:
            cards[request.project_id].pending = request
        elif request.status is RequestStatus.RETURNED:
            cards[request.project_id].returned = request
    team_ids = {p.team_id for p in projects}
    members: dict[int, list[User]] = defaultdict(list)
    for team_id, user in db.session.execute(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids)).order_by(User.display_name)):
        members[team_id].append(user)
    for card in cards.values():
        card.members = members.get(card.project.team_id, [])
    return list(cards.values())


def class_board(classroom: Classroom) -> dict[int, dict[Phase, list[BoardCard]]]:
    """The class board: for each challenge id, the teams' cards by phase."""
    projects = list(db.session.scalars(
        select(Project).join(Team, Team.id == Project.team_id)
        .options(*project_options())
        .where(Team.classroom_id == classroom.id, Team.archived.is_(False)).order_by(Team.name)))
    board: dict[int, dict[Phase, list[BoardCard]]] = {}
    for card in _cards(projects):
        columns = board.setdefault(card.project.challenge_id, {phase: [] for phase in Phase})
        columns[card.project.phase].append(card)
    return board


def student_projects(user: User) -> list[BoardCard]:
    """The student's own projects as cards, newest activity first."""
    projects = list(db.session.scalars(
        select(Project).join(TeamMember, TeamMember.team_id == Project.team_id)
        .options(*project_options())
        .where(TeamMember.user_id == user.id, Project.id.in_(active_project_ids()))
        .order_by(Project.last_activity_at.desc())))
    return _cards(projects)


def missing_elements(projects: list[Project]) -> dict[int, list[ElementKey]]:
    """For each project, the elements of its current phase that are still empty."""
    filled = defaultdict(set)
    if projects:
        for project_id, key in db.session.execute(
                select(ProjectElement.project_id, ProjectElement.key)
                .where(ProjectElement.project_id.in_([p.id for p in projects]), ProjectElement.body != "")):
            filled[project_id].add(key)
    return {p.id: [k for k in ElementKey if k.phase is p.phase and k not in filled[p.id]] for p in projects}


def pending_requests_for_teacher(user: User) -> list[PhaseRequest]:
    """Pending phase requests in the classes the teacher teaches, oldest first."""
    return list(db.session.scalars(
        select(PhaseRequest)
        .join(Project, Project.id == PhaseRequest.project_id).join(Team, Team.id == Project.team_id)
        .join(ClassroomTeacher, ClassroomTeacher.classroom_id == Team.classroom_id)
        .options(joinedload(PhaseRequest.requested_by),
                 joinedload(PhaseRequest.project).joinedload(Project.team).joinedload(Team.classroom),
                 joinedload(PhaseRequest.project).joinedload(Project.challenge))
        .where(ClassroomTeacher.user_id == user.id, PhaseRequest.status == RequestStatus.PENDING,
               Project.id.in_(active_project_ids()))
        .order_by(PhaseRequest.requested_at)))
