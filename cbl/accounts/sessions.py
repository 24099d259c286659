"""Sessions that end when the account says so.

Flask's cookie session cannot be revoked on the server. The cookie therefore holds the
account's ``session_token`` rather than its id; replacing the token (sign-out, password
change, deactivation) makes every copy of every earlier cookie anonymous at once."""

from flask import Flask, session
from flask_login import LoginManager, current_user, user_logged_in, user_logged_out
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.extensions import db


def load_user(token: str) -> User | None:
    """The active account whose current session token is ``token``."""
    if not token:
        return None
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


# The account a sign-in card signed in, in this browser (cbl/cards). Kept by id, so that a
# later sign-in of someone else in the same browser is not taken for a card's.
CARD_SESSION_KEY = "card_user"


def mark_card_sign_in(user: User) -> None:
    """Remember that this browser's session began with a sign-in card."""
    session[CARD_SESSION_KEY] = user.id


def _forget_card_sign_in(sender, **extra) -> None:
    # Any sign-in or sign-out starts over; a card's sign-in marks itself right after logging in.
    session.pop(CARD_SESSION_KEY, None)


user_logged_in.connect(_forget_card_sign_in)
user_logged_out.connect(_forget_card_sign_in)


def signed_in_with_card() -> bool:
    """Whether the signed-in person came in with a sign-in card: their home then offers a big
    "Sign out" (shared devices), and no password change is forced on them (young students)."""
    return bool(getattr(current_user, "is_authenticated", False)) and session.get(CARD_SESSION_KEY) == current_user.id


def register(app: Flask, login_manager: LoginManager) -> None:
    app.jinja_env.globals["signed_in_with_card"] = signed_in_with_card
    login_manager.user_loader(load_user)
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.needs_refresh_message = None
