"""Signing up with a class's join code, confirmed from a mailed link.

The sign-up page answers the same whether or not the email has an account: a new address gets
a link that creates the account (and enrols it in the class) when opened; an address that has
an account gets a mail saying so, with the way to sign in. Until the link is used, the request
(name, class, the password's hash) waits in ``signup_request``, its token stored hashed; the
daily purge removes requests never confirmed."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import generate_password_hash

from cbl.accounts.models import Role, User, get_user_by_email, normalise_email
from cbl.dbtypes import UTCDateTime, utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.jobs import as_site, job, site_address
from cbl.mail import in_language, send_mail
from cbl.school import school_name
from cbl.teams.models import Classroom, Enrolment


class SignupRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    classroom: Mapped[Classroom] = relationship()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _footer() -> str:
    school = school_name()
    return ("\n-- \n" + _("Sent for %(school)s by CBL Tracker, the school's project portfolio.", school=school) + "\n"
            if school else "")


def request_signup(classroom: Classroom, display_name: str, email: str, password: str, locale: str | None) -> None:
    """Mail ``email`` either a link that finishes the sign-up or, when the address has an
    account, a note saying so. The request only hashes the password and queues one job
    (:func:`send_signup`), which looks the address up: the page and its timing are the same
    either way."""
    send_signup(classroom.id, display_name.strip(), normalise_email(email), generate_password_hash(password), locale,
                site_address())


@job()
def send_signup(classroom_id: int, display_name: str, email: str, password_hash: str, locale: str | None,
                address: str) -> None:
    """The job behind :func:`request_signup` (links on the site's ``address``)."""
    with as_site(address, locale):
        classroom = db.session.get(Classroom, classroom_id)
        existing = get_user_by_email(email)
        if classroom is None:
            return
        if existing is not None:
            with in_language(existing.locale):
                body = _("Hello %(name)s,\n\nSomeone, probably you, tried to create a new student account with "
                         "this email address. You already have a CBL Tracker account with it, so no new account "
                         "was made.\n\nTo join the class, sign in with your account here and type the code "
                         "%(code)s:\n%(link)s\n\nForgot your password? Choose “Forgot your password?” on the "
                         "sign-in page, or ask your teacher.\n",
                         name=existing.first_name,
                         link=url_for("accounts.login", next=url_for("teams.join_classroom"), _external=True),
                         code=classroom.join_code) + _footer()
                subject = _("You already have a CBL Tracker account")
        else:
            token = secrets.token_urlsafe(32)
            hours = current_app.config["SIGNUP_LINK_HOURS"]
            db.session.add(SignupRequest(token_hash=_hash(token), email=email, display_name=display_name,
                                         password_hash=password_hash, locale=locale, classroom_id=classroom.id,
                                         expires_at=utcnow() + timedelta(hours=hours)))
            body = _("Hello %(name)s,\n\nOpen this link to finish creating your student account and join the "
                     "class %(classroom)s. It works for %(hours)d hours:\n%(link)s\n\nIf you did not ask for an "
                     "account, ignore this message: nothing is created without the link.\n",
                     name=display_name.split()[0] if display_name else "", classroom=classroom.name, hours=hours,
                     link=url_for("teams.signup_confirm", token=token, _external=True)) + _footer()
            subject = _("Finish creating your CBL Tracker account")
        db.session.commit()
        send_mail(email, subject, body)


def find(token: str) -> SignupRequest:
    """The waiting sign-up of ``token``. Raises NotFound for a token that matches none (or was
    used), ValidationFailed (saying why) for one expired or whose class no longer admits."""
    if not token or len(token) > 200:
        raise NotFound()
    signup = db.session.scalar(select(SignupRequest).where(SignupRequest.token_hash == _hash(token)))
    if signup is None:
        raise NotFound()
    if signup.expires_at <= utcnow():
        raise ValidationFailed(_("This link has expired. Sign up again with your class code."))
    classroom = signup.classroom
    if not classroom.joining_open or classroom.archived:
        raise ValidationFailed(_("This class no longer takes new students. Ask your teacher for a new code."))
    return signup


def confirm(token: str) -> User:
    """Create the account the link asked for, enrol it in the class and spend the link (its
    request is deleted, so a second use finds nothing). Raises ValidationFailed when the email
    has an account by now."""
    signup = find(token)
    values = (signup.email, signup.display_name, signup.locale, signup.password_hash, signup.classroom_id)
    spent = db.session.execute(delete(SignupRequest).where(SignupRequest.id == signup.id))
    if spent.rowcount != 1:  # another request with the same link got there first
        db.session.rollback()
        raise ValidationFailed(_("This link was used already. Sign in with your account."))
    email, display_name, locale, password_hash, classroom_id = values
    user = User(email=email, display_name=display_name, role=Role.STUDENT, locale=locale)
    user.password_hash = password_hash
    db.session.add(user)
    db.session.add(Enrolment(classroom_id=classroom_id, user=user))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_("An account with this email exists already. Sign in with it.")) from None
    db.session.commit()
    return user


def purge_expired(now: datetime | None = None) -> int:
    """Remove the sign-ups whose link expired unused; returns how many."""
    removed = db.session.execute(delete(SignupRequest).where(SignupRequest.expires_at <= (now or utcnow())))
    db.session.commit()
    return removed.rowcount
