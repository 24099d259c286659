"""The user account."""

import enum
import re
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, delete, false
from sqlalchemy.orm import Mapped, mapped_column, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db


class Role(enum.StrEnum):
    # The district admin: runs the installation and every school in it.
    ADMIN = "admin"
    # Runs the schools they are a member of (cbl.schools.models.SchoolMember).
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    STUDENT = "student"
    PARTNER = "partner"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: emails are unique case-insensitively. Students a school rostered
    # without a mailbox have none and sign in with their username.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Chosen by the school (lower-cased, unique): how students without email sign in.
    username: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The school information system's id of the person (OneRoster ``sourcedId``).
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # The school's own number for a student (its SIS id): gradebooks carry it, rosters match on it.
    school_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # A student's new name waits here until a teacher of theirs (or an admin) approves it;
    # only the student and the approvers ever see it.
    requested_name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Set by a teacher's or admin's reset to a one-time password: the next sign-in must
    # choose a new one before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # The account-wide session token of cookies issued before sessions were kept one by one
    # (cbl/accounts/sessions.py upgrades such a cookie to a session of its own on its next
    # request). Replaced, with every UserSession deleted, when all sessions end.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    # Set by cbl/accounts/sessions.py: the cookie value of the session this object was
    # loaded for (or just started), never stored on the account.
    _session_cookie = None

    # Flask-Login: the cookie holds a session's secret, not the primary key.
    def get_id(self) -> str:
        return self._session_cookie or self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Invalidate every session cookie issued for this account, and any change of email
        address waiting for its confirmation (joins the caller's transaction: they end when it
        commits). Whoever was signed in a moment ago, and asked to move the account to their
        own mailbox, is then left with nothing once its owner sets a new password."""
        self.session_token = new_session_token()
        session = object_session(self)
        if session is not None and self.id is not None:
            session.execute(delete(UserSession).where(UserSession.user_id == self.id))
            from cbl.accounts.email_change import supersede_changes

            supersede_changes(self.id)

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name.strip() else ""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_school_admin(self) -> bool:
        return self.role is Role.SCHOOL_ADMIN

    @property
    def is_any_admin(self) -> bool:
        """A district admin or a school admin (whose reach cbl.permissions scopes)."""
        return self.role in (Role.ADMIN, Role.SCHOOL_ADMIN)

    @property
    def is_teacher(self) -> bool:
        return self.role is Role.TEACHER

    @property
    def is_student(self) -> bool:
        return self.role is Role.STUDENT

    @property
    def is_partner(self) -> bool:
        return self.role is Role.PARTNER


class UserSession(db.Model):
    """One signed-in browser of an account. The cookie holds a secret whose hash only is
    kept here; deleting the row signs that browser out. No address is kept: the device is
    a few words taken from the browser's user agent ("Firefox on Android")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


# What a username may be: lower-case letters, digits, dots, dashes and underscores (never an
# @, which marks an email at sign-in), 3 to 64 characters.
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def get_user_by_sign_in_name(name: str) -> User | None:
    """The account whose email or username is ``name`` (a name with an @ is an email)."""
    if "@" in name:
        return get_user_by_email(name)
    return db.session.scalar(db.select(User).where(User.username == normalise_username(name)))

