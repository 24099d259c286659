"""A notice for one person, and how they want to hear about notices by email."""

import enum
import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db

if TYPE_CHECKING:
    from cbl.accounts.models import User


class NotificationKind(enum.StrEnum):
    NEW_FEEDBACK = "new_feedback"
    FEEDBACK_REPLY = "feedback_reply"
    FEEDBACK_WAITING = "feedback_waiting"  # to a teacher: an outsider's comment waits for approval
    PHASE_REQUESTED = "phase_requested"  # to a teacher: a team asks to move on
    PHASE_APPROVED = "phase_approved"
    PHASE_RETURNED = "phase_returned"
    ASSESSMENT_RELEASED = "assessment_released"
    ASSESSMENT_CHANGED = "assessment_changed"  # a released assessment was corrected
    INVITATION_ACCEPTED = "invitation_accepted"
    TEAM_INVITED = "team_invited"  # to a teacher: a team or student sent an invitation
    GOAL_COMMENT = "goal_comment"  # to a student: a teacher commented on a learning goal
    NAME_APPROVED = "name_approved"  # to a student: a teacher approved the new name they asked for
    NAME_DECLINED = "name_declined"  # to a student: a teacher kept their name as it was
    PHASE_STEPPED_BACK = "phase_stepped_back"  # to a teacher: a team went back to an earlier phase
    ENTRY_DELETED = "entry_deleted"  # to an author: someone else deleted their entry
    CLASS_LEFT = "class_left"  # to a student: a teacher or admin took them out of a class
    CLASS_MOVED = "class_moved"  # to a student: a teacher moved them to another class


class DigestChoice(enum.StrEnum):
    DAILY = "daily"
    NONE = "none"


class Notification(db.Model):
    """Something that happened, told to one person. The text is not stored: it is written
    when shown, from ``kind`` and ``params``, in the reader's language."""

    # Leads with user_id, so it also serves every other per-person query (the list, the digest).
    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 32))
    # A JSON object of strings: names and titles as they were when it happened.
    params: Mapped[str] = mapped_column(Text, default="{}")
    # A path on this site (never another site): where opening the notice leads.
    url: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])

    @property
    def values(self) -> dict[str, str]:
        """``params`` decoded; an unreadable value counts as no parameters."""
        try:
            decoded = json.loads(self.params or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {}

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(db.Model):
    """A person's choice of email. No row, or no ``digest``, means the default of their role
    (services.default_digest: none for students, who are minors; a daily digest for the others)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[DigestChoice | None] = mapped_column(str_enum(DigestChoice, 12))
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
