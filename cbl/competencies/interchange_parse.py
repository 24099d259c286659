"""Reading an uploaded competency framework: bytes to text, then CSV or 1EdTech CASE JSON to
a :class:`ParsedFramework`. Every problem found is collected, with where it is (a CSV line,
or a CASE list index and identifier), so the person importing sees them all at once.

Only shape is checked here; :mod:`cbl.competencies.interchange` checks the tree as a whole
(duplicates, parents, cycles, identifiers taken) and writes it."""

import csv
import io
import json
import math
import uuid
from dataclasses import dataclass, field

from flask_babel import gettext as _

# Limits: the columns of the models, and what one upload may hold.
MAX_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 2000
TITLE_MAX = 200          # CompetencyFramework.title
CODE_MAX = 40            # Competency.code
SHORT_NAME_MAX = 120     # Competency.short_name
IDENTIFIER_MAX = 64      # case_identifier of both
DESCRIPTION_MAX = 10_000  # a Text column: a sanity limit, not the database's

CSV_COLUMNS = ("code", "short_name", "description", "parent_code")
# A cell starting with one of these is prefixed with ' on export so that spreadsheets do not
# run it as a formula; import removes that prefix again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file: ``where`` it is ("Line 4", "CFItems[2] (…)",
    or empty for the whole file) and what (both translated)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ParsedCompetency:
    key: str                 # how other rows name it as a parent: the code (CSV) or identifier (CASE)
    code: str                # "" when a CASE item has no humanCodingScheme: one is made up later
    short_name: str
    description: str
    parent_key: str | None
    where: str
    case_identifier: str | None = None
    order: tuple = ()        # sorts siblings
    linked: bool = False     # CASE: an isChildOf association placed it


@dataclass
class ParsedFramework:
    title: str
    description: str = ""
    case_identifier: str | None = None
    items: list[ParsedCompetency] = field(default_factory=list)
    document_key: str | None = None  # CASE: the CFDocument, a parent for top-level items


def decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """The upload as text, or the problems that stop it being read at all."""
    if not data.strip():
        return None, [Problem("", _("The file is empty."))]
    if len(data) > MAX_BYTES:
        return None, [Problem("", _("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return None, [Problem("", _("This is not a UTF-8 text file (it looks like UTF-16 or a binary file). "
                                    "Save it as “CSV UTF-8” or as JSON in UTF-8."))]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        return None, [Problem(_("Line %(line)d", line=line),
                              _("This is not UTF-8 text. Save the file as “CSV UTF-8” or as JSON in UTF-8."))]


def clean(value: str) -> str:
    return value.replace("\x00", "").strip()


def check_length(value: str, limit: int, what: str, where: str, problems: list[Problem]) -> None:
    if len(value) > limit:
        problems.append(Problem(where, _("%(what)s is %(length)d characters long; at most %(limit)d fit.",
                                         what=what, length=len(value), limit=limit)))


# --- CSV -----------------------------------------------------------------------------------

def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that spreadsheets in many languages write instead."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count) if any(c in header for c in ",;\t") else ","


def _unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def parse_csv(text: str, title: str) -> tuple[ParsedFramework, list[Problem]]:
    """A CSV with the header ``code,short_name,description,parent_code`` (description and
    parent_code may be left out); one competency a line, parents named by code."""
    framework, problems = ParsedFramework(title=title), []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    line = 1  # where the record being read starts
    try:
        columns = _csv_header(next(reader, []), problems)
        if columns is None:
            return framework, problems
        line = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                framework.items.append(_csv_row(row, columns, _("Line %(line)d", line=line), problems))
            line = reader.line_num + 1
    except csv.Error as err:
        problems.append(Problem(_("Line %(line)d", line=line), _(
            "This line cannot be read as CSV (%(error)s). Is a quotation mark left open?", error=str(err))))
    if not framework.items and not problems:
        problems.append(Problem("", _("The file lists no competencies.")))
    return framework, problems


def _csv_header(header: list[str], problems: list[Problem]) -> list[str] | None:
    columns = [clean(name).lower() for name in header]
    where = _("Line %(line)d", line=1)
    expected = ", ".join(CSV_COLUMNS)
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    missing = [name for name in ("code", "short_name") if name not in columns]
    if unknown or missing:
        problems.append(Problem(where, _("The first line must name the columns %(expected)s (found: %(found)s).",
                                         expected=expected, found=", ".join(columns) or "—")))
        return None
    if len(set(columns)) != len(columns):
        problems.append(Problem(where, _("A column is named twice in the first line.")))
        return None
    return columns


def _csv_row(row: list[str], columns: list[str], where: str, problems: list[Problem]) -> ParsedCompetency:
    if len(row) > len(columns):
        problems.append(Problem(where, _("This line has %(found)d values, but the first line names %(columns)d "
                                         "columns.", found=len(row), columns=len(columns))))
    values = {name: _unprotect(clean(row[i])) if i < len(row) else "" for i, name in enumerate(columns)}
    code, short_name = values["code"], values["short_name"]
    if not code:
        problems.append(Problem(where, _("The code is missing.")))
    if not short_name:
        problems.append(Problem(where, _("The short name is missing.")))
    check_length(code, CODE_MAX, _("The code"), where, problems)
    check_length(short_name, SHORT_NAME_MAX, _("The short name"), where, problems)
    description = values.get("description", "")
    check_length(description, DESCRIPTION_MAX, _("The description"), where, problems)
    return ParsedCompetency(key=code, code=code, short_name=short_name, description=description,
                            parent_key=values.get("parent_code") or None, where=where)


# --- CASE ----------------------------------------------------------------------------------

def normal_identifier(value: str) -> str:
    """A UUID in its canonical lower-case form (tools differ in case); anything else as given."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _text(obj: dict, name: str, where: str, problems: list[Problem], *, required: bool = False) -> str:
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(where, _("%(field)s is missing.", field=name)))
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        problems.append(Problem(where, _("%(field)s must be text.", field=name)))
        return ""
    return clean(value)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _identifier(obj: dict, where: str, problems: list[Problem]) -> str:
    """The object's identifier in canonical form. CASE requires a UUID (CASE 1.0 §4): any
    other identifier is refused, since nothing else could match it when the file comes again."""
    identifier = _text(obj, "identifier", where, problems, required=True)
    if identifier and not is_uuid(identifier):
        problems.append(Problem(where, _("The identifier “%(value)s” is not a UUID. CASE identifiers are UUIDs, "
                                         "such as 3b0e8d0e-6f7c-4d2a-9a51-cb1000000000.", value=identifier[:80])))
        return identifier[:IDENTIFIER_MAX]
    check_length(identifier, IDENTIFIER_MAX, "identifier", where, problems)
    return normal_identifier(identifier)


def _node_identifier(association: dict, name: str, where: str, problems: list[Problem]) -> str:
    node = association.get(name)
    if not isinstance(node, dict) or not isinstance(node.get("identifier"), str) or not node["identifier"].strip():
        problems.append(Problem(where, _("%(field)s must be an object with an identifier.", field=name)))
        return ""
    return normal_identifier(clean(node["identifier"]))


def _where_item(index: int, identifier: str) -> str:
    return f"CFItems[{index}]" + (f" ({identifier})" if identifier else "")


def parse_case(text: str, title: str) -> tuple[ParsedFramework, list[Problem]]:
    """A 1EdTech CASE package (CFDocument, CFItems, CFAssociations). Fields other tools add
    are ignored; the hierarchy comes from ``isChildOf`` associations, which may point at an
    item or at the document (a top-level item). Items without one are top level."""
    framework, problems = ParsedFramework(title=title), []
    try:
        package = json.loads(text)
    except json.JSONDecodeError as err:
        return framework, [Problem(_("Line %(line)d, column %(column)d", line=err.lineno, column=err.colno),
                                   _("This is not valid JSON (%(error)s).", error=err.msg))]
    except (ValueError, RecursionError):
        return framework, [Problem("", _("This is not valid JSON, or it is nested too deeply."))]
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict) \
            or not isinstance(package.get("CFItems"), list):
        return framework, [Problem("", _("A CASE package is a JSON object with a CFDocument object and a "
                                         "CFItems list."))]
    _case_document(package["CFDocument"], framework, problems)
    items = package["CFItems"]
    if not items:
        problems.append(Problem("CFItems", _("The package lists no competencies.")))
    by_key: dict[str, ParsedCompetency] = {}
    for index, raw in enumerate(items):
        item = _case_item(index, raw, problems)
        if item is not None:
            framework.items.append(item)
            by_key.setdefault(item.key, item)
    associations = package.get("CFAssociations", [])
    if not isinstance(associations, list):
        problems.append(Problem("CFAssociations", _("CFAssociations must be a list.")))
        associations = []
    for index, raw in enumerate(associations):
        _case_association(index, raw, framework, by_key, problems)
    return framework, problems


def _case_document(document: dict, framework: ParsedFramework, problems: list[Problem]) -> None:
    identifier = _identifier(document, "CFDocument", problems)
    framework.case_identifier = framework.document_key = identifier or None
    if not framework.title:
        framework.title = _text(document, "title", "CFDocument", problems, required=True)
    check_length(framework.title, TITLE_MAX, "title", "CFDocument", problems)
    framework.description = _text(document, "description", "CFDocument", problems)
    check_length(framework.description, DESCRIPTION_MAX, "description", "CFDocument", problems)


def _case_item(index: int, raw, problems: list[Problem]) -> ParsedCompetency | None:
    if not isinstance(raw, dict):
        problems.append(Problem(f"CFItems[{index}]", _("Each item must be a JSON object.")))
        return None
    raw_id = raw.get("identifier")
    where = _where_item(index, clean(raw_id)[:IDENTIFIER_MAX] if isinstance(raw_id, str) else "")
    identifier = _identifier(raw, where, problems)
    statement = _text(raw, "fullStatement", where, problems, required=True)
    abbreviated = _text(raw, "abbreviatedStatement", where, problems)
    code = _text(raw, "humanCodingScheme", where, problems)
    check_length(code, CODE_MAX, "humanCodingScheme", where, problems)
    check_length(abbreviated, SHORT_NAME_MAX, "abbreviatedStatement", where, problems)
    check_length(statement, DESCRIPTION_MAX, "fullStatement", where, problems)
    if abbreviated:
        short_name, description = abbreviated, ("" if statement == abbreviated else statement)
    elif len(statement) <= SHORT_NAME_MAX:
        short_name, description = statement, ""
    else:  # a long statement: a short name cut at a word, the whole statement as description
        short_name, description = statement[:SHORT_NAME_MAX - 1].rsplit(" ", 1)[0] + "…", statement
    return ParsedCompetency(key=identifier, code=code, short_name=short_name, description=description,
                            parent_key=None, where=where, case_identifier=identifier or None,
                            order=(_number(raw.get("listEnumeration")), index))


def _number(value) -> float:
    """listEnumeration or sequenceNumber as a number for ordering (unnumbered last)."""
    if isinstance(value, bool):
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.inf
    return number if math.isfinite(number) else math.inf


def _case_association(index: int, raw, framework: ParsedFramework, by_key: dict[str, ParsedCompetency],
                      problems: list[Problem]) -> None:
    where = f"CFAssociations[{index}]"
    if not isinstance(raw, dict):
        problems.append(Problem(where, _("Each association must be a JSON object.")))
        return
    if str(raw.get("associationType", "")).strip().lower() != "ischildof":
        return  # other kinds (exactMatchOf, precedes, …) say nothing about the hierarchy
    if isinstance(raw.get("identifier"), str):
        where += f" ({clean(raw['identifier'])[:IDENTIFIER_MAX]})"
    child_key = _node_identifier(raw, "originNodeURI", where, problems)
    parent_key = _node_identifier(raw, "destinationNodeURI", where, problems)
    if not child_key or not parent_key:
        return
    child = by_key.get(child_key)
    if child is None:
        problems.append(Problem(where, _("Its originNodeURI %(identifier)s is not an item of this package.",
                                         identifier=child_key)))
        return
    if parent_key != framework.document_key and parent_key not in by_key:
        problems.append(Problem(where, _("Its destinationNodeURI %(identifier)s (the parent) is neither an item "
                                         "of this package nor its CFDocument.", identifier=parent_key)))
        return
    new_parent = None if parent_key == framework.document_key else parent_key
    if child.linked:  # a second isChildOf for the same item
        if child.parent_key != new_parent:
            problems.append(Problem(where, _("%(item)s already has a parent; a competency here has one parent.",
                                             item=child.where)))
        return
    child.parent_key, child.linked = new_parent, True
    sequence = _number(raw.get("sequenceNumber"))
    if sequence != math.inf:
        child.order = (sequence, child.order[1])
