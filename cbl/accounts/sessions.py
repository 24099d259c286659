"""Sessions that end when the account says so.

Flask's cookie session cannot be revoked on the server. The cookie therefore holds the
account's ``session_token`` rather than its id; replacing the token (sign-out, password
change, deactivation) makes every copy of every earlier cookie anonymous at once."""

from flask import Flask
from flask_login import LoginManager
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.extensions import db


def load_user(token: str) -> User | None:
    """The active account whose current session token is ``token``."""
    if not token:
        return None
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def register(app: Flask, login_manager: LoginManager) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.needs_refresh_message = None
