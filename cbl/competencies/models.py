"""Competency frameworks and their competencies."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.competencies.default import translated
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db


# The frameworks a class uses (issue 10 point 12). A class with no row uses the default
# framework (see cbl.competencies.queries.class_framework_ids); the migration that made this
# table gave every class then present the default and the frameworks its work was tagged with.
classroom_framework = Table(
    "classroom_framework",
    db.metadata,
    Column("classroom_id", ForeignKey("classroom.id", ondelete="CASCADE"), primary_key=True),
    Column("framework_id", ForeignKey("competency_framework.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CompetencyFramework(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The CFDocument identifier when the framework came from (or goes to) 1EdTech CASE.
    case_identifier: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="framework", cascade="all, delete-orphan", order_by="Competency.position")

    @property
    def name(self) -> str:
        """The title to show: the default framework's in the reader's language."""
        return translated(self.title)

    @property
    def summary(self) -> str:
        """The description to show: the default framework's in the reader's language."""
        return translated(self.description or "")


class Competency(db.Model):
    """One competency; ``parent`` makes the hierarchy (a strand and its sub-competencies)."""

    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("competency_framework.id", ondelete="CASCADE"),
                                              index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    short_name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    case_identifier: Mapped[str | None] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    # Set when a re-imported CASE file no longer lists it: no longer offered for tagging or
    # rubrics, but its tags, evidence and criteria stay and are still shown.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    framework: Mapped[CompetencyFramework] = relationship(back_populates="competencies")
    parent: Mapped["Competency | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Competency"]] = relationship(back_populates="parent", order_by="Competency.position")

    @property
    def name(self) -> str:
        """The short name to show: the default framework's in the reader's language (the
        stored ``short_name`` stays as written, for editing and for CASE)."""
        return translated(self.short_name)

    @property
    def summary(self) -> str:
        """The description to show, translated as :attr:`name`."""
        return translated(self.description or "")

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"
