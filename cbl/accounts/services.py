"""Account use cases."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flask_babel import gettext as _

from cbl import audit
from cbl.accounts.models import Role, User, get_user_by_email, get_user_by_sign_in_name, normalise_email
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


def list_users_query():
    """Every account, for the administrators' list."""
    return select(User).order_by(User.role, User.display_name, User.id)
