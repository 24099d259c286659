"""Rubrics, assessments, the class's mastery settings and students' learning goals
(DESIGN.md §3 and §5).

A rubric is a grid: ordered levels (label and points) × criteria, each criterion tied to a
competency, with one descriptor per cell. Rubrics are versioned by copy on write: once an
assessment uses a rubric, editing it saves a new version (same ``family_id``, ``version`` + 1)
and the old one stays, unchanged, under the assessments made with it.

An assessment applies one rubric version to a project: to the whole team (``student_id`` is
None: evidence for every member) or to one student. Its kind says who assessed: the teacher,
the student themself, a teammate (``peer``: the assessor is a teammate, ``student_id`` the
teammate assessed) or an invited partner (``partner``). Only released assessments count and
are shown to students."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.assessment.mastery.methods import DEFAULT_TIMES, DEFAULT_WEIGHT, Method
from cbl.competencies import models as _competencies  # noqa: F401  (mapped before the relationships here)
from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db
from cbl.portfolio import models as _portfolio  # noqa: F401

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.competencies.models import Competency
    from cbl.portfolio.models import Entry
    from cbl.projects.models import Challenge, Project


class Rubric(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Every version of one rubric shares the family id (the first version's id).
    family_id: Mapped[int | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Set when a newer version replaced this one (it then stays only for its assessments).
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped["User | None"] = relationship()
    levels: Mapped[list["RubricLevel"]] = relationship(back_populates="rubric", cascade="all, delete-orphan",
                                                       order_by="RubricLevel.position")
    criteria: Mapped[list["Criterion"]] = relationship(back_populates="rubric", cascade="all, delete-orphan",
                                                       order_by="Criterion.position")


class RubricLevel(db.Model):
    """A column of the grid, e.g. Proficient · 3 points; ``position`` orders them low to high."""

    __table_args__ = (UniqueConstraint("rubric_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(60))
    points: Mapped[float] = mapped_column(Float)

    rubric: Mapped[Rubric] = relationship(back_populates="levels")


class Criterion(db.Model):
    """A row of the grid, tied to the competency it gives evidence of."""

    __table_args__ = (UniqueConstraint("rubric_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    competency_id: Mapped[int | None] = mapped_column(ForeignKey("competency.id", ondelete="SET NULL"), index=True)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")
    competency: Mapped["Competency | None"] = relationship()
    descriptors: Mapped[list["Descriptor"]] = relationship(back_populates="criterion", cascade="all, delete-orphan")


class Descriptor(db.Model):
    """What work at one level of one criterion looks like (a cell of the grid)."""

    __table_args__ = (UniqueConstraint("criterion_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("rubric_level.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")

    criterion: Mapped[Criterion] = relationship(back_populates="descriptors")
    level: Mapped[RubricLevel] = relationship()


class ChallengeAssessment(db.Model):
    """How a challenge is assessed: its rubric and which other voices are asked."""

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True)
    rubric_id: Mapped[int | None] = mapped_column(ForeignKey("rubric.id", ondelete="RESTRICT"), index=True)
    self_assessment: Mapped[bool] = mapped_column(default=False)
    peer_evaluation: Mapped[bool] = mapped_column(default=False)
    partner_rating: Mapped[bool] = mapped_column(default=False)
    # Teammates rate each other's contribution on this short scale, not on the product rubric
    # (None until peer evaluation is first used: the default scale is made then).
    peer_rubric_id: Mapped[int | None] = mapped_column(ForeignKey("rubric.id", ondelete="RESTRICT"), index=True)

    challenge: Mapped["Challenge"] = relationship()
    rubric: Mapped[Rubric | None] = relationship(foreign_keys=[rubric_id])
    peer_rubric: Mapped[Rubric | None] = relationship(foreign_keys=[peer_rubric_id])


class MasterySettings(db.Model):
    """A class's way of computing mastery (no row: the defaults)."""

    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[Method] = mapped_column(str_enum(Method, 24), default=Method.DECAYING_AVERAGE)
    weight: Mapped[float] = mapped_column(Float, default=DEFAULT_WEIGHT)  # the decaying average's newest share
    times: Mapped[int] = mapped_column(default=DEFAULT_TIMES)  # "n times at or above proficient"
    proficient_points: Mapped[float] = mapped_column(Float, default=3.0)
    # Self, peer and partner assessments count toward mastery (DESIGN.md §5: off by default).
    count_other_voices: Mapped[bool] = mapped_column(default=False)


class AssessmentKind(enum.StrEnum):
    TEACHER = "teacher"
    SELF = "self"
    PEER = "peer"
    PARTNER = "partner"


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    RELEASED = "released"


class Assessment(db.Model):
    __table_args__ = (
        Index("ix_assessment_project_kind", "project_id", "kind"),
        Index("ix_assessment_student_status", "student_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id", ondelete="RESTRICT"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    # None: the whole team (evidence for every member); else one student.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[AssessmentKind] = mapped_column(str_enum(AssessmentKind, 12), default=AssessmentKind.TEACHER)
    status: Mapped[AssessmentStatus] = mapped_column(str_enum(AssessmentStatus, 12), default=AssessmentStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # The date of the work assessed: mastery orders evidence by it, not by when it was graded.
    work_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)  # refuses a save based on an older version
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rubric: Mapped[Rubric] = relationship()
    project: Mapped["Project"] = relationship()
    student: Mapped["User | None"] = relationship(foreign_keys=[student_id])
    assessor: Mapped["User | None"] = relationship(foreign_keys=[assessor_id])
    scores: Mapped[list["Score"]] = relationship(back_populates="assessment", cascade="all, delete-orphan")


class Score(db.Model):
    """The level given for one criterion, with its comment."""

    __table_args__ = (UniqueConstraint("assessment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="RESTRICT"), index=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_level.id", ondelete="RESTRICT"))
    comment: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()
    level: Mapped[RubricLevel | None] = relationship()


class GoalStatus(enum.StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    SET_ASIDE = "set_aside"


class LearningGoal(db.Model):
    """A student's personal goal, optionally tied to a competency, in one class."""

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[int | None] = mapped_column(ForeignKey("competency.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GoalStatus] = mapped_column(str_enum(GoalStatus, 12), default=GoalStatus.ACTIVE)
    target_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The conflict check of cbl.versioning: a save from a page opened before another save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    student: Mapped["User"] = relationship(foreign_keys=[student_id])
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])
    competency: Mapped["Competency | None"] = relationship()
    evidence: Mapped[list["GoalEvidence"]] = relationship(back_populates="goal", cascade="all, delete-orphan")
    notes: Mapped[list["GoalNote"]] = relationship(back_populates="goal", cascade="all, delete-orphan",
                                                   order_by="GoalNote.created_at")


class GoalEvidence(db.Model):
    """A portfolio entry the student links as evidence of progress toward the goal."""

    __table_args__ = (UniqueConstraint("goal_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("learning_goal.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)

    goal: Mapped[LearningGoal] = relationship(back_populates="evidence")
    entry: Mapped["Entry"] = relationship()


class GoalNote(db.Model):
    """A progress note by the student, or a comment by their teacher."""

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("learning_goal.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[LearningGoal] = relationship(back_populates="notes")
    author: Mapped["User | None"] = relationship()
