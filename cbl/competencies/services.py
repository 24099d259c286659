"""Competency framework use cases."""

from sqlalchemy import select

from cbl.competencies.default import DEFAULT_COMPETENCIES, DEFAULT_FRAMEWORK
from cbl.competencies.models import Competency, CompetencyFramework
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
