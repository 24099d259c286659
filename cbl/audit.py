"""The audit log: who did what to which object, and when.

Partners are outsiders looking at minors' work, so every partner sign-in, project view,
comment and refused request is written here, with every invitation sent, accepted, expired
or withdrawn, every partner removed from a project and every comment approved or hidden.
Teachers read the events of their classes; administrators read everything."""

import enum
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db

if TYPE_CHECKING:
    from cbl.accounts.models import User


class Action(enum.StrEnum):
    SIGN_IN = "sign_in"
    PARTNER_VIEW = "partner_view"
    PARTNER_REFUSED = "partner_refused"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_EXPIRED = "invitation_expired"
    PARTNER_REMOVED = "partner_removed"
    COMMENT_POSTED = "comment_posted"
    COMMENT_APPROVED = "comment_approved"
    COMMENT_HIDDEN = "comment_hidden"
    GRADEBOOK_EXPORTED = "gradebook_exported"
    MASTERY_SETTINGS_CHANGED = "mastery_settings"
    ASSESSMENT_RELEASED = "assessment_released"
    ASSESSMENT_CHANGED = "assessment_changed"
    # Lifecycle of classes, challenges and teams (object_type says which).
    ARCHIVED = "archived"
    RESTORED = "restored"
    DELETED = "deleted"
    CHALLENGE_COPIED = "challenge_copied"
    # Names are the school's: a student's request, and who decided it or changed a name.
    NAME_REQUESTED = "name_requested"
    NAME_APPROVED = "name_approved"
    NAME_DECLINED = "name_declined"
    NAME_CHANGED = "name_changed"
    ENTRY_DELETED = "entry_deleted"
    ENTRY_RESTORED = "entry_restored"
    ENTRY_PURGED = "entry_purged"
    # Sign-in cards (cbl/cards): printed or voided for a class or one student, and each use.
    CARDS_PRINTED = "cards_printed"
    CARD_VOIDED = "card_voided"
    CARD_SIGN_IN = "card_sign_in"
    # Rosters: accounts a teacher or admin made, students placed, moved or taken out of a
    # class, and an admin's change to an account's name, role, username or school id.
    ACCOUNT_CREATED = "account_created"
    STUDENT_ENROLLED = "student_enrolled"
    STUDENT_MOVED = "student_moved"
    STUDENT_REMOVED = "student_removed"
    ACCOUNT_EDITED = "account_edited"
    # Accounts: recovery, passwords set by staff, addresses and sessions.
    PASSWORD_RESET_ASKED = "password_reset_asked"
    PASSWORD_RESET_USED = "password_reset_used"
    PASSWORD_RESET_BY_STAFF = "password_reset_by_staff"
    PASSWORD_CHANGED = "password_changed"
    EMAIL_CHANGE_ASKED = "email_change_asked"
    EMAIL_CHANGED = "email_changed"
    SESSIONS_ENDED = "sessions_ended"
    # A OneRoster import was applied (object: the roster_import run).
    ROSTER_IMPORTED = "roster_imported"
    # School sign-in (OpenID Connect): sign-ins, refusals, identities linked, settings changed.
    SSO_SIGN_IN = "sso_sign_in"
    SSO_REFUSED = "sso_refused"
    SSO_LINKED = "sso_linked"
    SSO_SETTINGS_CHANGED = "sso_settings"


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[Action] = mapped_column(str_enum(Action, 24), index=True)
    # The class the event belongs to, so that its teachers can read it (None: admins only).
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id", ondelete="SET NULL"), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped["User | None"] = relationship()


def record(action: Action, *, actor_id: int | None, classroom_id: int | None = None, object_type: str = "",
           object_id: int | None = None, detail: str = "") -> None:
    """Add an event to the current transaction (it is saved with the change it records)."""
    db.session.add(AuditEvent(action=action, actor_id=actor_id, classroom_id=classroom_id,
                              object_type=object_type, object_id=object_id, detail=detail[:2000]))


def record_now(action: Action, *, actor_id: int | None, classroom_id: int | None = None, object_type: str = "",
               object_id: int | None = None, detail: str = "") -> None:
    """Save an event at once in a transaction of its own, for requests that change nothing
    else (a page view): the request's own reading transaction is left alone."""
    with db.engine.connect().execution_options(cbl_write=True) as connection:
        with connection.begin():
            connection.execute(insert(AuditEvent).values(
                at=utcnow(), action=action, actor_id=actor_id, classroom_id=classroom_id,
                object_type=object_type, object_id=object_id, detail=detail[:2000]))


# --- reading the log in words -----------------------------------------------------------------
# The log stores ids and short details; the page names each object (with a link when the
# reader may open it) and tells details in words. The areas that own the objects register
# how (cbl/feedback/audit_names.py, cbl/assessment/audit_names.py): a namer takes the reader
# and the ids of one object type and returns {id: (name, path or None)} in one query; a
# detailer turns one action's stored detail into a sentence in the reader's language.
Namer = Callable[["User", list[int]], dict[int, tuple[str, str | None]]]
_namers: dict[str, Namer] = {}
_detailers: dict[Action, Callable[[str], str]] = {}


def object_namer(object_type: str) -> Callable[[Namer], Namer]:
    """Register how to name objects of ``object_type`` (a decorator)."""
    def register(function: Namer) -> Namer:
        _namers[object_type] = function
        return function
    return register


def detail_words(action: Action) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Register how to tell the detail of ``action`` in words (a decorator)."""
    def register(function: Callable[[str], str]) -> Callable[[str], str]:
        _detailers[action] = function
        return function
    return register


def name_objects(reader: "User", events: list[AuditEvent]) -> dict[tuple[str, int], tuple[str, str | None]]:
    """The name (and path, if the reader may open it) of each event's object: one query per
    object type on the page."""
    ids: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in _namers and event.object_id is not None:
            ids.setdefault(event.object_type, set()).add(event.object_id)
    names: dict[tuple[str, int], tuple[str, str | None]] = {}
    for object_type, wanted in ids.items():
        for object_id, named in _namers[object_type](reader, sorted(wanted)).items():
            names[(object_type, object_id)] = named
    return names


def describe_detail(event: AuditEvent) -> str:
    """The event's detail in words (as stored when no area tells it otherwise)."""
    detailer = _detailers.get(event.action)
    if detailer is None or not event.detail:
        return event.detail
    try:
        return detailer(event.detail)
    except (ValueError, KeyError, IndexError):  # an older or unexpected form: shown as stored
        return event.detail
