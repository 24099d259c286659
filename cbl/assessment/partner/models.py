"""A challenge's partner questions and the partners' answers.

The partner rating is not the teacher's rubric: an invited partner answers three or four
plain questions ("Did the team understand the problem?") on a three-step scale, and may add
a comment. The teacher picks or edits the questions per challenge; without an edit the
default questions are shown, in the reader's language. A rating keeps the questions as the
partner saw them. Ratings are for the teachers to read and never count for mastery (they are
not assessments)."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.projects.models import Project


class Answer(enum.IntEnum):
    """The short scale, low to high."""

    NOT_YET = 0
    PARTLY = 1
    YES = 2


class PartnerQuestions(db.Model):
    """The questions a teacher chose for a challenge's partner rating (no row: the defaults)."""

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PartnerRating(db.Model):
    """One partner's answers about one team's project: ``answers[i]`` answers
    ``questions[i]`` with an :class:`Answer` value, or None when skipped."""

    __table_args__ = (UniqueConstraint("project_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped["Project"] = relationship()
    partner: Mapped["User | None"] = relationship()

    def pairs(self) -> list[tuple[str, int | None]]:
        """(question, answer) in order."""
        answers = list(self.answers or [])
        return [(q, answers[i] if i < len(answers) else None) for i, q in enumerate(self.questions or [])]
