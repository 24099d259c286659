"""The audit log in words: assessments named, mastery settings told in words."""

import re

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from cbl import audit
from cbl.accounts.models import User
from cbl.assessment.access import visible_assessments
from cbl.assessment.mastery.methods import METHOD_LABELS, Method
from cbl.assessment.models import Assessment
from cbl.extensions import db
from cbl.notifications import site_path
from cbl.projects.models import Project


@audit.object_namer("assessment")
def _assessments(reader: User, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    assessments = db.session.scalars(visible_assessments(reader).where(Assessment.id.in_(ids)).options(
        joinedload(Assessment.student), joinedload(Assessment.project).joinedload(Project.team),
        joinedload(Assessment.project).joinedload(Project.challenge)))
    named = {}
    for assessment in assessments:
        project = assessment.project
        who = assessment.student.display_name if assessment.student else project.team.name
        named[assessment.id] = (_("assessment of %(who)s in “%(challenge)s”", who=who,
                                  challenge=project.challenge.title),
                                site_path("assessment.view_assessment", assessment_id=assessment.id))
    return named


@audit.detail_words(audit.Action.MASTERY_SETTINGS_CHANGED)
def _mastery_settings(detail: str) -> str:
    method, weight, times, proficient, voices = re.fullmatch(
        r"(\w+), weight ([\d.]+), (\d+) times, proficient ([\d.]+)(?:, other voices (count|do not count))?",
        detail).groups()
    text = _("Method: %(method)s; newest weight %(weight)s; %(times)s times at or above proficient; "
             "proficient from %(points)s points.", method=METHOD_LABELS[Method(method)], weight=weight,
             times=times, points=proficient)
    if voices:
        text += " " + (_("Self, peer and partner assessments count.") if voices == "count"
                       else _("Only teachers' assessments count."))
    return text
