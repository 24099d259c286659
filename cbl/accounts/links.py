"""Single-use sign-in links mailed to partners and family guests.

Outsiders sign in rarely; a link mailed to their address spares them a password. Only a
hash of the token is stored, a link works once and only for a short time, and asking for one
never tells whether the address has an account: the request only queues a job, which looks the
address up and mails the link (cbl/jobs)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import get_locale, gettext as _
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.accounts.models import Role, User, get_user_by_email
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.jobs import as_site, job, site_address
from cbl.mail import in_language, send_mail
from cbl.school import school_name_for


class LoginLink(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_use_links(user: User | None) -> bool:
    """Sign-in links are for outsiders' accounts (partners and families) that are active."""
    return user is not None and user.role is Role.PARTNER and user.active


def request_link(email: str, next_path: str | None = None) -> None:
    """Mail a sign-in link to ``email`` if it is an active partner account; ``next_path`` (a
    path on this site, checked by the caller) is where the link leads after signing in. The
    page says the same either way, and as fast: whatever the address, one job is queued, and
    the job looks the account up (:func:`send_link`)."""
    send_link(email, next_path, site_address(), str(get_locale() or ""))


@job()
def send_link(email: str, next_path: str | None, address: str, locale: str) -> bool:
    """The job behind :func:`request_link`, building the link on the site's ``address`` in the
    account's language (else ``locale``, the page's). Returns whether a link was mailed."""
    with as_site(address, locale):
        user = get_user_by_email(email)
        if not may_use_links(user):
            return False
        token = secrets.token_urlsafe(32)
        minutes = current_app.config["LOGIN_LINK_MINUTES"]
        db.session.add(LoginLink(user_id=user.id, token_hash=_hash(token),
                                 expires_at=utcnow() + timedelta(minutes=minutes)))
        db.session.flush()
        link = url_for("accounts.login_link", token=token, next=next_path or None, _external=True)
        school = school_name_for(user)
        with in_language(user.locale):
            body = _("Hello %(name)s,\n\nOpen this link to sign in to CBL Tracker. It works once, for %(minutes)d "
                     "minutes:\n%(link)s\n\nIf you did not ask for it, ignore this message: nobody can sign in "
                     "without it.\n", name=user.first_name, minutes=minutes, link=link)
            if school:  # the school's name, as on the invitation, so the mail is recognised
                body += "\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio.",
                                       school=school) + "\n"
            subject = _("Your sign-in link for CBL Tracker")
        recipient = user.email
        db.session.commit()
        send_mail(recipient, subject, body)
        return True


def find(token: str) -> LoginLink:
    """The usable link for ``token``. Raises NotFound for a token that matches none, and
    ValidationFailed (saying why) for one used or expired."""
    if not token or len(token) > 200:
        raise NotFound()
    link = db.session.scalar(select(LoginLink).where(LoginLink.token_hash == _hash(token)))
    if link is None:
        raise NotFound()
    if link.used_at is not None:
        raise ValidationFailed(_("This sign-in link was used already. Ask for a new one."))
    if link.expires_at <= utcnow():
        raise ValidationFailed(_("This sign-in link has expired. Ask for a new one."))
    if not may_use_links(link.user):
        raise ValidationFailed(_("This account cannot sign in at the moment."))
    return link


def use(token: str) -> User:
    """Spend the link and return its account. Of two requests racing with one link, only
    the first gets the account (the update checks ``used_at`` is still empty)."""
    link = find(token)
    spent = db.session.execute(update(LoginLink).where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
                               .values(used_at=utcnow()))
    if spent.rowcount != 1:
        db.session.rollback()
        raise ValidationFailed(_("This sign-in link was used already. Ask for a new one."))
    db.session.commit()
    return link.user
