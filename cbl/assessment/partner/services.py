"""The partner rating's rules.

- A challenge asks invited partners for a rating when its assessment settings say so
  (``ChallengeAssessment.partner_rating``); no rubric is needed.
- The questions are the teacher's (one to four, each short) or, until a teacher edits them,
  the default ones, in the reader's language. The scale is fixed and short: Not yet ·
  Partly · Yes, clearly; a partner skips what they cannot judge.
- A partner with active access rates each project once and may change it while the access
  lasts; a family guest never rates (:func:`cbl.permissions.can_rate_as_partner`).
- Only the class's teachers read ratings; they never count for mastery (they are not
  assessments)."""

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cbl.accounts.models import User
from cbl.assessment.models import ChallengeAssessment
from cbl.assessment.partner.models import Answer, PartnerQuestions, PartnerRating
from cbl.errors import Forbidden, ValidationFailed
from cbl.extensions import db
from cbl.permissions import can_rate_as_partner
from cbl.projects.models import Challenge, Project

MAX_QUESTIONS = 4
QUESTION_MAX = 200
COMMENT_MAX = 2000

DEFAULT_QUESTIONS = (
    _l("Did the team understand the problem?"),
    _l("Did the team find out what they needed to know?"),
    _l("Would their solution help the people it is for?"),
    _l("Did the team explain their work clearly?"),
)

SCALE = ((Answer.NOT_YET, _l("Not yet")), (Answer.PARTLY, _l("Partly")), (Answer.YES, _l("Yes, clearly")))


def answer_label(value: int | None) -> str:
    """The scale's word for an answer ("Skipped" for none)."""
    return next((str(label) for answer, label in SCALE if answer == value), _("Skipped"))


def questions_for(challenge_id: int) -> list[str]:
    """The challenge's partner questions: the teacher's, else the defaults in the reader's language."""
    stored = db.session.get(PartnerQuestions, challenge_id)
    if stored is not None and stored.questions:
        return list(stored.questions)
    return [str(q) for q in DEFAULT_QUESTIONS]


def uses_default_questions(challenge_id: int) -> bool:
    stored = db.session.get(PartnerQuestions, challenge_id)
    return stored is None or not stored.questions


def save_questions(challenge: Challenge, texts: list[str]) -> list[str]:
    """Store the teacher's questions (blank ones dropped, order kept). Raises ValidationFailed
    when none is left or there are too many; the caller checked the teacher may."""
    questions = [t.strip() for t in texts if t and t.strip()]
    if not questions:
        raise ValidationFailed(_("Write at least one question."), field="question_1")
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(_("Ask at most %(n)d questions.", n=MAX_QUESTIONS), field="question_1")
    if questions == [str(q) for q in DEFAULT_QUESTIONS]:
        restore_default_questions(challenge)  # unchanged: partners keep reading them in their language
        return questions
    stored = db.session.get(PartnerQuestions, challenge.id)
    if stored is None:
        stored = PartnerQuestions(challenge_id=challenge.id)
        db.session.add(stored)
    stored.questions = questions
    db.session.commit()
    return questions


def restore_default_questions(challenge: Challenge) -> None:
    """Go back to the default questions (shown in each partner's language)."""
    stored = db.session.get(PartnerQuestions, challenge.id)
    if stored is not None:
        db.session.delete(stored)
        db.session.commit()


def rating_on(challenge_id: int) -> bool:
    """Whether the challenge asks partners for a rating."""
    settings = db.session.get(ChallengeAssessment, challenge_id)
    return bool(settings and settings.partner_rating)


def may_rate(user: User | None, project: Project) -> bool:
    """An invited partner (not a family guest) rates when the challenge asks for it."""
    return can_rate_as_partner(user, project) and rating_on(project.challenge_id)


def find_rating(partner: User, project: Project) -> PartnerRating | None:
    return db.session.scalar(select(PartnerRating).where(PartnerRating.project_id == project.id,
                                                         PartnerRating.partner_id == partner.id))


def submit_rating(project: Project, partner: User, answers: list[int | None], comment: str) -> PartnerRating:
    """Save (or change) the partner's rating of the project, with the questions as they saw
    them. Raises Forbidden when they may not rate, ValidationFailed for an answer off the
    scale, a wrong number of answers or a rating with nothing in it."""
    if not may_rate(partner, project):
        raise Forbidden(_("This project does not ask you for a rating."))
    questions = questions_for(project.challenge_id)
    if len(answers) != len(questions):
        raise ValidationFailed(_("The questions changed meanwhile. Reload the page and answer again."))
    allowed = {int(a) for a, _label in SCALE}
    if any(a is not None and a not in allowed for a in answers):
        raise ValidationFailed(_("Choose one of the answers."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(_("A comment holds at most %(n)d characters.", n=COMMENT_MAX), field="comment")
    if all(a is None for a in answers) and not comment:
        raise ValidationFailed(_("Answer at least one question or write a comment."))
    rating = find_rating(partner, project)
    if rating is None:
        rating = PartnerRating(project_id=project.id, partner_id=partner.id)
        db.session.add(rating)
    rating.questions, rating.answers, rating.comment = questions, list(answers), comment
    db.session.commit()
    return rating


def ratings_of(project: Project) -> list[PartnerRating]:
    """Every partner's rating of the project, newest first (for its teachers)."""
    return list(db.session.scalars(select(PartnerRating).where(PartnerRating.project_id == project.id)
                                   .options(joinedload(PartnerRating.partner))
                                   .order_by(PartnerRating.updated_at.desc(), PartnerRating.id.desc())))
