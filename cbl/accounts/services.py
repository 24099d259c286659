"""Account use cases."""

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from flask_babel import gettext as _

from cbl import audit
from cbl.accounts.models import (USERNAME_PATTERN, Role, User, get_user_by_email, get_user_by_sign_in_name,
                                 normalise_email, normalise_username)
from cbl.accounts.recovery import supersede_pending
from cbl.dbtypes import utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db

# A hash to check against when the email is unknown, so that a wrong email takes as long
# as a wrong password and the answer never tells whether the account exists.
_DUMMY = User(password_hash="")


def authenticate(name: str, password: str) -> User | None:
    """The active account whose email or username is ``name`` and whose password is
    ``password``, or None for any failure."""
    user = get_user_by_sign_in_name(name)
    if user is None:
        if not _DUMMY.password_hash:
            _DUMMY.set_password("not a real password")
        _DUMMY.check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def create_user(email: str, display_name: str, password: str, role: Role, locale: str | None = None,
                school_id: str | None = None) -> User:
    """Create an account. Raises ValidationFailed when the email or the school id is taken."""
    school_id = (school_id or "").strip() or None
    if school_id is not None and school_id_taken(school_id):
        raise ValidationFailed(_("Another account already has this school id."), field="school_id")
    user = User(email=normalise_email(email), display_name=display_name.strip(), role=role, locale=locale,
                school_id=school_id)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_("An account with this email already exists."), field="email") from None
    db.session.commit()
    return user


def school_id_taken(school_id: str, exclude_id: int | None = None) -> bool:
    """Whether another account holds this school id (ids are unique in the installation)."""
    stmt = select(User.id).where(User.school_id == school_id)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def record_sign_in(user: User) -> None:
    """Note the sign-in on the account and in the audit log."""
    user.last_seen_at = utcnow()
    audit.record(audit.Action.SIGN_IN, actor_id=user.id, object_type="user", object_id=user.id)
    db.session.commit()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password and end every other session. Raises ValidationFailed when the
    current password is wrong."""
    if not user.check_password(current_password):
        raise ValidationFailed(_("The current password is not right."), field="current_password")
    user.set_password(new_password)
    user.end_sessions()
    supersede_pending(user.id)  # a recovery link mailed before is no key any more
    db.session.commit()


def update_profile(user: User, display_name: str, locale: str | None) -> bool:
    """Save the language and the name. Names are the school's: a student's new name becomes
    a request a teacher decides (typing the current name again withdraws it), while others
    rename themselves. Returns whether a new name now waits for approval."""
    name = display_name.strip()
    user.locale = locale or None
    waiting = False
    if user.role is Role.STUDENT:
        if name == user.display_name:
            user.requested_name = None
        else:
            waiting = True
            if name != user.requested_name:
                user.requested_name = name
                audit.record(audit.Action.NAME_REQUESTED, actor_id=user.id, object_type="user", object_id=user.id,
                             detail=f"{user.display_name} → {name}")
    elif name != user.display_name:
        audit.record(audit.Action.NAME_CHANGED, actor_id=user.id, object_type="user", object_id=user.id,
                     detail=f"{user.display_name} → {name}")
        user.display_name = name
    db.session.commit()
    return waiting


def set_active(user_id: int, active: bool, acting: User) -> User:
    """Activate or deactivate an account; deactivation ends its sessions at once.
    Raises NotFound for an unknown id and ValidationFailed for one's own account."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == acting.id and not active:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    user.active = active
    if not active:
        user.end_sessions()
    db.session.commit()
    return user


def list_users_query(base=None, search: str = "", role: Role | None = None, classroom_id: int | None = None):
    """The accounts of ``base`` (every account when None; an administrator's scope from
    :func:`cbl.permissions.manageable_people`) whose name, email, username or school id
    contains ``search``, of ``role``, teaching or enrolled in ``classroom_id``."""
    from cbl.teams.models import ClassroomTeacher, Enrolment

    stmt = base if base is not None else select(User)
    words = search.strip().lower()
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (User.display_name, User.email, User.username, User.school_id))))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if classroom_id is not None:
        stmt = stmt.where(or_(
            User.id.in_(select(Enrolment.user_id).where(Enrolment.classroom_id == classroom_id)),
            User.id.in_(select(ClassroomTeacher.user_id).where(ClassroomTeacher.classroom_id == classroom_id))))
    return stmt.order_by(User.role, User.display_name, User.id)


def edit_person(user: User, acting: User, display_name: str, role: Role, username: str, school_id: str) -> list[str]:
    """An administrator sets a person's name, role, username and school id. Returns what
    changed (for the message); raises ValidationFailed (naming the field) for a taken or
    invalid username, a taken school id, or a role the administrator may not give."""
    name = " ".join(display_name.split())
    username = normalise_username(username) if username and username.strip() else None
    school_id = (school_id or "").strip() or None
    if user.id == acting.id and role is not user.role:
        raise ValidationFailed(_("You cannot change your own role."), field="role")
    if acting.role is not Role.ADMIN and (role in (Role.ADMIN, Role.SCHOOL_ADMIN) or user.role is Role.SCHOOL_ADMIN) \
            and role is not user.role:
        raise ValidationFailed(_("Only a district administrator gives or takes administrator roles."), field="role")
    if username is not None:
        if not USERNAME_PATTERN.match(username):
            raise ValidationFailed(_("Use 3 to 64 letters a–z, digits, dots, dashes or underscores, starting with a "
                                     "letter or digit."), field="username")
        if db.session.scalar(select(User.id).where(User.username == username, User.id != user.id).limit(1)):
            raise ValidationFailed(_("The username “%(name)s” is taken.", name=username), field="username")
    elif user.email is None:
        raise ValidationFailed(_("This account has no email: it needs a username to sign in."), field="username")
    if school_id is not None and school_id_taken(school_id, exclude_id=user.id):
        raise ValidationFailed(_("Another account already has this school id."), field="school_id")
    changes = []
    for label, attribute, value in (("name", "display_name", name), ("role", "role", role),
                                    ("username", "username", username), ("school id", "school_id", school_id)):
        before = getattr(user, attribute)
        if before != value:
            changes.append(f"{label}: {before or '—'} → {value or '—'}")
            setattr(user, attribute, value)
    if changes:
        if changes[0].startswith("name"):
            user.requested_name = None  # a waiting request is settled by the new name
        audit.record(audit.Action.ACCOUNT_EDITED, actor_id=acting.id, object_type="user", object_id=user.id,
                     detail="; ".join(changes))
        if any(change.startswith("role") for change in changes):
            user.end_sessions()  # what the account may do changed: sign in again
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_("Someone took this username or school id at the same moment."),
                               field="username") from None
    return changes
