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
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, and_, exists, or_, select, union

from cbl.accounts.models import Role, User
from cbl.audit import Action, AuditEvent
from cbl.dbtypes import utcnow
from cbl.extensions import db, login_manager
from cbl.portfolio.models import Entry, EntryKind, Publication, PublicationStatus, Visibility
from cbl.projects.models import Challenge, Project, ProjectPartner
from cbl.schools.models import School, SchoolMember
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
                abort(403, _("Your account cannot use this page."))
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


# --- administrators: the district's and the schools' ----------------------------------------

ADMINS = (Role.ADMIN, Role.SCHOOL_ADMIN)


def is_any_admin(user: User | None) -> bool:
    """A district admin (everywhere) or a school admin (within their own schools)."""
    return not _is_anonymous(user) and user.role in ADMINS


def administered_school_ids(user: User | None) -> Select:
    """The schools the user runs: every school for a district admin, the schools a school
    admin is a member of, none for anyone else."""
    if _is_anonymous(user) or user.role not in ADMINS:
        return _nothing(select(School.id))
    if user.role is Role.ADMIN:
        return select(School.id)
    return select(SchoolMember.school_id).where(SchoolMember.user_id == user.id)


def administered_classroom_ids(user: User | None) -> Select:
    """The classes the user administers: all for a district admin (a class of no school
    too), the classes of their schools for a school admin, none for anyone else."""
    if _is_anonymous(user) or user.role not in ADMINS:
        return _nothing(select(Classroom.id))
    if user.role is Role.ADMIN:
        return select(Classroom.id)
    return select(Classroom.id).where(Classroom.school_id.in_(administered_school_ids(user)))


def administers_school(user: User | None, school_id: int | None) -> bool:
    """Whether the user runs this school (a district admin runs every school)."""
    if _is_anonymous(user) or user.role not in ADMINS:
        return False
    if user.role is Role.ADMIN:
        return True
    return school_id is not None and bool(db.session.scalar(select(exists().where(
        SchoolMember.user_id == user.id, SchoolMember.school_id == school_id))))


def administers_classroom(user: User | None, classroom: Classroom) -> bool:
    """Whether the user administers this class: a district admin always, a school admin
    when the class belongs to one of their schools."""
    if _is_anonymous(user) or user.role not in ADMINS:
        return False
    return user.role is Role.ADMIN or administers_school(user, classroom.school_id)


def school_people_ids(school_ids: Select) -> Select:
    """The people of these schools: their members, and the teachers and students of their classes."""
    classes = select(Classroom.id).where(Classroom.school_id.in_(school_ids))
    return (select(SchoolMember.user_id).where(SchoolMember.school_id.in_(school_ids))
            .union(select(ClassroomTeacher.user_id).where(ClassroomTeacher.classroom_id.in_(classes)),
                   select(Enrolment.user_id).where(Enrolment.classroom_id.in_(classes))))


def administered_people(user: User | None) -> Select:
    """The accounts an admin manages: every account for a district admin; for a school admin
    the people of their schools but district admins; nobody for anyone else."""
    stmt = select(User)
    if _is_anonymous(user) or user.role not in ADMINS:
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    return stmt.where(User.id.in_(school_people_ids(administered_school_ids(user))), User.role != Role.ADMIN)


# --- scoping queries ---------------------------------------------------------------------

def visible_classrooms(user: User | None) -> Select:
    """Classes the user may open: district admins all, school admins those of their
    schools, teachers those they teach, students those
    they are enrolled in; partners and anonymous visitors none."""
    stmt = select(Classroom)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(Classroom.id.in_(administered_classroom_ids(user)))
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
    # Admins read everything but students' private reflections, which are for them and their teachers.
    not_private_reflection = or_(Entry.kind != EntryKind.REFLECTION, Entry.visibility != Visibility.PRIVATE)
    if user.role is Role.ADMIN:
        return stmt.where(not_private_reflection)
    if user.role is Role.PARTNER:
        return stmt.where(Entry.project_id.in_(active_partner_project_ids(user)),
                          Entry.visibility.in_(PARTNER_VISIBLE))
    class_projects = visible_projects(user).with_only_columns(Project.id)
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(not_private_reflection, Entry.project_id.in_(class_projects))
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
    if user.role in ADMINS:
        return tuple(Visibility) if entry.kind is not EntryKind.REFLECTION else tuple(Visibility)[1:]
    if user.role is Role.PARTNER:
        return PARTNER_VISIBLE
    if is_team_member(user, entry.project.team_id):
        return (Visibility.TEAM, *CLASS_VISIBLE)
    return CLASS_VISIBLE


def visible_audit_events(user: User | None) -> Select:
    """Audit events the user may read: all for district admins, the events of their schools'
    classes for school admins; for teachers the events of their
    classes, and the sign-ins and refused requests (anywhere) of partners holding access to
    them; nothing for others."""
    stmt = select(AuditEvent)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(AuditEvent.classroom_id.in_(administered_classroom_ids(user)))
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
    """Teachers of the class and its admins (the district's, its school's) set up classes,
    teams and challenges."""
    if _is_anonymous(user):
        return False
    return administers_classroom(user, classroom) or is_teacher_of(user, classroom.id)


def is_archived(project: Project) -> bool:
    """Whether the project's class, challenge or team is archived: it is then read-only
    for everyone (restoring it makes it editable again)."""
    return project.challenge.archived or project.team.archived or project.team.classroom.archived


def can_change_classroom(user: User | None, classroom: Classroom) -> bool:
    """Managing a class that is not archived: its settings, teams, challenges and roster.
    An archived class stays readable; only restoring it is left (:func:`can_manage_classroom`)."""
    return not classroom.archived and can_manage_classroom(user, classroom)


def can_grade(user: User | None, classroom: Classroom) -> bool:
    """Only the class's teachers grade its teams with the rubric (DESIGN.md §4); the "Grade"
    links of the class board and class page show by this rule."""
    return is_teacher_of(user, classroom.id)


def can_read_class_mastery(user: User | None, classroom: Classroom) -> bool:
    """The class's heat map, gradebook and mastery settings: its teachers and admins (DESIGN.md
    §4: admins see assessments and mastery, and manage classes)."""
    return can_manage_classroom(user, classroom)


def can_read_reflections(user: User | None, classroom_id: int) -> bool:
    """A class's reflections, gathered for reading: its teachers only (DESIGN.md §4: a private
    reflection is for its author and the teachers; admins do not read them)."""
    return is_teacher_of(user, classroom_id)


def can_edit_project(user: User | None, project: Project) -> bool:
    """The team's members and the class's teachers edit elements and questions, unless the
    project is archived."""
    if is_archived(project):
        return False
    return is_team_member(user, project.team_id) or is_teacher_of(user, project.team.classroom_id)


def can_request_phase(user: User | None, project: Project) -> bool:
    """Only the team asks to move on, or steps back (not in an archived project)."""
    return not is_archived(project) and is_team_member(user, project.team_id)


def can_decide_phase(user: User | None, project: Project) -> bool:
    """Only a teacher of the class approves or returns a phase request (not in an archived project)."""
    return not is_archived(project) and is_teacher_of(user, project.team.classroom_id)


def can_edit_entry(user: User | None, entry: Entry) -> bool:
    """The author always; teammates for entries the team can see and the class's teachers,
    except for a reflection, which only its author changes."""
    if _is_anonymous(user) or is_archived(entry.project):
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
    return not is_archived(project) and is_team_member(user, project.team_id)


def can_decide_publication(user: User | None, project: Project) -> bool:
    """A teacher of the class approves, returns or withdraws a publication."""
    return not is_archived(project) and is_teacher_of(user, project.team.classroom_id)


def can_form_team(user: User | None, classroom: Classroom) -> bool:
    """Teachers form teams; students too where the class lets them (never in an archived class)."""
    if classroom.archived:
        return False
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


def manageable_classrooms(user: User | None) -> Select:
    """Classes whose roster an administrator may set from the People page: every class for a
    district admin, the classes of their schools for a school admin, else none."""
    return select(Classroom).where(Classroom.id.in_(administered_classroom_ids(user)))


def manageable_people(user: User | None) -> Select:
    """The accounts an administrator finds and edits on the People page (see
    :func:`administered_people`)."""
    return administered_people(user)

def renamable_people(user: User | None) -> Select:
    """The students whose names ``user`` may set and whose name requests they decide: for
    district admins every student, for school admins the students of their schools, for
    teachers the students of the classes they teach, else nobody."""
    stmt = select(User).where(User.role == Role.STUDENT)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(User.id.in_(administered_people(user).with_only_columns(User.id)))
    if user.role is Role.TEACHER:
        taught_students = select(Enrolment.user_id).where(Enrolment.classroom_id.in_(taught_classroom_ids(user)))
        return stmt.where(User.id.in_(taught_students))
    return _nothing(stmt)


def can_rename(user: User | None, person: User) -> bool:
    """Names are the school's: a teacher renames the students of their classes, an admin
    any student; everyone but students renames themselves (students ask their teacher)."""
    if _is_anonymous(user) or person is None:
        return False
    if person.id == user.id:
        return user.role is not Role.STUDENT
    return bool(db.session.scalar(renamable_people(user).with_only_columns(User.id).where(User.id == person.id)))


def people_beyond_schools(school_ids: Select) -> Select:
    """The ids of people with a place in another school than these: its member, or a teacher
    or student of one of its classes. (A class of no school is the district's, from before
    schools: it does not count, or a school admin could reset none of its people.)"""
    other_classes = select(Classroom.id).where(Classroom.school_id.is_not(None), Classroom.school_id.not_in(school_ids))
    return (select(SchoolMember.user_id).where(SchoolMember.school_id.not_in(school_ids))
            .union(select(ClassroomTeacher.user_id).where(ClassroomTeacher.classroom_id.in_(other_classes)),
                   select(Enrolment.user_id).where(Enrolment.classroom_id.in_(other_classes))))


def taken_over_people(user: User | None) -> Select:
    """The accounts ``user`` may take the keys of (a one-time password) or lock out
    (deactivate): for a district admin anyone; for a school admin the people of their schools
    who have no place elsewhere and are no administrators, since whoever holds an account
    holds all of it (a teacher of two schools' classes, another school's admin); none else."""
    stmt = select(User)
    if _is_anonymous(user) or user.role not in ADMINS:
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    return administered_people(user).where(
        User.role.not_in(ADMINS), User.id.not_in(people_beyond_schools(administered_school_ids(user))))


def enrollable_student_ids(user: User | None, classroom: Classroom) -> Select:
    """The existing accounts ``user`` may add to ``classroom`` from its roster (matched by
    email, school id or username): for a district admin anyone; for a school admin the people
    of their schools; for a teacher the students of their other classes, students in no class
    and no school yet, and the people of the class's school. Anyone else typed in is refused without a word about them, or a teacher
    could read another school's students by guessing ids and, once they are in the class, give
    them a one-time password."""
    stmt = select(User.id)
    if _is_anonymous(user):
        return _nothing(stmt)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return administered_people(user).with_only_columns(User.id)
    if user.role is not Role.TEACHER:
        return _nothing(stmt)
    placed = union(select(Enrolment.user_id), select(SchoolMember.user_id))
    reaches = [select(Enrolment.user_id).where(Enrolment.classroom_id.in_(taught_classroom_ids(user))),
               select(User.id).where(User.role == Role.STUDENT, User.id.not_in(placed))]  # in no class nor school yet
    if classroom.school_id is not None:
        school = select(School.id).where(School.id == classroom.school_id)
        classes = select(Classroom.id).where(Classroom.school_id == classroom.school_id)
        reaches += [select(SchoolMember.user_id).where(SchoolMember.school_id.in_(school)),
                    select(Enrolment.user_id).where(Enrolment.classroom_id.in_(classes))]
    return stmt.where(User.id.in_(union(*reaches)))


def password_resettable_people(user: User | None) -> Select:
    """The people whose password ``user`` may reset to a one-time password: an admin anyone,
    a school admin the people wholly of their schools (:func:`taken_over_people`), a teacher
    the students enrolled in a class they teach; never oneself (that is the change-password form)."""
    stmt = select(User)
    if _is_anonymous(user):
        return _nothing(stmt)
    stmt = stmt.where(User.id != user.id)
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.SCHOOL_ADMIN:
        return stmt.where(User.id.in_(taken_over_people(user).with_only_columns(User.id)))
    if user.role is Role.TEACHER:
        taught_students = select(Enrolment.user_id).where(Enrolment.classroom_id.in_(taught_classroom_ids(user)))
        return stmt.where(User.role == Role.STUDENT, User.id.in_(taught_students))
    return _nothing(stmt)


def can_reset_password(actor: User | None, target: User | None) -> bool:
    """Whether ``actor`` may give ``target`` a one-time password (see above)."""
    if _is_anonymous(actor) or target is None or actor.id == target.id:
        return False
    if actor.role is Role.ADMIN:
        return True
    return bool(db.session.scalar(password_resettable_people(actor).with_only_columns(User.id)
                                  .where(User.id == target.id)))


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


# --- family guests (a student's family, invited by the student) ------------------------------

def family_project_ids(user: User) -> Select:
    """Projects the guest sees as a student's family (an active grant naming the student)."""
    return active_partner_project_ids(user).where(ProjectPartner.family_of_id.is_not(None))


def family_child(user: User | None, project: Project) -> User | None:
    """The student whose family ``user`` is, on this project; None for anyone else (partners
    included). Cached for the request: templates ask more than once."""
    if _is_anonymous(user) or user.role is not Role.PARTNER:
        return None
    cache = g.setdefault("family_child", {})
    key = (user.id, project.id)
    if key not in cache:
        grant = db.session.scalar(select(ProjectPartner).where(
            ProjectPartner.project_id == project.id, ProjectPartner.user_id == user.id,
            ProjectPartner.family_of_id.is_not(None), ProjectPartner.revoked_at.is_(None),
            ProjectPartner.expires_at > utcnow()))
        cache[key] = grant.family_of if grant is not None else None
    return cache[key]


def sees_team_process(user: User | None, project: Project) -> bool:
    """Whether the visitor sees the team's process with its teachers. Process is: the team's
    requests to change phase with their notes and the teacher's answers (a returned request
    and its reason above all), the reasons written in the phase history, the teacher's review
    of a request to publish, and the feedback threads teachers start (with the replies under
    them; a teacher's reply under a guest's or a student's comment is not process). It is
    the students' business with their teachers: a family guest sees the work itself, as a
    parent would (:func:`cbl.feedback.comments.visible_comments` applies the comment part in
    its query); everyone else who can see the project sees it."""
    return family_child(user, project) is None


def can_rate_as_partner(user: User | None, project: Project) -> bool:
    """An invited partner with active access to the project may rate it (when the challenge
    asks for it); a family guest is never offered a rating."""
    if _is_anonymous(user) or user.role is not Role.PARTNER:
        return False
    return bool(db.session.scalar(select(exists().where(
        ProjectPartner.project_id == project.id, ProjectPartner.user_id == user.id,
        ProjectPartner.family_of_id.is_(None), ProjectPartner.revoked_at.is_(None),
        ProjectPartner.expires_at > utcnow()))))


def guest_label(user: User | None) -> str:
    """How the school lists a guest: "Maya Chen's family" for a student's family (by the
    student's full name, for teachers and admins), otherwise the guest's own name. One
    query per guest and request."""
    if user is None:
        return ""
    if user.role is not Role.PARTNER:
        return person_name(user)
    cache = g.setdefault("guest_labels", {})
    if user.id not in cache:
        child = db.session.scalar(select(User).join(ProjectPartner, ProjectPartner.family_of_id == User.id)
                                  .where(ProjectPartner.user_id == user.id).order_by(ProjectPartner.id.desc())
                                  .limit(1))
        cache[user.id] = family_label(child) if child is not None else user.display_name
    return cache[user.id]


def family_label(student: User) -> str:
    """ "Maya Chen's family", in the visitor's language."""
    return _("%(name)s's family", name=student.display_name)


def register_template_helpers(app) -> None:
    """Expose the predicates to templates so controls hide by the same rules."""
    app.jinja_env.globals.update(
        person_name=person_name,
        can_manage_classroom=can_manage_classroom,
        can_change_classroom=can_change_classroom,
        is_archived=is_archived,
        can_rename=can_rename,
        can_reset_password=can_reset_password,
        can_read_class_mastery=can_read_class_mastery,
        can_read_reflections=can_read_reflections,
        can_edit_project=can_edit_project,
        can_request_phase=can_request_phase,
        can_decide_phase=can_decide_phase,
        can_form_team=can_form_team,
        can_edit_entry=can_edit_entry,
        family_child=family_child,
        sees_team_process=sees_team_process,
        can_rate_as_partner=can_rate_as_partner,
        guest_label=guest_label,
        family_label=family_label,
        can_grade=can_grade,
        can_delete_entry=can_delete_entry,
        is_any_admin=is_any_admin,
    )

