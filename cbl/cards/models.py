"""A student's sign-in card for one class.

The card carries a random token; only its hash is stored, so the database cannot print a
card again: reprinting issues a new card and voids the old one. A card belongs to the class
it was printed for and works only while its student is in that class."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.teams.models import Classroom


class SignInCard(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token printed in the card's QR code (hex).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped["User"] = relationship(foreign_keys=[student_id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    classroom: Mapped["Classroom"] = relationship()

    def __repr__(self) -> str:
        return f"<SignInCard {self.id} student={self.student_id}>"
