"""One row per roster import that was run: who ran it (or the command), when, from which
file, and what it changed. The admin page lists them; the audit log has a line for each."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db


class ImportOutcome(enum.StrEnum):
    APPLIED = "applied"
    NO_CHANGES = "no_changes"


class RosterImport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Who confirmed it; empty when the command (a nightly job) ran it.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(8), default="")
    # "bulk", "delta" or "bulk, delta" (the manifest's modes of the roster files).
    mode: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[ImportOutcome] = mapped_column(str_enum(ImportOutcome, 16))
    # {"person": {"created": 3, "updated": 0, "moved": 0, "retired": 1}, ...}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    def total(self, act: str) -> int:
        return sum(kinds.get(act, 0) for kinds in (self.counts or {}).values())
