"""Display names are the school's (issue 10, item 5).

A student's name change on "My account" waits in ``User.requested_name`` until a teacher of
one of their classes (or an admin) approves or declines it; teachers and admins set a
student's name directly. Everyone else reads ``display_name`` only, so public and guest
pages show the approved name and never the pending one."""

from flask_babel import gettext as _
from sqlalchemy import select

from cbl import audit
from cbl.accounts.models import User
from cbl.accounts.services import school_id_taken
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.notifications import NotificationKind, notify, site_path
from cbl.permissions import visible_classrooms
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment


def name_requests_in(classroom: Classroom) -> list[User]:
    """The class's students whose new name waits for approval."""
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.classroom_id == classroom.id, User.requested_name.is_not(None))
        .order_by(User.display_name, User.id)))


def name_requests_among(people) -> list[User]:
    """The students of ``people`` (a ``select`` of users the approver may rename) whose new
    name waits for approval."""
    return list(db.session.scalars(people.where(User.requested_name.is_not(None))
                                   .order_by(User.display_name, User.id)))


def classes_of(students: list[User], viewer: User) -> dict[int, list[str]]:
    """For each student, the names of their classes that ``viewer`` may read (for an admin
    every class), so that a name request on the home page says whose student it is."""
    if not students:
        return {}
    rows = db.session.execute(
        select(Enrolment.user_id, Classroom.name).join(Classroom, Classroom.id == Enrolment.classroom_id)
        .where(Enrolment.user_id.in_([student.id for student in students]),
               Classroom.id.in_(visible_classrooms(viewer).with_only_columns(Classroom.id)))
        .order_by(Classroom.name, Classroom.id))
    classes: dict[int, list[str]] = {}
    for user_id, name in rows:
        classes.setdefault(user_id, []).append(name)
    return classes


def _classroom_of(student: User, acting: User) -> int | None:
    """A class of the student that ``acting`` teaches, so that its teachers read the audit line."""
    return db.session.scalar(
        select(Enrolment.classroom_id).join(ClassroomTeacher, ClassroomTeacher.classroom_id == Enrolment.classroom_id)
        .where(Enrolment.user_id == student.id, ClassroomTeacher.user_id == acting.id).limit(1))


def decide_name(student: User, approve: bool, acting: User) -> None:
    """Approve (the requested name becomes the student's name) or decline the student's
    request, tell the student, and write it in the audit log. The caller has checked that
    ``acting`` may rename the student. Raises ValidationFailed when no request waits."""
    requested = student.requested_name
    if requested is None:
        raise ValidationFailed(_("There is no name change waiting for this student."))
    old = student.display_name
    if approve:
        student.display_name = requested
    student.requested_name = None
    audit.record(audit.Action.NAME_APPROVED if approve else audit.Action.NAME_DECLINED, actor_id=acting.id,
                 classroom_id=_classroom_of(student, acting), object_type="user", object_id=student.id,
                 detail=f"{old} → {requested}")
    notify([student.id], NotificationKind.NAME_APPROVED if approve else NotificationKind.NAME_DECLINED,
           url=site_path("accounts.account"), actor_id=acting.id, person=acting.display_name)
    db.session.commit()


def set_student_name(student: User, name: str, acting: User, school_id: str | None = None) -> None:
    """A teacher or admin sets the student's name (a pending request is settled by it) and, when
    given, their school id. Raises ValidationFailed if another account has that school id. The
    caller has checked that ``acting`` may rename the student."""
    if school_id is not None:
        school_id = school_id.strip() or None
        if school_id is not None and school_id_taken(school_id, exclude_id=student.id):
            raise ValidationFailed(_("Another account already has this school id."), field="school_id")
        student.school_id = school_id
    name = name.strip()
    old = student.display_name
    student.display_name = name
    student.requested_name = None
    if name != old:
        audit.record(audit.Action.NAME_CHANGED, actor_id=acting.id, classroom_id=_classroom_of(student, acting),
                     object_type="user", object_id=student.id, detail=f"{old} → {name}")
    db.session.commit()
