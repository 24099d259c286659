"""The lifecycle of classes, challenges and teams (issue 10, item 11).

Archiving takes a class, challenge or team off the class board and the home pages; its
pages stay readable (read-only: see :func:`cbl.permissions.is_archived`) and its released
assessments still count for mastery and transcripts. Restoring brings it back. Deleting is
for what holds no student work yet. Every change is in the audit log.

Deleting checks the projects here (element texts, guiding questions) and asks the areas
above (entries, assessments, goals) through :func:`cbl.projects.hooks.any_student_work`."""

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from cbl import audit
from cbl.accounts.models import User
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.projects import hooks
from cbl.projects.models import Challenge, GuidingQuestion, Project, ProjectElement
from cbl.projects.services import CHALLENGE_FIELDS
from cbl.teams.models import Classroom, Team
from cbl.teams.services import classroom_name_taken, same_text  # noqa: F401  (one place for the rule)

LIFECYCLE_OBJECTS = (Classroom, Challenge, Team)
OBJECT_TYPES = {Classroom: "classroom", Challenge: "challenge", Team: "team"}


def _classroom_id(obj: Classroom | Challenge | Team) -> int:
    return obj.id if isinstance(obj, Classroom) else obj.classroom_id


def label_of(obj: Classroom | Challenge | Team) -> str:
    return obj.title if isinstance(obj, Challenge) else obj.name


def _record(action: audit.Action, obj, acting: User, detail: str = "") -> None:
    audit.record(action, actor_id=acting.id, classroom_id=_classroom_id(obj), object_type=OBJECT_TYPES[type(obj)],
                 object_id=obj.id, detail=detail or label_of(obj))


def set_archived(obj: Classroom | Challenge | Team, archived: bool, acting: User) -> None:
    """Archive (``archived=True``) or restore a class, challenge or team, with an audit line.
    Doing what is already done changes nothing and records nothing."""
    if obj.archived == archived:
        return
    obj.archived = archived
    _record(audit.Action.ARCHIVED if archived else audit.Action.RESTORED, obj, acting)
    db.session.commit()


def archive_without_commit(obj: Classroom | Challenge | Team, acting: User) -> None:
    """Archive as :func:`set_archived` does, inside the caller's transaction (the end of a
    term archives all its classes at once)."""
    if not obj.archived:
        obj.archived = True
        _record(audit.Action.ARCHIVED, obj, acting)


# --- deleting ------------------------------------------------------------------------------

def _scope(obj: Classroom | Challenge | Team):
    """The ids of the projects (and classes) whose work belongs to ``obj``."""
    if isinstance(obj, Classroom):
        projects = select(Project.id).join(Team, Team.id == Project.team_id).where(Team.classroom_id == obj.id)
        return projects, select(Classroom.id).where(Classroom.id == obj.id)
    column = Project.challenge_id if isinstance(obj, Challenge) else Project.team_id
    return select(Project.id).where(column == obj.id), select(Classroom.id).where(False)


def has_student_work(obj: Classroom | Challenge | Team) -> bool:
    """Whether any project of ``obj`` holds student work: element text, guiding questions,
    portfolio entries, assessments (or, for a class, learning goals)."""
    project_ids, classroom_ids = _scope(obj)
    here = db.session.scalar(select(or_(
        exists().where(ProjectElement.project_id.in_(project_ids), ProjectElement.body != ""),
        exists().where(GuidingQuestion.project_id.in_(project_ids)),
    )))
    return bool(here) or hooks.any_student_work(project_ids, classroom_ids)


def delete(obj: Classroom | Challenge | Team, acting: User) -> None:
    """Delete a class, challenge or team that holds no student work yet, with an audit line.
    Raises ValidationFailed (saying to archive instead) when work exists."""
    if has_student_work(obj):
        raise ValidationFailed(_("“%(name)s” already holds students' work (texts, entries or assessments), so it "
                                 "cannot be deleted. Archive it instead: it leaves the board and stays readable.",
                                 name=label_of(obj)))
    _record(audit.Action.DELETED, obj, acting)
    db.session.delete(obj)
    db.session.commit()


# --- duplicate names -----------------------------------------------------------------------

def challenge_title_taken(classroom_id: int, title: str, exclude_id: int | None = None) -> bool:
    """Whether the class already has a challenge with this title (archived ones too)."""
    stmt = select(Challenge.id).where(Challenge.classroom_id == classroom_id, same_text(Challenge.title, title))
    if exclude_id is not None:
        stmt = stmt.where(Challenge.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


# --- copying a challenge -------------------------------------------------------------------

def copy_challenge(challenge: Challenge, target: Classroom, acting: User) -> Challenge:
    """Copy the challenge (texts, dates, reflection prompts, and what other areas keep about
    it: rubric and voices, partner questions) into ``target``, with a project for each of
    the target's teams, as creating a challenge does. The copy starts unarchived."""
    copy = Challenge(classroom_id=target.id, created_by_id=acting.id,
                     **{key: getattr(challenge, key) for key in CHALLENGE_FIELDS})
    db.session.add(copy)
    db.session.flush()
    for team_id in db.session.scalars(select(Team.id).where(Team.classroom_id == target.id)):
        db.session.add(Project(team_id=team_id, challenge_id=copy.id))
    hooks.copy_challenge_extras(challenge, copy)
    audit.record(audit.Action.CHALLENGE_COPIED, actor_id=acting.id, classroom_id=target.id, object_type="challenge",
                 object_id=copy.id, detail=f"{challenge.title} ← {challenge.classroom.name}")
    db.session.commit()
    return copy
