"""Competency framework use cases."""

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from cbl.competencies.default import DEFAULT_COMPETENCIES, DEFAULT_FRAMEWORK
from cbl.competencies.models import Competency, CompetencyFramework, classroom_framework
from cbl.errors import ValidationFailed
from cbl.extensions import db


def install_default_framework() -> CompetencyFramework:
    """Create the default framework unless it is there; returns it. (The migration that
    creates the tables installs it too, so every database starts with it.)"""
    existing = db.session.scalar(select(CompetencyFramework).where(
        CompetencyFramework.case_identifier == DEFAULT_FRAMEWORK["case_identifier"]))
    if existing is not None:
        return existing
    framework = CompetencyFramework(**DEFAULT_FRAMEWORK)
    for position, (code, name, description, children) in enumerate(DEFAULT_COMPETENCIES):
        strand = Competency(code=code, short_name=name, description=description, position=position)
        framework.competencies.append(strand)
        for child_position, (child_code, child_name, child_description) in enumerate(children):
            framework.competencies.append(Competency(code=child_code, short_name=child_name,
                                                    description=child_description, position=child_position,
                                                    parent=strand))
    db.session.add(framework)
    db.session.commit()
    return framework


def choose_frameworks(classroom_id: int, framework_ids) -> None:
    """Record the frameworks a class uses (replacing its choice); the caller commits.
    Raises ValidationFailed when none is chosen or one does not exist."""
    wanted = {i for i in framework_ids if isinstance(i, int) and 0 < i < 2**31}
    if not wanted:
        raise ValidationFailed(_("Choose at least one competency framework."), field="frameworks")
    known = set(db.session.scalars(select(CompetencyFramework.id).where(CompetencyFramework.id.in_(wanted))))
    if known != wanted or len(wanted) != len(set(framework_ids)):
        raise ValidationFailed(_("Choose frameworks from the list."), field="frameworks")
    db.session.execute(delete(classroom_framework).where(classroom_framework.c.classroom_id == classroom_id))
    db.session.execute(insert(classroom_framework), [{"classroom_id": classroom_id, "framework_id": i}
                                                     for i in sorted(wanted)])
