"""Rubric use cases: build one, edit it, copy it, delete it, attach it to a challenge.

A rubric is a grid of levels (label and points, low to high) × criteria (each tied to a
competency), with one descriptor per cell (DESIGN.md §3, issue 5 point 2).

Versions (copy on write). An assessment records the rubric version it was made with, and
its scores point at that version's criteria and levels. So:

- editing a rubric no assessment uses changes it in place;
- editing a rubric some assessment uses saves a **new version** instead (same ``family_id``,
  ``version`` + 1) and marks the old one superseded. The old version stays exactly as it was,
  under the assessments made with it, drafts included; it leaves the library.
- Every challenge that used the old version moves to the new one. A challenge uses "this
  rubric as its owner keeps it" — an edit in place reaches it too — and the teacher who
  edits a rubric in use does it to change how the work is assessed from now on. A challenge
  part-way through grading then holds assessments of two versions; each shows its own.
  A teacher who wants a rubric nobody else changes makes a copy of their own.

Reads of the library and the rubric pages are for teachers and admins; the owner and admins
edit and delete. Concurrent saves are refused with :class:`RubricChanged` (an edit token
carries the time the editor loaded the rubric) instead of overwriting each other."""

from dataclasses import replace
from datetime import timezone

from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from cbl.accounts.models import User
from cbl.assessment.models import ChallengeAssessment, Criterion, Descriptor, Rubric, RubricLevel
from cbl.assessment.rubrics.grid import TITLE_MAX, CriterionData, LevelData, RubricData, check_rubric, rubric_data
from cbl.assessment.rubrics.queries import in_use_by_assessments, rubric_rows, usage
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.projects.models import Challenge


class RubricChanged(ValidationFailed):
    """Someone saved this rubric, or a newer version of it, since the editor opened it."""


# --- building ----------------------------------------------------------------------------------

def _add_criterion(rubric: Rubric, position: int, data: CriterionData, levels: list[RubricLevel]) -> None:
    criterion = Criterion(position=position, title=data.title, competency_id=data.competency_id)
    criterion.descriptors = [Descriptor(level=level, text=text) for level, text in zip(levels, data.descriptors)]
    rubric.criteria.append(criterion)


def _new_rubric(data: RubricData, *, owner_id: int | None, family_id: int | None = None, version: int = 1) -> Rubric:
    """A rubric made from checked data, flushed (so it has its id and family)."""
    rubric = Rubric(title=data.title, description=data.description, owner_id=owner_id, family_id=family_id,
                    version=version)
    levels = [RubricLevel(position=i, label=level.label, points=level.points) for i, level in enumerate(data.levels)]
    rubric.levels = levels
    for position, criterion in enumerate(data.criteria):
        _add_criterion(rubric, position, criterion, levels)
    db.session.add(rubric)
    db.session.flush()
    if rubric.family_id is None:
        rubric.family_id = rubric.id
    return rubric


def _apply_in_place(rubric: Rubric, data: RubricData) -> None:
    """Make the rubric's rows match the data: rows are reused in order, extra ones deleted,
    missing ones added (a save only adds or only removes rows of one kind, so positions never
    collide)."""
    rubric.title, rubric.description = data.title, data.description
    levels = list(rubric.levels)
    for gone in levels[len(data.levels):]:
        for criterion in rubric.criteria:
            criterion.descriptors = [d for d in criterion.descriptors if d.level is not gone]
        rubric.levels.remove(gone)
    levels = levels[:len(data.levels)]
    next_position = (levels[-1].position + 1) if levels else 0
    for i, level_data in enumerate(data.levels):
        if i < len(levels):
            levels[i].label, levels[i].points = level_data.label, level_data.points
        else:
            levels.append(RubricLevel(position=next_position, label=level_data.label, points=level_data.points))
            next_position += 1
            rubric.levels.append(levels[-1])
    criteria = list(rubric.criteria)
    for gone in criteria[len(data.criteria):]:
        rubric.criteria.remove(gone)
    next_position = (criteria[-1].position + 1) if criteria else 0
    for i, criterion_data in enumerate(data.criteria):
        if i >= len(criteria):
            _add_criterion(rubric, next_position, criterion_data, levels)
            next_position += 1
            continue
        criterion = criteria[i]
        criterion.title, criterion.competency_id = criterion_data.title, criterion_data.competency_id
        by_level = {d.level_id: d for d in criterion.descriptors}
        for level, text in zip(levels, criterion_data.descriptors):
            if level.id is not None and level.id in by_level:
                by_level[level.id].text = text
            else:
                criterion.descriptors.append(Descriptor(level=level, text=text))


# --- use cases -------------------------------------------------------------------------------

def create_rubric(data: RubricData, acting: User) -> Rubric:
    """A new rubric (version 1 of a new family) owned by ``acting``.
    Raises :class:`RubricInvalid`."""
    rubric = _new_rubric(check_rubric(data), owner_id=acting.id)
    db.session.commit()
    return rubric


def edit_token(rubric: Rubric) -> str:
    """What an edit form carries to tell, on saving, whether the rubric changed since."""
    return f"{rubric.id}.{rubric.updated_at.astimezone(timezone.utc).strftime('%Y%m%d%H%M%S%f')}"


def update_rubric(rubric: Rubric, data: RubricData, acting: User, *, token: str | None = None) -> Rubric:
    """Save the edited grid and return the rubric as it now stands: ``rubric`` itself, changed
    in place, when no assessment uses it; else a new version (see the module's docstring)
    that the challenges move to, while the assessments keep ``rubric`` unchanged.

    ``token`` (from :func:`edit_token` when the editor loaded the page) refuses a save over
    someone else's. Raises :class:`RubricInvalid` or :class:`RubricChanged`."""
    data = check_rubric(data)
    loaded_at = rubric.updated_at
    if rubric.superseded_at is not None or (token is not None and token != edit_token(rubric)):
        raise RubricChanged(_("Someone saved this rubric since you opened it. Your changes are below, not saved: "
                              "look at the saved rubric, then save again to replace it."))
    now = utcnow()
    versioned = in_use_by_assessments(rubric)
    claim = (update(Rubric)
             .where(Rubric.id == rubric.id, Rubric.superseded_at.is_(None), Rubric.updated_at == loaded_at)
             .values(updated_at=now, superseded_at=now if versioned else None)
             .execution_options(synchronize_session=False))
    if db.session.execute(claim).rowcount != 1:  # a concurrent save came first
        db.session.rollback()
        raise RubricChanged(_("Someone saved this rubric a moment ago. Your changes are below, not saved: "
                              "look at the saved rubric, then save again to replace it."))
    if not versioned:
        _apply_in_place(rubric, data)
        rubric.updated_at = now
        db.session.commit()
        return rubric
    family_id = rubric.family_id or rubric.id
    newest = db.session.scalar(select(func.max(Rubric.version)).where(Rubric.family_id == family_id)) or rubric.version
    new = _new_rubric(data, owner_id=rubric.owner_id, family_id=family_id, version=newest + 1)
    db.session.execute(update(ChallengeAssessment).where(ChallengeAssessment.rubric_id == rubric.id)
                       .values(rubric_id=new.id).execution_options(synchronize_session=False))
    db.session.commit()
    return new


def data_of(rubric: Rubric) -> RubricData:
    """The rubric's grid as data (descriptors in level order; a missing cell is blank)."""
    return RubricData(title=rubric.title, description=rubric.description or "",
                      levels=tuple(LevelData(level.label, level.points) for level in rubric.levels),
                      criteria=tuple(CriterionData(row.criterion.title, row.criterion.competency_id,
                                                   tuple(text for _level, text in row.cells))
                                     for row in rubric_rows(rubric)))


def copy_rubric(rubric: Rubric, acting: User) -> Rubric:
    """A copy of the rubric (any version) as the first version of a new family owned by
    ``acting``, titled "Copy of …"."""
    title = _("Copy of %(title)s", title=rubric.title)[:TITLE_MAX]
    copy = _new_rubric(replace(data_of(rubric), title=title), owner_id=acting.id)
    db.session.commit()
    return copy


def delete_rubric(rubric: Rubric) -> None:
    """Delete a rubric that no assessment and no challenge uses.
    Raises ValidationFailed, saying what uses it, otherwise."""
    used = usage(rubric)
    message = None
    if used.assessments:
        message = _("Assessments were made with this rubric, so it stays: they need it to make sense.")
    elif used.challenges:
        message = ngettext("A challenge uses this rubric. Give the challenge another rubric first.",
                           "%(num)d challenges use this rubric. Give them another rubric first.", used.challenges)
    if message:
        raise ValidationFailed(message)
    db.session.delete(rubric)
    try:
        db.session.commit()
    except IntegrityError:  # an assessment or a challenge took it up meanwhile
        db.session.rollback()
        raise ValidationFailed(_("The rubric came into use while you were deleting it, so it stays.")) from None


def starter_rubric(acting: User) -> Rubric:
    """The CBL starter rubric — one criterion per strand of the default competency framework,
    levels Beginning 1 · Developing 2 · Proficient 3 · Advanced 4 — as a new rubric owned by
    ``acting``, in the language of the request (installs the default framework if missing)."""
    from cbl.assessment.rubrics.starter import (STARTER_CRITERIA, STARTER_DESCRIPTION, STARTER_LEVELS,
                                               STARTER_TITLE)
    from cbl.competencies.services import install_default_framework

    framework = install_default_framework()
    codes = {c.code: c.id for c in framework.competencies}
    data = rubric_data(str(STARTER_TITLE), [(str(label), points) for label, points in STARTER_LEVELS],
                       [(str(title), codes.get(code), [str(d) for d in descriptors])
                        for code, title, descriptors in STARTER_CRITERIA if code in codes],
                       description=str(STARTER_DESCRIPTION))
    return create_rubric(data, acting)


def attach_rubric(challenge: Challenge, rubric: Rubric | None, *, self_assessment: bool = False,
                  peer_evaluation: bool = False, partner_rating: bool = False) -> ChallengeAssessment:
    """Set how the challenge is assessed: its rubric (None: none yet) and which other voices
    are asked. Assessments already made keep their own rubric version. Raises
    ValidationFailed (field ``rubric``) for a superseded version the challenge does not use."""
    settings = db.session.get(ChallengeAssessment, challenge.id)
    kept = settings is not None and rubric is not None and settings.rubric_id == rubric.id
    if rubric is not None and rubric.superseded_at is not None and not kept:
        raise ValidationFailed(_("A newer version of this rubric exists: choose it instead."), field="rubric")
    values = dict(rubric_id=rubric.id if rubric else None, self_assessment=bool(self_assessment),
                  peer_evaluation=bool(peer_evaluation), partner_rating=bool(partner_rating))
    for attempt in range(2):
        settings = db.session.get(ChallengeAssessment, challenge.id)
        if settings is None:
            settings = ChallengeAssessment(challenge_id=challenge.id)
            db.session.add(settings)
        for name, value in values.items():
            setattr(settings, name, value)
        try:
            db.session.commit()
            return settings
        except IntegrityError:  # another teacher created the settings at the same moment
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")
