"""Changing one's email address: it changes only when the new address confirms.

A link mailed to the new address works once, for a day; only its sha256 is stored; a newer
request supersedes it. The old address (if the account has one) is told at once, so that a
stolen session cannot quietly move the account to another mailbox."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl import audit
from cbl.accounts.models import User, get_user_by_email, normalise_email
from cbl.accounts.recovery import supersede_pending
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.jobs import external_url
from cbl.mail import in_language, send_mail
from cbl.school import school_name

CONFIRM_HOURS = 24


class EmailChange(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _taken(email: str, user: User) -> bool:
    other = get_user_by_email(email)
    return other is not None and other.id != user.id


def supersede_changes(user_id: int) -> None:
    """Make the account's unconfirmed changes of address useless (joins the caller's transaction)."""
    db.session.execute(update(EmailChange).where(EmailChange.user_id == user_id, EmailChange.used_at.is_(None),
                                                 EmailChange.superseded_at.is_(None)).values(superseded_at=utcnow()))


def request_change(user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to ``new_email`` and tell the old address. Raises
    ValidationFailed for a wrong password or the current address. An address another account
    uses gets a mail saying so instead of a link, and the page answers as for any address, so
    the form never tells who has an account."""
    if not user.check_password(password):
        raise ValidationFailed(_("The current password is not right."), field="password")
    email = normalise_email(new_email)
    if email == user.email:
        raise ValidationFailed(_("This is already your email address."), field="email")
    if _taken(email, user):
        _tell_taken(user, email)
        return
    supersede_changes(user.id)
    token = secrets.token_urlsafe(32)
    db.session.add(EmailChange(user_id=user.id, new_email=email, token_hash=_hash(token),
                               expires_at=utcnow() + timedelta(hours=CONFIRM_HOURS)))
    link = external_url("accounts.confirm_email", token=token)
    with in_language(user.locale):
        # Like every other account mail, both name the school: a child's (or parent's) inbox
        # otherwise gets a message from an unknown "CBL Tracker".
        school = school_name()
        footer = ("\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio.",
                                  school=school) + "\n") if school else ""
        send_mail(email, _("Confirm your new email address for CBL Tracker"), _(
            "Hello %(name)s,\n\nOpen this link to use this address for your CBL Tracker account. It works once, "
            "for 24 hours:\n%(link)s\n\nUntil you open it, your account keeps its old address.\n\nIf you did not "
            "ask for this, ignore this message.\n", name=user.first_name, link=link) + footer)
        if user.email:
            send_mail(user.email, _("Your CBL Tracker email address is about to change"), _(
                "Hello %(name)s,\n\nSomeone signed in to your CBL Tracker account asked to change its email "
                "address to %(email)s. It changes only when that address confirms.\n\nIf this was not you, sign "
                "in, change your password and end your other sessions under “My account”, or ask your school "
                "for help.\n", name=user.first_name, email=email) + footer)
    audit.record(audit.Action.EMAIL_CHANGE_ASKED, actor_id=user.id, object_type="user", object_id=user.id)
    db.session.commit()


def _tell_taken(user: User, email: str) -> None:
    """The answer for an address another account uses: that address is told, nothing changes."""
    with in_language(user.locale):
        school = school_name()
        footer = ("\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio.",
                                  school=school) + "\n") if school else ""
        send_mail(email, _("Confirm your new email address for CBL Tracker"), _(
            "Hello,\n\nSomeone asked to use this address for a CBL Tracker account, but it already belongs to "
            "one: an address serves one account only, so nothing changes.\n\nIf that was you, sign in with "
            "this address instead (or choose “Forgot your password?” on the sign-in page). If not, ignore "
            "this message.\n") + footer)
    audit.record(audit.Action.EMAIL_CHANGE_ASKED, actor_id=user.id, object_type="user", object_id=user.id)
    db.session.commit()


def find(token: str) -> EmailChange:
    """The usable change for ``token``: NotFound for none, ValidationFailed saying why."""
    if not token or len(token) > 200:
        raise NotFound()
    change = db.session.scalar(select(EmailChange).where(EmailChange.token_hash == _hash(token)))
    if change is None:
        raise NotFound()
    if change.used_at is not None:
        raise ValidationFailed(_("This link was used already: the address is confirmed."))
    if change.superseded_at is not None:
        raise ValidationFailed(_("A newer change of address was asked for: only the newest link works."))
    if change.expires_at <= utcnow():
        raise ValidationFailed(_("This link has expired: links work for 24 hours. Ask for the change again "
                                 "under “My account”."))
    if not change.user.active:
        raise ValidationFailed(_("This account cannot sign in at the moment. Ask your school."))
    return change


def confirm(token: str) -> User:
    """Spend the link and give the account its new address."""
    change = find(token)
    user = change.user
    if _taken(change.new_email, user):
        raise ValidationFailed(_("Another account uses this address now, so it cannot be yours as well."))
    spent = db.session.execute(update(EmailChange).where(
        EmailChange.id == change.id, EmailChange.used_at.is_(None), EmailChange.superseded_at.is_(None))
        .values(used_at=utcnow()))
    if spent.rowcount != 1:
        db.session.rollback()
        raise ValidationFailed(_("This link was used already: the address is confirmed."))
    user.email = change.new_email
    supersede_pending(user.id)  # recovery links went to the old address: they open nothing now
    audit.record(audit.Action.EMAIL_CHANGED, actor_id=user.id, object_type="user", object_id=user.id)
    try:
        db.session.commit()
    except IntegrityError:  # taken between the check and the save
        db.session.rollback()
        raise ValidationFailed(_("Another account uses this address now, so it cannot be yours as well.")) from None
    return user
