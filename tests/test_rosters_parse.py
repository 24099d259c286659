"""The OneRoster CSV reader is strict: every bad input of issue 11 gets a clear problem that
names its file (and line), and nothing is saved. The files are written from the spec."""

import io
import time
import zipfile

import pytest

from cbl.accounts.models import User
from cbl.extensions import db
from cbl.rosters import spec
from cbl.rosters.parse import MAX_MEMBERS, RosterRejected, read_zip
from cbl.rosters.plan import make_plan
from cbl.teams.models import Classroom
from tests import oneroster_files as of


def _plan(data: bytes):
    return make_plan(read_zip(io.BytesIO(data)))


def _messages(plan) -> list[str]:
    return [f"{p.where}: {p.message}" for p in plan.problems]


def test_the_sample_district_reads_without_problems(app):
    plan = _plan(of.zip_bytes(of.small_district()))
    assert _messages(plan) == []
    assert plan.roster.version == "1.2"


def test_a_zip_without_manifest_is_refused(app):
    files = of.small_district()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(spec.USERS, of.csv_text(files[spec.USERS]))
    with pytest.raises(RosterRejected, match="no manifest.csv"):
        read_zip(io.BytesIO(buffer.getvalue()))


def test_something_that_is_not_a_zip_is_refused(app):
    with pytest.raises(RosterRejected, match="not a ZIP"):
        read_zip(io.BytesIO(b"sourcedId,status\n"))


def test_a_file_the_manifest_lists_but_the_zip_lacks_is_named(app):
    files = of.small_district()
    data = of.zip_bytes({k: v for k, v in files.items() if k != spec.CLASSES}, modes={spec.CLASSES: "bulk"})
    plan = _plan(data)
    assert any("classes.csv" in m and "no such file" in m for m in _messages(plan))


def test_extra_columns_are_refused_unless_they_are_metadata_extensions(app):
    files = of.small_district()
    header = [*spec.HEADERS_12[spec.ORGS], "nickname"]
    plan = _plan(of.zip_bytes(files, headers={spec.ORGS: header}))
    assert any(m.startswith("orgs.csv, line 1") and "“nickname” is not a OneRoster column" in m
               for m in _messages(plan))
    header = [*spec.HEADERS_12[spec.ORGS], "metadata.region"]
    files[spec.ORGS] = [{**r, "metadata.region": "north"} for r in files[spec.ORGS]]
    assert _messages(_plan(of.zip_bytes(files, headers={spec.ORGS: header}))) == []


def test_a_header_in_the_wrong_case_is_refused(app):
    header = list(spec.HEADERS_12[spec.USERS])
    header[0] = "SourcedId"
    files = of.small_district()
    files[spec.USERS] = [{("SourcedId" if k == "sourcedId" else k): v for k, v in r.items()} for r in files[spec.USERS]]
    plan = _plan(of.zip_bytes(files, headers={spec.USERS: header}))
    assert "users.csv, line 1: Column 1 is “SourcedId”; OneRoster names it “sourcedId” (the case matters)." \
        in _messages(plan)


def test_columns_out_of_order_are_refused(app):
    header = list(spec.HEADERS_12[spec.CLASSES])
    header[3], header[4] = header[4], header[3]
    plan = _plan(of.zip_bytes(of.small_district(), headers={spec.CLASSES: header}))
    assert any(m.startswith("classes.csv, line 1: Column 4 is “grades”") for m in _messages(plan))


def test_a_mix_of_1_1_and_1_2_files_is_refused(app):
    files = of.small_district()
    files[spec.USERS] = [of.row(spec.USERS, "1.1", sourcedId="u-x", enabledUser="true", orgSourcedIds="s1",
                                role="student", username="x", givenName="X", familyName="Y")]
    plan = _plan(of.zip_bytes(files, headers={spec.USERS: list(spec.HEADERS_11[spec.USERS])}))
    assert any("users.csv, line 1" in m and "OneRoster 1.1 but the manifest says 1.2" in m for m in _messages(plan))
    # roles.csv exists only in 1.2: in a ZIP whose manifest says 1.1 it is a mix too.
    plan = _plan(of.zip_bytes(of.small_district(), manifest_lines=of.manifest(of.small_district(), version="1.1")))
    assert any(m.startswith("roles.csv") and "mixes versions" in m for m in _messages(plan))


def test_a_whole_1_1_roster_with_the_role_column_is_read(app):
    files = of.small_district()
    roles = {r["userSourcedId"]: r["role"] for r in files.pop(spec.ROLES)}
    roles["u-a1"] = "administrator"
    files[spec.USERS] = [of.row(spec.USERS, "1.1", **{k: v for k, v in u.items() if k in spec.HEADERS_11[spec.USERS]},
                                role=roles[u["sourcedId"]], orgSourcedIds="s1") for u in files[spec.USERS]]
    plan = _plan(of.zip_bytes(files, version="1.1"))
    assert _messages(plan) == []
    people = {c.sourced_id: c.values["role"].value for c in plan.changes if c.kind == "person"}
    assert people["u-t1"] == "teacher" and people["u-s1"] == "student" and people["u-a1"] == "school_admin"
    assert "u-p1" not in people  # a parent is not brought in


def test_a_sourced_id_used_twice_in_a_file_is_named_with_both_lines(app):
    files = of.small_district()
    files[spec.CLASSES].append(of.klass("k1", "Period 9", "c-sci", "s1", "t1"))
    plan = _plan(of.zip_bytes(files))
    assert "classes.csv, line 5: sourcedId “k1” is used twice in this file (first on line 2)." in _messages(plan)


def test_an_enrollment_pointing_at_a_missing_class_or_user_is_named(app):
    files = of.small_district()
    files[spec.ENROLLMENTS].append(of.enrollment("e-bad", "k-missing", "s1", "u-s2"))
    files[spec.ENROLLMENTS].append(of.enrollment("e-bad2", "k1", "s1", "u-nobody"))
    plan = _plan(of.zip_bytes(files))
    assert "enrollments.csv, line 9: classSourcedId “k-missing” is not in classes.csv." in _messages(plan)
    assert "enrollments.csv, line 10: userSourcedId “u-nobody” is not in users.csv." in _messages(plan)


def test_dates_enumerations_and_required_fields_are_checked(app):
    files = of.small_district()
    files[spec.SESSIONS][1]["startDate"] = "08/20/2026"
    files[spec.ORGS][1]["type"] = "School"
    files[spec.USERS][0]["givenName"] = ""
    files[spec.USERS][1]["dateLastModified"] = "2026-08-01"
    files[spec.ROLES][0]["status"] = "deleted"
    messages = _messages(_plan(of.zip_bytes(files)))
    assert "academicSessions.csv, line 3: startDate is “08/20/2026”; use a date such as 2026-08-31 (YYYY-MM-DD)." \
        in messages
    assert any(m.startswith("orgs.csv, line 3: type is “School”; OneRoster allows") for m in messages)
    assert "users.csv, line 2: givenName is required." in messages
    assert any(m.startswith("users.csv, line 3: dateLastModified is “2026-08-01”") for m in messages)
    assert "roles.csv, line 2: status is “deleted”; use active or tobedeleted." in messages


def test_a_delta_file_needs_status_and_date_last_modified(app):
    files = {spec.USERS: [of.user("u-s9", "Zoe", "Ng", "zng")]}
    messages = _messages(_plan(of.zip_bytes(files, mode="delta")))
    assert "users.csv, line 2: status is required in a delta file." in messages
    assert "users.csv, line 2: dateLastModified is required in a delta file." in messages


def test_text_that_is_not_utf8_is_refused_and_a_bom_is_accepted(app):
    files = of.small_district()
    files[spec.USERS][4]["familyName"] = "Peña"
    text = of.csv_text(files[spec.USERS], list(spec.HEADERS_12[spec.USERS]))
    plan = _plan(of.zip_bytes(files, raw={spec.USERS: text.encode("cp1252")}))
    assert any(m.startswith("users.csv, line") and "not UTF-8" in m for m in _messages(plan))
    plan = _plan(of.zip_bytes(files, raw={spec.USERS: b"\xef\xbb\xbf" + text.encode("utf-8")}))
    assert _messages(plan) == []
    assert plan.roster.of(spec.USERS)["u-s1"]["familyName"] == "Peña"


def test_a_zip_bomb_is_stopped_while_it_is_read(app):
    files = of.small_district()
    # 8 MB of one byte deflates about a thousand times: far beyond any CSV file.
    bomb = of.csv_text(files[spec.ORGS], list(spec.HEADERS_12[spec.ORGS])).encode() + b"," * (8 * 1024 * 1024)
    start = time.perf_counter()
    with pytest.raises(RosterRejected, match="zip bomb"):
        read_zip(io.BytesIO(of.zip_bytes(files, raw={spec.ORGS: bomb})))
    assert time.perf_counter() - start < 5


def test_a_zip_of_too_many_files_is_refused(app):
    raw = {f"extra{i}.csv": b"x" for i in range(MAX_MEMBERS + 1)}
    with pytest.raises(RosterRejected, match="holds 49 files"):
        read_zip(io.BytesIO(of.zip_bytes(of.small_district(), raw=raw)))


def test_a_file_with_problems_saves_nothing(app):
    from cbl.rosters.services import run_import

    files = of.small_district()
    files[spec.ENROLLMENTS].append(of.enrollment("e-bad", "k-missing", "s1", "u-s2"))
    plan, run = run_import(io.BytesIO(of.zip_bytes(files)), None, "bad.zip")
    assert run is None and not plan.ok
    assert db.session.query(User).count() == 0 and db.session.query(Classroom).count() == 0


def test_fifty_thousand_users_are_read_in_seconds(app):
    files = of.big_district(users=50_000, classes=100, enrollments=50_000, schools=5)
    data = of.zip_bytes({k: v for k, v in files.items() if k != spec.ENROLLMENTS},
                        modes={spec.ENROLLMENTS: "absent"})
    start = time.perf_counter()
    plan = _plan(data)
    assert _messages(plan) == []
    assert len([c for c in plan.changes if c.kind == "person"]) == 50_000
    assert time.perf_counter() - start < 30


def test_a_zip_of_the_export_folder_is_read_from_inside_the_folder(app):
    flat = zipfile.ZipFile(io.BytesIO(of.zip_bytes(of.small_district())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in flat.namelist():
            archive.writestr(f"oneroster-export/{name}", flat.read(name))
    plan = _plan(buffer.getvalue())
    assert _messages(plan) == [] and len(plan.roster.of(spec.USERS)) == 8


def test_an_enrollment_of_someone_gone_before_they_came_is_skipped(app):
    files = of.small_district()
    files[spec.USERS].append(of.user("u-s9", "Zoe", "Ng", "zng", status="tobedeleted"))
    files[spec.ENROLLMENTS].append(of.enrollment("e-s9", "k1", "s1", "u-s9"))
    plan = _plan(of.zip_bytes(files))
    assert _messages(plan) == [] and "e-s9" not in {c.sourced_id for c in plan.changes}


def test_an_email_username_or_school_id_belongs_to_one_person(app):
    from tests import factories

    factories.make_user(email="someone@else.example").username = "lpark"
    db.session.commit()
    files = of.small_district()
    files[spec.USERS][7]["identifier"] = "S-1001"  # Ivy gets Maya's school id
    messages = _messages(_plan(of.zip_bytes(files)))
    assert "users.csv, line 9: school id “S-1001” is also on line 6." in messages
    assert "users.csv, line 7: username “lpark” already belongs to another account here." in messages


def test_a_school_named_twice_for_a_person_makes_one_membership(app):
    files = of.small_district()
    files[spec.USERS][4]["primaryOrgSourcedId"] = "s1"  # and roles.csv says s1 too
    plan = _plan(of.zip_bytes(files))
    assert [c.sourced_id for c in plan.changes if c.kind == "membership"].count("u-s1@s1") == 1
