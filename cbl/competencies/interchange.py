"""Import and export of competency frameworks: 1EdTech CASE JSON packages and a plain CSV.

- Export writes a CASE package (CFDocument, CFItems, ``isChildOf`` CFAssociations) or a CSV
  with the header ``code,short_name,description,parent_code``. A framework or competency
  without a CASE identifier is given one on its first export, and keeps it, so exporting
  again gives the same identifiers.
- Import reads either format into a new framework; a CASE package whose CFDocument is
  here already updates that framework instead, after a preview (cbl/competencies/reimport.py).
  The whole file is checked before anything is written, every problem is reported with its line
  (CSV) or list index and identifier (CASE), and the framework is written in one
  transaction: a bad file leaves nothing behind.
"""

import csv
import enum
import io
import uuid
from collections import defaultdict
from pathlib import PurePosixPath

from flask_babel import gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cbl.competencies.interchange_parse import (CODE_MAX, CSV_COLUMNS, FORMULA_STARTS, MAX_ITEMS, TITLE_MAX,
                                                ParsedCompetency, ParsedFramework, Problem, clean, decode,
                                                parse_case, parse_csv)
from cbl.competencies.interchange_parse import MAX_BYTES  # noqa: F401  (the views' upload limit)
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.competencies.queries import tree
from cbl.errors import ValidationFailed
from cbl.extensions import db

MAX_DEPTH = 12  # levels of nesting; real frameworks use three to six
CREATOR = "CBL Tracker"


class Format(enum.StrEnum):
    CASE = "case"
    CSV = "csv"


class ImportRejected(ValidationFailed):
    """The uploaded file was not imported; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        super().__init__(ngettext("The file was not imported because of %(num)d problem. Nothing was saved.",
                                  "The file was not imported because of %(num)d problems. Nothing was saved.",
                                  len(problems)), field="file")
        self.problems = problems


# --- import --------------------------------------------------------------------------------

def detect_format(filename: str, data: bytes) -> Format:
    """CASE for a .json name, CSV for .csv; otherwise CASE if the content is a JSON object."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix in (".json", ".csv"):
        return Format.CASE if suffix == ".json" else Format.CSV
    return Format.CASE if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else Format.CSV


def read_file(data: bytes, *, filename: str = "", fmt: Format | None = None, title: str = "") -> ParsedFramework:
    """The uploaded CASE package or CSV file, read and checked as a tree. ``fmt`` None
    recognises the format from the name or content; ``title`` replaces the title in the
    file (a CSV has none: its file name serves otherwise). Raises ImportRejected, listing
    every problem."""
    text, problems = decode(data)
    if text is None:
        raise ImportRejected(problems)
    fmt = fmt or detect_format(filename, data)
    title = clean(title)
    if fmt is Format.CASE:
        parsed, problems = parse_case(text, title)
    else:
        parsed, problems = parse_csv(text, title or _title_from(filename))
    problems += check_tree(parsed)
    if problems:
        raise ImportRejected(problems)
    return parsed


def existing_framework(parsed: ParsedFramework) -> CompetencyFramework | None:
    """The framework already here with the file's CFDocument identifier, if any."""
    if not parsed.case_identifier:
        return None
    return db.session.scalar(select(CompetencyFramework).where(
        CompetencyFramework.case_identifier == parsed.case_identifier))


def import_framework(data: bytes, *, filename: str = "", fmt: Format | None = None,
                     title: str = "") -> CompetencyFramework:
    """Create a new framework from an uploaded CASE package or CSV file and return it.

    Raises ImportRejected, listing every problem, when anything is wrong (a framework
    that is here already is updated through :mod:`cbl.competencies.reimport` instead);
    nothing is saved then."""
    parsed = read_file(data, filename=filename, fmt=fmt, title=title)
    return create_framework(parsed)


def create_framework(parsed: ParsedFramework) -> CompetencyFramework:
    """Save a checked file as a new framework. Raises ImportRejected when its identifiers
    are taken (the framework, or some of its items, is here already)."""
    problems = check_identifiers_free(parsed)
    if problems:
        raise ImportRejected(problems)
    framework = _build(parsed)
    db.session.add(framework)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRejected([Problem("", _("Someone imported the same identifiers a moment ago. Try again "
                                            "to see which."))]) from None
    return framework


def _title_from(filename: str) -> str:
    stem = PurePosixPath(filename.replace("\\", "/")).stem.replace("_", " ").replace("-", " ").strip()
    return stem[:TITLE_MAX] or _("Imported framework")


def check_tree(parsed: ParsedFramework) -> list[Problem]:
    """Problems of the framework as a whole: too many items, codes or identifiers used
    twice, parents that are not in the file, loops, nesting too deep."""
    if len(parsed.items) > MAX_ITEMS:
        return [Problem("", _("The file holds %(count)d competencies; at most %(limit)d can be imported at once.",
                              count=len(parsed.items), limit=MAX_ITEMS))]
    problems: list[Problem] = []
    by_key: dict[str, ParsedCompetency] = {}
    by_code: dict[str, ParsedCompetency] = {}
    for item in parsed.items:
        if item.case_identifier and item.case_identifier == parsed.document_key:
            problems.append(Problem(item.where, _("Its identifier is the CFDocument's identifier.")))
        if item.key and item.key in by_key and item.case_identifier:
            problems.append(Problem(item.where, _("The identifier %(value)s is used twice; first at %(other)s.",
                                                  value=item.key, other=by_key[item.key].where)))
        if item.code and item.code in by_code:
            problems.append(Problem(item.where, _("The code “%(value)s” is used twice; first at %(other)s.",
                                                  value=item.code, other=by_code[item.code].where)))
        by_key.setdefault(item.key, item)
        by_code.setdefault(item.code, item)
    for item in parsed.items:
        if item.parent_key is not None and item.parent_key not in by_key:
            problems.append(Problem(item.where, _("Its parent “%(value)s” is not in the file.",
                                                  value=item.parent_key)))
    problems += _loops_and_depth(parsed.items, by_key)
    return problems


def _loops_and_depth(items: list[ParsedCompetency], by_key: dict[str, ParsedCompetency]) -> list[Problem]:
    """Walk up from each item, remembering the depth of every item walked (1 for top level,
    0 for an item in or under a loop): a walk that meets itself is a loop; a chain of
    parents longer than MAX_DEPTH is too deep."""
    depth: dict[int, int] = {}
    problems: list[Problem] = []
    for start in items:
        path: list[ParsedCompetency] = []
        on_path: set[int] = set()
        node: ParsedCompetency | None = start
        while node is not None and id(node) not in depth and id(node) not in on_path:
            path.append(node)
            on_path.add(id(node))
            node = by_key.get(node.parent_key) if node.parent_key is not None else None
        base, under_loop = 0, False
        if node is not None and id(node) in depth:
            base = depth[id(node)]
            under_loop = base == 0
        elif node is not None:  # the walk met itself: the loop runs from node back to node
            cut = next(i for i, item in enumerate(path) if item is node)
            names = " → ".join(item.code or item.key for item in [*path[cut:], node])
            for item in path[cut:]:
                depth[id(item)] = 0
                problems.append(Problem(item.where, _("Its parents loop back to it (%(loop)s).", loop=names)))
            path, under_loop = path[:cut], True
        for item in reversed(path):
            base = 0 if under_loop else base + 1
            depth[id(item)] = base
            if base == MAX_DEPTH + 1:
                problems.append(Problem(item.where, _("It is nested more than %(limit)d levels deep.",
                                                      limit=MAX_DEPTH)))
    return problems


def check_identifiers_free(parsed: ParsedFramework, updating: CompetencyFramework | None = None) -> list[Problem]:
    """Identifiers in the file that a framework or competency already here carries
    (``updating``: the framework the file updates, whose own identifiers are not taken)."""
    problems: list[Problem] = []
    if parsed.case_identifier and updating is None:
        taken = db.session.scalar(select(CompetencyFramework.title).where(
            CompetencyFramework.case_identifier == parsed.case_identifier))
        if taken is not None:
            problems.append(Problem("CFDocument", _("This framework is already here as “%(title)s”; a framework "
                                                    "is imported once.", title=taken)))
    wanted = [item for item in parsed.items if item.case_identifier]
    for start in range(0, len(wanted), 500):
        chunk = {item.case_identifier: item for item in wanted[start:start + 500]}
        rows = db.session.execute(select(Competency.case_identifier, CompetencyFramework.title)
                                  .join(CompetencyFramework, CompetencyFramework.id == Competency.framework_id)
                                  .where(Competency.case_identifier.in_(chunk),
                                         Competency.framework_id != (updating.id if updating else 0)))
        taken = {identifier: title for identifier, title in rows}
        for identifier, item in chunk.items():
            if identifier in taken:
                problems.append(Problem(item.where, _(
                    "Its identifier is already used by a competency of “%(title)s”.", title=taken[identifier])))
    return problems


def _build(parsed: ParsedFramework) -> CompetencyFramework:
    """The new framework, parents before children, siblings in the file's order."""
    framework = CompetencyFramework(title=parsed.title, description=parsed.description,
                                    case_identifier=parsed.case_identifier)
    children: dict[str | None, list[ParsedCompetency]] = defaultdict(list)
    for item in parsed.items:
        children[item.parent_key].append(item)
    used_codes = {item.code for item in parsed.items if item.code}
    queue: list[tuple[str | None, Competency | None]] = [(None, None)]
    while queue:
        parent_key, parent = queue.pop(0)
        for position, item in enumerate(sorted(children.get(parent_key, []), key=lambda i: i.order)):
            code = item.code or _made_up_code(parent.code if parent else "", position, used_codes)
            competency = Competency(code=code, short_name=item.short_name, description=item.description,
                                    case_identifier=item.case_identifier, position=position, parent=parent)
            framework.competencies.append(competency)
            queue.append((item.key, competency))
    return framework


def _made_up_code(parent_code: str, position: int, used: set[str]) -> str:
    """A code for a CASE item that has no humanCodingScheme: its place in the tree ("2.3")."""
    base = f"{parent_code}.{position + 1}" if parent_code else str(position + 1)
    candidate, n = base[-CODE_MAX:], 2
    while candidate in used:
        suffix = f"-{n}"
        candidate, n = base[-(CODE_MAX - len(suffix)):] + suffix, n + 1
    used.add(candidate)
    return candidate


# --- export --------------------------------------------------------------------------------

def ensure_identifiers(framework: CompetencyFramework) -> None:
    """Give the framework and its competencies a CASE identifier where they lack one, and
    save them, so every export carries the same identifiers. Competencies get UUIDs derived
    from the framework's identifier and their code (the default framework's are then the
    same in every school), or random ones should such a UUID be taken already."""
    changed = False
    if not framework.case_identifier:
        framework.case_identifier, changed = str(uuid.uuid4()), True
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "cbl-tracker:" + framework.case_identifier)
    missing = [c for c in framework.competencies if not c.case_identifier]
    if missing:
        wanted = {str(uuid.uuid5(namespace, c.code)): c for c in missing}
        taken = set(db.session.scalars(select(Competency.case_identifier)
                                       .where(Competency.case_identifier.in_(wanted))))
        for identifier, competency in wanted.items():
            competency.case_identifier = identifier if identifier not in taken else str(uuid.uuid4())
        changed = True
    if changed:
        db.session.commit()


def case_package(framework: CompetencyFramework, *, document_url: str) -> dict:
    """The framework as a CASE package (a dict ready for JSON). ``document_url`` is the
    framework's page; items and associations get URIs under it."""
    ensure_identifiers(framework)
    changed = framework.created_at.isoformat(timespec="seconds")
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "cbl-tracker:" + framework.case_identifier)
    document_link = {"identifier": framework.case_identifier, "uri": document_url, "title": framework.title}
    items, associations = [], []
    for competency, depth in tree(framework):
        link = _link(competency, document_url)
        items.append({
            "identifier": competency.case_identifier, "uri": link["uri"], "CFDocumentURI": document_link,
            "fullStatement": competency.description or competency.short_name,
            "abbreviatedStatement": competency.short_name, "humanCodingScheme": competency.code,
            "CFItemType": "Strand" if depth == 0 else "Competency",
            "listEnumeration": str(competency.position + 1), "lastChangeDateTime": changed,
        })
        identifier = str(uuid.uuid5(namespace, "isChildOf:" + competency.case_identifier))
        associations.append({
            "identifier": identifier, "uri": f"{document_url}#association-{identifier}",
            "CFDocumentURI": document_link, "associationType": "isChildOf", "originNodeURI": link,
            "destinationNodeURI": _link(competency.parent, document_url) if competency.parent else document_link,
            "sequenceNumber": competency.position + 1, "lastChangeDateTime": changed,
        })
    document = {"identifier": framework.case_identifier, "uri": document_url, "creator": CREATOR,
                "title": framework.title, "description": framework.description, "lastChangeDateTime": changed,
                "CFPackageURI": document_link}
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def _link(competency: Competency, document_url: str) -> dict:
    return {"identifier": competency.case_identifier, "uri": f"{document_url}#{competency.case_identifier}",
            "title": competency.label}


def export_csv(framework: CompetencyFramework) -> str:
    """The framework as CSV, parents before children, with a byte-order mark so that
    spreadsheets read it as UTF-8. Cells that a spreadsheet would run as a formula are
    prefixed with ' (import takes it off again)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for competency, _depth in tree(framework):
        writer.writerow([_protect(value) for value in (
            competency.code, competency.short_name, competency.description,
            competency.parent.code if competency.parent else "")])
    return "\ufeff" + buffer.getvalue()


def _protect(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value
