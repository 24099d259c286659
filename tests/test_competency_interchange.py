"""Competency frameworks in and out: 1EdTech CASE JSON and CSV, through the service and the views.

A bad file is refused whole: every problem is named with its line (CSV) or its list index
and identifier (CASE), and no framework is left behind."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from cbl.accounts.models import Role
from cbl.competencies import interchange
from cbl.competencies.interchange import Format, ImportRejected
from cbl.competencies.models import Competency, CompetencyFramework
from cbl.competencies.queries import tree
from cbl.competencies.services import install_default_framework
from cbl.extensions import db
from tests import factories

URL = "https://school.example/competencies/1"
HEADER = "code,short_name,description,parent_code\n"


def _frameworks() -> int:
    return db.session.scalar(select(func.count()).select_from(CompetencyFramework))


def _shape(framework: CompetencyFramework) -> list[tuple]:
    return [(c.code, c.parent.code if c.parent else None, c.short_name, c.description, depth)
            for c, depth in tree(framework)]


def _rejected(data: bytes | str, **kwargs) -> list[str]:
    """Import a bad file; return its problems as text, after checking nothing was saved."""
    before = _frameworks()
    with pytest.raises(ImportRejected) as caught:
        interchange.import_framework(data.encode() if isinstance(data, str) else data, **kwargs)
    assert _frameworks() == before
    return [str(problem) for problem in caught.value.problems]


# --- export and round trips ------------------------------------------------------------------

def test_case_export_round_trips_to_the_same_tree_codes_and_identifiers():
    original = install_default_framework()
    package = interchange.case_package(original, document_url=URL)
    shape = _shape(original)
    identifiers = {c.code: c.case_identifier for c in original.competencies}
    db.session.delete(original)
    db.session.commit()

    imported = interchange.import_framework(json.dumps(package).encode(), filename="framework.json")
    assert imported.title == "CBL Tracker cross-curricular competencies"
    assert imported.case_identifier == package["CFDocument"]["identifier"]
    assert _shape(imported) == shape
    assert {c.code: c.case_identifier for c in imported.competencies} == identifiers


def test_case_export_has_the_document_items_and_child_associations():
    framework = install_default_framework()
    package = interchange.case_package(framework, document_url=URL)
    document = package["CFDocument"]
    assert {"identifier", "uri", "title", "creator", "lastChangeDateTime", "CFPackageURI"} <= set(document)
    assert len(package["CFItems"]) == len(framework.competencies) == len(package["CFAssociations"])
    strand = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "CT")
    child = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "CT.2")
    assert child["abbreviatedStatement"] == "Weighs evidence"
    assert child["fullStatement"].startswith("Compares sources")
    assert (strand["CFItemType"], child["CFItemType"], child["listEnumeration"]) == ("Strand", "Competency", "2")
    parents = {a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
               for a in package["CFAssociations"] if a["associationType"] == "isChildOf"}
    assert parents[child["identifier"]] == strand["identifier"]
    assert parents[strand["identifier"]] == document["identifier"]


def test_export_gives_identifiers_once_and_keeps_them():
    framework = CompetencyFramework(title="Local", competencies=[Competency(code="A", short_name="Alpha")])
    db.session.add(framework)
    db.session.commit()
    first = interchange.case_package(framework, document_url=URL)
    db.session.expire_all()
    stored = db.session.get(CompetencyFramework, framework.id)
    assert stored.case_identifier == first["CFDocument"]["identifier"]
    assert stored.competencies[0].case_identifier == first["CFItems"][0]["identifier"]
    assert interchange.case_package(stored, document_url=URL) == first


def test_csv_round_trips_to_the_same_tree_and_codes():
    original = install_default_framework()
    text = interchange.export_csv(original)
    assert text.startswith("\ufeff" + HEADER.strip())
    imported = interchange.import_framework(text.encode("utf-8"), filename="school_skills.csv")
    assert imported.id != original.id
    assert imported.title == "school skills"
    assert _shape(imported) == _shape(original)


def test_csv_export_keeps_spreadsheets_from_running_formulas_and_import_restores_them():
    framework = CompetencyFramework(title="Risky", competencies=[
        Competency(code="R1", short_name="=HYPERLINK(\"http://evil\")", description="-starts with a dash")])
    db.session.add(framework)
    db.session.commit()
    text = interchange.export_csv(framework)
    row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
    assert row[1].startswith("'=") and row[2].startswith("'-")
    imported = interchange.import_framework(text.encode(), fmt=Format.CSV, title="Copy")
    assert imported.competencies[0].short_name == "=HYPERLINK(\"http://evil\")"
    assert imported.competencies[0].description == "-starts with a dash"


# --- a CASE package from another tool ------------------------------------------------------

DOC = "c5fb0a2e-2a1c-4a0f-9b6e-000000000001"
ITEMS = {name: f"c5fb0a2e-2a1c-4a0f-9b6e-0000000001{n:02d}" for n, name in enumerate(
    ["science", "inquiry", "questions", "evidence", "engineering", "design"])}


def _node(identifier: str, title: str = "") -> dict:
    return {"identifier": identifier, "uri": f"https://case.example/uri/{identifier}", "title": title}


def _child_of(n: int, child: str, parent: str, **extra) -> dict:
    return {"identifier": f"a5fb0a2e-2a1c-4a0f-9b6e-0000000002{n:02d}", "associationType": "isChildOf",
            "uri": f"https://case.example/uri/assoc{n}", "originNodeURI": _node(child),
            "destinationNodeURI": _node(parent), "lastChangeDateTime": "2023-04-01T10:00:00+00:00", **extra}


def realistic_package() -> dict:
    """A CASE 1.0 package the way framework-publishing tools write one: extra fields,
    CFDefinitions, a grouping item without a code, statements without an abbreviation,
    associations of other kinds, and ordering by sequenceNumber rather than file order."""
    long_statement = ("Plan and carry out investigations individually and collaboratively to produce data that "
                      "serve as the basis for evidence, deciding on the number of trials and controls.")
    return {
        "CFDocument": {
            "identifier": DOC, "uri": f"https://case.example/uri/{DOC}", "creator": "State Department of Education",
            "title": "Science practices", "lastChangeDateTime": "2023-04-01T10:00:00+00:00",
            "officialSourceURL": "https://state.example/science", "language": "en", "adoptionStatus": "Adopted",
            "CFPackageURI": _node(DOC, "Science practices"), "subject": ["Science"],
        },
        "CFItems": [
            {"identifier": ITEMS["questions"], "fullStatement": "Ask questions that can be investigated.",
             "humanCodingScheme": "SP.1.a", "CFItemType": "Standard", "educationLevel": ["06", "07", "08"],
             "lastChangeDateTime": "2023-04-01T10:00:00+00:00"},
            {"identifier": ITEMS["science"], "fullStatement": "Scientific and engineering practices",
             "CFItemType": "Domain", "listEnumeration": "1", "uri": "https://case.example/uri/science"},
            {"identifier": ITEMS["evidence"], "fullStatement": long_statement, "humanCodingScheme": "SP.1.b",
             "CFItemTypeURI": {"identifier": "t1", "uri": "https://case.example/t1", "title": "Standard"}},
            {"identifier": ITEMS["inquiry"].upper(), "fullStatement": "Scientific inquiry: asking and investigating.",
             "abbreviatedStatement": "Inquiry", "humanCodingScheme": "SP.1", "notes": "Grades 6–8"},
            {"identifier": ITEMS["engineering"], "fullStatement": "Engineering design",
             "humanCodingScheme": "SP.2", "abbreviatedStatement": "Engineering design"},
            {"identifier": ITEMS["design"], "fullStatement": "Design a solution and test it.",
             "humanCodingScheme": "SP.2.a"},
        ],
        "CFAssociations": [
            _child_of(1, ITEMS["science"], DOC, sequenceNumber=1),
            _child_of(2, ITEMS["engineering"], ITEMS["science"], sequenceNumber=2),
            _child_of(3, ITEMS["inquiry"], ITEMS["science"], sequenceNumber=1),
            _child_of(4, ITEMS["evidence"], ITEMS["inquiry"], sequenceNumber=2),
            _child_of(5, ITEMS["questions"], ITEMS["inquiry"].upper(), sequenceNumber=1),
            _child_of(6, ITEMS["design"], ITEMS["engineering"]),
            {"identifier": "x1", "associationType": "exactMatchOf", "originNodeURI": _node(ITEMS["design"]),
             "destinationNodeURI": _node("0f0f0f0f-0000-0000-0000-000000000000", "Elsewhere")},
        ],
        "CFDefinitions": {"CFItemTypes": [{"identifier": "t1", "title": "Standard"}]},
    }


def test_realistic_case_package_from_another_tool_is_imported_with_its_hierarchy():
    framework = interchange.import_framework(json.dumps(realistic_package()).encode(), filename="science.json")
    assert (framework.title, framework.case_identifier) == ("Science practices", DOC)
    shape = [(code, parent, depth) for code, parent, _name, _description, depth in _shape(framework)]
    assert shape == [("1", None, 0), ("SP.1", "1", 1), ("SP.1.a", "SP.1", 2), ("SP.1.b", "SP.1", 2),
                     ("SP.2", "1", 1), ("SP.2.a", "SP.2", 2)]
    by_code = {c.code: c for c in framework.competencies}
    assert by_code["SP.1"].short_name == "Inquiry"
    assert by_code["SP.1"].description == "Scientific inquiry: asking and investigating."
    assert by_code["SP.1"].case_identifier == ITEMS["inquiry"]  # upper-case UUIDs are kept canonical
    evidence = by_code["SP.1.b"]
    assert len(evidence.short_name) <= 120 and evidence.short_name.endswith("…")
    assert evidence.description.startswith("Plan and carry out") and evidence.description.endswith("controls.")
    assert by_code["1"].short_name == "Scientific and engineering practices"


def test_a_package_wrapped_in_cfpackage_and_without_associations_is_flat():
    package = realistic_package()
    del package["CFAssociations"]
    framework = interchange.import_framework(json.dumps({"CFPackage": package}).encode(), fmt=Format.CASE,
                                             title="Flat science")
    assert framework.title == "Flat science"
    assert all(c.parent_id is None for c in framework.competencies)
    assert len(framework.competencies) == 6


# --- bad CSV files -------------------------------------------------------------------------

def test_csv_problems_are_all_listed_with_their_lines():
    problems = _rejected(HEADER + "A,Alpha,,\n"       # line 2: fine
                         "B,,,A\n"                      # line 3: no short name
                         "A,Again,,\n"                  # line 4: code used twice
                         "C,Gamma,,Z\n"                 # line 5: unknown parent
                         "\n"                           # line 6: blank, skipped
                         f"{'D' * 41},Delta,,\n",       # line 7: code too long
                         filename="skills.csv")
    assert problems == ["Line 3: The short name is missing.",
                        "Line 7: The code is 41 characters long; at most 40 fit.",
                        "Line 4: The code “A” is used twice; first at Line 2.",
                        "Line 5: Its parent “Z” is not in the file."]


def test_csv_cycle_is_refused_naming_each_line_in_it():
    problems = _rejected(HEADER + "A,Alpha,,C\nB,Beta,,A\nC,Gamma,,B\nD,Delta,,D\n", filename="loop.csv")
    assert "Line 2: Its parents loop back to it (A → C → B → A)." in problems
    assert any(p.startswith("Line 3: Its parents loop back") for p in problems)
    assert any(p.startswith("Line 4: Its parents loop back") for p in problems)
    assert "Line 5: Its parents loop back to it (D → D)." in problems


def test_csv_nested_too_deep_is_refused():
    rows = "".join(f"L{n},Level {n},,{'L' + str(n - 1) if n else ''}\n" for n in range(14))
    problems = _rejected(HEADER + rows, filename="deep.csv")
    assert problems == ["Line 14: It is nested more than 12 levels deep."]


def test_csv_in_another_encoding_is_refused_with_the_line():
    data = (HEADER + "A,Alpha,,\nB,Bücher,,\n").encode("latin-1")
    assert _rejected(data, filename="latin.csv") == [
        "Line 3: This is not UTF-8 text. Save the file as “CSV UTF-8” or as JSON in UTF-8."]
    assert "UTF-16" in _rejected((HEADER + "A,Alpha,,\n").encode("utf-16"), filename="u16.csv")[0]


def test_malformed_csv_is_refused_with_the_line():
    problems = _rejected(HEADER + "A,Alpha,,\nB,\"Beta\"x,,\n", filename="bad.csv")
    assert len(problems) == 1 and problems[0].startswith("Line 3: This line cannot be read as CSV")
    problems = _rejected(HEADER + "A,Alpha,,\nB,\"Beta,,\nC,Gamma,,\n", filename="open.csv")
    assert problems[0].startswith("Line 3: This line cannot be read as CSV")


def test_csv_with_a_wrong_header_or_too_many_values_is_refused():
    assert _rejected("id,name\nA,Alpha\n", filename="x.csv") == [
        "Line 1: The first line must name the columns code, short_name, description, parent_code (found: id, name)."]
    assert _rejected(HEADER + "A,Alpha,,,extra\n", filename="x.csv") == [
        "Line 2: This line has 5 values, but the first line names 4 columns."]
    assert _rejected(HEADER, filename="x.csv") == ["The file lists no competencies."]


def test_semicolon_separated_csv_from_a_spreadsheet_is_read():
    framework = interchange.import_framework("code;short_name;description;parent_code\nA;Alpha;Uno, dos;\n"
                                             "A.1;Sub;;A\n".encode(), filename="hoja.csv")
    assert _shape(framework) == [("A", None, "Alpha", "Uno, dos", 0), ("A.1", "A", "Sub", "", 1)]


def test_too_many_rows_and_too_large_files_are_refused():
    rows = "".join(f"C{n},Competency {n},,\n" for n in range(2001))
    assert _rejected(HEADER + rows, filename="many.csv") == [
        "The file holds 2001 competencies; at most 2000 can be imported at once."]
    huge = HEADER + "A,Alpha," + "x" * (2 * 1024 * 1024) + ",\n"
    assert _rejected(huge, filename="huge.csv") == ["The file is larger than 2 MB."]
    assert _rejected(b"   \n", filename="empty.csv") == ["The file is empty."]


# --- bad CASE packages ---------------------------------------------------------------------

def test_malformed_json_is_refused_with_its_line_and_column():
    problems = _rejected('{\n  "CFDocument": {,\n}', filename="bad.json")
    assert len(problems) == 1 and problems[0].startswith("Line 2, column 18: This is not valid JSON")
    assert _rejected("[1, 2]", fmt=Format.CASE) == [
        "A CASE package is a JSON object with a CFDocument object and a CFItems list."]
    assert "nested too deeply" in _rejected("[" * 100_000 + "]" * 100_000, fmt=Format.CASE)[0]


def test_case_problems_are_all_listed_with_index_and_identifier():
    package = realistic_package()
    items = package["CFItems"]
    del items[0]["fullStatement"]                                    # CFItems[0]: missing statement
    items[2]["humanCodingScheme"] = "X" * 41                         # CFItems[2]: code too long
    items[5]["identifier"] = ITEMS["engineering"]                    # CFItems[5]: identifier used twice
    items.append("not an item")                                      # CFItems[6]
    items.append({"identifier": "77777777-0000-4000-8000-000000000007", "fullStatement": "Also SP.2",
                  "humanCodingScheme": "SP.2"})                      # CFItems[7]: code used twice
    package["CFAssociations"].append(_child_of(8, ITEMS["questions"], "99999999-0000-4000-8000-000000000000"))
    package["CFAssociations"].append(_child_of(9, "88888888-0000-4000-8000-000000000000", ITEMS["science"]))
    problems = _rejected(json.dumps(package), filename="science.json")
    q, e = ITEMS["questions"], ITEMS["evidence"]
    expected = [
        f"CFItems[0] ({q}): fullStatement is missing.",
        f"CFItems[2] ({e}): humanCodingScheme is 41 characters long; at most 40 fit.",
        "CFItems[6]: Each item must be a JSON object.",
        f"CFAssociations[7] (a5fb0a2e-2a1c-4a0f-9b6e-000000000208): Its destinationNodeURI "
        "99999999-0000-4000-8000-000000000000 (the parent) is neither an item of this package nor its CFDocument.",
        f"CFAssociations[5] (a5fb0a2e-2a1c-4a0f-9b6e-000000000206): Its originNodeURI {ITEMS['design']} is not an "
        "item of this package.",  # the design item's identifier was changed above
        "CFAssociations[8] (a5fb0a2e-2a1c-4a0f-9b6e-000000000209): Its originNodeURI "
        "88888888-0000-4000-8000-000000000000 is not an item of this package.",
        f"CFItems[5] ({ITEMS['engineering']}): The identifier {ITEMS['engineering']} is used twice; "
        f"first at CFItems[4] ({ITEMS['engineering']}).",
        "CFItems[7] (77777777-0000-4000-8000-000000000007): The code “SP.2” is used twice; "
        f"first at CFItems[4] ({ITEMS['engineering']}).",
    ]
    assert sorted(problems) == sorted(expected)


def test_case_cycles_and_second_parents_are_refused():
    package = realistic_package()
    package["CFAssociations"][0] = _child_of(1, ITEMS["science"], ITEMS["design"])  # science under its grandchild
    package["CFAssociations"].append(_child_of(10, ITEMS["questions"], ITEMS["engineering"]))
    problems = _rejected(json.dumps(package), filename="science.json")
    science = ITEMS["science"]  # it has no code, so the loop names it by its identifier
    assert f"CFItems[1] ({science}): Its parents loop back to it ({science} → SP.2.a → SP.2 → {science})." \
        in problems
    assert any(p.startswith("CFAssociations[7]") and "already has a parent" in p for p in problems)


def test_missing_document_fields_are_refused():
    package = realistic_package()
    del package["CFDocument"]["identifier"]
    del package["CFDocument"]["title"]
    problems = _rejected(json.dumps(package), filename="science.json")
    assert "CFDocument: identifier is missing." in problems
    assert "CFDocument: title is missing." in problems


def test_identifiers_already_used_by_another_framework_are_refused():
    interchange.import_framework(json.dumps(realistic_package()).encode(), filename="science.json")
    assert _frameworks() == 1
    again = realistic_package()
    problems = _rejected(json.dumps(again), filename="science.json")
    assert problems[0] == "CFDocument: This framework is already here as “Science practices”; a framework is " \
                          "imported once."
    assert len(problems) == 7  # the document and each of its six items
    again["CFDocument"]["identifier"] = "d0d0d0d0-0000-4000-8000-000000000000"
    again["CFAssociations"][0]["destinationNodeURI"]["identifier"] = "d0d0d0d0-0000-4000-8000-000000000000"
    problems = _rejected(json.dumps(again), filename="science.json")
    assert f"CFItems[1] ({ITEMS['science']}): Its identifier is already used by a competency of " \
           "“Science practices”." in problems


FIELDS = ["identifier", "title", "fullStatement", "abbreviatedStatement", "humanCodingScheme", "listEnumeration",
          "associationType", "originNodeURI", "destinationNodeURI", "sequenceNumber", "description"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300) | st.floats()
    | st.sampled_from(["isChildOf", DOC, ITEMS["science"], "", "\x00", "x" * 70]) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4),
    max_leaves=12)
nodes = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes, st.lists(nodes | json_values, max_size=4), st.lists(nodes | json_values, max_size=4))
def test_any_json_package_is_imported_or_refused_never_crashes(document, items, associations):
    package = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    try:
        interchange.import_framework(json.dumps(package).encode(), fmt=Format.CASE)
    except ImportRejected as err:
        assert err.problems and all(str(problem) for problem in err.problems)



@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(["A", "B", "", "A.1", '"', "'=1", "x" * 45, ";", "\n", "é"])
                         | st.text(max_size=8), max_size=5), max_size=6))
def test_any_csv_is_imported_or_refused_never_crashes(rows):
    text = HEADER + "\n".join(",".join(cells) for cells in rows)
    try:
        interchange.import_framework(text.encode(), filename="fuzz.csv")
    except ImportRejected as err:
        assert err.problems and all(str(problem) for problem in err.problems)


# --- views ---------------------------------------------------------------------------------

def _upload(client, data: bytes, filename: str, **fields):
    return client.post("/competencies/import", data={"file": (io.BytesIO(data), filename), "format": "auto",
                                                     "title": "", **fields}, content_type="multipart/form-data")


def test_admin_imports_a_csv_and_a_case_file_through_the_form(client, auth):
    auth.as_user(factories.make_user(Role.ADMIN))
    assert "Import a competency framework" in client.get("/competencies/import").get_data(as_text=True)
    response = _upload(client, (HEADER + "A,Alpha,The first,\nA.1,Sub,,A\n").encode(), "local.csv",
                       title="Local skills")
    assert response.status_code == 302
    framework = db.session.scalar(select(CompetencyFramework).where(CompetencyFramework.title == "Local skills"))
    assert response.headers["Location"].endswith(f"/competencies/{framework.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alpha" in page and "Sub" in page and "The first" in page

    response = _upload(client, json.dumps(realistic_package()).encode(), "science.json")
    assert response.status_code == 302
    assert _frameworks() == 2


def test_a_bad_upload_lists_its_problems_on_the_form_and_saves_nothing(client, auth):
    auth.as_user(factories.make_user(Role.ADMIN))
    response = _upload(client, (HEADER + "A,,,\nA,Again,,Z\n").encode(), "bad.csv")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file was not imported because of 3 problems. Nothing was saved." in page
    assert 'aria-describedby="file-hint file-error import-problems"' in page
    assert "<strong>Line 2</strong>: The short name is missing." in page
    assert "<strong>Line 3</strong>: Its parent “Z” is not in the file." in page
    assert _frameworks() == 0


def test_the_upload_form_refuses_a_missing_file_and_hostile_fields(client, auth):
    auth.as_user(factories.make_user(Role.ADMIN))
    response = client.post("/competencies/import", data={"format": "csv", "title": ""})
    assert response.status_code == 400 and "Choose a file to import." in response.get_data(as_text=True)
    for fields in ({"format": "x\x00y"}, {"title": "t" * 200_000}, {"format": "99999999999999999999"}):
        assert _upload(client, b"\x00\xff" * 10, "x.bin", **fields).status_code == 400
    assert _upload(client, b"\x00\xff" * 10, "x.bin").status_code == 400
    assert _upload(client, "🌧️ <script>alert(1)</script>".encode(), "x.json").status_code == 400
    assert _frameworks() == 0


def test_teachers_read_and_download_but_do_not_import(client, auth):
    framework = install_default_framework()
    auth.as_user(factories.make_user(Role.TEACHER))
    page = client.get("/competencies").get_data(as_text=True)
    assert "CBL Tracker cross-curricular competencies" in page and "Weighs evidence" in page
    assert "Import a framework" not in page
    assert '<a href="/competencies">Competencies</a>' in page  # in the main navigation
    assert _upload(client, (HEADER + "A,Alpha,,\n").encode(), "a.csv").status_code == 403
    assert client.get("/competencies/999999").status_code == 404
    assert client.get("/competencies/999999/export.json").status_code == 404

    response = client.get(f"/competencies/{framework.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    package = json.loads(response.get_data(as_text=True))
    assert package["CFDocument"]["uri"] == f"http://localhost/competencies/{framework.id}"
    assert len(package["CFItems"]) == 20

    response = client.get(f"/competencies/{framework.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="CBL-Tracker-cross-curricular-competencies.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["code", "short_name", "description", "parent_code"]
    assert ["COL.1", "Shares the work", "Takes on a fair part of the team's work and follows through on it.",
            "COL"] in rows


def test_students_and_partners_are_turned_away(client, auth):
    framework = install_default_framework()
    for role in (Role.STUDENT, Role.PARTNER):
        auth.as_user(factories.make_user(role))
        assert client.get("/competencies").status_code == 403
        assert '<a href="/competencies">' not in client.get("/account").get_data(as_text=True)
        assert client.get(f"/competencies/{framework.id}/export.csv").status_code == 403
