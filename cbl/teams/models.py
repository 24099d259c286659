"""Classrooms, enrolments and teams."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db
from cbl.schools.models import School, Term  # noqa: F401  (classes belong to a school and a term)
from cbl.versioning import Versioned

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.projects.models import Challenge, Project

# No 0/O, 1/I/L: codes are read aloud and copied from a board.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class Classroom(Versioned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    term: Mapped[str] = mapped_column(String(60), default="")
    # The school the class belongs to, and its term (cbl.schools); a roster's classes carry
    # their information system's sourcedId.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_join_code)
    joining_open: Mapped[bool] = mapped_column(default=True)
    # Class settings.
    students_form_teams: Mapped[bool] = mapped_column(default=False)
    teams_advance_freely: Mapped[bool] = mapped_column(default=False)
    # Outsiders (partners, families): their comments wait for a teacher before students see them.
    moderate_outsider_comments: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Teams may invite partners themselves (the teachers are told).
    teams_invite_partners: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Partners see students' full names rather than first names only.
    partners_see_full_names: Mapped[bool] = mapped_column(default=False, server_default=false())
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped["School | None"] = relationship()
    # The label ``term`` above is what the teacher typed; a rostered class also has this.
    academic_term: Mapped["Term | None"] = relationship()
    teacher_links: Mapped[list["ClassroomTeacher"]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan"
    )
    teams: Mapped[list["Team"]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan", order_by="Team.name"
    )
    challenges: Mapped[list["Challenge"]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan", order_by="Challenge.id"
    )


class ClassroomTeacher(db.Model):
    __table_args__ = (UniqueConstraint("classroom_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The roster's enrollment sourcedId when a roster import made the link.
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)

    classroom: Mapped[Classroom] = relationship(back_populates="teacher_links")
    user: Mapped["User"] = relationship()


class Enrolment(db.Model):
    """A student in a class."""

    __table_args__ = (UniqueConstraint("classroom_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The roster's enrollment sourcedId when a roster import made the enrolment.
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)

    classroom: Mapped[Classroom] = relationship(back_populates="enrolments")
    user: Mapped["User"] = relationship()


class Team(Versioned, db.Model):
    # Two teams may share a name once the teacher confirmed it (issue 10, item 11).
    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    # An archived team leaves the board and the homes; its work stays readable and counts.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="teams")
    memberships: Mapped[list["TeamMember"]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )
    projects: Mapped[list["Project"]] = relationship(back_populates="team", cascade="all, delete-orphan")


class TeamMember(db.Model):
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()
