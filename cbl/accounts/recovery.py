"""Getting back into an account: a mailed recovery link, and a one-time password a teacher
or administrator sets for someone who has no mailbox.

A recovery link works once, for an hour, and only while it is the account's newest; only
the sha256 of its token is stored. Asking for one answers the same, after the same work (one
job queued), whether or not the address has an account. Every way of setting a password here ends every
other session of the account."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import get_locale, gettext as _
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl import audit
from cbl.accounts.models import User, get_user_by_email
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.jobs import as_site, external_url, job, site_address
from cbl.mail import in_language, send_mail
from cbl.school import school_name, school_name_for

RESET_MINUTES = 60


class PasswordReset(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer link, or a password set another way, makes this one useless.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _may_recover(user: User | None) -> bool:
    return user is not None and user.active and bool(user.email)


def supersede_pending(user_id: int) -> None:
    """Make the account's unused recovery links useless (joins the caller's transaction)."""
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None),
                                                   PasswordReset.superseded_at.is_(None))
                       .values(superseded_at=utcnow()))


def _message(user: User | None, link: str) -> tuple[str, str]:
    name = user.first_name if user is not None else ""
    body = _("Hello %(name)s,\n\nSomeone (we hope you) asked to choose a new password for your CBL Tracker "
             "account. Open this link to choose it. It works once, for one hour:\n%(link)s\n\nChoosing a new "
             "password signs you out on every other device.\n\nIf you did not ask, ignore this message: your "
             "password stays as it is.\n", name=name, link=link)
    school = school_name_for(user) if user is not None else school_name()
    if school:
        body += "\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio.",
                               school=school) + "\n"
    return _("Choose a new password for CBL Tracker"), body


def request_reset(email: str) -> None:
    """Mail a recovery link to ``email`` if it is an active account's. The request only
    queues one job, whatever the address (:func:`send_reset` looks it up): with mail on a
    queue, mailing in the request would take longer for an address that has an account, and
    so tell it."""
    send_reset(email, site_address(), str(get_locale() or ""))


@job()
def send_reset(email: str, address: str, locale: str) -> None:
    """The job behind :func:`request_reset`: links on the site's ``address``, the message in
    the account's language. An audit row either way (an unknown address names no account)."""
    with as_site(address, locale):
        user = get_user_by_email(email)
        usable = _may_recover(user)
        if usable:
            token = secrets.token_urlsafe(32)
            supersede_pending(user.id)
            db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token),
                                         expires_at=utcnow() + timedelta(minutes=RESET_MINUTES)))
            with in_language(user.locale):
                subject, body = _message(user, external_url("accounts.reset_password", token=token))
        audit.record(audit.Action.PASSWORD_RESET_ASKED, actor_id=None, object_type="user",
                     object_id=user.id if usable else None)
        db.session.commit()
        if usable:
            send_mail(user.email, subject, body)


def find(token: str) -> PasswordReset:
    """The usable link for ``token``. Raises NotFound for a token that matches none, and
    ValidationFailed (saying why) for one used, superseded or expired."""
    if not token or len(token) > 200:
        raise NotFound()
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if reset is None:
        raise NotFound()
    if reset.used_at is not None:
        raise ValidationFailed(_("This link was used already: the password was chosen with it. Ask for a new "
                                 "link if you need one."))
    if reset.superseded_at is not None:
        raise ValidationFailed(_("A newer link was sent, or the password was set another way: only the newest "
                                 "link works. Use it, or ask for a new one."))
    if reset.expires_at <= utcnow():
        raise ValidationFailed(_("This link has expired: links work for one hour. Ask for a new one."))
    if not _may_recover(reset.user):
        raise ValidationFailed(_("This account cannot sign in at the moment. Ask your school."))
    return reset


def use(token: str, new_password: str) -> User:
    """Spend the link, set the password and end every session of the account. Of two
    requests racing with one link, only the first sets a password."""
    reset = find(token)
    spent = db.session.execute(update(PasswordReset).where(
        PasswordReset.id == reset.id, PasswordReset.used_at.is_(None), PasswordReset.superseded_at.is_(None))
        .values(used_at=utcnow()))
    if spent.rowcount != 1:
        db.session.rollback()
        raise ValidationFailed(_("This link was used already: the password was chosen with it. Ask for a new "
                                 "link if you need one."))
    user = reset.user
    supersede_pending(user.id)
    user.set_password(new_password)
    user.must_change_password = False
    user.end_sessions()
    audit.record(audit.Action.PASSWORD_RESET_USED, actor_id=user.id, object_type="user", object_id=user.id)
    db.session.commit()
    return user


# --- one-time passwords set by a teacher or an administrator ---------------------------------
# Short words spelled alike and easy to say in English and Spanish, with no letters that
# look alike on a phone keyboard's suggestions (no capitals, no accents).
WORDS = (
    "alpaca", "banana", "cactus", "cobra", "coco", "delta", "domino", "eco", "foto", "gala", "gorila", "hotel",
    "idea", "iguana", "jaguar", "judo", "kayak", "kilo", "koala", "lava", "lima", "llama", "loto", "mango",
    "mapa", "melon", "menu", "metro", "moto", "nube", "opera", "oso", "panda", "papaya", "piano", "piloto",
    "pizza", "planeta", "polo", "puma", "radar", "radio", "robot", "rodeo", "safari", "salsa", "sofa", "solo",
    "sopa", "taco", "tango", "taxi", "tenis", "tigre", "tomate", "tuba", "tuna", "uva", "vela", "video",
    "volcan", "yoga", "zebra", "zorro",
)


def one_time_password() -> str:
    """Like "koala-piano-47": read aloud and typed on a phone without mistakes."""
    return f"{secrets.choice(WORDS)}-{secrets.choice(WORDS)}-{secrets.randbelow(90) + 10}"


def reset_by_staff(actor: User, target: User, classroom_id: int | None = None) -> str:
    """Give ``target`` a one-time password that must be changed at the next sign-in, end
    their sessions and pending recovery links; returns the password (shown once, kept only
    hashed). The caller checked ``can_reset_password``."""
    password = one_time_password()
    target.set_password(password)
    target.must_change_password = True
    target.end_sessions()
    supersede_pending(target.id)
    audit.record(audit.Action.PASSWORD_RESET_BY_STAFF, actor_id=actor.id, classroom_id=classroom_id,
                 object_type="user", object_id=target.id)
    db.session.commit()
    return password


def choose_new_password(user: User, new_password: str) -> None:
    """The forced change after a one-time password: set it, clear the flag, end every
    session (the caller starts a fresh one for this browser)."""
    user.set_password(new_password)
    user.must_change_password = False
    user.end_sessions()
    supersede_pending(user.id)
    audit.record(audit.Action.PASSWORD_CHANGED, actor_id=user.id, object_type="user", object_id=user.id)
    db.session.commit()
