"""Telling people what happened: notices in the app, and one email a day at most.

Other areas call :func:`notify` inside their own transaction. The text of a notice is not
stored: :func:`describe` writes it from its kind and parameters when it is shown, in the
reader's language, so the page and the digest say the same thing.

Links in the digest are absolute. They start with the ``BASE_URL`` setting (``CBL_BASE_URL``
in the environment, e.g. ``https://cbl.school.org``: the scheme and host people reach the
site at), else Flask's ``SERVER_NAME``, else the current request's host, else
``http://localhost:5000`` (the address ``make run`` serves)."""

import json
import smtplib
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale, format_datetime, gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import Select, func, or_, select, update

from cbl.accounts.models import Role, User
from cbl.dbtypes import utcnow
from cbl.errors import NotFound
from cbl.extensions import db
from cbl.mail import send_mail
from cbl.school import school_name_for
from cbl.notifications.inbox import InboxItem, inbox_for
from cbl.notifications.models import DigestChoice, Notification, NotificationKind, NotificationPreference

# Parameters every text may name; callers pass the ones their kind uses (see TEXTS):
# person (who did it), project (the challenge's title), team, phase (a Phase value), guest,
# goal (a learning goal's title), entry (a portfolio entry's title), classroom (a class's name).
PARAM_NAMES = ("person", "project", "team", "phase", "guest", "goal", "entry", "classroom")
MAX_PARAM_LENGTH = 200
DIGEST_MAX_ITEMS = 50

TEXTS = {
    NotificationKind.NEW_FEEDBACK: _l("%(person)s gave feedback on “%(project)s”."),
    NotificationKind.FEEDBACK_REPLY: _l("%(person)s replied to your comment on “%(project)s”."),
    NotificationKind.FEEDBACK_WAITING: _l("A comment by %(person)s on “%(project)s” waits for your approval."),
    NotificationKind.PHASE_REQUESTED: _l("%(team)s asks to move on to %(phase)s in “%(project)s”."),
    NotificationKind.PHASE_APPROVED: _l("%(person)s approved the move to %(phase)s in “%(project)s”."),
    NotificationKind.PHASE_RETURNED: _l("%(person)s answered your request to move on to %(phase)s in "
                                        "“%(project)s”: not yet. Read the comment."),
    NotificationKind.ASSESSMENT_RELEASED: _l("%(person)s released an assessment of “%(project)s”."),
    NotificationKind.ASSESSMENT_CHANGED: _l("%(person)s corrected an assessment of “%(project)s”."),
    NotificationKind.INVITATION_ACCEPTED: _l("%(person)s accepted the invitation to see “%(project)s”."),
    NotificationKind.TEAM_INVITED: _l("%(person)s (%(team)s) invited %(guest)s to see “%(project)s”."),
    NotificationKind.GOAL_COMMENT: _l("%(person)s commented on your learning goal “%(goal)s”."),
    NotificationKind.NAME_APPROVED: _l("%(person)s approved your new name."),
    NotificationKind.NAME_DECLINED: _l("%(person)s did not approve the new name you asked for; your name stays as it was."),
    NotificationKind.PHASE_STEPPED_BACK: _l("%(team)s went back to %(phase)s in “%(project)s”. Read why in "
                                            "the phase history."),
    NotificationKind.ENTRY_DELETED: _l("%(person)s deleted your entry “%(entry)s” in “%(project)s”. "
                                       "You can restore it from Recently deleted for 30 days."),
    NotificationKind.CLASS_LEFT: _l("%(person)s took you out of the class %(classroom)s. Nothing of yours was "
                                    "deleted: your work stays with your team's projects."),
    NotificationKind.CLASS_MOVED: _l("%(person)s moved you to the class %(classroom)s. Your work so far stays "
                                     "with your earlier class's projects."),
}
# Notices of things a teacher has to do: the digest lists the teacher's inbox, computed from
# what still waits, instead of these (a request answered since is not mailed).
TO_DO_KINDS = (NotificationKind.PHASE_REQUESTED, NotificationKind.FEEDBACK_WAITING)
# The same words as the phase names everywhere else (projects.defaults), so one translation.
PHASE_NAMES = {"engage": _l("Engage"), "investigate": _l("Investigate"), "act": _l("Act")}


# --- writing notices -----------------------------------------------------------------------

def is_site_path(url: str) -> bool:
    """Whether ``url`` is a path on this site (not another site, not a scheme)."""
    return (isinstance(url, str) and url.startswith("/") and not url.startswith("//") and "\\" not in url
            and len(url) <= 500 and url.isprintable() and not urlsplit(url).netloc)


def site_path(endpoint: str, **values) -> str:
    """The path of a page, with or without a request (a command-line task has none)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def notify(user_ids: Iterable[int | None], kind: NotificationKind, *, url: str, actor_id: int | None = None,
           **params: object) -> list[Notification]:
    """Tell these people that something happened; ``url`` is the path opening the notice
    leads to, ``params`` the names its text shows (see :data:`PARAM_NAMES`).

    The notices join the caller's transaction (nothing is committed here). The actor, inactive
    accounts, repeated ids and an identical notice still unread are skipped. Partners read
    people's first names only, as everywhere. Raises ValueError for a ``url`` that is not a
    path on this site (a programming error)."""
    if not is_site_path(url):
        raise ValueError(f"notify: {url!r} is not a path on this site")
    wanted = {int(i) for i in user_ids if i is not None} - {actor_id}
    if not wanted:
        return []
    values = {str(k): ("" if v is None else str(v))[:MAX_PARAM_LENGTH] for k, v in params.items()}
    readers = db.session.execute(select(User.id, User.role).where(User.id.in_(wanted), User.active.is_(True))
                                 .order_by(User.id)).all()
    waiting = {(row.user_id, row.params) for row in db.session.execute(select(
        Notification.user_id, Notification.params).where(
        Notification.user_id.in_(wanted), Notification.kind == kind, Notification.url == url,
        Notification.read_at.is_(None)))}
    added = []
    for user_id, role in readers:
        encoded = _encode(values, partner=role is Role.PARTNER)
        if (user_id, encoded) in waiting:
            continue
        added.append(Notification(user_id=user_id, kind=kind, url=url, actor_id=actor_id, params=encoded))
    db.session.add_all(added)
    return added


def settle(kind: NotificationKind, *, url: str) -> None:
    """Mark read, for everyone, the unread notices of this kind leading to ``url``: what they
    announced was dealt with (another teacher answered the request). Joins the caller's
    transaction."""
    db.session.execute(update(Notification).where(
        Notification.kind == kind, Notification.url == url, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))


def _encode(values: dict[str, str], *, partner: bool) -> str:
    if partner and values.get("person"):
        values = {**values, "person": values["person"].split()[0]}
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def describe(notification: Notification) -> str:
    """The notice's text in the current language."""
    values = dict.fromkeys(PARAM_NAMES, "") | notification.values
    values["person"] = values["person"] or _("Someone")
    values["phase"] = str(PHASE_NAMES.get(values["phase"], values["phase"]))
    text = TEXTS.get(notification.kind)
    if text is None:
        return _("Something happened.")
    return str(text) % values


# --- reading notices -----------------------------------------------------------------------

def unread_count(user: User) -> int:
    """How many notices the person has not opened (one query)."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def list_for(user: User) -> Select:
    """The person's notices, newest first (a query, to paginate)."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def open_notification(user: User, notification_id: int) -> str:
    """Mark the person's notice read and return the path it leads to. Raises NotFound for
    an unknown id or another person's notice (the query only finds the person's own)."""
    notification = db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification.url if is_site_path(notification.url) else site_path("notifications.index")


def mark_all_read(user: User) -> int:
    """Mark every unread notice of the person read; returns how many were unread."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def default_digest(role: Role) -> DigestChoice:
    """The email a person gets until they choose: students (minors) none, the others a daily
    digest (a teacher's digest is what waits for them)."""
    return DigestChoice.NONE if role is Role.STUDENT else DigestChoice.DAILY


def get_preference(user: User) -> DigestChoice:
    """The person's choice of email, else the default of their role."""
    return db.session.scalar(select(NotificationPreference.digest).where(
        NotificationPreference.user_id == user.id)) or default_digest(user.role)


def set_preference(user: User, digest: DigestChoice) -> None:
    """Save the person's choice of email."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        db.session.add(NotificationPreference(user_id=user.id, digest=digest))
    else:
        preference.digest = digest
    db.session.commit()


# --- the daily digest ----------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """Mail each active person who wants a digest one message listing their unread notices
    not mailed before; returns how many messages went out. Safe to run again (a notice is
    mailed once) and from several servers at once (each notice is claimed by one run)."""
    now = now or utcnow()
    pending = select(Notification.user_id).where(Notification.read_at.is_(None), Notification.emailed_at.is_(None),
                                                 Notification.created_at <= now)
    chosen = select(NotificationPreference.user_id, NotificationPreference.digest).where(
        NotificationPreference.digest.is_not(None))
    choices = {user_id: digest for user_id, digest in db.session.execute(chosen)}
    # Teachers are asked too: what waits for them may be new without any notice.
    people = db.session.scalars(select(User).where(or_(User.id.in_(pending), User.role == Role.TEACHER),
                                                   User.active.is_(True)).order_by(User.id)).all()
    return sum(1 for person in people
               if choices.get(person.id, default_digest(person.role)) is DigestChoice.DAILY
               and _send_digest(person, now))


def _send_digest(user: User, now: datetime) -> bool:
    """Claim the person's unmailed notices (committed, so another run skips them), mail them
    with, for a teacher, what waits for them, and give the notices back if the mail could not
    be sent. A teacher with no new notice is mailed only when something new waits."""
    user_id, email, name, locale = user.id, user.email, user.first_name, user.locale
    school = school_name_for(user)
    last_digest_at = db.session.scalar(select(NotificationPreference.last_digest_at).where(
        NotificationPreference.user_id == user_id))
    claimed = db.session.scalars(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.emailed_at.is_(None),
        Notification.created_at <= now).values(emailed_at=now).returning(Notification.id)
        .execution_options(synchronize_session=False)).all()
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    teacher = user.role is Role.TEACHER
    with force_locale(locale):
        waiting = inbox_for(user) if teacher else []
    # A teacher's to-do notices are told by the inbox (what still waits), not mailed as they were.
    kinds = [kind for kind in NotificationKind if not (teacher and kind in TO_DO_KINDS)]
    notices = db.session.scalars(select(Notification).where(Notification.id.in_(claimed), Notification.kind.in_(kinds))
                                 .order_by(Notification.created_at, Notification.id)).all() if claimed else []
    if not notices and not any(last_digest_at is None or item.since > last_digest_at for item in waiting):
        db.session.commit()  # nothing new to tell: the claimed to-do notices stay told by the inbox
        return False
    _record_digest(user_id, now)
    db.session.commit()
    try:
        with force_locale(locale):
            send_mail(email, *_digest_text(name, notices, waiting, school))
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("Could not mail the digest to %s; its notices wait for the next run", email)
        db.session.execute(update(Notification).where(Notification.id.in_(claimed)).values(emailed_at=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        return False
    return True


def _record_digest(user_id: int, now: datetime) -> None:
    preference = db.session.get(NotificationPreference, user_id)
    if preference is None:
        db.session.add(NotificationPreference(user_id=user_id, last_digest_at=now))
    else:
        preference.last_digest_at = now


def _digest_text(name: str, notices: list[Notification], waiting: list[InboxItem] = (),
                 school: str = "") -> tuple[str, str]:
    """The subject and body of a digest, in the current language."""
    lines = [_("Hello %(name)s,", name=name), ""]
    if waiting:
        lines += [_("Waiting for you:"), ""]
        for item in waiting[:DIGEST_MAX_ITEMS]:
            lines += [f"- {item.text} ({item.classroom} · {item.challenge})", f"  {absolute_url(item.url)}", ""]
    if notices:
        lines += [_("Here is what happened on CBL Tracker that you have not seen yet:"), ""]
    for notice in notices[:DIGEST_MAX_ITEMS]:
        lines += [f"- {describe(notice)} ({format_datetime(notice.created_at, 'short')})",
                  f"  {absolute_url(notice.url)}", ""]
    if len(notices) > DIGEST_MAX_ITEMS:
        lines += [ngettext("…and %(num)d more on the site.", "…and %(num)d more on the site.",
                           len(notices) - DIGEST_MAX_ITEMS), ""]
    lines += [_("All your notifications: %(link)s", link=absolute_url(site_path("notifications.index"))),
              _("This email comes at most once a day. To stop it, choose “No email” on that page.")]
    if school:  # the school's name, as on the invitation, so the mail is recognised
        lines += ["", "-- ", _("Sent for %(school)s by CBL Tracker, the school's project portfolio.", school=school)]
    subject = (ngettext("CBL Tracker: %(num)d new notification", "CBL Tracker: %(num)d new notifications",
                        len(notices)) if notices else
               ngettext("CBL Tracker: %(num)d thing waits for you", "CBL Tracker: %(num)d things wait for you",
                        len(waiting)))
    return subject, "\n".join(lines) + "\n"


def absolute_url(path: str) -> str:
    """``path`` on this site as a full address, for mail (see the module's docstring)."""
    config = current_app.config
    base = config.get("BASE_URL") or ""
    if not base and config.get("SERVER_NAME"):
        base = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    if not base and has_request_context():
        base = request.host_url
    parts = urlsplit(base or "http://localhost:5000")
    return f"{parts.scheme}://{parts.netloc}{path}"
