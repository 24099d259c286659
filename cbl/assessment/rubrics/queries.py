"""Reading rubrics: the library, one rubric with its grid, its versions, what uses it, and
the rubric a challenge is assessed with now; who may read and edit them.

For other pages (grading, self and peer assessment): :func:`current_rubric_for` gives the
version new assessments of a challenge use, :func:`challenge_settings` which voices are
asked, and :func:`rubric_rows` the grid row by row."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.models import Role, User
from cbl.assessment.models import Assessment, ChallengeAssessment, Criterion, Rubric, RubricLevel
from cbl.extensions import db
from cbl.projects.models import Challenge

def grid_options() -> tuple:
    """Loader options that fetch a rubric's owner, levels, criteria, competencies and
    descriptors in a fixed number of queries, however many rubrics are loaded."""
    return (selectinload(Rubric.levels),
            selectinload(Rubric.criteria).selectinload(Criterion.descriptors),
            selectinload(Rubric.criteria).joinedload(Criterion.competency),
            joinedload(Rubric.owner))


def can_read_rubrics(user: User | None) -> bool:
    """Teachers and admins read the library and every rubric in it."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in (Role.TEACHER, Role.ADMIN, Role.SCHOOL_ADMIN)


def can_edit_rubric(user: User | None, rubric: Rubric) -> bool:
    """The rubric's owner (a teacher) and district admins edit and delete it (the library is
    the district's; school admins read it)."""
    if not can_read_rubrics(user):
        return False
    return user.role is Role.ADMIN or rubric.owner_id == user.id


def get_rubric(rubric_id: int) -> Rubric | None:
    """Any version of a rubric with its grid loaded, or None."""
    return db.session.scalar(select(Rubric).where(Rubric.id == rubric_id).options(*grid_options()))


def _peer_scales() -> Select:
    """Ids of the challenges' peer contribution scales: they belong to their challenge, not
    to the library (edited on the challenge's peer evaluation page)."""
    return select(ChallengeAssessment.peer_rubric_id).where(ChallengeAssessment.peer_rubric_id.is_not(None))


def library(owner: User | None = None) -> Select:
    """The current version of every rubric (or of ``owner``'s), by title, grid loaded."""
    stmt = select(Rubric).where(Rubric.superseded_at.is_(None), Rubric.id.not_in(_peer_scales())) \
        .options(*grid_options())
    if owner is not None:
        stmt = stmt.where(Rubric.owner_id == owner.id)
    return stmt.order_by(func.lower(Rubric.title), Rubric.id)


def library_choices(user: User) -> tuple[list[Rubric], list[Rubric]]:
    """The current versions to choose from, by title: the user's own, then the others
    (titles and versions only, no grid)."""
    found = db.session.scalars(select(Rubric).where(Rubric.superseded_at.is_(None),
                                                    Rubric.id.not_in(_peer_scales()))
                               .order_by(func.lower(Rubric.title), Rubric.id)).all()
    return [r for r in found if r.owner_id == user.id], [r for r in found if r.owner_id != user.id]


def current_version(rubric: Rubric) -> Rubric | None:
    """The rubric's family's current version (``rubric`` itself if current), or None when
    the family's current version was deleted."""
    if rubric.superseded_at is None:
        return rubric
    return db.session.scalar(select(Rubric).where(Rubric.family_id == (rubric.family_id or rubric.id),
                                                  Rubric.superseded_at.is_(None))
                             .order_by(Rubric.version.desc()).limit(1))


def family_versions(rubric: Rubric) -> list[Rubric]:
    """Every version of the rubric's family, oldest first."""
    return list(db.session.scalars(select(Rubric).where(Rubric.family_id == (rubric.family_id or rubric.id))
                                   .order_by(Rubric.version)))


@dataclass(frozen=True)
class Usage:
    assessments: int
    challenges: int


def in_use_by_assessments(rubric: Rubric) -> bool:
    """Whether any assessment (draft or released, any kind) was made with this version."""
    return db.session.scalar(select(select(Assessment.id).where(Assessment.rubric_id == rubric.id).exists()))


def usage(rubric: Rubric) -> Usage:
    """How many assessments and challenges use this version."""
    assessments = db.session.scalar(select(func.count()).where(Assessment.rubric_id == rubric.id))
    challenges = db.session.scalar(select(func.count()).where(ChallengeAssessment.rubric_id == rubric.id))
    return Usage(assessments or 0, challenges or 0)


def challenge_counts(rubric_ids: list[int]) -> dict[int, int]:
    """How many challenges use each of these rubric versions (one query)."""
    if not rubric_ids:
        return {}
    rows = db.session.execute(select(ChallengeAssessment.rubric_id, func.count())
                              .where(ChallengeAssessment.rubric_id.in_(rubric_ids))
                              .group_by(ChallengeAssessment.rubric_id))
    return dict(rows.all())


def challenge_settings(challenge: Challenge | int) -> ChallengeAssessment | None:
    """How the challenge is assessed (its rubric and voices), or None if not set yet."""
    return db.session.get(ChallengeAssessment, getattr(challenge, "id", challenge))


def current_rubric_for(challenge: Challenge | int) -> Rubric | None:
    """The rubric version the challenge is assessed with now, grid loaded, or None. New
    assessments use it; existing ones keep ``Assessment.rubric``."""
    challenge_id = getattr(challenge, "id", challenge)
    return db.session.scalar(select(Rubric).join(ChallengeAssessment, ChallengeAssessment.rubric_id == Rubric.id)
                             .where(ChallengeAssessment.challenge_id == challenge_id).options(*grid_options()))


@dataclass(frozen=True)
class RubricRow:
    """A criterion and its cells: ``(level, descriptor text)`` from the lowest level up."""

    criterion: Criterion
    cells: list[tuple[RubricLevel, str]]


def rubric_rows(rubric: Rubric) -> list[RubricRow]:
    """The grid row by row, for pages that draw it (no query once the grid is loaded)."""
    rows = []
    for criterion in rubric.criteria:
        texts = {d.level_id: d.text for d in criterion.descriptors}
        rows.append(RubricRow(criterion, [(level, texts.get(level.id, "")) for level in rubric.levels]))
    return rows
