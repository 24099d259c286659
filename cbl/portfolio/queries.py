"""Read models of the portfolio: timelines, recent entries, who has reflected.

Every list starts from :func:`cbl.permissions.visible_entries`, so it can only hold
what the reader may see."""

from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.models import User
from cbl.extensions import db
from cbl.permissions import visible_entries
from cbl.competencies.models import Competency
from cbl.competencies.queries import with_descendants
from cbl.portfolio.models import Entry, EntryAttachment, EntryContributor, EntryKind, entry_competency
from cbl.projects.models import Challenge, Phase, Project
from cbl.teams.models import Classroom, Team, TeamMember
from cbl.teams.services import list_roster


def entry_list_options():
    """What a timeline card shows: author, photos (with their blobs), contributors."""
    return (joinedload(Entry.author),
            selectinload(Entry.attachments).joinedload(EntryAttachment.blob),
            selectinload(Entry.contributors).joinedload(EntryContributor.user),
            selectinload(Entry.files), selectinload(Entry.competencies))


@dataclass
class TimelineFilter:
    phase: Phase | None = None
    kind: EntryKind | None = None
    author_id: int | None = None
    competency_id: int | None = None

    def apply(self, stmt: Select) -> Select:
        if self.phase is not None:
            stmt = stmt.where(Entry.phase == self.phase)
        if self.kind is not None:
            stmt = stmt.where(Entry.kind == self.kind)
        if self.author_id is not None:
            stmt = stmt.where(or_(Entry.author_id == self.author_id, Entry.id.in_(
                select(EntryContributor.entry_id).where(EntryContributor.user_id == self.author_id))))
        if self.competency_id is not None:
            stmt = stmt.where(Entry.id.in_(select(entry_competency.c.entry_id).where(
                entry_competency.c.competency_id.in_(with_descendants(self.competency_id)))))
        return stmt

    def without(self, name: str) -> dict:
        """The query arguments with one filter taken off."""
        return {key: value for key, value in self.as_args().items() if key != name}

    def as_args(self) -> dict:
        return {key: value for key, value in (("phase", self.phase and self.phase.value),
                                              ("kind", self.kind and self.kind.value),
                                              ("author", self.author_id),
                                              ("competency", self.competency_id)) if value}


def project_timeline(user: User, project: Project, filters: TimelineFilter) -> Select:
    """The project's entries the user may see, newest first (paginate the result)."""
    stmt = visible_entries(user).where(Entry.project_id == project.id).options(*entry_list_options())
    return filters.apply(stmt).order_by(Entry.created_at.desc(), Entry.id.desc())


def own_portfolio(user: User, filters: TimelineFilter) -> Select:
    """A student's portfolio across all their projects: what they wrote or worked on."""
    mine = or_(Entry.author_id == user.id,
               Entry.id.in_(select(EntryContributor.entry_id).where(EntryContributor.user_id == user.id)))
    stmt = (visible_entries(user).where(mine)
            .options(*entry_list_options(), joinedload(Entry.project).joinedload(Project.challenge),
                     joinedload(Entry.project).joinedload(Project.team)))
    return filters.apply(stmt).order_by(Entry.created_at.desc(), Entry.id.desc())


def strands() -> list[Competency]:
    """The top-level competencies, for the timeline's competency chips."""
    return list(db.session.scalars(select(Competency).where(Competency.parent_id.is_(None))
                                   .order_by(Competency.framework_id, Competency.position)))


def recent_entries(user: User, project: Project, limit: int = 5) -> list[Entry]:
    """The project's newest entries the user may see, for the project page."""
    return list(db.session.scalars(
        visible_entries(user).where(Entry.project_id == project.id).options(joinedload(Entry.author))
        .order_by(Entry.created_at.desc(), Entry.id.desc()).limit(limit)))


def own_reflection(user: User, project: Project, phase: Phase) -> Entry | None:
    """The user's latest reflection on this project's phase, if they wrote one."""
    return db.session.scalar(
        select(Entry).where(Entry.project_id == project.id, Entry.author_id == user.id,
                            Entry.kind == EntryKind.REFLECTION, Entry.phase == phase, Entry.deleted_at.is_(None))
        .order_by(Entry.id.desc()).limit(1))


@dataclass
class ReflectionRow:
    student: User
    team: Team | None
    by_phase: dict[Phase, list[Entry]]


def class_reflections(classroom: Classroom, challenge: Challenge) -> list[ReflectionRow]:
    """For a teacher: every student of the class, with their reflections on the challenge
    per phase (two queries)."""
    rows = {student.id: ReflectionRow(student, team, {phase: [] for phase in Phase})
            for student, team in list_roster(classroom)}
    reflections = db.session.scalars(
        select(Entry).join(Project, Project.id == Entry.project_id)
        .where(Project.challenge_id == challenge.id, Entry.kind == EntryKind.REFLECTION, Entry.deleted_at.is_(None))
        .order_by(Entry.created_at))
    for entry in reflections:
        if entry.author_id in rows:
            rows[entry.author_id].by_phase[entry.phase].append(entry)
    return list(rows.values())


def team_members(project: Project) -> list[User]:
    """The project's team members by name (those offered as contributors)."""
    return list(db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == project.team_id).order_by(User.display_name)))
