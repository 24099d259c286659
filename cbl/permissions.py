"""Every access rule of CBL Tracker, in one place (DESIGN.md §4).

- Gates (decorators) for whole views: :func:`role_required`.
- Scoping queries (``visible_*``) that can only return what the user may see: lists and
  detail pages both load through them, so a detail page never shows what a list hides.
- Object predicates (``can_*``) for actions on an object the user can already see. They are
  Jinja globals too, so templates hide the controls by the same rules.

Unknown and invisible objects answer 404; visible objects with a forbidden action answer 403.
"""

from functools import wraps
from typing import Any, Callable

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Select, and_, exists, or_, select

from cbl.accounts.models import Role, User
from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db, login_manager
from cbl.portfolio.models import Entry, EntryKind, Publication, PublicationStatus, Visibility
from cbl.projects.models import Challenge, Project, ProjectPartner
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment, Team, TeamMember


# --- gates -------------------------------------------------------------------------------

def role_required(*roles: Role) -> Callable:
    """Let only signed-in users with one of ``roles`` through; others get 403
    (anonymous visitors are sent to sign in by Flask-Login first)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- building blocks ---------------------------------------------------------------------

def _is_anonymous(user: User | None) -> bool:
    return user is None or not getattr(user, "is_authenticated", False)


def taught_classroom_ids(user: User) -> Select:
    return select(ClassroomTeacher.classroom_id).where(ClassroomTeacher.user_id == user.id)


def enrolled_classroom_ids(user: User) -> Select:
    return select(Enrolment.classroom_id).where(Enrolment.user_id == user.id)


def member_team_ids(user: User) -> Select:
    return select(TeamMember.team_id).where(TeamMember.user_id == user.id)


def active_partner_project_ids(user: User) -> Select:
    """Projects the partner holds an unexpired, unrevoked grant for."""
    return select(ProjectPartner.project_id).where(
        ProjectPartner.user_id == user.id,
        ProjectPartner.revoked_at.is_(None),
        ProjectPartner.expires_at > utcnow(),
    )


def _nothing(stmt: Select) -> Select:
    return stmt.where(False)


# --- scoping queries ---------------------------------------------------------------------

def visible_classrooms(user: User | None) -> Select:
    """Classes the user may open: admins all, teachers those they teach, students those
    they are enrolled in; partners and anonymous visitors none."""
    stmt = select(Classroom)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.TEACHER:
        return stmt.where(Classroom.id.in_(taught_classroom_ids(user)))
    if user.role is Role.STUDENT:
        return stmt.where(Classroom.id.in_(enrolled_classroom_ids(user)))
    return _nothing(stmt)


def visible_teams(user: User | None) -> Select:
    """Teams of the classes the user may open."""
    return select(Team).where(Team.classroom_id.in_(visible_classrooms(user).with_only_columns(Classroom.id)))


def visible_challenges(user: User | None) -> Select:
    """Challenges of the classes the user may open."""
    return select(Challenge).where(
        Challenge.classroom_id.in_(visible_classrooms(user).with_only_columns(Classroom.id))
    )


def visible_projects(user: User | None) -> Select:
    """Projects whose phases and elements the user may read: everything for admins, the
    projects of their classes for teachers and students (other teams' read-only), the
    projects a partner holds an active grant for."""
    stmt = select(Project)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.PARTNER:
        return stmt.where(Project.id.in_(active_partner_project_ids(user)))
    classroom_ids = visible_classrooms(user).with_only_columns(Classroom.id)
    if user.role is Role.ADMIN:
        return stmt
    return stmt.join(Team, Team.id == Project.team_id).where(Team.classroom_id.in_(classroom_ids))


PARTNER_VISIBLE = (Visibility.PARTNERS, Visibility.PUBLIC)
CLASS_VISIBLE = (Visibility.CLASS, Visibility.PARTNERS, Visibility.PUBLIC)


def visible_entries(user: User | None) -> Select:
    """Portfolio entries the user may read (DESIGN.md §4): teachers every entry of their
    classes; students their own, their team's (``team`` and wider) and their classmates'
    (``class`` and wider); partners ``partners`` and ``public`` entries of the projects
    shared with them; admins all but private reflections. Private entries stay with their
    author and the teachers. Deleted entries are nowhere but in :func:`deleted_entries`."""
    return _readable_entries(user).where(Entry.deleted_at.is_(None))


def deleted_entries(user: User | None) -> Select:
    """Deleted entries (not yet purged) the user may restore: those of the projects they
    edit that they could read before the delete — the author, teammates, the class's
    teachers. Partners and admins see none."""
    if _is_anonymous(user) or user.role not in (Role.STUDENT, Role.TEACHER):
        return _nothing(select(Entry))
    return _readable_entries(user).where(Entry.deleted_at.is_not(None))


def _readable_entries(user: User | None) -> Select:
    stmt = select(Entry)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        # Everything but students' private reflections, which are for them and their teachers.
        return stmt.where(or_(Entry.kind != EntryKind.REFLECTION, Entry.visibility != Visibility.PRIVATE))
    if user.role is Role.PARTNER:
        return stmt.where(Entry.project_id.in_(active_partner_project_ids(user)),
                          Entry.visibility.in_(PARTNER_VISIBLE))
    class_projects = visible_projects(user).with_only_columns(Project.id)
    if user.role is Role.TEACHER:
        return stmt.where(Entry.project_id.in_(class_projects))
    own_team_projects = select(Project.id).where(Project.team_id.in_(member_team_ids(user)))
    return stmt.where(Entry.project_id.in_(class_projects), or_(
        Entry.author_id == user.id,
        and_(Entry.visibility == Visibility.TEAM, Entry.project_id.in_(own_team_projects)),
        Entry.visibility.in_(CLASS_VISIBLE),
    ))


def published_project_ids() -> Select:
    """Projects a teacher approved for the public showcase (and nobody withdrew)."""
    return select(Publication.project_id).where(Publication.status == PublicationStatus.PUBLISHED)


def public_entries() -> Select:
    """What anyone, signed in or not, may see: ``public`` entries of published projects, as
    the teacher approved them. An entry made public or changed after the approval waits for
    the teacher to publish the changes."""
    approved = (select(Publication.project_id, Publication.published_at)
                .where(Publication.status == PublicationStatus.PUBLISHED).subquery())
    return (select(Entry).join(approved, approved.c.project_id == Entry.project_id)
            .where(Entry.visibility == Visibility.PUBLIC, Entry.updated_at <= approved.c.published_at,
                   Entry.deleted_at.is_(None)))


def readable_visibilities(user: User | None, entry: Entry) -> tuple[Visibility, ...]:
    """The visibility levels at which ``user`` could read ``entry``: used to show only the
    earlier versions that were already shared that widely when they were saved."""
    if _is_anonymous(user):
        return (Visibility.PUBLIC,)
    if entry.author_id == user.id or is_teacher_of(user, entry.project.team.classroom_id):
        return tuple(Visibility)
    if user.role is Role.ADMIN:
        return tuple(Visibility) if entry.kind is not EntryKind.REFLECTION else tuple(Visibility)[1:]
    if user.role is Role.PARTNER:
        return PARTNER_VISIBLE
    if is_team_member(user, entry.project.team_id):
        return (Visibility.TEAM, *CLASS_VISIBLE)
    return CLASS_VISIBLE


def visible_audit_events(user: User | None) -> Select:
    """Audit events the user may read: all for admins; for teachers the events of their
    classes, and the sign-ins and refused requests (anywhere) of partners holding access to
    them; nothing for others."""
    stmt = select(AuditEvent)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is not Role.TEACHER:
        return _nothing(stmt)
    taught = taught_classroom_ids(user)
    partners = (select(ProjectPartner.user_id).join(Project, Project.id == ProjectPartner.project_id)
                .join(Team, Team.id == Project.team_id).where(Team.classroom_id.in_(taught)))
    return stmt.where(or_(AuditEvent.classroom_id.in_(taught),
                          and_(AuditEvent.action.in_((Action.SIGN_IN, Action.PARTNER_REFUSED)),
                               AuditEvent.actor_id.in_(partners))))


def get_visible(stmt: Select, model: type, object_id: int) -> Any:
    """The object with ``object_id`` if ``stmt`` (a ``visible_*`` query) lets the user
    see it; otherwise abort with 404, the same answer as for an unknown id."""
    obj = db.session.scalar(stmt.where(model.id == object_id))
    if obj is None:
        abort(404)
    return obj


# --- predicates --------------------------------------------------------------------------

def is_teacher_of(user: User | None, classroom_id: int) -> bool:
    """Whether the user teaches this class."""
    if _is_anonymous(user) or user.role is not Role.TEACHER:
        return False
    return bool(db.session.scalar(select(exists().where(
        ClassroomTeacher.user_id == user.id, ClassroomTeacher.classroom_id == classroom_id))))


def is_team_member(user: User | None, team_id: int) -> bool:
    """Whether the user is a student member of this team."""
    if _is_anonymous(user) or user.role is not Role.STUDENT:
        return False
    return bool(db.session.scalar(select(exists().where(
        TeamMember.user_id == user.id, TeamMember.team_id == team_id))))


def can_manage_classroom(user: User | None, classroom: Classroom) -> bool:
    """Teachers of the class and admins set up classes, teams and challenges."""
    if _is_anonymous(user):
        return False
    return user.role is Role.ADMIN or is_teacher_of(user, classroom.id)


def can_edit_project(user: User | None, project: Project) -> bool:
    """The team's members and the class's teachers edit elements and questions."""
    return is_team_member(user, project.team_id) or is_teacher_of(user, project.team.classroom_id)


def can_request_phase(user: User | None, project: Project) -> bool:
    """Only the team asks to move on, or steps back."""
    return is_team_member(user, project.team_id)


def can_decide_phase(user: User | None, project: Project) -> bool:
    """Only a teacher of the class approves or returns a phase request."""
    return is_teacher_of(user, project.team.classroom_id)


def can_edit_entry(user: User | None, entry: Entry) -> bool:
    """The author always; teammates for entries the team can see and the class's teachers,
    except for a reflection, which only its author changes."""
    if _is_anonymous(user):
        return False
    if entry.author_id == user.id:
        return True
    if entry.kind is EntryKind.REFLECTION:
        return False  # a reflection stays its author's own words, even when shared
    if entry.visibility is not Visibility.PRIVATE and is_team_member(user, entry.project.team_id):
        return True
    return is_teacher_of(user, entry.project.team.classroom_id)


def can_delete_entry(user: User | None, entry: Entry) -> bool:
    """Only the author or a teacher of the class deletes an entry (teammates edit it, but a
    classmate's work is not theirs to remove)."""
    if _is_anonymous(user):
        return False
    return entry.author_id == user.id or is_teacher_of(user, entry.project.team.classroom_id)


def can_restore_entry(user: User | None, entry: Entry) -> bool:
    """The author, a teammate or a teacher of the class brings a deleted entry back."""
    if _is_anonymous(user):
        return False
    return (entry.author_id == user.id or is_team_member(user, entry.project.team_id)
            or is_teacher_of(user, entry.project.team.classroom_id))


def can_request_publication(user: User | None, project: Project) -> bool:
    """The team asks to publish its story, and may withdraw it at any time."""
    return is_team_member(user, project.team_id)


def can_decide_publication(user: User | None, project: Project) -> bool:
    """A teacher of the class approves, returns or withdraws a publication."""
    return is_teacher_of(user, project.team.classroom_id)


def can_form_team(user: User | None, classroom: Classroom) -> bool:
    """Teachers form teams; students too where the class lets them."""
    if can_manage_classroom(user, classroom):
        return True
    if _is_anonymous(user) or user.role is not Role.STUDENT or not classroom.students_form_teams:
        return False
    return bool(db.session.scalar(select(exists().where(
        Enrolment.user_id == user.id, Enrolment.classroom_id == classroom.id))))


def team_of_student(user: User, classroom_id: int) -> Team | None:
    """The student's team in a class (a student is in at most one team per class)."""
    return db.session.scalar(
        select(Team).join(TeamMember).where(
            and_(TeamMember.user_id == user.id, Team.classroom_id == classroom_id))
    )


def show_full_names_of(classroom: Classroom) -> None:
    """Note, for this request, the class whose people a page shows: a partner then sees full
    names if that class's teachers allow it (see :func:`person_name`)."""
    g.full_names_for_partners = bool(classroom.partners_see_full_names)


def person_name(user: User | None) -> str:
    """How a person is named to the visitor: outsiders (partners) see first names only,
    unless the class of the page allows full names."""
    if user is None:
        return ""
    viewer = current_user
    if (getattr(viewer, "is_authenticated", False) and viewer.role is Role.PARTNER and user.id != viewer.id
            and not g.get("full_names_for_partners")):
        return user.first_name
    return user.display_name


def register_template_helpers(app) -> None:
    """Expose the predicates to templates so controls hide by the same rules."""
    app.jinja_env.globals.update(
        person_name=person_name,
        can_manage_classroom=can_manage_classroom,
        can_edit_project=can_edit_project,
        can_request_phase=can_request_phase,
        can_decide_phase=can_decide_phase,
        can_form_team=can_form_team,
        can_edit_entry=can_edit_entry,
        can_delete_entry=can_delete_entry,
    )

