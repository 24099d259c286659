"""Peer evaluation asks about contribution (issue 10, point 14).

Teammates rate each other on a short contribution and collaboration scale, not on the
product rubric: whether a teammate did their share says nothing about the quality of the
team's product, and the product rubric's competencies are the teacher's to judge. Each
challenge has its own scale (``ChallengeAssessment.peer_rubric_id``), a rubric whose criteria
name no competency, so peer evaluations never count toward mastery. A default ships, written
in the language of whoever first needs it; the class's teachers edit it per challenge
(questions and level names). Once a peer evaluation uses the scale, an edit saves a new
version, and the evaluations keep theirs (as with every rubric)."""

from contextlib import nullcontext
from functools import cache
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from cbl.accounts.models import User
from cbl.assessment.models import ChallengeAssessment, Rubric
from cbl.assessment.rubrics.grid import RubricData, check_rubric, rubric_data
from cbl.assessment.rubrics.queries import in_use_by_assessments
from cbl.assessment.rubrics.services import _apply_in_place, _new_rubric
from cbl.dbtypes import utcnow
from cbl.errors import Forbidden
from cbl.extensions import db
from cbl.permissions import can_manage_classroom, is_teacher_of
from cbl.projects.models import Challenge
from cbl.teams.models import ClassroomTeacher

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

PEER_TITLE = _l("Contribution and collaboration")
PEER_LEVELS = [(_l("Rarely"), 1.0), (_l("Sometimes"), 2.0), (_l("Usually"), 3.0), (_l("Always"), 4.0)]
PEER_CRITERIA = [
    _l("Did their share of the work"),
    _l("Listened and built on others' ideas"),
    _l("Was reliable with deadlines"),
    _l("Helped the team when it was stuck"),
]
MAX_QUESTIONS, MAX_LEVELS = 8, 6
SHIPPED_TEXTS = [label for label, _points in PEER_LEVELS] + PEER_CRITERIA


@cache
def _shipped_in_every_language(languages: tuple[str, ...]) -> dict[str, "LazyString"]:
    """Each shipped question and level name as written in any of ``languages`` → the text."""
    found = {}
    for language in languages:
        with force_locale(language):
            found.update({str(text): text for text in SHIPPED_TEXTS})
    return found


def shipped_words(text: str) -> str:
    """``text`` in the reader's language when it is one of the default scale's questions or
    level names as shipped (written in whichever language its teacher uses); the words a
    teacher wrote themselves are shown as written. A Jinja filter of the grading pages."""
    shipped = _shipped_in_every_language(tuple(current_app.config["LANGUAGES"])).get(text)
    return str(shipped) if shipped is not None else text


def default_scale_data(title: str | None = None) -> RubricData:
    """The default contribution scale, in the language of the request."""
    return rubric_data(title or str(PEER_TITLE), [(str(label), points) for label, points in PEER_LEVELS],
                       [(str(question), None, ["" for _level in PEER_LEVELS]) for question in PEER_CRITERIA])


def _settings(challenge: Challenge) -> ChallengeAssessment:
    settings = db.session.get(ChallengeAssessment, challenge.id)
    if settings is None:
        settings = ChallengeAssessment(challenge_id=challenge.id)
        db.session.add(settings)
    return settings


def _owner_id(challenge: Challenge, acting: User | None) -> int | None:
    """The scale belongs to a teacher of the class: the acting one, else the first."""
    if acting is not None and is_teacher_of(acting, challenge.classroom_id):
        return acting.id
    return db.session.scalar(select(ClassroomTeacher.user_id).where(
        ClassroomTeacher.classroom_id == challenge.classroom_id).order_by(ClassroomTeacher.id).limit(1))


def peer_rubric_id(challenge: Challenge, acting: User | None = None) -> int:
    """The id of the challenge's contribution scale, made from the default (and committed)
    when the challenge has none yet."""
    settings = db.session.get(ChallengeAssessment, challenge.id)
    if settings is not None and settings.peer_rubric_id is not None:
        return settings.peer_rubric_id
    owner_id = _owner_id(challenge, acting)
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    # Written in its teacher's language: the request's when the teacher is the one asking,
    # else the language the teacher chose for their account (a student may ask first).
    locale = owner.locale if owner is not None and owner.locale and owner is not acting else None
    with force_locale(locale) if locale else nullcontext():
        title = _("%(scale)s · %(challenge)s", scale=str(PEER_TITLE), challenge=challenge.title)[:200]
        data = check_rubric(default_scale_data(title), competencies=False)
    rubric = _new_rubric(data, owner_id=owner_id)
    settings = _settings(challenge)
    settings.peer_rubric_id = rubric.id
    db.session.commit()
    return rubric.id


def scale_data(questions: list[str], levels: list[str], title: str) -> RubricData:
    """A contribution scale from its questions and level names (points 1, 2, 3… low to high)."""
    return rubric_data(title, [(label, float(i + 1)) for i, label in enumerate(levels)],
                       [(question, None, ["" for _label in levels]) for question in questions])


def save_scale(challenge: Challenge, data: RubricData, acting: User) -> Rubric:
    """Save the challenge's contribution scale as edited by one of its teachers (or an
    admin). Raises Forbidden for anyone else and :class:`~cbl.assessment.rubrics.grid.RubricInvalid` for a
    scale that does not make sense. Peer evaluations already made keep the version they used."""
    if not can_manage_classroom(acting, challenge.classroom):
        raise Forbidden(_("Only the class's teachers edit its peer evaluation."))
    data = check_rubric(data, competencies=False)
    current = db.session.get(Rubric, peer_rubric_id(challenge, acting))
    if not in_use_by_assessments(current):
        _apply_in_place(current, data)
        current.updated_at = utcnow()
        db.session.commit()
        return current
    now = utcnow()
    db.session.execute(update(Rubric).where(Rubric.id == current.id).values(superseded_at=now)
                       .execution_options(synchronize_session=False))
    new = _new_rubric(data, owner_id=current.owner_id, family_id=current.family_id or current.id,
                      version=current.version + 1)
    _settings(challenge).peer_rubric_id = new.id
    db.session.commit()
    return new

