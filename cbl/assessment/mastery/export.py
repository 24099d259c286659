"""The class gradebook as CSV: one row per student × released assessment × criterion.

Streamed: the rows are read from the database in batches and written out a line at a time,
so a whole year of a large class never sits in memory. The file starts with a UTF-8 byte
order mark, which spreadsheets need to read accents correctly. A cell a student or teacher
typed that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with an apostrophe, so opening the file never runs it (CSV formula injection)."""

import csv
import io
from collections.abc import Iterator
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from cbl.accounts.models import User
from cbl.assessment.mastery.services import class_assessment_ids
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, Criterion, RubricLevel, Score
from cbl.competencies.models import Competency
from cbl.extensions import db
from cbl.portfolio.export import slugify
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Team, TeamMember

BOM = "\ufeff"
BATCH_SIZE = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def kind_labels() -> dict[AssessmentKind, str]:
    return {AssessmentKind.TEACHER: _("teacher"), AssessmentKind.SELF: _("self"), AssessmentKind.PEER: _("peer"),
            AssessmentKind.PARTNER: _("partner")}


def safe_cell(value: str | float | None) -> str:
    """A cell as text, defused if a spreadsheet would take it for a formula. Numbers are
    ours, not typed by anyone, and stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header() -> list[str]:
    return [_("Class"), _("Student"), _("Team"), _("Challenge"), _("Assessment kind"), _("Scope"), _("Work date"),
            _("Released"), _("Criterion"), _("Competency code"), _("Level"), _("Points"), _("Comment")]


def gradebook_rows(viewer: User, classroom_id: int) -> Select:
    """The released scores of the class the viewer may read, one row per student they are
    about (each member of the team for a team assessment), by student, work date, criterion."""
    student = aliased(User)
    for_student = func.coalesce(Assessment.student_id, TeamMember.user_id)
    return (select(student.display_name, Team.name, Challenge.title, Assessment.kind, Assessment.student_id,
                   Assessment.work_date, Assessment.released_at, Criterion.title, Competency.code, RubricLevel.label,
                   RubricLevel.points, Score.comment)
            .select_from(Score)
            .join(Assessment, Assessment.id == Score.assessment_id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .outerjoin(Competency, Competency.id == Criterion.competency_id)
            .outerjoin(RubricLevel, RubricLevel.id == Score.level_id)
            .join(Project, Project.id == Assessment.project_id)
            .join(Team, Team.id == Project.team_id)
            .join(Challenge, Challenge.id == Project.challenge_id)
            .outerjoin(TeamMember, (TeamMember.team_id == Team.id) & Assessment.student_id.is_(None))
            .join(student, student.id == for_student)
            .where(Team.classroom_id == classroom_id, Assessment.status == AssessmentStatus.RELEASED,
                   Assessment.id.in_(class_assessment_ids(viewer, classroom_id)))
            .order_by(student.display_name, student.id, Assessment.work_date, Assessment.id, Criterion.position))


def _line(cells: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue()


def gradebook_csv(viewer_id: int, classroom_id: int) -> Iterator[bytes]:
    """The gradebook as UTF-8 CSV chunks (the first starts with the byte order mark).

    Runs after the view returned (a streamed response), so it loads the viewer and the class
    again by id."""
    viewer = db.session.get(User, viewer_id)
    classroom = db.session.get(Classroom, classroom_id)
    if viewer is None or classroom is None:
        return
    labels = kind_labels()
    team_scope, individual_scope = _("team"), _("individual")
    yield (BOM + _line(header())).encode("utf-8")
    chunk: list[str] = []
    rows = db.session.execute(gradebook_rows(viewer, classroom_id).execution_options(yield_per=BATCH_SIZE))
    for (name, team, challenge, kind, about, work_date, released_at, criterion, code, level, points,
         comment) in rows:
        chunk.append(_line([classroom.name, name, team, challenge, labels[AssessmentKind(kind)],
                            team_scope if about is None else individual_scope, work_date.isoformat(),
                            released_at.date().isoformat() if released_at else "", criterion, code or "",
                            level or "", points, comment or ""]))
        if len(chunk) >= BATCH_SIZE:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def gradebook_filename(classroom: Classroom, today: date) -> str:
    """``gradebook-<class>-<date>.csv`` in safe ASCII."""
    return f"gradebook-{slugify(classroom.name) or classroom.id}-{today.isoformat()}.csv"

