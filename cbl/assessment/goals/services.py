"""Learning goals (issue 5, point 6; DESIGN.md §3): a student sets personal goals in a class,
ties them to a competency, links portfolio entries as evidence and records progress; the
class's teachers see them and comment.

Every read goes through :func:`cbl.assessment.access.visible_goals` (the student's own goals,
their teachers', admins all) and every entry shown or linked through
:func:`cbl.permissions.visible_entries`, so a goal never shows what its reader may not see.
Admins read only."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from cbl.accounts.models import Role, User
from cbl.assessment.access import visible_goals
from cbl.assessment.models import GoalEvidence, GoalNote, GoalStatus, LearningGoal
from cbl.competencies.models import Competency
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import Forbidden, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.markdown import render_markdown
from cbl.notifications import NotificationKind, notify, site_path
from cbl.permissions import is_teacher_of, member_team_ids, visible_entries
from cbl.portfolio.models import Entry
from cbl.projects.models import Project
from cbl.teams.models import Classroom, Enrolment, Team
from cbl.versioning import as_text, claim_version

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
NOTE_MAX = 5_000


@dataclass
class GoalFields:
    """What the student writes about a goal."""

    title: str
    description: str = ""
    competency_id: int | None = None
    target_date: date | None = None


# --- who does what -------------------------------------------------------------------------

def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_set_goals(user: User | None, classroom: Classroom) -> bool:
    """A student enrolled in the class sets goals in it."""
    if not _signed_in(user) or user.role is not Role.STUDENT:
        return False
    return bool(db.session.scalar(select(exists().where(
        Enrolment.user_id == user.id, Enrolment.classroom_id == classroom.id))))


def can_edit_goal(user: User | None, goal: LearningGoal) -> bool:
    """Only the goal's student changes it, links evidence and records progress."""
    return _signed_in(user) and user.role is Role.STUDENT and goal.student_id == user.id


def can_note_goal(user: User | None, goal: LearningGoal) -> bool:
    """The student records progress; a teacher of the class comments. Admins read only."""
    return can_edit_goal(user, goal) or is_teacher_of(user, goal.classroom_id)


# --- reading -------------------------------------------------------------------------------

def goal_options() -> tuple:
    return (joinedload(LearningGoal.student), joinedload(LearningGoal.competency),
            selectinload(LearningGoal.notes).joinedload(GoalNote.author))


def student_goals(user: User, classroom_id: int) -> list[LearningGoal]:
    """The user's own goals in a class: active first, then achieved, then set aside."""
    order = {GoalStatus.ACTIVE: 0, GoalStatus.ACHIEVED: 1, GoalStatus.SET_ASIDE: 2}
    goals = db.session.scalars(visible_goals(user).options(joinedload(LearningGoal.competency)).where(
        LearningGoal.student_id == user.id, LearningGoal.classroom_id == classroom_id)
        .order_by(LearningGoal.created_at.desc(), LearningGoal.id.desc())).all()
    return sorted(goals, key=lambda goal: order[goal.status])


def progress_by_goal(goal_ids: list[int]) -> dict[int, dict]:
    """For each goal: how many notes and evidence entries it has and when the student last
    recorded progress (two queries, whatever the number of goals)."""
    facts = {goal_id: {"notes": 0, "evidence": 0, "last_progress": None} for goal_id in goal_ids}
    if not goal_ids:
        return facts
    notes = db.session.execute(
        select(GoalNote.goal_id, func.count(), func.max(GoalNote.created_at).filter(
            GoalNote.author_id == LearningGoal.student_id))
        .join(LearningGoal, LearningGoal.id == GoalNote.goal_id)
        .where(GoalNote.goal_id.in_(goal_ids)).group_by(GoalNote.goal_id))
    for goal_id, count, last in notes:
        facts[goal_id].update(notes=count, last_progress=_aware(last))
    evidence = db.session.execute(select(GoalEvidence.goal_id, func.count())
                                  .where(GoalEvidence.goal_id.in_(goal_ids)).group_by(GoalEvidence.goal_id))
    for goal_id, count in evidence:
        facts[goal_id]["evidence"] = count
    return facts


def _aware(value: datetime | None) -> datetime | None:
    """An aggregate comes back without the column's type: SQLite gives a string or a naive
    time, which is UTC."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)


@dataclass
class StudentGoals:
    """One row of a class's overview: a student, their active goals and their others
    (achieved or set aside)."""

    student: User
    active: list[LearningGoal]
    others: list[LearningGoal]
    last_progress: datetime | None


def class_overview(user: User, classroom: Classroom) -> tuple[list[StudentGoals], dict[int, dict]]:
    """Every student of the class with the goals ``user`` may read there (teachers of the
    class and admins: all of them), and the progress facts of those goals. Five queries."""
    students = db.session.scalars(select(User).join(Enrolment, Enrolment.user_id == User.id)
                                  .where(Enrolment.classroom_id == classroom.id)
                                  .order_by(User.display_name, User.id)).all()
    goals = db.session.scalars(visible_goals(user).options(joinedload(LearningGoal.competency))
                               .where(LearningGoal.classroom_id == classroom.id)
                               .order_by(LearningGoal.target_date.is_(None), LearningGoal.target_date,
                                         LearningGoal.created_at)).all()
    facts = progress_by_goal([goal.id for goal in goals])
    by_student: dict[int, list[LearningGoal]] = {}
    for goal in goals:
        by_student.setdefault(goal.student_id, []).append(goal)
    rows = []
    for student in students:
        own = by_student.get(student.id, [])
        last = [facts[g.id]["last_progress"] for g in own if facts[g.id]["last_progress"]]
        rows.append(StudentGoals(student=student, active=[g for g in own if g.status is GoalStatus.ACTIVE],
                                 others=[g for g in own if g.status is not GoalStatus.ACTIVE],
                                 last_progress=max(last) if last else None))
    return rows, facts


def active_goals(user: User | None, student_id: int, classroom_id: int) -> list[LearningGoal]:
    """The student's active goals in the class, as far as ``user`` may read them."""
    return list(db.session.scalars(visible_goals(user).options(joinedload(LearningGoal.competency)).where(
        LearningGoal.student_id == student_id, LearningGoal.classroom_id == classroom_id,
        LearningGoal.status == GoalStatus.ACTIVE).order_by(LearningGoal.created_at)))


def evidence_entries(user: User | None, goal: LearningGoal) -> list[Entry]:
    """The entries linked to the goal that ``user`` may read now (an entry made private
    since it was linked drops out for readers who lost it)."""
    linked = select(GoalEvidence.entry_id).where(GoalEvidence.goal_id == goal.id)
    return list(db.session.scalars(visible_entries(user).options(joinedload(Entry.project).joinedload(
        Project.challenge)).where(Entry.id.in_(linked)).order_by(Entry.created_at.desc())))


def evidence_candidates(user: User | None, goal: LearningGoal) -> Select:
    """Entries the student may link to the goal: entries they can read, in the projects of
    the goal's class, that they wrote or that belong to their team; not linked already."""
    class_projects = (select(Project.id).join(Team, Team.id == Project.team_id)
                      .where(Team.classroom_id == goal.classroom_id))
    if not _signed_in(user):
        return visible_entries(user)
    own_team_projects = select(Project.id).where(Project.team_id.in_(member_team_ids(user)))
    linked = select(GoalEvidence.entry_id).where(GoalEvidence.goal_id == goal.id)
    return visible_entries(user).where(
        Entry.project_id.in_(class_projects),
        or_(Entry.author_id == user.id, Entry.project_id.in_(own_team_projects)),
        Entry.id.not_in(linked))


# --- changes -------------------------------------------------------------------------------

def _clean(fields: GoalFields) -> GoalFields:
    title = (fields.title or "").strip()
    if not title:
        raise ValidationFailed(_("Name your goal."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("A goal's name holds at most %(n)d characters.", n=TITLE_MAX), field="title")
    description = (fields.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_("The description holds at most %(n)d characters.", n=DESCRIPTION_MAX),
                               field="description")
    competency_id = fields.competency_id or None
    if competency_id is not None and db.session.get(Competency, competency_id) is None:
        raise ValidationFailed(_("Choose a competency from the list, or none."), field="competency")
    return GoalFields(title=title, description=description, competency_id=competency_id,
                      target_date=fields.target_date)


def create_goal(student: User, classroom: Classroom, fields: GoalFields) -> LearningGoal:
    """Save a new active goal of ``student`` in the class. Raises Forbidden unless the
    student is enrolled, ValidationFailed for a missing or oversize text or an unknown
    competency."""
    if not can_set_goals(student, classroom):
        raise Forbidden(_("Only the class's students set learning goals in it."))
    fields = _clean(fields)
    if fields.target_date is not None and fields.target_date < date.today():
        raise ValidationFailed(_("Choose a target date from today on."), field="target_date")
    goal = LearningGoal(student_id=student.id, classroom_id=classroom.id, title=fields.title,
                        description=fields.description, competency_id=fields.competency_id,
                        target_date=fields.target_date)
    db.session.add(goal)
    db.session.commit()
    return goal


def update_goal(goal: LearningGoal, actor: User, fields: GoalFields, base_version: int | None = None) -> LearningGoal:
    """Change what the goal says. Raises Forbidden for anyone but its student,
    ValidationFailed as :func:`create_goal`, EditConflict if it was saved (from another
    device) since ``base_version``."""
    if not can_edit_goal(actor, goal):
        raise Forbidden(_("Only the student changes their goal."))
    fields = _clean(fields)
    claim_version(goal, base_version, actor.id,
                  lambda g: as_text((_("Your goal"), g.title), (_("Description"), g.description)),
                  as_text((_("Your goal"), fields.title), (_("Description"), fields.description)))
    goal.title, goal.description = fields.title, fields.description
    goal.competency_id, goal.target_date = fields.competency_id, fields.target_date
    db.session.commit()
    return goal


def set_status(goal: LearningGoal, actor: User, status: GoalStatus) -> LearningGoal:
    """Mark the goal active, achieved or set aside. Raises Forbidden for anyone but its
    student."""
    if not can_edit_goal(actor, goal):
        raise Forbidden(_("Only the student changes their goal."))
    goal.status = GoalStatus(status)
    db.session.commit()
    return goal


def add_evidence(goal: LearningGoal, actor: User, entry_id: int) -> GoalEvidence:
    """Link one of the student's entries to the goal. The entry is looked up through what
    the student may read in the goal's class (:func:`evidence_candidates`): anything else,
    unknown ids included, is refused the same way (ValidationFailed), so nothing leaks.
    Raises Forbidden for anyone but the goal's student."""
    if not can_edit_goal(actor, goal):
        raise Forbidden(_("Only the student links evidence to their goal."))
    entry = db.session.scalar(evidence_candidates(actor, goal).where(Entry.id == entry_id))
    if entry is None:
        raise ValidationFailed(_("Choose one of your portfolio entries in this class."), field="entry")
    evidence = GoalEvidence(goal_id=goal.id, entry_id=entry.id)
    db.session.add(evidence)
    goal.updated_at = utcnow()
    db.session.commit()
    return evidence


def remove_evidence(goal: LearningGoal, actor: User, entry_id: int) -> None:
    """Unlink an entry from the goal (the entry itself stays). Raises Forbidden for anyone
    but the goal's student, NotFound when the entry is not linked."""
    if not can_edit_goal(actor, goal):
        raise Forbidden(_("Only the student changes their goal."))
    link = db.session.scalar(select(GoalEvidence).where(GoalEvidence.goal_id == goal.id,
                                                        GoalEvidence.entry_id == entry_id))
    if link is None:
        raise NotFound()
    db.session.delete(link)
    db.session.commit()


def add_note(goal: LearningGoal, author: User, body: str) -> GoalNote:
    """Save a progress note by the goal's student, or a comment by a teacher of the class;
    a teacher's comment is told to the student. Raises Forbidden for anyone else,
    ValidationFailed for an empty or oversize text."""
    if not can_note_goal(author, goal):
        raise Forbidden(_("Only the student and their teachers write on this goal."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write something first."), field="body")
    if len(body) > NOTE_MAX:
        raise ValidationFailed(_("A note holds at most %(n)d characters.", n=NOTE_MAX), field="body")
    note = GoalNote(goal_id=goal.id, author_id=author.id, body=body, body_html=str(render_markdown(body)))
    db.session.add(note)
    if author.id != goal.student_id:
        notify([goal.student_id], NotificationKind.GOAL_COMMENT, actor_id=author.id,
               url=site_path("assessment.goal", goal_id=goal.id), person=author.display_name, goal=goal.title)
    db.session.commit()
    return note
