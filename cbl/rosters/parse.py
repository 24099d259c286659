"""Reading a OneRoster CSV ZIP strictly: every problem is collected with its file and line.

The ZIP is read member by member, streamed and counted as it is decompressed, so a file
that claims to be small but inflates without end (a "zip bomb") is stopped at the limits
below instead of filling the memory. Text must be UTF-8 (a byte-order mark is allowed).
Headers must be the standard columns in their order and exact case, optionally followed
by ``metadata.*`` extension columns. Values are checked for dates, enumerations and
required fields; a ``sourcedId`` may appear once per file. References between files are
checked by :mod:`cbl.rosters.plan`, which also knows what earlier imports brought."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from flask_babel import gettext as _

from cbl.rosters import spec

MAX_MEMBERS = 40            # files in the ZIP
MAX_MEMBER_BYTES = 150 * 1024 * 1024   # one file, uncompressed
MAX_TOTAL_BYTES = 400 * 1024 * 1024    # all files, uncompressed
MAX_RATIO = 200             # uncompressed / compressed, for files above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 1_000_000        # rows of one file
MAX_PROBLEMS = 500          # listed; the count says how many more

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR_RE = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    @property
    def where(self) -> str:
        if self.line is None:
            return self.file
        return _("%(file)s, line %(line)d", file=self.file, line=self.line)


class RosterRejected(Exception):
    """The ZIP cannot be read at all (not a ZIP, too big, a bomb, no manifest)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(slots=True)
class Row:
    """One data row: its line in the file and the standard fields by name."""
    line: int
    sourced_id: str
    status: str          # "active" or "tobedeleted" (empty counts as active)
    values: dict[str, str]

    @property
    def deleted(self) -> bool:
        return self.status == "tobedeleted"

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Roster:
    version: str = "1.2"
    modes: dict[str, str] = field(default_factory=dict)   # file name -> bulk / delta / absent
    rows: dict[str, dict[str, Row]] = field(default_factory=dict)   # file name -> sourcedId -> row
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)

    def problem(self, file: str, line: int | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(file, line, message))

    def mode(self, name: str) -> str:
        return self.modes.get(name, "absent")

    def of(self, name: str) -> dict[str, Row]:
        return self.rows.get(name, {})


class _Bomb(Exception):
    pass


class _Counted(io.RawIOBase):
    """A ZIP member read through a counter that stops at the limits, whatever the ZIP's
    directory claims about the sizes."""

    def __init__(self, member: IO[bytes], compressed: int, budget: list[int]):
        self.member, self.compressed, self.budget, self.count = member, max(compressed, 1), budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.member.read(min(len(buffer), 64 * 1024))
        self.count += len(data)
        self.budget[0] -= len(data)
        if self.count > MAX_MEMBER_BYTES or self.budget[0] < 0:
            raise _Bomb("size")
        if self.count > RATIO_FLOOR and self.count > self.compressed * MAX_RATIO:
            raise _Bomb("ratio")
        buffer[:len(data)] = data
        return len(data)


def read_zip(source: str | IO[bytes]) -> Roster:
    """Read the ZIP at ``source`` (a path or a binary file). Raises :class:`RosterRejected`
    when it cannot be read at all; otherwise the roster holds every row and every problem."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterRejected([Problem(_("the upload"), None, _("This is not a ZIP file. Upload the OneRoster "
                                                              "export as one .zip file."))]) from None
    with archive:
        members = _members(archive)
        roster = Roster()
        budget = [MAX_TOTAL_BYTES]
        if spec.MANIFEST not in members:
            raise RosterRejected([Problem(spec.MANIFEST, None, _("The ZIP has no manifest.csv. A OneRoster export "
                                                                 "always has one, at the top of the ZIP."))])
        _read_manifest(roster, _open(archive, members[spec.MANIFEST], budget))
        _check_files(roster, members)
        for name in spec.ROSTER_FILES:
            if name in members and roster.mode(name) != "absent":
                _read_file(roster, name, _open(archive, members[name], budget))
    return roster


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    if len(infos) > MAX_MEMBERS:
        raise RosterRejected([Problem(_("the upload"), None, _("The ZIP holds %(count)d files; a OneRoster export "
                                                              "has at most %(max)d.", count=len(infos),
                                                              max=MAX_MEMBERS))])
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
        raise _too_big()
    members = {i.filename: i for i in infos}
    if spec.MANIFEST not in members:
        # Zipping a folder puts the files one level down: read them there.
        folders = [name.removesuffix(spec.MANIFEST) for name in members if name.endswith("/" + spec.MANIFEST)]
        if len(folders) == 1:
            members = {name.removeprefix(folders[0]): info for name, info in members.items()
                       if name.startswith(folders[0])}
    return members


def _too_big() -> RosterRejected:
    return RosterRejected([Problem(_("the upload"), None, _(
        "The ZIP unpacks to more than %(mb)d MB (or one file to more than %(one)d MB, or it inflates more "
        "than %(ratio)d times): it is refused as a possible zip bomb. Split the district into several "
        "imports.", mb=MAX_TOTAL_BYTES // 2**20, one=MAX_MEMBER_BYTES // 2**20, ratio=MAX_RATIO))])


def _open(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> tuple[str, IO[str]]:
    try:
        raw = _Counted(archive.open(info), info.compress_size, budget)
    except (NotImplementedError, RuntimeError, zipfile.BadZipFile) as err:  # encrypted, unknown compression
        raise RosterRejected([Problem(info.filename, None, _("This file cannot be unpacked (%(why)s).",
                                                             why=str(err)[:120]))]) from None
    text = io.TextIOWrapper(io.BufferedReader(raw, 64 * 1024), encoding="utf-8-sig", newline="")
    return info.filename, text


def _rows(roster: Roster, opened: tuple[str, IO[str]]):
    """The file's lines as lists of fields, with their line numbers; decoding and size
    problems end the file with a clear problem."""
    name, text = opened
    reader = csv.reader(text, strict=True)
    try:
        for fields in reader:
            if reader.line_num > MAX_ROWS:
                roster.problem(name, reader.line_num, _("More than %(max)d lines: split the file.", max=MAX_ROWS))
                return
            yield reader.line_num, fields
    except UnicodeDecodeError:
        roster.problem(name, reader.line_num + 1, _("The file is not UTF-8 text. Export it as “CSV UTF-8” (the "
                                                    "OneRoster binding requires UTF-8)."))
    except csv.Error as err:
        roster.problem(name, reader.line_num, _("This is not valid CSV (%(why)s).", why=str(err)[:120]))
    except _Bomb:
        raise _too_big() from None
    except zipfile.BadZipFile as err:
        raise RosterRejected([Problem(name, None, _("This file is damaged in the ZIP (%(why)s).",
                                                    why=str(err)[:120]))]) from None


def _read_manifest(roster: Roster, opened: tuple[str, IO[str]]) -> None:
    name = spec.MANIFEST
    properties: dict[str, str] = {}
    for line, fields in _rows(roster, opened):
        if line == 1:
            if tuple(fields) != spec.MANIFEST_HEADER:
                roster.problem(name, 1, _("The first line must be %(header)s.", header="propertyName,value"))
            continue
        if len(fields) != 2:
            roster.problem(name, line, _("Expected 2 fields, found %(count)d.", count=len(fields)))
            continue
        key, value = fields
        if key in properties:
            roster.problem(name, line, _("“%(name)s” is given twice.", name=key))
        properties[key] = value
    version = properties.get("oneroster.version", "")
    if version not in spec.VERSIONS:
        roster.problem(name, None, _("oneroster.version is “%(value)s”; this installation reads 1.2 and 1.1.",
                                     value=version))
    else:
        roster.version = version
    for key, value in properties.items():
        if key.startswith("file."):
            if value not in spec.MODES:
                roster.problem(name, None, _("%(key)s is “%(value)s”; use bulk, delta or absent.", key=key,
                                             value=value))
            else:
                roster.modes[key.removeprefix("file.") + ".csv"] = value


def _check_files(roster: Roster, members: dict[str, zipfile.ZipInfo]) -> None:
    if roster.version == "1.1" and spec.ROLES in members:
        roster.problem(spec.ROLES, None, _("roles.csv is a OneRoster 1.2 file but the manifest says 1.1: a ZIP "
                                           "mixes versions. Export the whole roster as 1.2 (or 1.1)."))
    for name in spec.ROSTER_FILES:
        mode = roster.mode(name)
        if mode != "absent" and name not in members:
            roster.problem(name, None, _("The manifest lists %(file)s as %(mode)s, but the ZIP has no such file.",
                                         file=name, mode=mode))
        elif mode == "absent" and name in members:
            roster.notes.append(_("%(file)s is in the ZIP but the manifest says absent: it was not read.",
                                  file=name))
    if all(roster.mode(name) == "absent" for name in spec.ROSTER_FILES):
        roster.problem(spec.MANIFEST, None, _("The manifest lists none of the roster files (orgs, "
                                              "academicSessions, courses, classes, users, enrollments)."))


def _check_header(roster: Roster, name: str, header: list[str]) -> tuple[str, ...] | None:
    expected = spec.HEADERS[roster.version].get(name)
    if expected is None:  # roles.csv under a 1.1 manifest: reported as a mix already
        return None
    standard, extra = tuple(header[:len(expected)]), header[len(expected):]
    if standard == expected and all(c.startswith(spec.EXTENSION_PREFIX) for c in extra):
        return expected
    other = "1.1" if roster.version == "1.2" else "1.2"
    if tuple(header[:len(spec.HEADERS[other].get(name, ()))]) == spec.HEADERS[other].get(name) != expected:
        roster.problem(name, 1, _("This file has the columns of OneRoster %(other)s but the manifest says "
                                  "%(version)s: a ZIP must not mix versions.", other=other, version=roster.version))
        return None
    for position, column in enumerate(header, start=1):
        want = expected[position - 1] if position <= len(expected) else None
        if column == want:
            continue
        if want is None:
            if not column.startswith(spec.EXTENSION_PREFIX):
                roster.problem(name, 1, _("Column %(n)d “%(column)s” is not a OneRoster column. Extra columns "
                                          "must be named metadata.something.", n=position, column=column))
                return None
        elif column.casefold() == want.casefold():
            roster.problem(name, 1, _("Column %(n)d is “%(column)s”; OneRoster names it “%(want)s” (the case "
                                      "matters).", n=position, column=column, want=want))
            return None
        else:
            roster.problem(name, 1, _("Column %(n)d is “%(column)s” where OneRoster %(version)s expects "
                                      "“%(want)s”. The columns are: %(all)s.", n=position, column=column,
                                      want=want, version=roster.version, all=",".join(expected)))
            return None
    roster.problem(name, 1, _("Columns are missing: %(missing)s.", missing=",".join(expected[len(header):])))
    return None


def _read_file(roster: Roster, name: str, opened: tuple[str, IO[str]]) -> None:
    rows: dict[str, Row] = {}
    roster.rows[name] = rows
    columns: tuple[str, ...] | None = None
    width = 0
    delta = roster.mode(name) == "delta"
    keep = spec.KEEP[name]
    required = spec.REQUIRED_11_USERS if (name == spec.USERS and roster.version == "1.1") else spec.REQUIRED[name]
    for line, fields in _rows(roster, opened):
        if line == 1:
            columns = _check_header(roster, name, fields)
            if columns is None:
                return
            width = len(fields)
            continue
        if not fields:
            continue
        if len(fields) != width:
            roster.problem(name, line, _("Expected %(want)d fields, found %(count)d.", want=width,
                                         count=len(fields)))
            continue
        values = dict(zip(columns, fields))
        sourced_id, status = values["sourcedId"].strip(), values["status"]
        if not sourced_id:
            roster.problem(name, line, _("sourcedId is empty."))
            continue
        if sourced_id in rows:
            roster.problem(name, line, _("sourcedId “%(id)s” is used twice in this file (first on line %(first)d).",
                                         id=sourced_id, first=rows[sourced_id].line))
            continue
        _check_common(roster, name, line, values, delta)
        row = Row(line, sourced_id, status or "active", values)
        if not row.deleted:
            for column in required:
                if not values[column].strip():
                    roster.problem(name, line, _("%(column)s is required.", column=column))
            _check_values(roster, name, row)
        # Only what the import uses is kept (never a password), and only when filled in.
        row.values = {k: v for k, v in values.items() if v and k in keep}
        rows[sourced_id] = row
    if columns is None:
        roster.problem(name, None, _("The file is empty: it needs its header line at least."))


def _check_common(roster: Roster, name: str, line: int, values: dict[str, str], delta: bool) -> None:
    status, modified = values["status"], values["dateLastModified"]
    if status and status not in spec.STATUSES:
        roster.problem(name, line, _("status is “%(value)s”; use active or tobedeleted.", value=status))
    elif delta and not status:
        roster.problem(name, line, _("status is required in a delta file."))
    if modified:
        if "T" not in modified or not _datetime(modified):
            roster.problem(name, line, _("dateLastModified is “%(value)s”; use a date and time such as "
                                         "2026-08-01T12:00:00.000Z.", value=modified))
    elif delta:
        roster.problem(name, line, _("dateLastModified is required in a delta file."))


def _datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _date(roster: Roster, name: str, row: Row, column: str) -> None:
    value = row[column]
    if not value:
        return
    try:
        ok = bool(DATE_RE.fullmatch(value)) and date.fromisoformat(value) is not None
    except ValueError:
        ok = False
    if not ok:
        roster.problem(name, row.line, _("%(column)s is “%(value)s”; use a date such as 2026-08-31 (YYYY-MM-DD).",
                                         column=column, value=value))


def _choice(roster: Roster, name: str, row: Row, column: str, allowed: tuple[str, ...]) -> None:
    value = row[column]
    if value and value not in allowed and not value.startswith(spec.EXTENSION_VALUE_PREFIX):
        roster.problem(name, row.line, _("%(column)s is “%(value)s”; OneRoster allows %(allowed)s.",
                                         column=column, value=value, allowed=", ".join(allowed)))


def _check_values(roster: Roster, name: str, row: Row) -> None:
    v11 = roster.version == "1.1"
    if name == spec.ORGS:
        _choice(roster, name, row, "type", spec.ORG_TYPES)
    elif name == spec.SESSIONS:
        _choice(roster, name, row, "type", spec.SESSION_TYPES)
        _date(roster, name, row, "startDate")
        _date(roster, name, row, "endDate")
        if row["schoolYear"] and not YEAR_RE.fullmatch(row["schoolYear"]):
            roster.problem(name, row.line, _("schoolYear is “%(value)s”; use a year such as 2027.",
                                             value=row["schoolYear"]))
    elif name == spec.CLASSES:
        _choice(roster, name, row, "classType", spec.CLASS_TYPES)
    elif name == spec.USERS:
        _choice(roster, name, row, "enabledUser", spec.BOOLEANS)
        if v11:
            _choice(roster, name, row, "role", spec.USER_ROLES_11)
    elif name == spec.ROLES:
        _choice(roster, name, row, "roleType", spec.ROLE_TYPES)
        _choice(roster, name, row, "role", spec.USER_ROLES_12)
        _date(roster, name, row, "beginDate")
        _date(roster, name, row, "endDate")
    elif name == spec.ENROLLMENTS:
        _choice(roster, name, row, "role", spec.ENROLLMENT_ROLES_11 if v11 else spec.ENROLLMENT_ROLES_12)
        _choice(roster, name, row, "primary", spec.BOOLEANS)
        _date(roster, name, row, "beginDate")
        _date(roster, name, row, "endDate")


def split_ids(value: str) -> list[str]:
    """A list field (``termSourcedIds``, ``orgSourcedIds``): comma-separated ids."""
    return [part.strip() for part in value.split(",") if part.strip()]
