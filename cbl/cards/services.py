"""Sign-in cards: issuing, voiding and signing in with them.

A card works only while all of these hold: it is not voided; its account is a student's and
active; the student is still enrolled in the class the card was printed for (since before the
card was printed); the class is not archived. Anything else is refused with the same words, so that a card found on the floor
tells nobody why it stopped working."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _, ngettext
from sqlalchemy import exists, select, update

from cbl import audit
from cbl.accounts.models import Role, User
from cbl.cards.models import SignInCard
from cbl.dbtypes import utcnow
from cbl.errors import NotFound, ValidationFailed
from cbl.extensions import db
from cbl.teams.models import Classroom, Enrolment

# 18 random bytes: 144 bits, 24 URL-safe characters (a short URL keeps the QR code coarse
# enough for a tablet's camera at arm's length).
TOKEN_BYTES = 18
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A fresh card secret."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a card's token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class CardRow:
    """A student of the class and their card in it (None: no card that works)."""
    student: User
    card: SignInCard | None


def class_students(classroom: Classroom) -> list[User]:
    """The students enrolled in the class, by name: the people cards are printed for."""
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.classroom_id == classroom.id, User.role == Role.STUDENT)
        .order_by(User.display_name, User.id)))


def _active_cards(classroom_id: int, student_ids: list[int] | None = None):
    stmt = select(SignInCard).where(SignInCard.classroom_id == classroom_id, SignInCard.voided_at.is_(None))
    if student_ids is not None:
        stmt = stmt.where(SignInCard.student_id.in_(student_ids))
    return stmt


def list_class_cards(classroom: Classroom) -> list[CardRow]:
    """Every student of the class with their active card, if any (two queries)."""
    students = class_students(classroom)
    cards: dict[int, SignInCard] = {}
    for card in db.session.scalars(_active_cards(classroom.id).order_by(SignInCard.created_at)):
        cards[card.student_id] = card  # the newest wins should a race have made two
    return [CardRow(student, cards.get(student.id)) for student in students]


def _chosen_students(classroom: Classroom, scope: str, student_id: int | None) -> list[User]:
    students = [s for s in class_students(classroom) if s.active]
    if scope == "student":
        students = [s for s in students if s.id == student_id]
        if not students:
            raise NotFound()
    elif scope == "missing":
        holding = set(db.session.scalars(_active_cards(classroom.id).with_only_columns(SignInCard.student_id)))
        students = [s for s in students if s.id not in holding]
    elif scope != "all":
        raise ValidationFailed(_("Choose whose cards to print."), field="scope")
    return students


def issue_cards(classroom: Classroom, acting: User, scope: str, student_id: int | None = None
                ) -> list[tuple[User, str]]:
    """New cards for the class's active students: ``scope`` "all" (every student), "missing"
    (those without a working card) or "student" (``student_id`` alone). A student's earlier
    card in this class is voided at once. Returns (student, token) pairs: the tokens exist
    nowhere else, so the caller prints them now. Raises NotFound for a student who is not in
    the class, ValidationFailed for an unknown scope."""
    students = _chosen_students(classroom, scope, student_id)
    now = utcnow()
    ids = [s.id for s in students]
    if ids:
        db.session.execute(update(SignInCard).where(SignInCard.classroom_id == classroom.id,
                                                    SignInCard.student_id.in_(ids),
                                                    SignInCard.voided_at.is_(None)).values(voided_at=now))
    issued = []
    for student in students:
        token = new_token()
        db.session.add(SignInCard(student_id=student.id, classroom_id=classroom.id, token_hash=token_hash(token),
                                  created_by_id=acting.id, created_at=now))
        issued.append((student, token))
    if issued:
        one = students[0] if scope == "student" else None
        audit.record(audit.Action.CARDS_PRINTED, actor_id=acting.id, classroom_id=classroom.id,
                     object_type="user" if one else "classroom", object_id=one.id if one else classroom.id,
                     detail=str(len(issued)))
    db.session.commit()
    return issued


def void_cards(classroom: Classroom, acting: User, student_id: int | None = None) -> int:
    """Void the working cards of the class (of one student when ``student_id`` is given): they
    stop working at once. Returns how many were voided. Raises NotFound for a student who is
    not in the class."""
    if student_id is not None and student_id not in {s.id for s in class_students(classroom)}:
        raise NotFound()
    stmt = update(SignInCard).where(SignInCard.classroom_id == classroom.id, SignInCard.voided_at.is_(None))
    if student_id is not None:
        stmt = stmt.where(SignInCard.student_id == student_id)
    voided = db.session.execute(stmt.values(voided_at=utcnow())).rowcount
    if voided:
        audit.record(audit.Action.CARD_VOIDED, actor_id=acting.id, classroom_id=classroom.id,
                     object_type="user" if student_id else "classroom", object_id=student_id or classroom.id,
                     detail=str(voided))
    db.session.commit()
    return voided


def usable(card: SignInCard) -> bool:
    """Whether the card signs its student in now (see the module's docstring)."""
    student = card.student
    if card.voided_at is not None or student.role is not Role.STUDENT or not student.active:
        return False
    if card.classroom.archived:
        return False
    # The enrolment must be older than the card: a student removed from the class and added
    # back later does not find their old card working again.
    return bool(db.session.scalar(select(exists().where(Enrolment.classroom_id == card.classroom_id,
                                                        Enrolment.user_id == student.id,
                                                        Enrolment.joined_at <= card.created_at))))


def find_card(token: str) -> SignInCard:
    """The working card for ``token``. Raises NotFound for a token that matches no card (or
    could not be one), ValidationFailed for a card that no longer works."""
    if not token or not _TOKEN_SHAPE.fullmatch(token):
        raise NotFound()
    card = db.session.scalar(select(SignInCard).where(SignInCard.token_hash == token_hash(token)))
    if card is None:
        raise NotFound()
    if not usable(card):
        raise ValidationFailed(_("This card no longer works. Ask your teacher for a new one."))
    return card


def sign_in_with_card(token: str) -> User:
    """Check the card again, note its use on the card, the account and in the audit log, and
    return the student to sign in. Raises as :func:`find_card`. Nothing else changes: the
    student's other sessions go on, and no password change is asked for."""
    card = find_card(token)
    now: datetime = utcnow()
    card.last_used_at = now
    card.student.last_seen_at = now
    audit.record(audit.Action.CARD_SIGN_IN, actor_id=card.student_id, classroom_id=card.classroom_id,
                 object_type="user", object_id=card.student_id, detail=str(card.id))
    db.session.commit()
    return card.student


@audit.detail_words(audit.Action.CARDS_PRINTED)
@audit.detail_words(audit.Action.CARD_VOIDED)
def _card_count(detail: str) -> str:
    count = int(detail)
    return ngettext("%(num)d card", "%(num)d cards", count)


@audit.detail_words(audit.Action.CARD_SIGN_IN)
def _card_number(detail: str) -> str:
    return _("with card no. %(number)s", number=int(detail))
