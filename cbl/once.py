"""A re-sent create form never makes a second object.

Every create form (a :class:`cbl.formtools.OnceForm`) carries a random one-time token. When
the form validates, the token is claimed for the signed-in user: a row of ``form_submission``
is added to the request's transaction, so it is saved together with what the form creates
(the service's single commit). When the view answers with its redirect, the row learns where
that redirect led. The same form sent again (the back button and "Create" once more, a double
click, a browser re-sending after a timeout) finds its token used and is answered with a
redirect to what the first sending made, and a note that it was already saved. A unique
constraint on (user, token) makes two identical posts arriving at once create one object too:
the second one's insert fails and it is answered the same way.

A token counts for the user who sent it only. Rows older than a day are pruned lazily."""

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import Flask, flash, g, has_request_context, redirect, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db

FIELD_NAME = "once_token"
TOKEN_MAX = 100  # what new_token() makes is 43 characters; anything longer is not ours
KEEP = timedelta(days=1)
WAIT_SECONDS = 3.0  # how long a re-send waits for the first sending to learn its address


class FormSubmission(db.Model):
    """A create form that was saved: whose, which token (hashed), and where it led."""

    __table_args__ = (UniqueConstraint("user_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AlreadySaved(Exception):
    """The form was sent before and saved; ``url`` is where the first sending led."""

    def __init__(self, url: str | None, user_id: int, token_hash: str):
        super().__init__(url)
        self.url, self.user_id, self.token_hash = url, user_id, token_hash


def new_token() -> str:
    """A fresh one-time token for a form being shown."""
    return secrets.token_urlsafe(32)


def once_field() -> Markup:
    """The hidden field of a create form (a Jinja global): a fresh token each time."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD_NAME, new_token())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_id() -> int | None:
    from flask_login import current_user

    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def claim(token: str | None) -> None:
    """Claim ``token`` for the signed-in user within the current transaction.

    Raises :class:`AlreadySaved` when this user's form with this token was saved before. A
    missing or malformed token, or an anonymous visitor, claims nothing (the form works as
    any other)."""
    user_id = _user_id()
    if not token or len(token) > TOKEN_MAX or user_id is None or not has_request_context():
        return
    token_hash = _hash(token)
    previous = _find(user_id, token_hash)
    if previous is not None:
        raise AlreadySaved(previous.url, user_id, token_hash)
    db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP))
    row = FormSubmission(user_id=user_id, token_hash=token_hash)
    db.session.add(row)
    g.once_claim = (row, user_id, token_hash)


def _find(user_id: int, token_hash: str) -> FormSubmission | None:
    return db.session.scalar(select(FormSubmission).where(
        FormSubmission.user_id == user_id, FormSubmission.token_hash == token_hash))


def _settle(response):
    """After the view: a redirect after the request's transaction was committed means the
    form's object was saved (the claim with it), and the row learns the address; otherwise
    nothing was made and the claim is given up."""
    claimed = g.pop("once_claim", None)
    if claimed is None:
        return response
    row = claimed[0]
    state = inspect(row)
    if state.transient:  # rolled back
        return response
    if not g.pop("once_committed", False):
        if state.pending:
            db.session.expunge(row)
        else:  # flushed, not committed: gone with the transaction, or deleted with any later commit
            db.session.delete(row)
        return response
    if 300 <= response.status_code < 400 and response.location:
        try:
            row.url = response.location
            db.session.commit()
        except Exception:  # the object is saved; a re-send then waits, then goes home
            db.session.rollback()
    return response


def _committed(session) -> None:
    """Note that the request's own transaction (holding the claim) was committed."""
    if has_request_context() and "once_claim" in g and session is db.session():
        g.once_committed = True


def _lookup_url(user_id: int, token_hash: str) -> str | None:
    """Where the first sending led, waiting briefly if it is still being saved."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        db.session.rollback()  # a fresh snapshot each time
        url = db.session.scalar(select(FormSubmission.url).where(
            FormSubmission.user_id == user_id, FormSubmission.token_hash == token_hash))
        if url or time.monotonic() > deadline:
            return url
        time.sleep(0.2)


def _answer_already_saved(url: str | None):
    flash(_("This was already saved: here it is. Nothing was saved twice."), "info")
    return redirect(url or url_for("main.home"))


def register(app: Flask) -> None:
    """Settle claims after each view and answer re-sent forms."""
    app.after_request(_settle)
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
    app.jinja_env.globals["once_field"] = once_field

    @app.errorhandler(AlreadySaved)
    def already_saved(err: AlreadySaved):
        return _answer_already_saved(err.url or _lookup_url(err.user_id, err.token_hash))

    @app.errorhandler(IntegrityError)
    def duplicate_claim(err: IntegrityError):
        # Two identical posts at once: the second one's claim collides with the first.
        claimed = g.pop("once_claim", None)
        if claimed is None or "form_submission" not in str(err.orig):
            db.session.rollback()
            from cbl.errors_http import render_error

            app.logger.exception("Unhandled error")
            return render_error(500)
        _row, user_id, token_hash = claimed
        return _answer_already_saved(_lookup_url(user_id, token_hash))
