"""Invitations that let community partners and families see a team's work."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db

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
