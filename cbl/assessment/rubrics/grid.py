"""A rubric's grid as plain data, and the rules it must keep (issue 5 point 2).

Levels (label and points) go from low to high; each criterion names a competency and has one
descriptor per level. :func:`check_rubric` lists every broken rule at once, each with where
it is, so a form can show each message beside its field."""

import math
from dataclasses import dataclass

from flask_babel import format_decimal, gettext as _
from sqlalchemy import select

from cbl.assessment.models import Criterion, Rubric, RubricLevel
from cbl.competencies.models import Competency
from cbl.errors import ValidationFailed
from cbl.extensions import db

MAX_LEVELS = 8
MAX_CRITERIA = 30
TITLE_MAX = Rubric.__table__.c.title.type.length
LABEL_MAX = RubricLevel.__table__.c.label.type.length
CRITERION_TITLE_MAX = Criterion.__table__.c.title.type.length
DESCRIPTION_MAX = 5_000
DESCRIPTOR_MAX = 2_000
POINTS_MAX = 1_000.0
_MAX_ID = 2**31 - 1


# --- the data a rubric is made from ----------------------------------------------------------

@dataclass(frozen=True)
class LevelData:
    label: str
    points: float | None


@dataclass(frozen=True)
class CriterionData:
    title: str
    competency_id: int | None
    descriptors: tuple[str, ...]  # one per level, low to high


@dataclass(frozen=True)
class RubricData:
    title: str
    description: str
    levels: tuple[LevelData, ...]
    criteria: tuple[CriterionData, ...]


def rubric_data(title: str, levels, criteria, description: str = "") -> RubricData:
    """A :class:`RubricData` from plain values: ``levels`` as ``[(label, points)]`` low to
    high, ``criteria`` as ``[(title, competency_id, [descriptor per level])]``."""
    return RubricData(title=title, description=description,
                      levels=tuple(LevelData(label, points) for label, points in levels),
                      criteria=tuple(CriterionData(t, c, tuple(d)) for t, c, d in criteria))


@dataclass(frozen=True)
class Problem:
    """One broken rule and where: ``("title",)``, ``("levels",)``, ``("levels", 2, "points")``,
    ``("criteria", 0, "competency_id")``, ``("criteria", 1, "descriptors", 3)``…"""

    where: tuple
    message: str


class RubricInvalid(ValidationFailed):
    """The grid breaks one or more rules; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


def _text(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def _cleaned(data: RubricData) -> RubricData:
    return RubricData(
        title=_text(data.title), description=_text(data.description),
        levels=tuple(LevelData(_text(level.label), level.points) for level in data.levels),
        criteria=tuple(CriterionData(_text(c.title), c.competency_id, tuple(_text(d) for d in c.descriptors))
                       for c in data.criteria))


def format_points(points: float | None) -> str:
    """Points as a reader expects them: 3, 2.5 (in the page's language)."""
    if points is None:
        return ""
    return format_decimal(points, format="#,##0.##")


# --- checking --------------------------------------------------------------------------------

def check_rubric(data: RubricData, *, competencies: bool = True) -> RubricData:
    """The data with its texts trimmed, if it makes a valid rubric: a title; 1 to 8 levels,
    each labelled (labels unique) with points from 0 to 1000 going strictly up; 1 to 30
    criteria, each titled and tied to an existing competency (with ``competencies``; without,
    a peer contribution scale, to none), with one descriptor per level; every text within its
    column's size. Raises :class:`RubricInvalid` listing every problem."""
    data = _cleaned(data)
    problems: list[Problem] = []
    if not data.title:
        problems.append(Problem(("title",), _("Give the rubric a title.")))
    elif len(data.title) > TITLE_MAX:
        problems.append(Problem(("title",), _("Keep the title to %(n)d characters.", n=TITLE_MAX)))
    if len(data.description) > DESCRIPTION_MAX:
        problems.append(Problem(("description",), _("Keep the description to %(n)d characters.", n=DESCRIPTION_MAX)))
    problems += _level_problems(data.levels)
    problems += _criterion_problems(data.criteria, len(data.levels), competencies)
    if problems:
        raise RubricInvalid(problems)
    return data


def _level_problems(levels: tuple[LevelData, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not levels:
        problems.append(Problem(("levels",), _("Add at least one level.")))
    elif len(levels) > MAX_LEVELS:
        problems.append(Problem(("levels",), _("A rubric has at most %(n)d levels: remove %(extra)d.",
                                               n=MAX_LEVELS, extra=len(levels) - MAX_LEVELS)))
    labels: set[str] = set()
    previous: float | None = None
    for i, level in enumerate(levels):
        if not level.label:
            problems.append(Problem(("levels", i, "label"), _("Give this level a label.")))
        elif len(level.label) > LABEL_MAX:
            problems.append(Problem(("levels", i, "label"), _("Keep the label to %(n)d characters.", n=LABEL_MAX)))
        elif level.label.casefold() in labels:
            problems.append(Problem(("levels", i, "label"),
                                    _("Another level is called “%(label)s”: give each level its own label.",
                                      label=level.label)))
        labels.add(level.label.casefold())
        points = level.points
        if points is None:
            problems.append(Problem(("levels", i, "points"), _("Give the points of this level.")))
        elif not math.isfinite(points) or not 0 <= points <= POINTS_MAX:
            problems.append(Problem(("levels", i, "points"),
                                    _("Give points from 0 to %(max)s.", max=format_points(POINTS_MAX))))
        elif previous is not None and points <= previous:
            problems.append(Problem(("levels", i, "points"),
                                    _("Levels go from low to high: give more than %(points)s points here.",
                                      points=format_points(previous))))
        else:
            previous = points
    return problems


def _criterion_problems(criteria: tuple[CriterionData, ...], level_count: int,
                        competencies: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    if not criteria:
        problems.append(Problem(("criteria",), _("Add at least one criterion.")))
    elif len(criteria) > MAX_CRITERIA:
        problems.append(Problem(("criteria",), _("A rubric has at most %(n)d criteria.", n=MAX_CRITERIA)))
    wanted = {c.competency_id for c in criteria if c.competency_id is not None and 0 < c.competency_id <= _MAX_ID}
    known = set(db.session.scalars(select(Competency.id).where(Competency.id.in_(wanted)))) if wanted else set()
    for i, criterion in enumerate(criteria):
        if not criterion.title:
            problems.append(Problem(("criteria", i, "title"), _("Give this criterion a title.")))
        elif len(criterion.title) > CRITERION_TITLE_MAX:
            problems.append(Problem(("criteria", i, "title"),
                                    _("Keep the title to %(n)d characters.", n=CRITERION_TITLE_MAX)))
        if not competencies:
            pass  # a contribution scale: its criteria give no evidence of a competency
        elif criterion.competency_id is None:
            problems.append(Problem(("criteria", i, "competency_id"),
                                    _("Choose the competency this criterion gives evidence of.")))
        elif criterion.competency_id not in known:
            problems.append(Problem(("criteria", i, "competency_id"),
                                    _("That competency does not exist any more: choose another.")))
        if len(criterion.descriptors) != level_count:
            problems.append(Problem(("criteria", i, "descriptors"), _("Give one descriptor for each level.")))
        for j, text in enumerate(criterion.descriptors):
            if len(text) > DESCRIPTOR_MAX:
                problems.append(Problem(("criteria", i, "descriptors", j),
                                        _("Keep each descriptor to %(n)d characters.", n=DESCRIPTOR_MAX)))
    return problems
