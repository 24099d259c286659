"""Challenge and project use cases: elements, Engage brainstorms, guiding questions."""

from datetime import date, datetime
from types import SimpleNamespace

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
from cbl.versioning import as_text, claim_version


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


def update_challenge(challenge: Challenge, base_version: int | None = None, acting: User | None = None,
                     **fields) -> Challenge:
    """Change a challenge's text, dates or prompts (its projects keep their work). Raises
    EditConflict if another teacher saved it since ``base_version``, ValidationFailed for
    dates out of order."""
    claim_version(challenge, base_version, acting.id if acting else None, _challenge_as_text,
                  _challenge_as_text(SimpleNamespace(**{k: fields.get(k, "") for k in CHALLENGE_FIELDS})))
    try:
        _apply_challenge_fields(challenge, fields)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return challenge


def _challenge_as_text(challenge) -> str:
    return as_text((_("Title"), challenge.title), (_("Big idea"), challenge.big_idea),
                   (_("Description"), challenge.description),
                   (_("Essential question starter (optional)"), challenge.essential_question_template),
                   (_("Starts on"), challenge.starts_on), (_("Ends on"), challenge.ends_on),
                   (_("Reflection prompt for Engage"), challenge.prompt_engage),
                   (_("Reflection prompt for Investigate"), challenge.prompt_investigate),
                   (_("Reflection prompt for Act"), challenge.prompt_act))


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
        current_version=current.version if current else 0,
        saved_by=current.updated_by if current else None, saved_at=current.updated_at if current else None)


# --- Engage: essential question brainstorm -------------------------------------------------

def add_candidate(project: Project, text: str, acting: User) -> CandidateQuestion:
    candidate = CandidateQuestion(project_id=project.id, text=text.strip(), created_by_id=acting.id)
    db.session.add(candidate)
    touch(project)
    db.session.commit()
    return candidate


def _candidate(project: Project, candidate_id: int) -> CandidateQuestion:
    candidate = db.session.scalar(select(CandidateQuestion).where(
        CandidateQuestion.id == candidate_id, CandidateQuestion.project_id == project.id,
        CandidateQuestion.deleted_at.is_(None)))
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
    """Take a question off the brainstorm, kept for an undo until the purge. Raises NotFound."""
    _candidate(project, candidate_id).deleted_at = utcnow()
    touch(project)
    db.session.commit()


def restore_candidate(project: Project, candidate_id: int) -> CandidateQuestion:
    """Put a removed brainstormed question back. Raises NotFound if it is not removed."""
    candidate = db.session.scalar(select(CandidateQuestion).where(
        CandidateQuestion.id == candidate_id, CandidateQuestion.project_id == project.id,
        CandidateQuestion.deleted_at.is_not(None)))
    if candidate is None:
        raise NotFound()
    candidate.deleted_at = None
    touch(project)
    db.session.commit()
    return candidate


# --- Investigate: guiding questions and activities ----------------------------------------

def add_guiding_question(project: Project, text: str, acting: User) -> GuidingQuestion:
    """Brainstorm a guiding question: no category or priority yet."""
    question = GuidingQuestion(project_id=project.id, text=text.strip(), created_by_id=acting.id)
    db.session.add(question)
    touch(project)
    db.session.commit()
    return question


def get_guiding_question(project: Project, question_id: int) -> GuidingQuestion:
    """A guiding question of the project (not a removed one). Raises NotFound otherwise."""
    question = db.session.scalar(select(GuidingQuestion).where(
        GuidingQuestion.id == question_id, GuidingQuestion.project_id == project.id,
        GuidingQuestion.deleted_at.is_(None)))
    if question is None:
        raise NotFound()
    return question


def update_guiding_question(project: Project, question_id: int, base_version: int, *, text: str,
                            category: str, priority: str | None, findings: str,
                            answered: bool, summary: str, acting: User | None = None) -> GuidingQuestion:
    """Sort, prioritise and record findings; mark answered (a summary is required) or open.
    Raises EditConflict (naming who saved, and when) if someone saved the question since
    ``base_version``; NotFound if it was removed meanwhile."""
    question = get_guiding_question(project, question_id)
    if answered and not summary.strip():
        raise ValidationFailed(_("Write a summary of the answer before marking the question answered."),
                               field="summary")
    values = dict(text=text.strip(), category=category.strip(), priority=Priority(priority) if priority else None,
                  findings=findings.strip(), summary=summary.strip(),
                  status=QuestionStatus.ANSWERED if answered else QuestionStatus.OPEN,
                  answered_at=(question.answered_at or utcnow()) if answered else None,
                  updated_by_id=acting.id if acting else None, updated_at=utcnow())
    result = db.session.execute(
        update(GuidingQuestion).where(GuidingQuestion.id == question.id, GuidingQuestion.version == base_version,
                                      GuidingQuestion.deleted_at.is_(None))
        .values(version=GuidingQuestion.version + 1, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        current = get_guiding_question(project, question_id)
        raise EditConflict(
            _("Someone else saved this question while you were editing. Their version is saved; "
              "yours is in the form below."),
            current_text=_question_as_text(current.text, current.findings, current.summary),
            your_text=_question_as_text(text, findings, summary), current_version=current.version,
            saved_by=current.updated_by or current.created_by, saved_at=current.updated_at or current.created_at)
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


def delete_guiding_question(project: Project, question_id: int, acting: User | None = None) -> GuidingQuestion:
    """Remove a guiding question from the matrix, keeping it (findings, activity and entry
    links) for an undo until the purge, 30 days later. Raises NotFound."""
    question = get_guiding_question(project, question_id)
    question.deleted_at, question.deleted_by_id = utcnow(), acting.id if acting else None
    touch(project)
    db.session.commit()
    return question


def restore_guiding_question(project: Project, question_id: int) -> GuidingQuestion:
    """Put a removed guiding question back, with its findings and links. Raises NotFound
    for a question that is not removed."""
    question = removed_question(project, question_id)
    if question is None:
        raise NotFound()
    question.deleted_at = question.deleted_by_id = None
    touch(project)
    db.session.commit()
    return question


def _questions_by_id(project: Project, question_ids: list[int]) -> list[GuidingQuestion]:
    if not question_ids:
        raise ValidationFailed(_("Tie the activity to at least one guiding question."), field="questions")
    found = list(db.session.scalars(select(GuidingQuestion).where(
        GuidingQuestion.project_id == project.id, GuidingQuestion.id.in_(question_ids),
        GuidingQuestion.deleted_at.is_(None))))
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
    """An activity of the project (not a removed one). Raises NotFound otherwise."""
    activity = db.session.scalar(select(Activity).where(Activity.id == activity_id, Activity.project_id == project.id,
                                                        Activity.deleted_at.is_(None)))
    if activity is None:
        raise NotFound()
    return activity


def update_activity(project: Project, activity_id: int, base_version: int | None = None, *, kind: str, title: str,
                    details: str, url: str, question_ids: list[int], acting: User | None = None) -> Activity:
    """Save an activity if nobody saved it since ``base_version`` (None: do not check).
    Raises EditConflict with both texts and who saved the other one, ValidationFailed for
    questions not of this project, NotFound if it was removed meanwhile."""
    activity = get_activity(project, activity_id)
    questions = _questions_by_id(project, question_ids)
    if base_version is not None:
        claimed = db.session.execute(
            update(Activity).where(Activity.id == activity.id, Activity.version == base_version,
                                   Activity.deleted_at.is_(None))
            .values(version=Activity.version + 1).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.rollback()
            current = get_activity(project, activity_id)
            raise EditConflict(
                _("Someone else saved this activity while you were editing. Their version is saved; "
                  "yours is in the form below."),
                current_text=_activity_as_text(current.title, current.details, current.url),
                your_text=_activity_as_text(title, details, url), current_version=current.version,
                saved_by=current.updated_by or current.created_by,
                saved_at=current.updated_at or current.created_at)
        db.session.refresh(activity, ["version"])
    else:
        activity.version += 1
    activity.questions = questions
    activity.kind, activity.title = ActivityKind(kind), title.strip()
    activity.details, activity.url = details.strip(), url.strip()
    activity.updated_by_id, activity.updated_at = (acting.id if acting else None), utcnow()
    touch(project)
    db.session.commit()
    return activity


def _activity_as_text(title: str, details: str, url: str) -> str:
    return "\n\n".join(part.strip() for part in (f"**{title.strip()}**", details, url) if part.strip())


def delete_activity(project: Project, activity_id: int, acting: User | None = None) -> Activity:
    """Remove an activity from the matrix, kept for an undo until the purge. Raises NotFound."""
    activity = get_activity(project, activity_id)
    activity.deleted_at, activity.deleted_by_id = utcnow(), acting.id if acting else None
    touch(project)
    db.session.commit()
    return activity


def restore_activity(project: Project, activity_id: int) -> Activity:
    """Put a removed activity back, with its links. Raises NotFound if it is not removed."""
    activity = removed_activity(project, activity_id)
    if activity is None:
        raise NotFound()
    activity.deleted_at = activity.deleted_by_id = None
    touch(project)
    db.session.commit()
    return activity


def removed_question(project: Project, question_id: int) -> GuidingQuestion | None:
    """The project's guiding question if it was removed (and not yet purged)."""
    return db.session.scalar(select(GuidingQuestion).where(
        GuidingQuestion.id == question_id, GuidingQuestion.project_id == project.id,
        GuidingQuestion.deleted_at.is_not(None)))


def removed_activity(project: Project, activity_id: int) -> Activity | None:
    """The project's activity if it was removed (and not yet purged)."""
    return db.session.scalar(select(Activity).where(Activity.id == activity_id, Activity.project_id == project.id,
                                                    Activity.deleted_at.is_not(None)))


def removed_items(project: Project, since: datetime) -> tuple[list[CandidateQuestion], list[GuidingQuestion],
                                                              list[Activity]]:
    """The brainstormed essential questions, guiding questions and activities removed from
    the project after ``since``, newest first."""
    candidates = list(db.session.scalars(select(CandidateQuestion).where(
        CandidateQuestion.project_id == project.id, CandidateQuestion.deleted_at > since)
        .order_by(CandidateQuestion.deleted_at.desc())))
    questions = list(db.session.scalars(select(GuidingQuestion).where(
        GuidingQuestion.project_id == project.id, GuidingQuestion.deleted_at > since)
        .order_by(GuidingQuestion.deleted_at.desc())))
    activities = list(db.session.scalars(select(Activity).where(
        Activity.project_id == project.id, Activity.deleted_at > since).order_by(Activity.deleted_at.desc())))
    return candidates, questions, activities


def purge_removed(cutoff: datetime) -> tuple[int, int]:
    """Delete for good the guiding questions, activities and brainstormed essential questions
    removed before ``cutoff`` (joins the caller's transaction). Returns how many guiding
    questions and activities."""
    questions = list(db.session.scalars(select(GuidingQuestion).where(GuidingQuestion.deleted_at < cutoff)))
    activities = list(db.session.scalars(select(Activity).where(Activity.deleted_at < cutoff)))
    candidates = list(db.session.scalars(select(CandidateQuestion).where(CandidateQuestion.deleted_at < cutoff)))
    for row in [*questions, *activities, *candidates]:
        db.session.delete(row)
    db.session.flush()
    return len(questions), len(activities)


def note_partner_visit(project: Project, partner: User) -> None:
    """Remember when a partner last opened the project (their dashboard shows what is new
    since). Saved at once on a connection of its own: the page view changes nothing else."""
    with db.engine.connect().execution_options(cbl_write=True) as connection:
        with connection.begin():
            connection.execute(update(ProjectPartner).where(ProjectPartner.project_id == project.id,
                                                            ProjectPartner.user_id == partner.id)
                               .values(last_visited_at=utcnow()))
