"""Challenges, projects and the elements of each CBL phase."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db
from cbl.versioning import Versioned

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.teams.models import Classroom, Team


class Phase(enum.StrEnum):
    ENGAGE = "engage"
    INVESTIGATE = "investigate"
    ACT = "act"

    @property
    def index(self) -> int:
        return list(Phase).index(self)

    @property
    def next(self) -> "Phase | None":
        members = list(Phase)
        return members[self.index + 1] if self.index + 1 < len(members) else None


class ChallengeSize(enum.StrEnum):
    NANO = "nano"
    MINI = "mini"
    MACRO = "macro"


class ElementKey(enum.StrEnum):
    """The text elements of a project, in phase order. The big idea belongs to the
    challenge; guiding questions and activities are records of their own."""

    ESSENTIAL_QUESTION = "essential_question"
    CHALLENGE_STATEMENT = "challenge_statement"
    ANALYSIS = "analysis"
    SOLUTION_CONCEPTS = "solution_concepts"
    DEVELOPMENT = "development"
    IMPLEMENTATION = "implementation"
    AUDIENCE = "audience"
    EVALUATION = "evaluation"

    @property
    def phase(self) -> Phase:
        return ELEMENT_PHASE[self]


ELEMENT_PHASE = {
    ElementKey.ESSENTIAL_QUESTION: Phase.ENGAGE,
    ElementKey.CHALLENGE_STATEMENT: Phase.ENGAGE,
    ElementKey.ANALYSIS: Phase.INVESTIGATE,
    ElementKey.SOLUTION_CONCEPTS: Phase.ACT,
    ElementKey.DEVELOPMENT: Phase.ACT,
    ElementKey.IMPLEMENTATION: Phase.ACT,
    ElementKey.AUDIENCE: Phase.ACT,
    ElementKey.EVALUATION: Phase.ACT,
}


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class ActivityKind(enum.StrEnum):
    ACTIVITY = "activity"
    RESOURCE = "resource"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ChangeKind(enum.StrEnum):
    APPROVED = "approved"  # a teacher approved the team's request
    ADVANCED = "advanced"  # the team moved on in a class that lets teams advance freely
    STEPPED_BACK = "stepped_back"  # the team returned to an earlier phase


class Challenge(Versioned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    big_idea: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    essential_question_template: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[ChallengeSize] = mapped_column(str_enum(ChallengeSize), default=ChallengeSize.MINI)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    prompt_engage: Mapped[str] = mapped_column(Text, default="")
    prompt_investigate: Mapped[str] = mapped_column(Text, default="")
    prompt_act: Mapped[str] = mapped_column(Text, default="")
    # An archived challenge leaves the board and the homes; its work stays readable and counts.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped["Classroom"] = relationship(back_populates="challenges")
    projects: Mapped[list["Project"]] = relationship(back_populates="challenge", cascade="all, delete-orphan")

    def prompt_for(self, phase: Phase) -> str:
        """The reflection prompt of ``phase``; an unchanged default reads in the reader's language."""
        from cbl.projects.defaults import shown_prompt  # defaults imports this module

        return shown_prompt(phase, getattr(self, f"prompt_{phase.value}"))


class Project(db.Model):
    """One team's work on one challenge."""

    __table_args__ = (UniqueConstraint("team_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    phase: Mapped[Phase] = mapped_column(str_enum(Phase), default=Phase.ENGAGE)
    phase_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped["Team"] = relationship(back_populates="projects")
    challenge: Mapped[Challenge] = relationship(back_populates="projects")


class ProjectElement(db.Model):
    """The text of one element. ``version`` grows with every save so that two people
    editing at once cannot silently overwrite each other."""

    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    key: Mapped[ElementKey] = mapped_column(str_enum(ElementKey, 32))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    updated_by: Mapped["User | None"] = relationship()


class CandidateQuestion(db.Model):
    """An essential question brainstormed in Engage; the team chooses one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    chosen: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Removed from the brainstorm, kept for an undo until the purge.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    created_by: Mapped["User | None"] = relationship()


activity_question = Table(
    "activity_question",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("guiding_question_id", ForeignKey("guiding_question.id", ondelete="CASCADE"), primary_key=True),
)


class GuidingQuestion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Empty until the team sorts its brainstorm: brainstorming does not judge.
    category: Mapped[str] = mapped_column(String(60), default="")
    priority: Mapped[Priority | None] = mapped_column(str_enum(Priority, 8))
    status: Mapped[QuestionStatus] = mapped_column(str_enum(QuestionStatus, 12), default=QuestionStatus.OPEN)
    findings: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who saved it last and when, named to a teammate whose save came too late.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Removed, but kept (with its findings and links) so the team can undo it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])
    # Removed activities are not listed; their links stay for an undo.
    activities: Mapped[list["Activity"]] = relationship(
        secondary=activity_question, back_populates="questions", order_by="Activity.id",
        secondaryjoin="and_(Activity.id == activity_question.c.activity_id, Activity.deleted_at.is_(None))",
    )


class Activity(db.Model):
    """A guiding activity or resource, tied to the guiding questions it serves."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, 12), default=ActivityKind.ACTIVITY)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])
    # Removed questions are not listed; the links stay so an undo restores them.
    questions: Mapped[list[GuidingQuestion]] = relationship(
        secondary=activity_question, back_populates="activities", order_by="GuidingQuestion.id",
        secondaryjoin="and_(GuidingQuestion.id == activity_question.c.guiding_question_id, "
                      "GuidingQuestion.deleted_at.is_(None))",
    )


class PhaseRequest(db.Model):
    """A team's request to move its project to the next phase."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    from_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    to_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, 12), default=RequestStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship()
    requested_by: Mapped["User | None"] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])


class PhaseChange(db.Model):
    """One line of a project's phase history: who moved it, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    from_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    to_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, 16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("phase_request.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])
    request: Mapped[PhaseRequest | None] = relationship()


class ProjectPartner(db.Model):
    """A community partner's read access to one project: it must be unexpired and
    unrevoked to count. Invitations that create these rows come with the partner work."""

    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the partner last opened the project: their dashboard shows what is new since.
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for a family guest: the student who invited them (their child). A family guest sees
    # the project as a parent would (cbl.permissions.sees_team_process, may_rate_as_partner).
    family_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    family_of: Mapped["User | None"] = relationship(foreign_keys=[family_of_id])
