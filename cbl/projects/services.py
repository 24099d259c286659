"""Challenge and project use cases: elements, Engage brainstorms, guiding questions."""

from datetime import date

from flask_babel import LazyString, gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.projects.models import (Activity, ActivityKind, CandidateQuestion, Challenge, ChallengeSize,
                                 ElementKey, GuidingQuestion, Priority, Project, ProjectElement, ProjectPartner,
                                 QuestionStatus)
from cbl.teams.models import Classroom, Team
from cbl.teams.signals import team_created


# --- challenges ----------------------------------------------------------------------------

@team_created.connect
def _projects_for_new_team(team: Team, **_extra) -> None:
    """Every team works every challenge of its class: give a new team its projects."""
    for challenge_id in db.session.scalars(select(Challenge.id).where(Challenge.classroom_id == team.classroom_id)):
        db.session.add(Project(team_id=team.id, challenge_id=challenge_id))


CHALLENGE_FIELDS = ("title", "big_idea", "description", "essential_question_template", "size",
                    "starts_on", "ends_on", "prompt_engage", "prompt_investigate", "prompt_act")


def _apply_challenge_fields(challenge: Challenge, fields: dict) -> None:
    for key in CHALLENGE_FIELDS:
        if key in fields:
            value = fields[key]
            if isinstance(value, LazyString):  # a form default (a prompt the request did not send)
                value = str(value)
            setattr(challenge, key, value.strip() if isinstance(value, str) else value)
    if isinstance(challenge.size, str):
        challenge.size = ChallengeSize(challenge.size)
    starts, ends = challenge.starts_on, challenge.ends_on
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        raise ValidationFailed(_("The end date comes before the start date."), field="ends_on")


def create_challenge(classroom: Classroom, acting: User, **fields) -> Challenge:
    """A challenge for the class, with a project for each of its teams.
    Raises ValidationFailed when the dates are out of order."""
    challenge = Challenge(classroom_id=classroom.id, created_by_id=acting.id)
    _apply_challenge_fields(challenge, fields)
    db.session.add(challenge)
    db.session.flush()
    for team_id in db.session.scalars(select(Team.id).where(Team.classroom_id == classroom.id)):
        db.session.add(Project(team_id=team_id, challenge_id=challenge.id))
    db.session.commit()
    return challenge


def update_challenge(challenge: Challenge, **fields) -> Challenge:
    """Change a challenge's text, dates or prompts (its projects keep their work)."""
    try:
        _apply_challenge_fields(challenge, fields)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return challenge


# --- elements ------------------------------------------------------------------------------

def touch(project: Project) -> None:
    """Record activity on the project (shown on the class board)."""
    project.last_activity_at = utcnow()


def get_elements(project: Project) -> dict[ElementKey, ProjectElement]:
    rows = db.session.scalars(select(ProjectElement).where(ProjectElement.project_id == project.id))
    return {row.key: row for row in rows}


def save_element(project: Project, key: ElementKey, body: str, base_version: int, acting: User) -> ProjectElement:
    """Save an element's text if nobody saved it since the editor loaded ``base_version``
    (0 for an element never saved). Raises EditConflict with both texts otherwise."""
    body = body.strip()
    if base_version == 0:
        element = ProjectElement(project_id=project.id, key=key, body=body, version=1, updated_by_id=acting.id)
        db.session.add(element)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            _raise_element_conflict(project.id, key, body)
    else:
        result = db.session.execute(
            update(ProjectElement)
            .where(ProjectElement.project_id == project.id, ProjectElement.key == key,
                   ProjectElement.version == base_version)
            .values(body=body, version=ProjectElement.version + 1, updated_by_id=acting.id, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.rollback()
            _raise_element_conflict(project.id, key, body)
        element = db.session.scalar(select(ProjectElement).where(
            ProjectElement.project_id == project.id, ProjectElement.key == key))
        db.session.refresh(element)
    touch(project)
    db.session.commit()
    return element


def _raise_element_conflict(project_id: int, key: ElementKey, your_text: str) -> None:
    current = db.session.scalar(select(ProjectElement).where(
        ProjectElement.project_id == project_id, ProjectElement.key == key))
    raise EditConflict(
        _("Someone else saved this while you were editing. Their version is saved; yours is shown below it "
          "so you can combine the two and save again."),
        current_text=current.body if current else "", your_text=your_text,
        current_version=current.version if current else 0)


# --- Engage: essential question brainstorm -------------------------------------------------

def add_candidate(project: Project, text: str, acting: User) -> CandidateQuestion:
    candidate = CandidateQuestion(project_id=project.id, text=text.strip(), created_by_id=acting.id)
    db.session.add(candidate)
    touch(project)
    db.session.commit()
    return candidate


def _candidate(project: Project, candidate_id: int) -> CandidateQuestion:
    candidate = db.session.scalar(select(CandidateQuestion).where(
        CandidateQuestion.id == candidate_id, CandidateQuestion.project_id == project.id))
    if candidate is None:
        raise NotFound()
    return candidate


def choose_candidate(project: Project, candidate_id: int, acting: User) -> CandidateQuestion:
    """Make this brainstormed question the team's essential question."""
    candidate = _candidate(project, candidate_id)
    db.session.execute(update(CandidateQuestion).where(CandidateQuestion.project_id == project.id)
                       .values(chosen=False).execution_options(synchronize_session=False))
    candidate.chosen = True
    element = db.session.scalar(select(ProjectElement).where(
        ProjectElement.project_id == project.id, ProjectElement.key == ElementKey.ESSENTIAL_QUESTION))
    if element is None:
        db.session.add(ProjectElement(project_id=project.id, key=ElementKey.ESSENTIAL_QUESTION,
                                      body=candidate.text, updated_by_id=acting.id))
    else:
        element.body, element.version = candidate.text, element.version + 1
        element.updated_by_id, element.updated_at = acting.id, utcnow()
    touch(project)
    db.session.commit()
    return candidate


def delete_candidate(project: Project, candidate_id: int) -> None:
    db.session.delete(_candidate(project, candidate_id))
    touch(project)
    db.session.commit()


# --- Investigate: guiding questions and activities ----------------------------------------

def add_guiding_question(project: Project, text: str, acting: User) -> GuidingQuestion:
    """Brainstorm a guiding question: no category or priority yet."""
    question = GuidingQuestion(project_id=project.id, text=text.strip(), created_by_id=acting.id)
    db.session.add(question)
    touch(project)
    db.session.commit()
    return question


def get_guiding_question(project: Project, question_id: int) -> GuidingQuestion:
    question = db.session.scalar(select(GuidingQuestion).where(
        GuidingQuestion.id == question_id, GuidingQuestion.project_id == project.id))
    if question is None:
        raise NotFound()
    return question


def update_guiding_question(project: Project, question_id: int, base_version: int, *, text: str,
                            category: str, priority: str | None, findings: str,
                            answered: bool, summary: str) -> GuidingQuestion:
    """Sort, prioritise and record findings; mark answered (a summary is required) or open.
    Raises EditConflict if someone saved the question since ``base_version``."""
    question = get_guiding_question(project, question_id)
    if answered and not summary.strip():
        raise ValidationFailed(_("Write a summary of the answer before marking the question answered."),
                               field="summary")
    values = dict(text=text.strip(), category=category.strip(), priority=Priority(priority) if priority else None,
                  findings=findings.strip(), summary=summary.strip(),
                  status=QuestionStatus.ANSWERED if answered else QuestionStatus.OPEN,
                  answered_at=(question.answered_at or utcnow()) if answered else None)
    result = db.session.execute(
        update(GuidingQuestion).where(GuidingQuestion.id == question.id, GuidingQuestion.version == base_version)
        .values(version=GuidingQuestion.version + 1, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        current = get_guiding_question(project, question_id)
        raise EditConflict(
            _("Someone else saved this question while you were editing. Their version is saved; "
              "yours is in the form below."),
            current_text=_question_as_text(current.text, current.findings, current.summary),
            your_text=_question_as_text(text, findings, summary), current_version=current.version)
    touch(project)
    db.session.commit()
    db.session.refresh(question)
    return question


def _question_as_text(text: str, findings: str, summary: str) -> str:
    parts = [text.strip()]
    if findings.strip():
        parts.append(_("Findings: %(text)s", text=findings.strip()))
    if summary.strip():
        parts.append(_("Summary: %(text)s", text=summary.strip()))
    return "\n\n".join(parts)


def delete_guiding_question(project: Project, question_id: int) -> None:
    db.session.delete(get_guiding_question(project, question_id))
    touch(project)
    db.session.commit()


def _questions_by_id(project: Project, question_ids: list[int]) -> list[GuidingQuestion]:
    if not question_ids:
        raise ValidationFailed(_("Tie the activity to at least one guiding question."), field="questions")
    found = list(db.session.scalars(select(GuidingQuestion).where(
        GuidingQuestion.project_id == project.id, GuidingQuestion.id.in_(question_ids))))
    if len(found) != len(set(question_ids)):
        raise ValidationFailed(_("Choose guiding questions of this project."), field="questions")
    return found


def add_activity(project: Project, acting: User, *, kind: str, title: str, details: str, url: str,
                 question_ids: list[int]) -> Activity:
    """An activity or resource tied to one or more of the project's guiding questions."""
    activity = Activity(project_id=project.id, kind=ActivityKind(kind), title=title.strip(),
                        details=details.strip(), url=url.strip(), created_by_id=acting.id)
    activity.questions = _questions_by_id(project, question_ids)
    db.session.add(activity)
    touch(project)
    db.session.commit()
    return activity


def get_activity(project: Project, activity_id: int) -> Activity:
    activity = db.session.scalar(select(Activity).where(Activity.id == activity_id, Activity.project_id == project.id))
    if activity is None:
        raise NotFound()
    return activity


def update_activity(project: Project, activity_id: int, *, kind: str, title: str, details: str, url: str,
                    question_ids: list[int]) -> Activity:
    activity = get_activity(project, activity_id)
    activity.questions = _questions_by_id(project, question_ids)
    activity.kind, activity.title = ActivityKind(kind), title.strip()
    activity.details, activity.url = details.strip(), url.strip()
    touch(project)
    db.session.commit()
    return activity


def delete_activity(project: Project, activity_id: int) -> None:
    db.session.delete(get_activity(project, activity_id))
    touch(project)
    db.session.commit()


def note_partner_visit(project: Project, partner: User) -> None:
    """Remember when a partner last opened the project (their dashboard shows what is new
    since). Saved at once on a connection of its own: the page view changes nothing else."""
    with db.engine.connect().execution_options(cbl_write=True) as connection:
        with connection.begin():
            connection.execute(update(ProjectPartner).where(ProjectPartner.project_id == project.id,
                                                            ProjectPartner.user_id == partner.id)
                               .values(last_visited_at=utcnow()))
