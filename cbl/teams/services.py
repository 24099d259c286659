"""Class and team use cases."""

from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from cbl.accounts.models import Role, User
from cbl.competencies.services import choose_frameworks
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment, Team, TeamMember, new_join_code
from cbl.teams.signals import team_created
from cbl.versioning import as_text, claim_version


# The on/off settings of a class.
SETTINGS = ("joining_open", "students_form_teams", "teams_advance_freely", "moderate_outsider_comments",
            "teams_invite_partners", "partners_see_full_names")


def create_classroom(teacher: User, name: str, term: str = "", framework_ids: list[int] | None = None,
                     school_id: int | None = None, term_id: int | None = None, **switches: bool) -> Classroom:
    """A new class taught by ``teacher``, with a fresh join code. ``switches`` are class
    settings (``joining_open``, ``students_form_teams``, …: see :data:`SETTINGS`);
    ``framework_ids`` the competency frameworks it uses (None: the default one). Raises
    ValidationFailed for an empty or unknown choice of frameworks."""
    unknown = set(switches) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown class settings {sorted(unknown)}")
    classroom = Classroom(name=name.strip(), term=(term or "").strip(), school_id=school_id, term_id=term_id,
                          **{key: bool(value) for key, value in switches.items()})
    classroom.teacher_links.append(ClassroomTeacher(user=teacher))
    db.session.add(classroom)
    if framework_ids is not None:
        db.session.flush()
        _choose_frameworks(classroom, framework_ids)
    db.session.commit()
    return classroom


def same_text(column, value: str):
    """A case-insensitive comparison of a name column with ``value`` (spaces trimmed)."""
    return func.lower(column) == (value or "").strip().lower()


def classroom_name_taken(teacher: User, name: str, term: str, exclude_id: int | None = None) -> bool:
    """Whether ``teacher`` already teaches a class of this name in this term (archived ones
    too): the forms then ask to confirm, since two such classes are easily confused."""
    stmt = (select(Classroom.id).join(ClassroomTeacher, ClassroomTeacher.classroom_id == Classroom.id)
            .where(ClassroomTeacher.user_id == teacher.id, same_text(Classroom.name, name),
                   same_text(Classroom.term, term or "")))
    if exclude_id is not None:
        stmt = stmt.where(Classroom.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _choose_frameworks(classroom: Classroom, framework_ids: list[int]) -> None:
    try:
        choose_frameworks(classroom.id, framework_ids)
    except ValidationFailed:
        db.session.rollback()
        raise


def list_teachers(among=None) -> list[User]:
    """Active teacher accounts, for an administrator choosing who teaches a class (``among``:
    a select of user ids, e.g. the people of a school admin's schools)."""
    stmt = select(User).where(User.role == Role.TEACHER, User.active.is_(True))
    if among is not None:
        stmt = stmt.where(User.id.in_(among))
    return list(db.session.scalars(stmt.order_by(User.display_name)))


def update_classroom(classroom: Classroom, base_version: int | None = None, acting: User | None = None,
                     framework_ids: list[int] | None = None, **settings) -> Classroom:
    """Rename the class or change its settings (``framework_ids``: the competency frameworks
    it uses, None to leave them). Raises EditConflict if another teacher saved them since
    ``base_version``, ValidationFailed for an empty or unknown choice of frameworks; nothing
    is saved then."""
    claim_version(classroom, base_version, acting.id if acting else None,
                  lambda c: as_text((_("Class name"), c.name), (_("Term"), c.term)),
                  as_text((_("Class name"), settings.get("name", "")), (_("Term"), settings.get("term", ""))))
    if framework_ids is not None:
        _choose_frameworks(classroom, framework_ids)
    for key in ("school_id", "term_id"):
        if key in settings:
            setattr(classroom, key, settings.pop(key))
    for key in ("name", "term", *SETTINGS):
        if key in settings:
            value = settings[key]
            setattr(classroom, key, value.strip() if isinstance(value, str) else bool(value))
    db.session.commit()
    return classroom


def regenerate_join_code(classroom: Classroom) -> str:
    """Replace the join code (the old one stops working at once)."""
    classroom.join_code = new_join_code()
    db.session.commit()
    return classroom.join_code


def _classroom_for_code(code: str) -> Classroom:
    cleaned = "".join(code.split()).upper().replace("-", "")
    classroom = db.session.scalar(select(Classroom).where(Classroom.join_code == cleaned))
    if classroom is None or not classroom.joining_open or classroom.archived:
        raise ValidationFailed(_("No open class has this code. Check it with your teacher."), field="join_code")
    return classroom


def join_classroom(student: User, code: str) -> Classroom:
    """Enrol a student in the class with this join code (joining twice is harmless).
    Raises ValidationFailed for an unknown or closed code, or a non-student."""
    if student.role is not Role.STUDENT:
        raise ValidationFailed(_("Only student accounts join classes with a code."))
    classroom = _classroom_for_code(code)
    exists = db.session.scalar(select(Enrolment).where(
        Enrolment.classroom_id == classroom.id, Enrolment.user_id == student.id))
    if exists is None:
        db.session.add(Enrolment(classroom=classroom, user=student))
        db.session.commit()
    return classroom


def classroom_for_code(code: str) -> Classroom:
    """The open class of a join code (raises ValidationFailed, field ``join_code``)."""
    return _classroom_for_code(code)


def _enrolled_ids(classroom: Classroom) -> set[int]:
    return set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.classroom_id == classroom.id)))


def _place_members(team: Team, member_ids: list[int]) -> None:
    """Make ``member_ids`` the team's members, moving them out of other teams of the class."""
    enrolled = _enrolled_ids(team.classroom)
    strangers = set(member_ids) - enrolled
    if strangers:
        raise ValidationFailed(_("Only students of this class can be team members."))
    other_teams = select(Team.id).where(Team.classroom_id == team.classroom_id, Team.id != team.id)
    if member_ids:
        db.session.execute(delete(TeamMember).where(
            TeamMember.user_id.in_(member_ids), TeamMember.team_id.in_(other_teams)))
    current = {m.user_id: m for m in team.memberships}
    for user_id, membership in current.items():
        if user_id not in member_ids:
            team.memberships.remove(membership)
    for user_id in member_ids:
        if user_id not in current:
            team.memberships.append(TeamMember(user_id=user_id))


def team_name_taken(classroom_id: int, name: str, exclude_id: int | None = None) -> bool:
    """Whether the class already has a team of this name (archived ones too): the forms then
    ask to confirm, since two such teams are easily confused on the board."""
    stmt = select(Team.id).where(Team.classroom_id == classroom_id, same_text(Team.name, name))
    if exclude_id is not None:
        stmt = stmt.where(Team.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def create_team(classroom: Classroom, name: str, member_ids: list[int] | None = None) -> Team:
    """A new team in the class, with its members and a project for every challenge of the
    class. Raises ValidationFailed for a member from outside the class."""
    team = Team(classroom=classroom, name=name.strip())
    db.session.add(team)
    db.session.flush()
    _place_members(team, list(member_ids or []))
    db.session.flush()
    team_created.send(team)
    db.session.commit()
    return team


def update_team(team: Team, name: str, member_ids: list[int], base_version: int | None = None,
                acting: User | None = None) -> Team:
    """Rename the team and set its members (see :func:`create_team` for the errors).
    Raises EditConflict if someone saved the team since ``base_version``."""
    claim_version(team, base_version, acting.id if acting else None, _team_as_text, _team_as_text(
        SimpleNamespace(name=name, memberships=[SimpleNamespace(user=db.session.get(User, i)) for i in member_ids])))
    team.name = name.strip()
    _place_members(team, member_ids)
    db.session.commit()
    return team


def _team_as_text(team) -> str:
    names = ", ".join(sorted(m.user.display_name for m in team.memberships if m.user is not None))
    return as_text((_("Team name"), team.name), (_("Members"), names))


def create_own_team(student: User, classroom: Classroom, name: str) -> Team:
    """A student starts a team in a class that lets students form teams, and joins it."""
    return create_team(classroom, name, [student.id])


def join_team(student: User, team: Team) -> None:
    """Move the student into ``team`` (out of any other team of the class)."""
    if student.id not in _enrolled_ids(team.classroom):
        raise ValidationFailed(_("Only students of this class can join its teams."))
    ids = [m.user_id for m in team.memberships]
    if student.id not in ids:
        _place_members(team, ids + [student.id])
    db.session.commit()


def leave_team(student: User, team: Team) -> None:
    db.session.execute(delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == student.id))
    db.session.commit()


def list_roster(classroom: Classroom) -> list[tuple[User, Team | None]]:
    """The class's students, each with their team in this class or None (one query)."""
    placed = (select(TeamMember.user_id, TeamMember.team_id).join(Team)
              .where(Team.classroom_id == classroom.id).subquery())
    rows = db.session.execute(
        select(User, Team)
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(placed, placed.c.user_id == User.id)
        .outerjoin(Team, Team.id == placed.c.team_id)
        .where(Enrolment.classroom_id == classroom.id)
        .order_by(User.display_name, User.id)
    ).all()
    return [(user, team) for user, team in rows]
