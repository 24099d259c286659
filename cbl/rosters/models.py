"""One row per roster import: who asked for it (the admin page, the command or the nightly
import), when, from which file, how far it got, and what it changed or why it failed. The
admin page lists them; the audit log has a line for each import that was saved.

A run confirmed on the page is queued (the job runs it), then running, then done or failed;
the command's runs are done (or failed) when they are recorded."""

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow

# A run still "running" after this long was cut off (the worker stopped or crashed): since an
# import is saved all at once, nothing of it was saved. Big districts take well under a minute.
STALLED_AFTER = timedelta(hours=1)
from cbl.extensions import db


class ImportOutcome(enum.StrEnum):
    APPLIED = "applied"
    NO_CHANGES = "no_changes"


class RunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RosterImport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Who confirmed it; empty when the command (a nightly job) ran it.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(8), default="")
    # "bulk", "delta" or "bulk, delta" (the manifest's modes of the roster files).
    mode: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[RunState] = mapped_column(str_enum(RunState, 16), default=RunState.DONE, server_default="done",
                                            index=True)
    # Set when it is done: whether it changed anything.
    outcome: Mapped[ImportOutcome | None] = mapped_column(str_enum(ImportOutcome, 16))
    # The upload it imports (instance/rosters/<upload>.zip) until the job has run: one run per upload.
    upload: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the file's bytes: the nightly import skips a file imported already.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    scheduled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why it failed: [{"where": "users.csv, line 4", "message": "..."}] (the first ones) and how many.
    problems: Mapped[list | None] = mapped_column(JSON)
    problem_count: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"person": {"created": 3, "updated": 0, "moved": 0, "retired": 1}, ...}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def stalled(self) -> bool:
        return self.state is RunState.RUNNING and (self.started_at is None
                                                   or self.started_at < utcnow() - STALLED_AFTER)

    @property
    def pending(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING) and not self.stalled

    def total(self, act: str) -> int:
        return sum(kinds.get(act, 0) for kinds in (self.counts or {}).values())
