"""A teacher's roster: adding students by list (with a preview), moving and removing them.

A list is pasted or uploaded: one student a line ("Name, email, school id[, username]", empty
fields allowed) or a CSV whose header row names its columns (``name``, ``email``,
``school_id``, ``username``, in any order). :func:`preview` reads it against the accounts
that exist: each line is a new student, an existing account to enrol (matched by school id
first, then by email), a student already in the class, or an error. Nothing is saved until
:func:`save` runs, which checks everything again and saves all of it or nothing. New accounts
get a one-time password (shown once to the teacher, never stored in clear) that must be
changed at the next sign-in."""

import csv
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from cbl import audit
from cbl.accounts.models import USERNAME_PATTERN, Role, User, normalise_email, normalise_username
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.notifications import NotificationKind, notify
from cbl.permissions import enrollable_student_ids
from cbl.schools.models import SchoolMember
from cbl.teams.models import JOIN_CODE_ALPHABET, Classroom, Enrolment, Team, TeamMember

MAX_LINES = 500
MAX_NAME, MAX_EMAIL, MAX_SCHOOL_ID, MAX_USERNAME = 120, 254, 64, 64
COLUMNS = ("name", "email", "school_id", "username")
# Spellings a spreadsheet's header may use for a column.
_HEADER_ALIASES = {"name": "name", "full name": "name", "email": "email", "e-mail": "email",
                   "school_id": "school_id", "school id": "school_id", "schoolid": "school_id",
                   "username": "username", "user name": "username"}

NEW, EXISTING, ENROLLED, ERROR = "new", "existing", "enrolled", "error"


@dataclass
class Line:
    """One student of a list, as read and as matched."""

    number: int
    name: str = ""
    email: str = ""
    school_id: str = ""
    username: str = ""
    status: str = NEW
    user: User | None = None
    errors: list[str] = field(default_factory=list)

    def as_row(self) -> list:
        return [self.number, self.name, self.email, self.school_id, self.username]


@dataclass
class Preview:
    lines: list[Line] = field(default_factory=list)
    # Errors of the list as a whole (too many lines, unknown columns, an empty list).
    problems: list[str] = field(default_factory=list)

    def of(self, status: str) -> list[Line]:
        return [line for line in self.lines if line.status == status]

    @property
    def errors(self) -> list[Line]:
        return self.of(ERROR)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors and bool(self.of(NEW) or self.of(EXISTING))

    def rows(self) -> list[list]:
        return [line.as_row() for line in self.lines]


# --- reading a list ------------------------------------------------------------------------

def read_upload(data: bytes) -> str:
    """An uploaded file's text. Raises ValidationFailed for text that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            raise ValidationFailed(_("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” "
                                     "and upload it again."), field="upload") from None
        return text


def parse(text: str) -> Preview:
    """The lines of a pasted or uploaded list (not yet matched with accounts)."""
    result = Preview()
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(n, raw) for n, raw in enumerate(raw_lines, start=1) if raw.strip()]
    if not numbered:
        result.problems.append(_("The list is empty: write one student a line."))
        return result
    delimiter = "\t" if "\t" in numbered[0][1] and "," not in numbered[0][1] else ","
    header = _header(numbered[0][1], delimiter)
    columns = list(COLUMNS)
    if header is not None:
        unknown = [name for name in header if _HEADER_ALIASES.get(name.strip().lower()) is None]
        if unknown:
            result.problems.append(_("Line 1: unknown columns %(names)s. The columns are name, email, school_id "
                                     "and username.", names=", ".join(f"“{name}”" for name in unknown)))
            return result
        columns = [_HEADER_ALIASES[name.strip().lower()] for name in header]
        doubled = sorted({c for c in columns if columns.count(c) > 1})
        if doubled:
            result.problems.append(_("Line 1: the column %(name)s appears twice.", name=doubled[0]))
            return result
        if "name" not in columns:
            result.problems.append(_("Line 1: the header has no name column."))
            return result
        numbered = numbered[1:]
    if len(numbered) > MAX_LINES:
        result.problems.append(_("The list has %(count)d students; at most %(limit)d can be added at once. "
                                 "Split it into smaller lists.", count=len(numbered), limit=MAX_LINES))
        return result
    for number, raw in numbered:
        cells = [cell.strip() for cell in next(csv.reader([raw], delimiter=delimiter, skipinitialspace=True), [])]
        line = Line(number=number)
        if len(cells) > len(columns):
            line.errors.append(_("Too many values: a line holds %(columns)s.",
                                 columns=", ".join(columns)))
            cells = cells[:len(columns)]
        for column, cell in zip(columns, cells):
            setattr(line, column, cell.replace("\x00", ""))
        result.lines.append(line)
    if not result.lines:
        result.problems.append(_("The list has a header but no students."))
    return result


def _header(first: str, delimiter: str) -> list[str] | None:
    cells = next(csv.reader([first], delimiter=delimiter, skipinitialspace=True), [])
    names = [cell.strip().lower() for cell in cells]
    return cells if "name" in names or "full name" in names else None


def lines_from_rows(rows) -> Preview:
    """A list kept from an earlier preview (``[[number, name, email, school_id, username], …]``)."""
    result = Preview()
    for row in rows:
        number, *values = row
        result.lines.append(Line(int(number), *[str(v) for v in values]))
    return result


# --- checking a list against the accounts ----------------------------------------------------

def preview(classroom: Classroom, parsed: Preview, acting: User) -> Preview:
    """Check each line and match it with the accounts that exist (no change is made). An
    account ``acting`` may not add (:func:`cbl.permissions.enrollable_student_ids`) is an
    error that tells nothing of it."""
    if parsed.problems:
        return parsed
    lines = parsed.lines
    school_ids = {line.school_id for line in lines if line.school_id}
    emails = {normalise_email(line.email) for line in lines if line.email}
    usernames = {normalise_username(line.username) for line in lines if line.username}
    by_school_id, by_email, by_username = {}, {}, {}
    if school_ids or emails or usernames:
        for user in db.session.scalars(select(User).where(or_(
                User.school_id.in_(school_ids), User.email.in_(emails), User.username.in_(usernames)))):
            if user.school_id:
                by_school_id[user.school_id] = user
            if user.email:
                by_email[user.email] = user
            if user.username:
                by_username[user.username] = user
    found = {user.id for index in (by_school_id, by_email, by_username) for user in index.values()}
    reachable = set(db.session.scalars(enrollable_student_ids(acting, classroom).where(User.id.in_(found)))) \
        if found else set()
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.classroom_id == classroom.id)))
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        _check_line(line, seen, by_school_id, by_email, by_username, enrolled, reachable)
        line.status = ERROR if line.errors else line.status
    _choose_usernames(lines)
    return parsed


def _check_line(line: Line, seen, by_school_id, by_email, by_username, enrolled, reachable) -> None:
    errors = line.errors
    if not line.name:
        errors.append(_("The name is missing."))
    elif "@" in line.name:
        errors.append(_("The name looks like an email address: write the name first, then the email."))
    for value, limit, label in ((line.name, MAX_NAME, _("The name")), (line.email, MAX_EMAIL, _("The email")),
                                (line.school_id, MAX_SCHOOL_ID, _("The school id")),
                                (line.username, MAX_USERNAME, _("The username"))):
        if len(value) > limit:
            errors.append(_("%(what)s is longer than %(limit)d characters.", what=label, limit=limit))
    email = normalise_email(line.email) if line.email else ""
    if email and len(email) <= MAX_EMAIL:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors.append(_("“%(email)s” is not an email address.", email=line.email))
    username = normalise_username(line.username) if line.username else ""
    if username and not USERNAME_PATTERN.match(username):
        errors.append(_("The username “%(name)s” is not valid: use 3 to 64 letters a–z, digits, dots, dashes or "
                        "underscores.", name=line.username))
    for key, value in (("school_id", line.school_id), ("email", email), ("username", username),
                       ("line", f"{line.name.lower()}|{email}|{line.school_id}")):
        if value and (key, value) in seen:
            errors.append(_("This repeats line %(number)d.", number=seen[(key, value)]))
            break
    for key, value in (("school_id", line.school_id), ("email", email), ("username", username),
                       ("line", f"{line.name.lower()}|{email}|{line.school_id}")):
        if value:
            seen.setdefault((key, value), line.number)
    if errors:
        return
    match = by_school_id.get(line.school_id) if line.school_id else None
    if match is not None and email and match.email != email:
        errors.append(_("The school id %(id)s belongs to an account with another email.", id=line.school_id))
        return
    if match is None and email:
        match = by_email.get(email)
        if match is not None and line.school_id and match.school_id and match.school_id != line.school_id:
            errors.append(_("The email belongs to an account with another school id."))
            return
    if match is None:
        if username and username in by_username:
            errors.append(_("The username “%(name)s” is taken.", name=username))
        return
    if username and match.username != username:
        errors.append(_("This account exists already, with another username."))
    elif match.role is not Role.STUDENT:
        errors.append(_("This account is not a student's."))
    elif match.id not in reachable and match.id not in enrolled:
        errors.append(_("An account of another school has this email, school id or username: ask an "
                        "administrator to place the student in the class."))
    elif not match.active:
        errors.append(_("This account is deactivated: an administrator can reactivate it."))
    else:
        line.user = match
        line.status = ENROLLED if match.id in enrolled else EXISTING


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded)


def _choose_usernames(lines: list[Line]) -> None:
    """New students without email and without a username get one: first name and the last
    name's initial (``mayac``), and a number when that is taken (``mayac2``)."""
    wanted = [line for line in lines if line.status == NEW and not line.email and not line.username]
    if not wanted:
        return
    bases = {}
    for line in wanted:
        parts = [part for part in (_ascii(word) for word in line.name.split()) if part]
        base = (parts[0] if parts else "student")[:20] + (parts[-1][0] if len(parts) > 1 else "")
        bases[line.number] = base.ljust(3, "0")
    # One query for every username that could collide (bases hold only a-z and 0-9).
    taken = {normalise_username(line.username) for line in lines if line.username}
    taken |= set(db.session.scalars(select(User.username).where(
        or_(*(User.username.like(f"{base}%") for base in set(bases.values()))))))
    for line in wanted:
        base = bases[line.number]
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}{n}"
        line.username = candidate
        taken.add(candidate)


# --- saving ----------------------------------------------------------------------------------

# One-time passwords are random (12 characters of 31: about 59 bits) and must be replaced at
# the next sign-in, so a lighter hash than a chosen password's (scrypt, ~0.1–0.25 s each)
# keeps them safe: saving a list of 500 takes seconds instead of minutes.
ONE_TIME_HASH = "pbkdf2:sha256:20000"


def one_time_password() -> str:
    """Easy to read aloud and type: no 0/O or 1/I/L; three groups of four."""
    alphabet = JOIN_CODE_ALPHABET.lower()
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


@dataclass
class Saved:
    created: list[tuple[User, str]]  # each new account with its one-time password
    enrolled: list[User]


def save(classroom: Classroom, rows, acting: User) -> Saved:
    """Check the list again and save it: every line or none. Raises ValidationFailed when a
    line fails now (an account was made or changed since the preview)."""
    checked = preview(classroom, lines_from_rows(rows), acting)
    if not checked.ok:
        raise ValidationFailed(_("The list changed since the preview or has errors: check it again."))
    created, enrolled = [], []
    try:
        for line in checked.lines:
            if line.status == ENROLLED:
                continue
            user = line.user
            if line.status == NEW:
                password = one_time_password()
                user = User(display_name=" ".join(line.name.split()), role=Role.STUDENT,
                            email=normalise_email(line.email) if line.email else None,
                            username=normalise_username(line.username) if line.username else None,
                            school_id=line.school_id or None, must_change_password=True)
                user.password_hash = generate_password_hash(password, method=ONE_TIME_HASH)
                db.session.add(user)
                db.session.flush()
                created.append((user, password))
                audit.record(audit.Action.ACCOUNT_CREATED, actor_id=acting.id, classroom_id=classroom.id,
                             object_type="user", object_id=user.id, detail=user.display_name)
                if classroom.school_id is not None:
                    db.session.add(SchoolMember(school_id=classroom.school_id, user_id=user.id))
            else:
                enrolled.append(user)
            db.session.add(Enrolment(classroom_id=classroom.id, user_id=user.id))
            audit.record(audit.Action.STUDENT_ENROLLED, actor_id=acting.id, classroom_id=classroom.id,
                         object_type="user", object_id=user.id, detail=classroom.name)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_("Someone changed these accounts at the same moment; nothing was saved. "
                                 "Check the list again.")) from None
    db.session.commit()
    return Saved(created, enrolled)


# --- moving and removing ---------------------------------------------------------------------

def _leave_teams(classroom: Classroom, user_id: int) -> None:
    team_ids = select(Team.id).where(Team.classroom_id == classroom.id)
    db.session.execute(delete(TeamMember).where(TeamMember.user_id == user_id, TeamMember.team_id.in_(team_ids)))


def remove(classroom: Classroom, student: User, acting: User) -> None:
    """End the student's enrolment and team memberships in the class. Nothing of theirs is
    deleted: their entries stay with their team's projects."""
    _leave_teams(classroom, student.id)
    db.session.execute(delete(Enrolment).where(Enrolment.user_id == student.id,
                                                Enrolment.classroom_id == classroom.id))
    audit.record(audit.Action.STUDENT_REMOVED, actor_id=acting.id, classroom_id=classroom.id,
                 object_type="user", object_id=student.id, detail=classroom.name)
    notify([student.id], NotificationKind.CLASS_LEFT, url="/", actor_id=acting.id,
           person=acting.display_name, classroom=classroom.name)
    db.session.commit()


def move(classroom: Classroom, student: User, target: Classroom, acting: User) -> None:
    """Move the student to ``target``: out of this class and its teams (their work stays with
    this class's projects), into the other class."""
    if target.id == classroom.id:
        raise ValidationFailed(_("Choose another class."), field="target")
    _leave_teams(classroom, student.id)
    db.session.execute(delete(Enrolment).where(Enrolment.user_id == student.id,
                                                Enrolment.classroom_id == classroom.id))
    there = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.user_id == student.id, Enrolment.classroom_id == target.id))
    if not there:
        db.session.add(Enrolment(classroom_id=target.id, user_id=student.id))
    audit.record(audit.Action.STUDENT_MOVED, actor_id=acting.id, classroom_id=classroom.id,
                 object_type="user", object_id=student.id, detail=f"{classroom.name} → {target.name}")
    audit.record(audit.Action.STUDENT_ENROLLED, actor_id=acting.id, classroom_id=target.id,
                 object_type="user", object_id=student.id, detail=target.name)
    notify([student.id], NotificationKind.CLASS_MOVED, url=f"/classes/{target.id}", actor_id=acting.id,
           person=acting.display_name, classroom=target.name)
    db.session.commit()


def enrol(classroom: Classroom, student: User, acting: User) -> bool:
    """Place a student in a class (an administrator's placement). Returns False if they were in it."""
    if db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == student.id,
                                                    Enrolment.classroom_id == classroom.id)):
        return False
    db.session.add(Enrolment(classroom_id=classroom.id, user_id=student.id))
    audit.record(audit.Action.STUDENT_ENROLLED, actor_id=acting.id, classroom_id=classroom.id,
                 object_type="user", object_id=student.id, detail=classroom.name)
    db.session.commit()
    return True
