"""One conflict check for every record people edit together (DESIGN.md §6).

A form carries the version it was loaded at in a hidden field; the save takes the next
version only if the record is still at that one (a conditional UPDATE, so two servers
cannot both win). The second save is refused with an :class:`~cbl.errors.EditConflict`
that holds the saved text, the editor's own text, who saved the other version and when."""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import EditConflict
from cbl.extensions import db

if TYPE_CHECKING:
    from cbl.accounts.models import User


class Versioned:
    """Mixin: ``version`` grows with every save; ``updated_by``/``updated_at`` name the last saver."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    @declared_attr
    def updated_by(cls) -> Mapped["User | None"]:
        return relationship("User", foreign_keys=f"{cls.__name__}.updated_by_id")


def claim_version(record: Any, base_version: int | None, acting_id: int | None,
                  describe: Callable[[Any], str], your_text: str) -> None:
    """Take the record's next version for this save, if nobody saved it since
    ``base_version`` (None: a form without a version, nothing to check but the count still
    grows). Otherwise roll back and raise EditConflict with ``describe(saved record)`` and
    ``your_text``. Call it before changing the record; the caller commits."""
    model = type(record)
    stmt = update(model).where(model.id == record.id)
    if base_version is not None:
        stmt = stmt.where(model.version == base_version)
    claimed = db.session.execute(stmt.values(version=model.version + 1, updated_by_id=acting_id, updated_at=utcnow())
                                 .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(record)
        raise EditConflict(_("Someone else saved this while you were editing. Their version is saved; "
                             "yours is in the form below."),
                           current_text=describe(record), your_text=your_text, current_version=record.version,
                           saved_by=record.updated_by, saved_at=record.updated_at)
    db.session.refresh(record, ["version", "updated_at", "updated_by_id"])


def as_text(*pairs: tuple[str, object]) -> str:
    """Labelled values as a short markdown text, for the "saved version" of a conflict."""
    return "\n\n".join(f"**{label}:** {value}" for label, value in pairs if value not in (None, ""))
