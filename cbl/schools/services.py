"""Use cases of schools and terms: the district admin's schools and school admins, the terms
of a school or of the district, and the end of a term (its classes archived in one step).

Who may do what is asked of :mod:`cbl.permissions`; the queries here take the scope they
are given (a select of school ids), so a list never holds what its reader may not see."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, exists, or_, select

from cbl import audit
from cbl.accounts.models import Role, User, get_user_by_sign_in_name
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.projects import lifecycle
from cbl.schools.models import School, SchoolMember, Term, TermKind
from cbl.teams.models import Classroom, ClassroomTeacher

# --- schools -------------------------------------------------------------------------------

def list_schools(school_ids: Select) -> list[School]:
    """The schools of ``school_ids`` (e.g. :func:`cbl.permissions.administered_school_ids`), by name."""
    return list(db.session.scalars(select(School).where(School.id.in_(school_ids))
                                   .order_by(School.name, School.id)))


def schools_of(user: User) -> list[School]:
    """The schools a person belongs to (a teacher's schools offered on the class form)."""
    return list(db.session.scalars(select(School).join(SchoolMember, SchoolMember.school_id == School.id)
                                   .where(SchoolMember.user_id == user.id, School.retired_at.is_(None))
                                   .order_by(School.name, School.id)))


def create_school(name: str, identifier: str = "") -> School:
    school = School(name=name.strip(), identifier=identifier.strip())
    db.session.add(school)
    db.session.commit()
    return school


def update_school(school: School, name: str, identifier: str | None = None) -> School:
    """Rename a school (and, for the district admin, change its identifier)."""
    school.name = name.strip()
    if identifier is not None:
        school.identifier = identifier.strip()
    db.session.commit()
    return school


def add_member(school_id: int, user: User) -> None:
    """Make ``user`` a person of the school (nothing changes when they already are)."""
    if not db.session.scalar(select(exists().where(SchoolMember.school_id == school_id,
                                                   SchoolMember.user_id == user.id))):
        db.session.add(SchoolMember(school_id=school_id, user_id=user.id))
        db.session.commit()


def school_admins(school: School) -> list[User]:
    return list(db.session.scalars(select(User).join(SchoolMember, SchoolMember.user_id == User.id)
                                   .where(SchoolMember.school_id == school.id, User.role == Role.SCHOOL_ADMIN)
                                   .order_by(User.display_name)))


def admins_by_school(schools: list[School]) -> dict[int, list[User]]:
    """The school admins of each of these schools, in one query."""
    found: dict[int, list[User]] = {school.id: [] for school in schools}
    rows = db.session.execute(select(SchoolMember.school_id, User).join(User, User.id == SchoolMember.user_id)
                              .where(SchoolMember.school_id.in_(list(found)), User.role == Role.SCHOOL_ADMIN)
                              .order_by(User.display_name))
    for school_id, user in rows:
        found[school_id].append(user)
    return found


def appoint_admin(school: School, sign_in_name: str, acting: User) -> User:
    """Make the account with this email or username an admin of the school. A teacher
    becomes a school admin; district admins, students and partners are refused. The role
    change is audited and ends the account's sessions, as any change of role does. (A
    district admin takes it back on the person's People page.)"""
    user = get_user_by_sign_in_name(sign_in_name.strip())
    if user is None:
        raise ValidationFailed(_("No account has this email or username."), field="person")
    if user.role not in (Role.TEACHER, Role.SCHOOL_ADMIN):
        raise ValidationFailed(_("Only a teacher or a school administrator can run a school."), field="person")
    if user.role is not Role.SCHOOL_ADMIN:
        audit.record(audit.Action.ACCOUNT_EDITED, actor_id=acting.id, object_type="user", object_id=user.id,
                     detail=f"role: {user.role} → {Role.SCHOOL_ADMIN} ({school.name})")
        user.role = Role.SCHOOL_ADMIN
        user.end_sessions()
    db.session.commit()
    add_member(school.id, user)
    return user


# --- terms ---------------------------------------------------------------------------------

def visible_terms(user: User, school_ids: Select) -> Select:
    """Terms of the schools of ``school_ids`` and the district's own terms, newest first."""
    return (select(Term).where(or_(Term.school_id.is_(None), Term.school_id.in_(school_ids)))
            .order_by(Term.starts_on.desc().nulls_last(), Term.title, Term.id))


def term_choices(school_id: int | None) -> list[Term]:
    """The terms a class of this school may belong to: the school's and the district's."""
    stmt = select(Term).where(Term.archived_at.is_(None))
    stmt = stmt.where(or_(Term.school_id.is_(None), Term.school_id == school_id)) if school_id else \
        stmt.where(Term.school_id.is_(None))
    return list(db.session.scalars(stmt.order_by(Term.starts_on.desc().nulls_last(), Term.title)))


def save_term(term: Term | None, *, title: str, kind: TermKind, starts_on: date | None, ends_on: date | None,
              school_id: int | None) -> Term:
    """Create (``term`` None) or change a term. A term ends after it starts."""
    if starts_on and ends_on and ends_on <= starts_on:
        raise ValidationFailed(_("The end date must come after the start date."), field="ends_on")
    if term is None:
        term = Term()
        db.session.add(term)
    term.title, term.kind, term.starts_on, term.ends_on = title.strip(), kind, starts_on, ends_on
    term.school_id = school_id
    db.session.commit()
    return term


# --- the end of a term -----------------------------------------------------------------------

def term_classrooms(term: Term, scope: Select) -> list[Classroom]:
    """The active classes of the term among ``scope`` (a select of class ids the reader
    archives: the classes a teacher teaches, or those an admin administers)."""
    return list(db.session.scalars(select(Classroom).where(
        Classroom.term_id == term.id, Classroom.archived.is_(False), Classroom.id.in_(scope))
        .order_by(Classroom.name, Classroom.id)))


def archive_term(term: Term, classrooms: list[Classroom], acting: User) -> int:
    """Archive these classes of the term in one transaction, each with its audit line (the
    class archive of :mod:`cbl.projects.lifecycle`: nothing is deleted, all stays readable).
    When no class of the term is left active, the term is marked archived too."""
    for classroom in classrooms:
        lifecycle.archive_without_commit(classroom, acting)
    db.session.flush()
    left = db.session.scalar(select(exists().where(Classroom.term_id == term.id, Classroom.archived.is_(False))))
    if not left:
        term.archived_at = utcnow()
    db.session.commit()
    return len(classrooms)


def teacher_term_ids(user: User) -> Select:
    """Terms of the active classes a teacher teaches."""
    return (select(Classroom.term_id).join(ClassroomTeacher, ClassroomTeacher.classroom_id == Classroom.id)
            .where(ClassroomTeacher.user_id == user.id, Classroom.term_id.is_not(None)))
