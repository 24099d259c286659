"""Sessions that end when the account, or its owner, says so.

Flask's cookie session cannot be revoked on the server. The cookie therefore holds the
secret of one :class:`UserSession` (a row per signed-in browser, keeping only the secret's
hash) rather than the account's id: deleting the row signs that browser out, and
``User.end_sessions()`` (password change, reset, deactivation) deletes them all.

Cookies issued before sessions were kept one by one hold the account's ``session_token``;
such a cookie still works and is upgraded to a session of its own on its next request."""

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, user_logged_in, user_logged_out
from sqlalchemy import delete, insert, select, update

from cbl.accounts.models import User, UserSession
from cbl.database import READ_ONLY_METHODS
from cbl.dbtypes import utcnow
from cbl.extensions import db

# A session cookie's value: this prefix, then the secret ("." never occurs in the
# account-wide tokens of older cookies).
PREFIX = "s."
# "Last active" is written at most this often per session: the page is about hours and days,
# and a write on every request would cost every page view a transaction.
LAST_SEEN_EVERY = timedelta(minutes=5)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# --- the device, in a few words ------------------------------------------------------------
_BROWSERS = (("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("SamsungBrowser/", "Samsung Internet"),
             ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Macintosh", "Mac"), ("Mac OS X", "Mac"), ("Linux", "Linux"))


def device_label(user_agent: str | None) -> str:
    """"Firefox on Android" from a user agent; "" when nothing is recognised. Only these
    words are kept, never the user agent itself."""
    agent = (user_agent or "")[:512]
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system


def describe_device(label: str) -> str:
    """The stored label in the reader's language."""
    if not label:
        return _("Unknown device")
    if " · " in label:
        browser, system = label.split(" · ", 1)
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return label


# --- starting, loading and ending sessions ---------------------------------------------------
def _idle_since():
    """Sessions last active before this have ended (``SESSION_IDLE_DAYS``)."""
    return utcnow() - timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def start(user: User, remember: bool = False) -> UserSession:
    """Sign ``user`` in on this browser with a session of its own (commits); the account's
    sessions idle for too long are deleted on the way."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.last_seen_at < _idle_since()))
    secret = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=token_hash(secret),
                      device=device_label(request.headers.get("User-Agent")))
    db.session.add(row)
    db.session.commit()
    user._session_cookie = PREFIX + secret
    # Nothing of the session before sign-in carries over (its CSRF token above all): whoever
    # planted or read that cookie learns nothing of the signed-in one.
    session.clear()
    login_user(user, remember=remember)
    session["_cbl_session"] = row.id
    return row


def _write_now(statement) -> None:
    """Save one write at once. Loading the user happens in every request: a GET's own
    transaction only reads (cbl/database.py), so the write gets a connection of its own;
    a POST's transaction already holds SQLite's write lock, so the write joins it and is
    committed before the view runs."""
    if request.method in READ_ONLY_METHODS:
        with db.engine.connect().execution_options(cbl_write=True) as connection:
            with connection.begin():
                connection.execute(statement)
        # On SQLite the request's read transaction now holds an outdated snapshot, which a
        # view that writes during a GET could not upgrade: start the request afresh.
        db.session.commit()
    else:
        db.session.execute(statement)
        db.session.commit()


def load_user(token: str) -> User | None:
    """The active account whose session the cookie names."""
    if not token or len(token) > 200:
        return None
    if token.startswith(PREFIX):
        found = db.session.execute(
            select(User, UserSession.id, UserSession.last_seen_at).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == token_hash(token[len(PREFIX):]), User.active.is_(True),
                   UserSession.last_seen_at >= _idle_since())).first()
        if found is None:
            return None
        user, session_id, last_seen = found
        user._session_cookie = token
        if session.get("_cbl_session") != session_id:
            session["_cbl_session"] = session_id
        now = utcnow()
        if last_seen is None or now - last_seen >= LAST_SEEN_EVERY:
            _write_now(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
        return user
    user = db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))
    if user is None:
        return None
    # An older cookie: give this browser a session of its own from now on.
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    _write_now(insert(UserSession).values(user_id=user.id, token_hash=token_hash(secret), created_at=now,
                                          last_seen_at=now, device=device_label(request.headers.get("User-Agent"))))
    user._session_cookie = PREFIX + secret
    session["_user_id"] = user._session_cookie
    session.pop("_cbl_session", None)
    return user


def current_session_id() -> int | None:
    """The id of this browser's session, if it has one."""
    value = session.get("_cbl_session")
    return value if isinstance(value, int) else None


def end_this(user: User) -> None:
    """End this browser's session only (signing out); commits."""
    cookie = user._session_cookie or ""
    if cookie.startswith(PREFIX):
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.token_hash == token_hash(cookie[len(PREFIX):])))
    else:  # a cookie of the account-wide kind can only end with all of them
        user.end_sessions()
    db.session.commit()


def list_sessions(user: User) -> list[UserSession]:
    """The account's sessions, the most recently active first."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                             UserSession.last_seen_at >= _idle_since())
                                   .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def is_current(user: User, row: UserSession) -> bool:
    cookie = user._session_cookie or ""
    return cookie.startswith(PREFIX) and row.token_hash == token_hash(cookie[len(PREFIX):])


def end_one(user: User, session_id: int) -> bool:
    """End one of the account's own sessions; False when it has no such session (commits)."""
    ended = db.session.execute(delete(UserSession).where(UserSession.id == session_id,
                                                         UserSession.user_id == user.id)).rowcount
    db.session.commit()
    return ended == 1


def end_others(user: User) -> int:
    """End every session of the account but this browser's (older cookies included);
    returns how many were listed. Commits."""
    cookie = user._session_cookie or ""
    keep = token_hash(cookie[len(PREFIX):]) if cookie.startswith(PREFIX) else None
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.token_hash != keep)
    ended = db.session.execute(stmt).rowcount
    from cbl.accounts.models import new_session_token

    user.session_token = new_session_token()  # cookies of the older, account-wide kind
    db.session.commit()
    return ended


# The account a sign-in card signed in, in this browser (cbl/cards). Kept by id, so that a
# later sign-in of someone else in the same browser is not taken for a card's.
CARD_SESSION_KEY = "card_user"


def mark_card_sign_in(user: User) -> None:
    """Remember that this browser's session began with a sign-in card."""
    session[CARD_SESSION_KEY] = user.id
    mark_passwordless_sign_in(user)


# The account that signed in without a password in this browser (a sign-in card, or school
# sign-in): a one-time password a teacher set is not forced on such a session.
PASSWORDLESS_SESSION_KEY = "passwordless_user"


def mark_passwordless_sign_in(user: User) -> None:
    """Remember that this browser's session began without the account's password."""
    session[PASSWORDLESS_SESSION_KEY] = user.id


def _forget_card_sign_in(sender, **extra) -> None:
    # Any sign-in or sign-out starts over; a card's or school sign-in marks itself right after.
    session.pop(CARD_SESSION_KEY, None)
    session.pop(PASSWORDLESS_SESSION_KEY, None)


user_logged_in.connect(_forget_card_sign_in)
user_logged_out.connect(_forget_card_sign_in)


def signed_in_with_card() -> bool:
    """Whether the signed-in person came in with a sign-in card: their home then offers a big
    "Sign out" (shared devices), and no password change is forced on them (young students)."""
    return bool(getattr(current_user, "is_authenticated", False)) and session.get(CARD_SESSION_KEY) == current_user.id


def password_change_due() -> bool:
    """Whether this browser must choose a new password before anything else: the account
    holds a one-time password and this session began with it (not with a sign-in card or the
    school's sign-in, which never use it)."""
    return (bool(getattr(current_user, "is_authenticated", False)) and current_user.must_change_password
            and session.get(PASSWORDLESS_SESSION_KEY) != current_user.id)


def register(app: Flask, login_manager: LoginManager) -> None:
    app.jinja_env.globals["signed_in_with_card"] = signed_in_with_card
    app.jinja_env.globals["password_change_due"] = password_change_due
    login_manager.user_loader(load_user)
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.needs_refresh_message = None
