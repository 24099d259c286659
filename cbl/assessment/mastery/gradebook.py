"""The class gradebook a school's office can use (issue 10, point 16): one row per student.

Columns: the student's name, school id (the school's own number, empty where none was given)
and email, then for each competency the class assesses its current
mastery (a number on the class's scale) and the name of the level it reached, then one column
per released assessment: per challenge, the team assessment and the individual one, each the
mean of its levels on the class's scale. Only the teachers' voices count, unless the export
asks for self, peer and partner assessments too (then they count for mastery and get columns
of their own). Cells typed by people are defused against formula injection
(:func:`cbl.assessment.mastery.export.safe_cell`). The long format (one row per score) stays
in :mod:`cbl.assessment.mastery.export`."""

import math
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.assessment.grading.services import VOICES
from cbl.assessment.mastery.export import BOM, _line, kind_labels
from cbl.assessment.mastery.scale import level_name
from cbl.assessment.mastery.services import class_assessment_ids, class_mastery
from cbl.assessment.models import Assessment, AssessmentKind, AssessmentStatus, RubricLevel, Score
from cbl.extensions import db
from cbl.portfolio.export import slugify
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Team, TeamMember

ColumnKey = tuple[int, str, bool]  # (challenge id, assessment kind, individual)


@dataclass
class AssessmentColumn:
    key: ColumnKey
    title: str
    # by student id: the values of the levels of each assessment about them (several peers)
    values: dict[int, list[list[float]]]

    def cell(self, student_id: int) -> float | None:
        per_assessment = [sum(v) / len(v) for v in self.values.get(student_id, []) if v]
        if not per_assessment:
            return None
        return round(math.fsum(per_assessment) / len(per_assessment), 2)


def _assessment_columns(viewer: User, classroom_id: int, scale, other_voices: bool,
                        members: dict[int, list[int]]) -> list[AssessmentColumn]:
    """A column per challenge × kind × scope of the released assessments (one query)."""
    kinds = [AssessmentKind.TEACHER, *(VOICES if other_voices else ())]
    rows = db.session.execute(
        select(Assessment.id, Assessment.kind, Assessment.student_id, Project.team_id, Challenge.id, Challenge.title,
               Challenge.created_at, RubricLevel.id, RubricLevel.points)
        .select_from(Score)
        .join(Assessment, Assessment.id == Score.assessment_id)
        .join(RubricLevel, RubricLevel.id == Score.level_id)
        .join(Project, Project.id == Assessment.project_id)
        .join(Team, Team.id == Project.team_id)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(Team.classroom_id == classroom_id, Assessment.status == AssessmentStatus.RELEASED,
               Assessment.kind.in_(kinds), Assessment.id.in_(class_assessment_ids(viewer, classroom_id)))
        .order_by(Challenge.created_at, Challenge.id, Assessment.id))
    labels = kind_labels()
    columns: dict[ColumnKey, AssessmentColumn] = {}
    per_assessment: dict[int, list[float]] = {}
    for assessment_id, kind, about, team_id, challenge_id, title, _created, level_id, points in rows:
        kind = AssessmentKind(kind)
        key = (challenge_id, kind.value, about is not None)
        if key not in columns:
            scope = _("individual") if about is not None else _("team")
            name = title if kind is AssessmentKind.TEACHER else f"{title} · {labels[kind]}"
            columns[key] = AssessmentColumn(key, f"{name} ({scope})", {})
        if assessment_id not in per_assessment:
            per_assessment[assessment_id] = []
            for student_id in ([about] if about is not None else members.get(team_id, [])):
                columns[key].values.setdefault(student_id, []).append(per_assessment[assessment_id])
        per_assessment[assessment_id].append(scale.value(level_id, float(points))[0])
    return list(columns.values())


def gradebook_wide_rows(viewer: User, classroom: Classroom, *, other_voices: bool = False) -> list[list]:
    """The header and one row per student of the class (a fixed number of queries)."""
    mastery = class_mastery(viewer, classroom, other_voices=other_voices)
    members: dict[int, list[int]] = {}
    for team_id, user_id in db.session.execute(
            select(TeamMember.team_id, TeamMember.user_id).join(Team, Team.id == TeamMember.team_id)
            .where(Team.classroom_id == classroom.id)):
        members.setdefault(team_id, []).append(user_id)
    columns = _assessment_columns(viewer, classroom.id, mastery.scale, other_voices, members)
    header = [_("Student"), _("School id"), _("Email")]
    for competency in mastery.competencies:
        name = f"{competency.code} {competency.name}"
        header += [_("%(competency)s: mastery", competency=name), _("%(competency)s: level", competency=name)]
    header += [column.title for column in columns]
    rows = [header]
    levels = mastery.scale.levels
    for student in mastery.students:
        row: list = [student.display_name, student.school_id or "", student.email]
        for competency in mastery.competencies:
            result = mastery.result(student.id, competency.id)
            value = round(result.value, 2) if result else None
            row += [value, level_name(levels, value)]
        row += [column.cell(student.id) for column in columns]
        rows.append(row)
    return rows


def gradebook_wide_csv(viewer_id: int, classroom_id: int, *, other_voices: bool = False) -> Iterator[bytes]:
    """The one-row-per-student gradebook as UTF-8 CSV (with the byte order mark)."""
    viewer = db.session.get(User, viewer_id)
    classroom = db.session.get(Classroom, classroom_id)
    if viewer is None or classroom is None:
        return
    rows = gradebook_wide_rows(viewer, classroom, other_voices=other_voices)
    yield (BOM + _line(rows[0])).encode("utf-8")
    for row in rows[1:]:
        yield _line(row).encode("utf-8")


def gradebook_wide_filename(classroom: Classroom, today) -> str:
    return f"gradebook-students-{slugify(classroom.name) or classroom.id}-{today.isoformat()}.csv"
