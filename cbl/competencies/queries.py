"""Reading competency frameworks."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cbl.competencies.models import Competency, CompetencyFramework
from cbl.extensions import db


def list_frameworks() -> list[CompetencyFramework]:
    """Every framework with its competencies (two queries)."""
    return list(db.session.scalars(select(CompetencyFramework).options(selectinload(CompetencyFramework.competencies))
                                   .order_by(CompetencyFramework.id)))


def tree(framework: CompetencyFramework) -> list[tuple[Competency, int]]:
    """The framework's competencies in reading order with their depth (0 for a strand)."""
    children: dict[int | None, list[Competency]] = {}
    for competency in framework.competencies:
        children.setdefault(competency.parent_id, []).append(competency)
    ordered: list[tuple[Competency, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for competency in sorted(children.get(parent_id, []), key=lambda c: (c.position, c.code)):
            ordered.append((competency, depth))
            walk(competency.id, depth + 1)

    walk(None, 0)
    return ordered


def competency_choices() -> list[tuple[int, str]]:
    """(id, label) of every competency, strands first then their sub-competencies, for tagging."""
    choices: list[tuple[int, str]] = []
    for framework in list_frameworks():
        for competency, depth in tree(framework):
            choices.append((competency.id, ("— " * depth) + competency.label))
    return choices


def with_descendants(competency_id: int) -> list[int]:
    """The competency and every competency below it."""
    found, frontier = [competency_id], [competency_id]
    while frontier:
        frontier = list(db.session.scalars(select(Competency.id).where(Competency.parent_id.in_(frontier))))
        found += frontier
    return found
