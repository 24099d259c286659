"""A school admin imports the roster of their own schools, and only that.

The file's school is found by its identifier the first time (a school the district admin added
by hand); a file that names another school, a class or person of another school, or a role in
another school is refused line by line and nothing is saved; earlier imports of other admins
stay out of sight; a bulk file of one school never retires another school's people."""

import io
import re

from sqlalchemy import select

from cbl.accounts.models import Role, User
from cbl.extensions import db
from cbl.rosters import spec
from cbl.rosters.models import ImportOutcome, RosterImport
from cbl.rosters.services import preview, run_import
from cbl.schools.models import School, SchoolMember
from cbl.teams.models import Classroom, Enrolment
from tests import factories
from tests import oneroster_files as of
from tests.conftest import Auth


def one_school() -> dict:
    """The small district's file with only Riverside (s1): Hillside and its student left out."""
    files = of.small_district()
    files[spec.ORGS] = [o for o in files[spec.ORGS] if o["sourcedId"] != "s2"]
    files[spec.USERS] = [u for u in files[spec.USERS] if u["sourcedId"] != "u-s4"]
    files[spec.ROLES] = [r for r in files[spec.ROLES] if r["userSourcedId"] != "u-s4"]
    return files


def _schools():
    """Riverside (identifier RMS, as a district admin typed it) run by a principal; Hillside run by another."""
    principal = factories.make_user(Role.SCHOOL_ADMIN, email="principal@rms.example")
    other = factories.make_user(Role.SCHOOL_ADMIN, email="head@hes.example")
    riverside = factories.make_school("Riverside Middle School", members=[principal])
    riverside.identifier = "RMS"
    hillside = factories.make_school("Hillside Elementary", members=[other])
    hillside.identifier = "HES"
    db.session.commit()
    return principal, other, riverside, hillside


def _problems(plan) -> list[str]:
    return [f"{p.where}: {p.message}" for p in plan.problems]


def test_a_school_admin_imports_the_file_of_their_school(app):
    principal, _other, riverside, _hillside = _schools()
    plan, run = run_import(io.BytesIO(of.zip_bytes(one_school())), principal.id, "rms.zip")
    assert plan.ok, _problems(plan)
    assert run is not None and run.actor_id == principal.id
    # The school added by hand is found by its identifier and takes the file's sourcedId: no second school.
    assert db.session.scalar(select(db.func.count(School.id))) == 2
    assert db.session.get(School, riverside.id).sourced_id == "s1"
    k1 = db.session.scalar(select(Classroom).where(Classroom.sourced_id == "k1"))
    assert k1.school_id == riverside.id
    assert db.session.scalar(select(db.func.count(Enrolment.id)).where(Enrolment.classroom_id == k1.id)) == 2
    # The principal in the file comes in as a school admin, no higher.
    assert db.session.scalar(select(User).where(User.sourced_id == "u-a1")).role is Role.SCHOOL_ADMIN
    # The same file again changes nothing.
    plan, run = run_import(io.BytesIO(of.zip_bytes(one_school())), principal.id, "rms.zip")
    assert plan.ok and not plan.changes


def test_a_file_naming_another_school_is_refused_with_its_lines(app):
    principal, _other, _riverside, _hillside = _schools()
    plan, run = run_import(io.BytesIO(of.zip_bytes(of.small_district())), principal.id, "district.zip")
    assert run is None
    problems = _problems(plan)
    assert any(p.startswith("orgs.csv, line 4") and "not one of your schools" in p for p in problems), problems
    assert any(p.startswith("roles.csv, line 9") and "“s2” is not one of your schools" in p for p in problems), problems
    assert db.session.scalar(select(db.func.count(User.id))) == 2  # nothing saved
    assert db.session.scalar(select(db.func.count(Classroom.id))) == 0


def test_a_school_admin_creates_no_school_and_touches_no_class_of_another(app):
    principal, _other, _riverside, hillside = _schools()
    files = one_school()
    files[spec.ORGS].append(of.org("s9", "Brand New School", identifier="BNS", parent="d1"))
    files[spec.CLASSES].append(of.klass("k9", "Art", "c-sci", "s2", "t1"))
    files[spec.ENROLLMENTS].append(of.enrollment("e-s9", "k9", "s1", "u-s2"))
    hillside.sourced_id = "s2"
    db.session.commit()
    plan = preview(io.BytesIO(of.zip_bytes(files)), principal.id)
    problems = _problems(plan)
    assert any(p.startswith("orgs.csv, line 4") and "a district admin adds a school" in p for p in problems), problems
    assert any(p.startswith("classes.csv, line 5") and "“s2” is not one of your schools" in p for p in problems)
    assert any(p.startswith("enrollments.csv, line 9") and "“k9” belongs to a school" in p for p in problems)
    assert db.session.scalar(select(School).where(School.sourced_id == "s9")) is None


def test_a_person_of_another_school_in_the_file_is_a_problem_line(app):
    principal, other, _riverside, hillside = _schools()
    teacher = factories.make_user(Role.TEACHER, email="ana.rivera@rms.example")  # the file's u-t1, by email
    db.session.add(SchoolMember(school_id=hillside.id, user_id=teacher.id))
    db.session.commit()
    plan = preview(io.BytesIO(of.zip_bytes(one_school())), principal.id)
    problems = _problems(plan)
    assert any(p.startswith("users.csv, line 2") and "account of another school" in p for p in problems), problems
    # The district admin imports the same file: the teacher is matched, no problem.
    district = factories.make_user(Role.ADMIN)
    assert preview(io.BytesIO(of.zip_bytes(one_school())), district.id).ok


def test_a_bulk_file_of_one_school_retires_nobody_of_another(app):
    principal, other, riverside, hillside = _schools()
    district = factories.make_user(Role.ADMIN)
    hillside.sourced_id = "s2"
    db.session.commit()
    files = of.small_district()
    files[spec.CLASSES].append(of.klass("k-h", "Hill class", "c-sci", "s2", "t1"))
    files[spec.ENROLLMENTS].append(of.enrollment("e-h", "k-h", "s2", "u-s4"))
    plan, _run = run_import(io.BytesIO(of.zip_bytes(files)), district.id, "district.zip")
    assert plan.ok, _problems(plan)
    # Riverside's admin now sends a bulk file of Riverside alone.
    plan, run = run_import(io.BytesIO(of.zip_bytes(one_school())), principal.id, "rms.zip")
    assert plan.ok, _problems(plan)
    assert db.session.scalar(select(User).where(User.sourced_id == "u-s4")).active
    assert not db.session.scalar(select(Classroom).where(Classroom.sourced_id == "k-h")).archived
    assert db.session.get(School, hillside.id).retired_at is None


def test_the_pages_let_a_school_admin_in_and_list_only_their_imports(app, client):
    principal, other, _riverside, _hillside = _schools()
    db.session.add(RosterImport(actor_id=other.id, filename="nightly-district.zip", outcome=ImportOutcome.APPLIED,
                                counts={}))
    db.session.commit()
    Auth(client).as_user(principal)
    response = client.post("/admin/rosters", data={"file": (io.BytesIO(of.zip_bytes(one_school())), "rms.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing has been saved yet." in html, re.findall(r"<li>.*?</li>", html)[:8]
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1)
    once = re.search(r'name="once_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="once_token" value="([^"]+)"', html)
    done = client.post("/admin/rosters/confirm?name=rms.zip", data={"upload": token, "once_token": once.group(1)})
    assert done.status_code == 302
    page = client.get("/admin/rosters").get_data(as_text=True)
    assert "rms.zip" in page and "nightly-district.zip" not in page
    theirs = db.session.scalar(select(RosterImport).where(RosterImport.filename == "nightly-district.zip"))
    assert "nightly-district.zip" not in client.get(f"/admin/rosters?run={theirs.id}").get_data(as_text=True)
