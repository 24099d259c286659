"""Geometry of the mastery charts, worked out in Python so the SVG templates only place what
they are given (no chart library, nothing from a CDN: DESIGN.md §8, issue 5 point 5).

All coordinates are in the units of the SVG's ``viewBox``; the SVG scales to the width of
the page, so a phone shows the same picture smaller. Labels sit above their bars rather than
beside them, so the chart stays readable 375 pixels wide."""

from dataclasses import dataclass
from datetime import date

from cbl.assessment.mastery.methods import MasteryResult
from cbl.assessment.mastery.services import GrowthPoint
from cbl.competencies.models import Competency

WIDTH = 400
LEFT, RIGHT = 8, 44  # room on the right for the value written after a bar
TOP, BOTTOM = 30, 34  # the proficient line's label above, the axis below
ROW = 44
BAR_OFFSET, BAR_HEIGHT = 20, 16


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Bar:
    competency: Competency
    result: MasteryResult | None
    label_y: float
    bar_y: float
    width: float  # 0 without evidence
    value_x: float


@dataclass(frozen=True)
class ProfileChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    bar_height: int
    bars: list[Bar]
    ticks: list[Tick]
    proficient_x: float
    axis_y: float


def scale_top(scale: list[tuple[float, str]], proficient: float, values: list[float]) -> float:
    """The top of the value axis: the highest level of the class's rubrics, or of any value."""
    return max([points for points, _label in scale] + [proficient] + values + [1.0])


def _ticks(scale: list[tuple[float, str]], top: float) -> list[float]:
    points = [p for p, _label in scale if 0 <= p <= top]
    return points or [float(n) for n in range(0, int(top) + 1)]


def profile_chart(competencies: list[Competency], results: dict[int, MasteryResult],
                  scale: list[tuple[float, str]], proficient: float) -> ProfileChart:
    """Horizontal bars, one per competency (none for those without evidence), on the scale
    of the class's rubric levels, with the proficient line across them."""
    top = scale_top(scale, proficient, [r.value for r in results.values()])
    plot_w = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return round(LEFT + plot_w * value / top, 1)

    bars = []
    for index, competency in enumerate(competencies):
        row_y = TOP + index * ROW
        result = results.get(competency.id)
        width = x(result.value) - LEFT if result else 0.0
        bars.append(Bar(competency, result, row_y + 14, row_y + BAR_OFFSET, round(width, 1),
                        round(LEFT + width + 4, 1)))
    axis_y = TOP + len(competencies) * ROW
    ticks = [Tick(x(value), axis_y, value) for value in _ticks(scale, top)]
    return ProfileChart(WIDTH, int(axis_y + BOTTOM), LEFT, LEFT + plot_w, BAR_HEIGHT, bars, ticks, x(proficient),
                        axis_y)


# --- growth over time ------------------------------------------------------------------------

G_HEIGHT = 240
G_LEFT, G_RIGHT, G_TOP, G_BOTTOM = 40, 20, 16, 44


@dataclass(frozen=True)
class Dot:
    x: float
    y: float  # the level of this piece of evidence
    running_y: float  # the mastery value once it is counted
    point: GrowthPoint


@dataclass(frozen=True)
class DateTick:
    x: float
    day: date
    anchor: str  # text-anchor: a date at either end of the axis stays inside the picture


@dataclass(frozen=True)
class GrowthChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    dots: list[Dot]
    running_path: str  # an SVG path: steps from one running value to the next
    ticks: list[Tick]
    dates: list[DateTick]
    proficient_y: float


def growth_chart(points: list[GrowthPoint], scale: list[tuple[float, str]], proficient: float) -> GrowthChart:
    """Each piece of evidence by the date of its work, and the running mastery as steps."""
    top = scale_top(scale, proficient, [p.item.points for p in points])
    plot_w, plot_h = WIDTH - G_LEFT - G_RIGHT, G_HEIGHT - G_TOP - G_BOTTOM
    days = [p.item.work_date for p in points]
    first = min(days) if days else date.today()
    span = ((max(days) - first).days if days else 0) or 0

    def x(day: date) -> float:
        if span == 0:
            return round(G_LEFT + plot_w / 2, 1)
        return round(G_LEFT + plot_w * (day - first).days / span, 1)

    def y(value: float) -> float:
        return round(G_TOP + plot_h * (1 - value / top), 1)

    dots = [Dot(x(p.item.work_date), y(p.item.points), y(p.running.value), p) for p in points]
    path = []
    for index, dot in enumerate(dots):
        if index == 0:
            path.append(f"M {dot.x} {dot.running_y}")
        else:
            path.append(f"H {dot.x} V {dot.running_y}")
    distinct = sorted(set(days))
    shown = distinct if len(distinct) <= 4 else [distinct[0], distinct[len(distinct) // 2], distinct[-1]]
    return GrowthChart(WIDTH, G_HEIGHT, G_LEFT, G_LEFT + plot_w, G_TOP, G_TOP + plot_h, dots, " ".join(path),
                       [Tick(G_LEFT, y(value), value) for value in _ticks(scale, top)],
                       [DateTick(x(day), day, _anchor(x(day), G_LEFT, G_LEFT + plot_w)) for day in shown],
                       y(proficient))


def _anchor(x: float, left: float, right: float) -> str:
    if x - left < 30:
        return "start" if right - x >= 30 else "middle"
    return "end" if right - x < 30 else "middle"
