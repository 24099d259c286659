"""Importing a OneRoster roster: what a district admin and a nightly job notice.

A preview saves nothing; an import makes schools, terms, classes, people and enrolments;
the same file again changes nothing; a delta moves a student; ``tobedeleted`` deactivates
and archives and keeps the work; what a bulk file no longer lists is retired."""

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cbl.accounts.models import Role, User
from cbl.extensions import db
from cbl.portfolio.models import Entry
from cbl.rosters import spec
from cbl.rosters.models import ImportOutcome, RosterImport
from cbl.rosters.plan import Kind
from cbl.rosters.services import preview, run_import
from cbl.schools.models import School, SchoolMember, Term
from cbl.teams.models import Classroom, ClassroomTeacher, Enrolment, TeamMember
from tests import factories
from tests import oneroster_files as of
from tests.conftest import Auth


def _import(files, **kw):
    plan, run = run_import(io.BytesIO(of.zip_bytes(files, **kw)), None, "roster.zip")
    assert plan.ok, [f"{p.where}: {p.message}" for p in plan.problems]
    return plan, run


def _user(sid: str) -> User:
    return db.session.scalar(select(User).where(User.sourced_id == sid))


def _class(sid: str) -> Classroom:
    return db.session.scalar(select(Classroom).where(Classroom.sourced_id == sid))


def _students(classroom: Classroom) -> set[str]:
    return {e.user.sourced_id for e in db.session.scalars(select(Enrolment).where(Enrolment.classroom_id == classroom.id))}


def test_a_preview_lists_the_changes_and_saves_nothing(app):
    plan = preview(io.BytesIO(of.zip_bytes(of.small_district())))
    counts = plan.counts()
    assert counts["person"]["created"] == 7 and counts["class"]["created"] == 3 and counts["enrolment"]["created"] == 4
    assert db.session.scalar(select(db.func.count(User.id))) == 0
    assert db.session.scalar(select(db.func.count(Classroom.id))) == 0
    assert db.session.scalar(select(db.func.count(RosterImport.id))) == 0


def test_an_import_makes_schools_terms_classes_people_and_enrolments(app):
    plan, run = _import(of.small_district())
    assert run.outcome is ImportOutcome.APPLIED
    school = db.session.scalar(select(School).where(School.sourced_id == "s1"))
    assert (school.name, school.identifier) == ("Riverside Middle School", "RMS")
    assert db.session.scalar(select(School).where(School.sourced_id == "d1")) is None  # the district is no school
    fall = db.session.scalar(select(Term).where(Term.sourced_id == "t1"))
    assert fall.title == "Fall 2026" and fall.parent_id == db.session.scalar(select(Term.id).where(Term.sourced_id == "y1"))
    science = _class("k1")
    assert science.name == "Science 7: Period 1" and science.school_id == school.id and science.term_id == fall.id
    assert _class("k3").name == "Math 7 - Period 3"  # the title says the course already
    ana = _user("u-t1")
    assert (ana.role, ana.email, ana.username, ana.school_id) == (Role.TEACHER, "ana.rivera@rms.example", "arivera",
                                                                   "T-001")
    assert {link.user_id for link in science.teacher_links} == {ana.id}
    maya = _user("u-s1")
    assert (maya.display_name, maya.role, maya.email, maya.school_id) == ("May Chen", Role.STUDENT, None, "S-1001")
    assert not maya.check_password("") and not maya.check_password(maya.password_hash)  # no usable password
    assert _students(science) == {"u-s1", "u-s2"}
    principal = _user("u-a1")
    assert principal.role is Role.SCHOOL_ADMIN
    assert db.session.scalar(select(SchoolMember).where(SchoolMember.user_id == principal.id)).school_id == school.id
    assert _user("u-p1") is None  # parents are not brought in
    assert any("not brought in" in note for note in plan.notes)


def test_the_same_file_twice_changes_nothing(app):
    _import(of.small_district())
    before = db.session.scalar(select(db.func.count(Enrolment.id)))
    plan, run = _import(of.small_district())
    assert plan.changes == [] and run.outcome is ImportOutcome.NO_CHANGES
    assert db.session.scalar(select(db.func.count(Enrolment.id))) == before


def test_an_existing_account_is_matched_by_email_not_duplicated(app):
    teacher = factories.make_user(Role.TEACHER, email="ana.rivera@rms.example")
    _import(of.small_district())
    assert _user("u-t1").id == teacher.id
    assert db.session.scalar(select(db.func.count(User.id)).where(User.email == "ana.rivera@rms.example")) == 1


def test_a_school_made_here_before_is_taken_over_not_doubled(app):
    """The demo's (or an upgrade's) school of the same identifier, else name, becomes the roster's:
    its principal then sees the imported classes and students."""
    riverside = School(name="Riverside Middle School", identifier="rms")
    hillside = School(name="hillside elementary", identifier="")
    db.session.add_all([riverside, hillside])
    db.session.commit()
    plan = preview(io.BytesIO(of.zip_bytes(of.small_district())))
    assert plan.counts()["school"] == {"created": 0, "updated": 2, "moved": 0, "retired": 0}
    assert "“Riverside Middle School” here" in plan.of(Kind.SCHOOL)[0].detail
    _import(of.small_district())
    assert db.session.scalar(select(db.func.count(School.id))) == 2
    assert (riverside.sourced_id, hillside.sourced_id, hillside.name) == ("s1", "s2", "Hillside Elementary")
    assert _class("k1").school_id == riverside.id
    assert (riverside.id, _user("u-s1").id) in set(db.session.execute(select(SchoolMember.school_id,
                                                                             SchoolMember.user_id)).all())
    plan, run = _import(of.small_district())
    assert plan.changes == [] and run.outcome is ImportOutcome.NO_CHANGES


def test_a_delta_moves_a_student_to_another_class(app):
    _import(of.small_district())
    leo = _user("u-s2")
    team = factories.make_team(_class("k1"), leo)
    moved = of.enrollment("e-s2", "k2", "s1", "u-s2", status="active", dateLastModified=of.STAMP)
    plan, _run = _import({spec.ENROLLMENTS: [moved]}, mode="delta")
    assert [(c.kind, c.act, c.sourced_id) for c in plan.changes] == [("enrolment", "moved", "e-s2")]
    assert "u-s2" not in _students(_class("k1")) and "u-s2" in _students(_class("k2"))
    assert _students(_class("k1")) == {"u-s1"}  # a delta changes only what it lists
    assert db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id)) is None


def test_tobedeleted_deactivates_and_archives_and_keeps_the_work(app):
    _import(of.small_district())
    maya, science = _user("u-s1"), _class("k1")
    project = factories.make_project(factories.make_team(science, maya))
    entry = factories.make_entry(project, maya)
    gone = [of.user("u-s1", "Maya", "Chen", "mchen", status="tobedeleted", dateLastModified=of.STAMP)]
    archived = [of.klass("k1", "Period 1", "c-sci", "s1", "t1", status="tobedeleted", dateLastModified=of.STAMP)]
    plan, _run = _import({spec.CLASSES: archived, spec.USERS: gone}, mode="delta")
    assert {(c.kind, c.act) for c in plan.changes} == {("class", "retired"), ("person", "retired")}
    db.session.expire_all()
    assert not _user("u-s1").active and _class("k1").archived
    assert db.session.get(Entry, entry.id) is not None  # the work stays
    assert _class("k2").archived is False


def test_what_a_bulk_file_no_longer_lists_is_retired(app):
    _import(of.small_district())
    files = of.small_district()
    files[spec.USERS] = [u for u in files[spec.USERS] if u["sourcedId"] != "u-s3"]
    files[spec.ROLES] = [r for r in files[spec.ROLES] if r["userSourcedId"] != "u-s3"]
    files[spec.CLASSES] = [k for k in files[spec.CLASSES] if k["sourcedId"] != "k2"]
    files[spec.ENROLLMENTS] = [e for e in files[spec.ENROLLMENTS] if e["classSourcedId"] != "k2"]
    plan, _run = _import(files)
    retired = {(c.kind.value, c.sourced_id) for c in plan.changes if c.act == "retired"}
    assert retired == {("person", "u-s3"), ("class", "k2"), ("enrolment", "e-s3"), ("teaching", "e-t2")}
    db.session.expire_all()
    assert not _user("u-s3").active and _class("k2").archived
    assert _class("k2").enrolments == [] and db.session.scalar(select(ClassroomTeacher).where(
        ClassroomTeacher.sourced_id == "e-t2")) is None
    assert _user("u-s1").active


def test_the_admin_uploads_previews_and_confirms_once(app, client, tmp_path):
    admin = factories.make_user(Role.ADMIN)
    Auth(client).as_user(admin)
    response = client.post("/admin/rosters", data={"file": (io.BytesIO(of.zip_bytes(of.small_district())),
                                                            "district.zip")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "&show=class-created")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing has been saved yet." in html and "Science 7: Period 1" in html
    assert db.session.scalar(select(db.func.count(User.id))) == 1
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1)
    once = re.search(r'name="once_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="once_token" value="([^"]+)"', html)
    data = {"upload": token, "once_token": once.group(1)}
    done = client.post("/admin/rosters/confirm?name=district.zip", data=data)
    assert done.status_code == 302 and "run=" in done.headers["Location"]
    summary = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Roster imported: 29 changes saved." in summary and "district.zip" in summary
    again = client.post("/admin/rosters/confirm?name=district.zip", data=data)
    assert again.status_code == 302
    assert db.session.scalar(select(db.func.count(RosterImport.id))) == 1
    log = client.get("/audit").get_data(as_text=True)
    assert "roster import of district.zip" in log and "29 changes" in log


def test_a_bad_file_is_shown_with_its_problems_and_cannot_be_confirmed(app, client):
    Auth(client).as_user(factories.make_user(Role.ADMIN))
    files = of.small_district()
    files[spec.ENROLLMENTS].append(of.enrollment("e-bad", "k-missing", "s1", "u-s2"))
    response = client.post("/admin/rosters", data={"file": (io.BytesIO(of.zip_bytes(files)), "bad.zip")},
                           content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "enrollments.csv, line 9" in html and "classSourcedId “k-missing” is not in classes.csv." in html
    assert "Import the roster" not in html
    not_zip = client.post("/admin/rosters", data={"file": (io.BytesIO(b"hello"), "roster.zip")},
                          content_type="multipart/form-data")
    shown = client.get(not_zip.headers["Location"])
    assert shown.status_code == 400 and "This is not a ZIP file." in shown.get_data(as_text=True)


def test_fifty_thousand_users_preview_in_the_browser_without_error(app, client):
    Auth(client).as_user(factories.make_user(Role.ADMIN))
    files = of.big_district(users=50_000, classes=100, enrollments=50_000, schools=5)
    data = of.zip_bytes({k: v for k, v in files.items() if k != spec.ENROLLMENTS})
    # Encoded here: the test client would spool a big body into a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "big.zip")})
    response = client.post("/admin/rosters", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = client.get(response.headers["Location"] + "&show=person-created&page=3")
    assert page.status_code == 200
    assert "Page 3 of 1000" in page.get_data(as_text=True)


def test_the_command_prints_the_preview_and_fails_on_problems(app, tmp_path):
    runner = app.test_cli_runner()
    good = of.write_zip(tmp_path / "good.zip", of.small_district())
    dry = runner.invoke(args=["roster-import", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "person: 7 created" in dry.output and "nothing was saved" in dry.output
    assert db.session.scalar(select(db.func.count(User.id))) == 0
    assert "Imported 29 changes" in runner.invoke(args=["roster-import", str(good)]).output
    assert "No changes" in runner.invoke(args=["roster-import", str(good)]).output
    files = of.small_district()
    files[spec.CLASSES].append(of.klass("k1", "Again", "c-sci", "s1", "t1"))
    bad = runner.invoke(args=["roster-import", str(of.write_zip(tmp_path / "bad.zip", files))])
    assert bad.exit_code == 1 and "classes.csv, line 5" in bad.output


def test_an_enrollment_that_changes_role_moves_between_students_and_teachers(app):
    _import(of.small_district())
    ana = of.enrollment("e-s1", "k1", "s1", "u-t1", "teacher", status="active", dateLastModified=of.STAMP)
    # e-s1 was Maya's enrolment in k1; the SIS reuses the id for Ana teaching k2.
    ana["classSourcedId"] = "k2"
    plan, _run = _import({spec.ENROLLMENTS: [ana]}, mode="delta")
    assert {(c.kind.value, c.act.value) for c in plan.changes} == {("enrolment", "retired"), ("teaching", "created")}
    assert "u-s1" not in _students(_class("k1"))
    assert {link.user.sourced_id for link in _class("k2").teacher_links} == {"u-t2", "u-t1"}
