"""How mastery of one competency is computed from a student's evidence (DESIGN.md §5).

Pure Python, no database. The caller gathers the evidence that counts (released assessments,
the criteria tied to the competency), turns each level reached into an :class:`Evidence`
and calls :func:`compute` with the class's :class:`Method`, or one method's function.

- Evidence is taken in the order of the **date of the work**, never the date it was graded;
  equal dates are ordered by ``ref`` (e.g. the assessment id) and then by level, so a result
  never depends on the order the caller passes the evidence in.
- No evidence, no result: every method returns ``None`` for an empty list.
- A result lies between the lowest and the highest level given (rounding included).

Each method returns a :class:`MasteryResult`: the value, every input in order, the inputs
that decided the value (``used``) and the working as data (``steps`` of the decaying
average, ``count`` and ``mastered`` of "n times at or above proficient"). The sentence that
shows the formula, :meth:`MasteryResult.explain`, is phrased with gettext when it is called,
so it comes out in the language of the page that shows it; a template that wants its own
layout reads the data instead. Numbers in it are formatted for that language too.
"""

import enum
import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Iterable

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext

DEFAULT_WEIGHT = 0.65  # the newest evidence's share in the decaying average (DESIGN.md §5)
DEFAULT_TIMES = 3


class Method(enum.StrEnum):
    MOST_RECENT = "most_recent"
    HIGHEST = "highest"
    MEAN = "mean"
    DECAYING_AVERAGE = "decaying_average"
    TIMES_PROFICIENT = "times_proficient"


METHOD_LABELS = {
    Method.MOST_RECENT: _l("Most recent"),
    Method.HIGHEST: _l("Highest"),
    Method.MEAN: _l("Mean"),
    Method.DECAYING_AVERAGE: _l("Decaying average"),
    Method.TIMES_PROFICIENT: _l("Times at or above proficient"),
}


@dataclass(frozen=True)
class Placement:
    """How a level of a rubric on another point scale was put on the class's scale
    (:mod:`cbl.assessment.mastery.scale`): its own ``points`` and ``label`` on its rubric's
    ``low``–``high`` scale, its ``rank`` of ``count`` levels, and the ``value`` it counts as;
    ``how`` is ``by_level`` (the class's level of the same rank) or ``proportional``."""

    points: float
    label: str
    low: float
    high: float
    value: float
    rank: int
    count: int
    how: str


@dataclass(frozen=True)
class Evidence:
    """One level a student reached for a competency.

    ``level`` is the points of the rubric level reached (Beginning 1 … Advanced 4);
    ``work_date`` the date of the work assessed (all evidence of one call uses the same
    type, ``date`` or aware ``datetime``); ``ref`` what it links to, such as the assessment
    id, which also orders evidence of the same date; ``label`` names it for a reader."""

    level: float
    work_date: date
    ref: int = 0
    label: str = ""
    placed: Placement | None = None  # set when the level came from a rubric on another scale
    voice: str = ""  # "self", "peer", "partner": not the teacher's (counted only if the class says so)
    capped_from: float | None = None  # a voice's level above the teacher's, counted at the teacher's

    @property
    def order_key(self) -> tuple:
        return (self.work_date, self.ref, self.level)


@dataclass(frozen=True)
class MasteryResult:
    """The outcome of one method on one student's evidence for one competency.

    ``inputs``: all the evidence, oldest work first. ``used``: the evidence that decided the
    value (the latest piece; the pieces at the highest level; all of them for the averages;
    those at or above proficient). ``steps``: the decaying average after each input.
    ``mastered`` is set whenever a proficient level was given (for every method: the value
    is at or above it; for "n times": at least ``times`` pieces at or above it)."""

    method: Method
    value: float
    inputs: tuple[Evidence, ...]
    used: tuple[Evidence, ...]
    steps: tuple[float, ...] = ()
    weight: float | None = None
    proficient: float | None = None
    times: int | None = None
    count: int | None = None
    mastered: bool | None = None
    proficient_label: str = ""  # the class's level at proficient, e.g. "Proficient"

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[self.method])

    def explain(self) -> str:
        """The formula with its numbers, in the current language, e.g.
        "Mean: (3 + 2 + 4) ÷ 3 = 3"."""
        text = _EXPLAINERS[self.method](self)
        if self.proficient is not None and self.method is not Method.TIMES_PROFICIENT:
            text += " " + (_("At or above %(level)s: mastered.", level=_proficient(self)) if self.mastered else
                           _("Below %(level)s: not yet mastered.", level=_proficient(self)))
        placed = [e.placed for e in self.inputs if e.placed is not None]
        if placed:
            text += " " + explain_placements(placed)
        if any(e.capped_from is not None for e in self.inputs):
            text += " " + _("A self, peer or partner level above the teacher's highest level counts at the "
                            "teacher's level: other voices never outrank the teacher.")
        return text


# --- the methods ---------------------------------------------------------------------------

def ordered(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """The evidence oldest work first (ties: by ``ref``, then by level)."""
    return tuple(sorted(evidence, key=lambda e: e.order_key))


def most_recent(evidence: Iterable[Evidence], *, proficient: float | None = None) -> MasteryResult | None:
    """The level of the latest work."""
    inputs = ordered(evidence)
    if not inputs:
        return None
    return _result(Method.MOST_RECENT, inputs[-1].level, inputs, inputs[-1:], proficient)


def highest(evidence: Iterable[Evidence], *, proficient: float | None = None) -> MasteryResult | None:
    """The highest level ever reached."""
    inputs = ordered(evidence)
    if not inputs:
        return None
    top = max(e.level for e in inputs)
    return _result(Method.HIGHEST, top, inputs, tuple(e for e in inputs if e.level == top), proficient)


def mean(evidence: Iterable[Evidence], *, proficient: float | None = None) -> MasteryResult | None:
    """The arithmetic mean of every level reached."""
    inputs = ordered(evidence)
    if not inputs:
        return None
    value = math.fsum(e.level for e in inputs) / len(inputs)
    return _result(Method.MEAN, _within(value, inputs), inputs, inputs, proficient)


def decaying_average(evidence: Iterable[Evidence], *, weight: float = DEFAULT_WEIGHT,
                     proficient: float | None = None) -> MasteryResult | None:
    """Walk the evidence oldest first: start at the first level, then for each next level
    ``running = weight × new + (1 − weight) × running``. Raises ValueError unless
    0 < weight ≤ 1 (weight 1 is "most recent")."""
    if not 0 < weight <= 1:
        raise ValueError("weight must be in (0, 1]")
    inputs = ordered(evidence)
    if not inputs:
        return None
    low, high = min(e.level for e in inputs), max(e.level for e in inputs)
    running = inputs[0].level
    steps = [running]
    for item in inputs[1:]:
        # Rounding must not carry the average past the levels averaged.
        running = min(max(weight * item.level + (1 - weight) * running, low), high)
        steps.append(running)
    return _result(Method.DECAYING_AVERAGE, running, inputs, inputs, proficient, steps=tuple(steps),
                   weight=weight)


def times_proficient(evidence: Iterable[Evidence], *, proficient: float,
                     times: int = DEFAULT_TIMES) -> MasteryResult | None:
    """Mastered once at least ``times`` pieces of evidence reached ``proficient`` or above.

    The value is the highest level the student reached at least ``times`` times (with
    fewer pieces than that, the level reached by all of them: the lowest). So the value is
    at or above proficient exactly when the competency is mastered, given enough evidence,
    and it always lies between the lowest and the highest level given. Raises ValueError
    unless ``times`` ≥ 1."""
    if times < 1:
        raise ValueError("times must be at least 1")
    inputs = ordered(evidence)
    if not inputs:
        return None
    levels = sorted((e.level for e in inputs), reverse=True)
    value = levels[min(times, len(levels)) - 1]
    used = tuple(e for e in inputs if e.level >= proficient)
    return MasteryResult(Method.TIMES_PROFICIENT, value, inputs, used, proficient=proficient, times=times,
                         count=len(used), mastered=len(used) >= times)


def compute(method: Method | str, evidence: Iterable[Evidence], *, weight: float = DEFAULT_WEIGHT,
            proficient: float | None = None, times: int = DEFAULT_TIMES,
            proficient_label: str = "") -> MasteryResult | None:
    """Apply the class's method. ``weight`` is for the decaying average, ``times`` for "n
    times at or above proficient", which also needs ``proficient`` (ValueError without).
    Any method is given ``proficient`` when known, to say whether the value reaches it;
    ``proficient_label`` names that level in the explanation."""
    method = Method(method)
    if method is Method.TIMES_PROFICIENT:
        if proficient is None:
            raise ValueError("times_proficient needs the proficient level")
        result = times_proficient(evidence, proficient=proficient, times=times)
    elif method is Method.DECAYING_AVERAGE:
        result = decaying_average(evidence, weight=weight, proficient=proficient)
    else:
        result = {Method.MOST_RECENT: most_recent, Method.HIGHEST: highest, Method.MEAN: mean}[method](
            evidence, proficient=proficient)
    if result is not None and proficient_label:
        result = replace(result, proficient_label=proficient_label)
    return result


# --- helpers -------------------------------------------------------------------------------

def _result(method: Method, value: float, inputs: tuple[Evidence, ...], used: tuple[Evidence, ...],
            proficient: float | None, **extra) -> MasteryResult:
    mastered = None if proficient is None else value >= proficient
    return MasteryResult(method, value, inputs, used, proficient=proficient, mastered=mastered, **extra)


def _within(value: float, inputs: tuple[Evidence, ...]) -> float:
    """Keep floating-point rounding from carrying an average past the levels averaged."""
    return min(max(value, min(e.level for e in inputs)), max(e.level for e in inputs))


def _locale():
    return get_locale() or "en"


def _num(value: float) -> str:
    return format_decimal(round(value, 2), format="#,##0.##", locale=_locale())


def _levels(result: MasteryResult) -> list[str]:
    return [_num(e.level) for e in result.inputs]


def _explain_most_recent(result: MasteryResult) -> str:
    return ngettext("Most recent: %(value)s, the level of the latest work (of %(num)d piece of evidence).",
                    "Most recent: %(value)s, the level of the latest work (of %(num)d pieces of evidence).",
                    len(result.inputs), value=_num(result.value))


def _explain_highest(result: MasteryResult) -> str:
    return _("Highest: the largest of %(levels)s = %(value)s.", levels=", ".join(_levels(result)),
             value=_num(result.value))


def _explain_mean(result: MasteryResult) -> str:
    return _("Mean: (%(sum)s) ÷ %(count)d = %(value)s.", sum=" + ".join(_levels(result)),
             count=len(result.inputs), value=_num(result.value))


def _explain_decaying(result: MasteryResult) -> str:
    weight = result.weight or DEFAULT_WEIGHT
    parts = [_("Decaying average, oldest work first, the newest counting %(percent)s: start at %(first)s",
               percent=format_percent(weight, locale=_locale()), first=_num(result.steps[0]))]
    for item, previous, running in zip(result.inputs[1:], result.steps, result.steps[1:]):
        parts.append(_("%(weight)s × %(new)s + %(rest)s × %(previous)s = %(result)s", weight=_num(weight),
                       new=_num(item.level), rest=_num(1 - weight), previous=_num(previous),
                       result=_num(running)))
    return "; ".join(parts) + "."


def _proficient(result: MasteryResult) -> str:
    """The proficient level as a teacher names it: "Proficient (3)" (the class's level at the
    proficient points), else "proficient (3)"."""
    number = _num(result.proficient or 0)
    if result.proficient_label:
        return _("%(label)s (%(points)s)", label=result.proficient_label, points=number)
    return _("proficient (%(points)s)", points=number)


def _explain_times(result: MasteryResult) -> str:
    reached = ngettext("%(num)d time at %(level)s or above; %(times)d needed:",
                       "%(num)d times at %(level)s or above; %(times)d needed:",
                       result.count or 0, level=_proficient(result), times=result.times or 0)
    voices = sum(1 for e in result.used if e.voice)
    if voices:
        reached = ngettext("%(num)d time at %(level)s or above (%(teacher)d by the teacher, %(voices)d by self, "
                           "peer or partner); %(times)d needed:",
                           "%(num)d times at %(level)s or above (%(teacher)d by the teacher, %(voices)d by self, "
                           "peer or partner); %(times)d needed:",
                           result.count or 0, level=_proficient(result), times=result.times or 0,
                           teacher=(result.count or 0) - voices, voices=voices)
    verdict = _("mastered.") if result.mastered else _("not yet mastered.")
    if len(result.inputs) >= (result.times or 0):
        value = ngettext("Highest level reached at least %(num)d time: %(value)s.",
                         "Highest level reached at least %(num)d times: %(value)s.",
                         result.times or 0, value=_num(result.value))
    else:
        value = _("Level reached every time so far: %(value)s.", value=_num(result.value))
    return f"{reached} {verdict} {value}"


def explain_placements(placed: list[Placement]) -> str:
    """Say how scores of rubrics on another point scale were put on the class's scale."""
    seen, parts = set(), []
    for p in placed:
        if (p.label, p.points, p.low, p.high) in seen:
            continue
        seen.add((p.label, p.points, p.low, p.high))
        if p.how == "by_level":
            parts.append(_("%(label)s (%(points)s on a %(low)s–%(high)s rubric) is level %(rank)d of %(count)d: it "
                           "counts as the class's level %(rank)d, %(value)s", label=p.label, points=_num(p.points),
                           low=_num(p.low), high=_num(p.high), rank=p.rank, count=p.count, value=_num(p.value)))
        else:
            parts.append(_("%(label)s (%(points)s on a %(low)s–%(high)s rubric) is level %(rank)d of %(count)d: "
                           "placed proportionally on the class's levels, it counts as %(value)s", label=p.label,
                           points=_num(p.points), low=_num(p.low), high=_num(p.high), rank=p.rank, count=p.count,
                           value=_num(p.value)))
    return _("Scores of rubrics on another point scale are put on the class's scale by their level, not their "
             "points: %(list)s.", list="; ".join(parts))


_EXPLAINERS = {
    Method.MOST_RECENT: _explain_most_recent,
    Method.HIGHEST: _explain_highest,
    Method.MEAN: _explain_mean,
    Method.DECAYING_AVERAGE: _explain_decaying,
    Method.TIMES_PROFICIENT: _explain_times,
}
