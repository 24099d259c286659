"""A district's schools (OneRoster ``orgs``) and terms (``academicSessions``).

An installation is a district. A school has its own name, admins, people and classes; a class
belongs to a school and, optionally, to a term. Rows a roster import made carry the school
information system's ``sourced_id``, so a second import of the same file finds them again."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db


class TermKind(enum.StrEnum):
    # OneRoster 1.2 SessionType vocabulary.
    GRADING_PERIOD = "gradingPeriod"
    SEMESTER = "semester"
    SCHOOL_YEAR = "schoolYear"
    TERM = "term"


class School(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # The school's code in its information system (OneRoster ``identifier``), shown to admins.
    identifier: Mapped[str] = mapped_column(String(64), default="")
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Retired by a roster (``tobedeleted``): its classes are archived, nothing is deleted.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<School {self.id}>"


class Term(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TermKind] = mapped_column(str_enum(TermKind, 16), default=TermKind.TERM)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # A term of one school, or of the whole district when empty.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"))
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Set when a teacher or admin archived the term's classes in one step.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()

    def __repr__(self) -> str:
        return f"<Term {self.id}>"


class SchoolMember(db.Model):
    """A person of a school: its teachers and students, and its school admins (role
    ``school_admin``), who administer exactly the schools they are members of."""

    __table_args__ = (UniqueConstraint("school_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)

    school: Mapped[School] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
