"""What the areas above projects add to the lifecycle of classes, challenges and teams
(issue 10, item 11): the student work that forbids deleting, and what a copied challenge
takes with it. Registered on the hooks of :mod:`cbl.projects.hooks`."""

from sqlalchemy import exists, or_, select

from cbl.assessment.models import Assessment, ChallengeAssessment, LearningGoal
from cbl.assessment.partner.models import PartnerQuestions
from cbl.extensions import db
from cbl.portfolio.models import Entry
from cbl.projects.hooks import challenge_copier, student_work_check
from cbl.projects.models import Challenge


@student_work_check
def _entries_assessments_goals(project_ids, classroom_ids) -> bool:
    """Portfolio entries and assessments of the projects, learning goals set in the classes."""
    return bool(db.session.scalar(select(or_(
        exists().where(Entry.project_id.in_(project_ids)),
        exists().where(Assessment.project_id.in_(project_ids)),
        exists().where(LearningGoal.classroom_id.in_(classroom_ids)),
    ))))


@challenge_copier
def _copy_assessment_settings(source: Challenge, copy: Challenge) -> None:
    """The copy is assessed like its source: the same rubric, the same voices asked."""
    settings = db.session.get(ChallengeAssessment, source.id)
    if settings is not None:
        db.session.add(ChallengeAssessment(
            challenge_id=copy.id, rubric_id=settings.rubric_id, self_assessment=settings.self_assessment,
            peer_evaluation=settings.peer_evaluation, partner_rating=settings.partner_rating,
            peer_rubric_id=settings.peer_rubric_id))


@challenge_copier
def _copy_partner_questions(source: Challenge, copy: Challenge) -> None:
    """The copy asks partners the same questions its source asks (no row: the defaults)."""
    questions = db.session.get(PartnerQuestions, source.id)
    if questions is not None:
        db.session.add(PartnerQuestions(challenge_id=copy.id, questions=list(questions.questions)))
