"""Reading competency frameworks."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cbl.competencies.default import DEFAULT_FRAMEWORK, translated
from cbl.competencies.models import Competency, CompetencyFramework, classroom_framework
from cbl.extensions import db


def list_frameworks() -> list[CompetencyFramework]:
    """Every framework with its competencies (two queries)."""
    return list(db.session.scalars(select(CompetencyFramework).options(selectinload(CompetencyFramework.competencies))
                                   .order_by(CompetencyFramework.id)))


def framework_choices() -> list[tuple[int, str]]:
    """(id, title) of every framework, oldest first (one query); the default framework's
    title in the reader's language."""
    return [(row.id, translated(row.title)) for row in db.session.execute(
        select(CompetencyFramework.id, CompetencyFramework.title).order_by(CompetencyFramework.id))]


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


def with_descendants(competency_id: int) -> list[int]:
    """The competency and every competency below it."""
    found, frontier = [competency_id], [competency_id]
    while frontier:
        frontier = list(db.session.scalars(select(Competency.id).where(Competency.parent_id.in_(frontier))))
        found += frontier
    return found


# --- the frameworks a class uses (issue 10 point 12) ---------------------------------------

def default_framework_id() -> int | None:
    """The default framework: the one shipped with the application, else the oldest."""
    found = db.session.scalar(select(CompetencyFramework.id).where(
        CompetencyFramework.case_identifier == DEFAULT_FRAMEWORK["case_identifier"]))
    if found is None:
        found = db.session.scalar(select(func.min(CompetencyFramework.id)))
    return found


def class_framework_ids(classroom_ids) -> list[int]:
    """The frameworks the given classes use (a class with no choice recorded uses the
    default framework), in the order they were added to the installation."""
    classroom_ids = list(classroom_ids)
    if not classroom_ids:
        return []
    rows = db.session.execute(select(classroom_framework.c.classroom_id, classroom_framework.c.framework_id)
                              .where(classroom_framework.c.classroom_id.in_(classroom_ids))).all()
    found = {framework_id for _classroom, framework_id in rows}
    if len({classroom for classroom, _framework in rows}) < len(set(classroom_ids)):
        default = default_framework_id()
        if default is not None:
            found.add(default)
    return sorted(found)


def frameworks_by_id(framework_ids) -> list[CompetencyFramework]:
    """The frameworks with their competencies (two queries), oldest first."""
    ids = list(framework_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(CompetencyFramework).where(CompetencyFramework.id.in_(ids))
                                   .options(selectinload(CompetencyFramework.competencies))
                                   .order_by(CompetencyFramework.id)))


@dataclass
class FrameworkTree:
    """A framework's offered (not retired) competencies, grouped under their parent's id
    (None: top level) in order, so a template draws the tree without querying."""

    framework: CompetencyFramework
    children: dict[int | None, list[Competency]]
    count: int


def offered_trees(framework_ids) -> list[FrameworkTree]:
    """The trees of the competencies offered for tagging and rubrics: the frameworks'
    competencies that are not retired (a retired one's children are retired with it)."""
    trees = []
    for framework in frameworks_by_id(framework_ids):
        children: dict[int | None, list[Competency]] = {}
        offered = [c for c in framework.competencies if c.retired_at is None]
        for competency in sorted(offered, key=lambda c: (c.position, c.code)):
            children.setdefault(competency.parent_id, []).append(competency)
        trees.append(FrameworkTree(framework, children, len(offered)))
    return trees


def offered_ids(trees: list[FrameworkTree]) -> set[int]:
    return {c.id for t in trees for siblings in t.children.values() for c in siblings}


def class_strands(classroom_ids) -> list[tuple[CompetencyFramework, list[Competency]]]:
    """The top-level offered competencies of the classes' frameworks, per framework (for
    the timeline's competency filter)."""
    return [(t.framework, t.children.get(None, [])) for t in offered_trees(class_framework_ids(classroom_ids))]


@dataclass
class CompetencyPicker:
    """What a competency tree (tags on an entry, the timeline filter) offers: the trees of
    the class's frameworks, and ``kept``: competencies already chosen that are no longer
    offered (retired, or of a framework the class stopped using), still shown so they stay."""

    trees: list[FrameworkTree]
    kept: list[Competency] = field(default_factory=list)

    def choices(self) -> list[tuple[int, str]]:
        return [(c.id, c.label) for t in self.trees for siblings in t.children.values() for c in siblings] \
            + [(c.id, c.label) for c in self.kept]

    def chosen(self, competency_id: int | None) -> Competency | None:
        """The offered or kept competency with this id, if any."""
        for competency in self.kept:
            if competency.id == competency_id:
                return competency
        for tree in self.trees:
            for siblings in tree.children.values():
                for competency in siblings:
                    if competency.id == competency_id:
                        return competency
        return None

    def open_ids(self, checked) -> set:
        """The competencies whose branch is shown open (those above a chosen one), and the
        ids of the frameworks holding a chosen one, as ``("framework", id)``."""
        checked = {value for value in (checked or []) if isinstance(value, int)}
        opened: set = set()
        for tree in self.trees:
            parent_of = {c.id: parent for parent, siblings in tree.children.items() for c in siblings}
            for competency_id in checked & set(parent_of):
                opened.add(("framework", tree.framework.id))
                parent = parent_of[competency_id]
                while parent is not None and parent not in opened:
                    opened.add(parent)
                    parent = parent_of.get(parent)
        return opened


def picker_for(classroom_ids, chosen=()) -> CompetencyPicker:
    """The picker of the classes' frameworks; ``chosen`` competencies (an entry's tags)
    that are not offered any more are kept beside it."""
    return picker_of(class_framework_ids(classroom_ids), chosen)


def class_competency_choices(classroom_id: int, keep_id: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of the competencies a class offers, in tree order with each level indented,
    grouped by framework; ``keep_id`` (a goal's competency no longer offered) is kept last."""
    kept = [c for c in [db.session.get(Competency, keep_id)] if c is not None] if keep_id else []
    picker = picker_for([classroom_id], kept)
    choices: list[tuple[int, str]] = []
    for framework_tree in picker.trees:
        def walk(parent_id, depth):
            for competency in framework_tree.children.get(parent_id, []):
                choices.append((competency.id, ("— " * depth) + competency.label))
                walk(competency.id, depth + 1)
        walk(None, 0)
    return choices + [(c.id, c.label) for c in picker.kept]


def picker_of(framework_ids, chosen=()) -> CompetencyPicker:
    """The picker of these frameworks, keeping ``chosen`` competencies not offered."""
    trees = offered_trees(framework_ids)
    offered = offered_ids(trees)
    return CompetencyPicker(trees, [c for c in chosen if c.id not in offered])
