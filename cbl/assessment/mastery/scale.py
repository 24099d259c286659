"""The class's proficiency scale, and every score placed on it by its level (issue 10, point 15).

A class's rubrics may count points differently: one 1–4 (Beginning 1 … Advanced 4), another
0–10 (Beginning 2, Developing 5, Proficient 8, Advanced 10). Averaging their raw points would
make a "Developing" 5 of 10 count as mastered on a class whose proficient is 3. So mastery
never reads raw points across rubrics: every score is put on **the class's scale** first.

- The class's scale is the levels of its first rubric (the oldest of the rubrics its
  challenges and assessments use). Its proficient points (the class's mastery settings) are
  read on that scale.
- A score of a rubric whose lowest and highest points are those of the class's scale keeps
  its points (same scale: nothing to convert).
- Otherwise, **by level**: a rubric with as many levels as the class's scale puts its level at
  the class's level of the same rank (its 2nd level of 4 → the class's 2nd level);
- a rubric with another number of levels is placed **proportionally by level**: its level's
  rank, as a share of its levels (0 for the lowest, 1 for the highest), is placed at that share
  of the class's levels, between the two nearest class levels.

The formula shown to a reader says so for each converted score
(:meth:`cbl.assessment.mastery.methods.MasteryResult.explain`)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, union

from cbl.assessment.mastery.methods import Placement
from cbl.assessment.models import Assessment, ChallengeAssessment, RubricLevel
from cbl.extensions import db
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Team

SAME, BY_LEVEL, PROPORTIONAL = "same", "by_level", "proportional"


@dataclass(frozen=True)
class LevelRow:
    rubric_id: int
    level_id: int
    points: float
    label: str


@dataclass
class ClassScale:
    """The class's levels (points and label, low to high) and where each rubric level sits on them."""

    levels: list[tuple[float, str]]
    placements: dict[int, Placement | None] = field(default_factory=dict)  # by level id; None: same scale

    def value(self, level_id: int, points: float) -> tuple[float, Placement | None]:
        """The level's value on the class's scale, and how it got there (None: unchanged)."""
        placement = self.placements.get(level_id)
        return (points, None) if placement is None else (placement.value, placement)


def place(levels: list[tuple[float, str]], rubric_levels: list[tuple[int, float, str]]) -> dict[int, Placement | None]:
    """Where each level of one rubric (``(id, points, label)``, low to high) sits on the
    class's ``levels`` (``(points, label)``, low to high): None for a rubric on the same scale."""
    if len(levels) < 2 or not rubric_levels:
        return {level_id: None for level_id, _points, _label in rubric_levels}
    low, high = levels[0][0], levels[-1][0]
    own_points = [points for _id, points, _label in rubric_levels]
    if (min(own_points), max(own_points)) == (low, high):
        return {level_id: None for level_id, _points, _label in rubric_levels}
    own_low, own_high, count = min(own_points), max(own_points), len(rubric_levels)
    placed: dict[int, Placement | None] = {}
    for rank, (level_id, points, label) in enumerate(rubric_levels):
        if count == len(levels):
            value, how = levels[rank][0], BY_LEVEL
        else:
            share = rank / (count - 1) if count > 1 else 1.0
            position = share * (len(levels) - 1)
            below = int(position)
            above = min(below + 1, len(levels) - 1)
            value = levels[below][0] + (position - below) * (levels[above][0] - levels[below][0])
            how = PROPORTIONAL
        placed[level_id] = Placement(points=points, label=label, low=own_low, high=own_high, value=value,
                                     rank=rank + 1, count=count, how=how)
    return placed


def build(rows: Iterable[LevelRow]) -> ClassScale:
    """The class's scale from the levels of its rubrics, ordered by rubric id then position
    (the first rubric's levels are the class's)."""
    by_rubric: dict[int, list[tuple[int, float, str]]] = {}
    for row in rows:
        by_rubric.setdefault(row.rubric_id, []).append((row.level_id, float(row.points), row.label))
    if not by_rubric:
        return ClassScale([])
    first = by_rubric[min(by_rubric)]
    levels = [(points, label) for _id, points, label in first]
    placements: dict[int, Placement | None] = {}
    for rubric_levels in by_rubric.values():
        placements.update(place(levels, rubric_levels))
    return ClassScale(levels, placements)


def class_rubrics(classroom_id: int):
    """Ids of every rubric the class uses: its challenges' and its assessments' (whoever may
    read them: the scale must be the same for every reader)."""
    of_challenges = (select(ChallengeAssessment.rubric_id)
                     .join(Challenge, Challenge.id == ChallengeAssessment.challenge_id)
                     .where(Challenge.classroom_id == classroom_id, ChallengeAssessment.rubric_id.is_not(None)))
    of_assessments = (select(Assessment.rubric_id).join(Project, Project.id == Assessment.project_id)
                      .join(Team, Team.id == Project.team_id).where(Team.classroom_id == classroom_id))
    return select(union(of_challenges, of_assessments).subquery().c[0])


def load_scale(classroom_id: int) -> ClassScale:
    """The class's scale and every placement on it (one query)."""
    rows = db.session.execute(
        select(RubricLevel.rubric_id, RubricLevel.id, RubricLevel.points, RubricLevel.label)
        .where(RubricLevel.rubric_id.in_(class_rubrics(classroom_id)))
        .order_by(RubricLevel.rubric_id, RubricLevel.position))
    return build(LevelRow(*row) for row in rows)


def level_name(levels: list[tuple[float, str]], value: float | None) -> str:
    """The class's level a value has reached: the highest level at or below it ("" below the lowest)."""
    if value is None:
        return ""
    reached = [label for points, label in levels if points <= value + 1e-9]
    return reached[-1] if reached else ""
