"""Invitations that let community partners and families see a team's work."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db
from cbl.portfolio.models import Entry  # noqa: F401  (mapped before Comment refers to it)

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.projects.models import Project
    from cbl.teams.models import Classroom


class InvitationKind(enum.StrEnum):
    PARTNER = "partner"  # a business, nonprofit or expert
    FAMILY = "family"  # a student's family member


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


invitation_project = Table(
    "invitation_project",
    db.metadata,
    Column("invitation_id", ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)


class Invitation(db.Model):
    """A single-use link to one or more projects. Only a hash of its token is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[InvitationKind] = mapped_column(str_enum(InvitationKind, 12), default=InvitationKind.PARTNER)
    message: Mapped[str] = mapped_column(Text, default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    classroom: Mapped["Classroom"] = relationship()
    invited_by: Mapped["User | None"] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped["User | None"] = relationship(foreign_keys=[accepted_by_id])
    projects: Mapped[list["Project"]] = relationship(secondary=invitation_project, order_by="Project.id")

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= utcnow():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class CommentKind(enum.StrEnum):
    QUESTION = "question"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # an outsider's comment, waiting for a teacher's approval
    VISIBLE = "visible"
    HIDDEN = "hidden"  # hidden by a teacher: kept for the audit, shown to nobody


class Comment(db.Model):
    """Feedback on a project or on one of its entries. A top-level comment has a kind and
    may be marked addressed by the team; replies (one level deep) hang from it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[CommentKind | None] = mapped_column(str_enum(CommentKind, 12))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(str_enum(CommentStatus, 12), default=CommentStatus.VISIBLE,
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    addressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    addressed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answer_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"))

    project: Mapped["Project"] = relationship()
    entry: Mapped["Entry | None"] = relationship(foreign_keys=[entry_id])
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])
    addressed_by: Mapped["User | None"] = relationship(foreign_keys=[addressed_by_id])
    answer_entry: Mapped["Entry | None"] = relationship(foreign_keys=[answer_entry_id])
    parent: Mapped["Comment | None"] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list["Comment"]] = relationship(back_populates="parent", order_by="Comment.created_at")
