"""The administrators' People page: search, filters, editing a person, placing a student."""

import html

from sqlalchemy import func, select

from cbl.accounts.models import Role, User
from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.schools.models import School, SchoolMember
from cbl.teams.models import Enrolment
from tests import factories


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _people(client, **args) -> str:
    response = client.get("/admin/users", query_string=args)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_admin_finds_people_by_name_email_username_and_school_id(client, auth):
    admin = factories.make_user("admin")
    maya = factories.make_user("student", name="Maya Chen", email="maya@school.example")
    maya.school_id = "20417"
    leo = factories.make_user("student", name="Leo Park", email="leo@school.example")
    leo.username, leo.email = "leop", None
    factories.make_user("teacher", name="Rosa Rivera", email="rivera@school.example")
    db.session.commit()
    auth.as_user(admin)
    for query in ("chen", "MAYA@", "2041"):
        page = _people(client, q=query)
        assert "Maya Chen" in page and "Leo Park" not in page and "1 person found." in page
    page = _people(client, q="leop")
    assert "Leo Park" in page and "username leop" in page and "Maya Chen" not in page
    assert "Nobody matches" in _people(client, q="100%_nobody")


def test_admin_filters_by_role_and_class_and_pages_keep_the_filters(client, auth, app):
    admin = factories.make_user("admin")
    teacher = factories.make_user("teacher", name="Rosa Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    in_class = [factories.make_user("student", name=f"Student {n:02d}") for n in range(4)]
    factories.enrol(classroom, *in_class)
    factories.make_user("student", name="Outside Person")
    auth.as_user(admin)
    page = _people(client, classroom=classroom.id)
    assert "Rosa Rivera" in page and "Student 00" in page and "Outside Person" not in page
    page = _people(client, classroom=classroom.id, role="student")
    assert "Rosa Rivera" not in page and "5 people found." not in page and "4 people found." in page
    app.config["PAGE_SIZE"] = 2
    page = _people(client, classroom=classroom.id, role="student")
    assert "Student 00" in page and "Student 03" not in page
    assert f"/admin/users?page=2&amp;role=student&amp;classroom={classroom.id}" in client.get(
        "/admin/users", query_string={"classroom": classroom.id, "role": "student"}).get_data(as_text=True)
    # An odd filter is a clear 400, never a 500.
    assert client.get("/admin/users", query_string={"role": "wizard"}).status_code == 400


def test_admin_edits_a_person_with_clear_errors(client, auth):
    admin = factories.make_user("admin")
    maya = factories.make_user("student", name="Maya Chen")
    other = factories.make_user("student")
    other.username, other.school_id = "leop", "999"
    db.session.commit()
    auth.as_user(admin)
    url = f"/admin/users/{maya.id}/edit"
    form = {"display_name": "Maya Chen", "role": "student", "username": "LeoP", "school_id": ""}
    response = client.post(url, data=form)
    assert response.status_code == 400 and "The username “leop” is taken." in html.unescape(response.get_data(as_text=True))
    response = client.post(url, data={**form, "username": "no spaces"})
    assert response.status_code == 400 and "Use 3 to 64 letters" in html.unescape(response.get_data(as_text=True))
    response = client.post(url, data={**form, "username": "", "school_id": "999"})
    assert response.status_code == 400 and "Another account already has this school id." in response.get_data(as_text=True)
    db.session.refresh(maya)
    assert (maya.username, maya.school_id) == (None, None)
    response = client.post(url, data={"display_name": "Maya  Chen-Li", "role": "teacher", "username": "mchen",
                                      "school_id": "20417"})
    assert response.status_code == 302
    db.session.refresh(maya)
    assert (maya.display_name, maya.role, maya.username, maya.school_id) == ("Maya Chen-Li", Role.TEACHER, "mchen", "20417")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.ACCOUNT_EDITED))
    assert event.object_id == maya.id and "username: — → mchen" in event.detail
    # An admin does not change their own role.
    response = client.post(f"/admin/users/{admin.id}/edit", data={"display_name": admin.display_name, "role": "teacher"})
    assert response.status_code == 400 and db.session.get(User, admin.id).role is Role.ADMIN


def test_admin_places_a_student_in_classes_and_takes_them_out(client, auth):
    admin = factories.make_user("admin")
    first = factories.make_classroom(factories.make_user("teacher"), name="Science")
    second = factories.make_classroom(factories.make_user("teacher"), name="Maths")
    auth.as_user(admin)
    response = client.post("/admin/users", data={"email": "new@school.example", "display_name": "New Student",
                                                 "role": "student", "password": "a-long-password"})
    student = db.session.scalar(select(User).where(User.email == "new@school.example"))
    assert response.headers["Location"].endswith(f"/admin/users/{student.id}/edit")
    for classroom in (first, second):
        assert client.post(f"/admin/users/{student.id}/classes", data={"classroom": classroom.id}).status_code == 302
    assert {e.classroom_id for e in db.session.scalars(select(Enrolment))} == {first.id, second.id}
    page = html.unescape(client.get(f"/admin/users/{student.id}/edit").get_data(as_text=True))
    assert "Science" in page and "Maths" in page
    assert client.post(f"/admin/users/{student.id}/classes/{first.id}/remove").status_code == 302
    assert {e.classroom_id for e in db.session.scalars(select(Enrolment))} == {second.id}
    # An unknown class is refused with a message.
    response = client.post(f"/admin/users/{student.id}/classes", data={"classroom": 987654})
    assert response.status_code == 400 and _count(Enrolment) == 1
    assert _count(AuditEvent, AuditEvent.action == Action.STUDENT_ENROLLED) == 2
    assert _count(AuditEvent, AuditEvent.action == Action.STUDENT_REMOVED) == 1


def test_a_school_admin_sees_and_edits_only_their_schools_people(client, auth):
    north, south = School(name="North"), School(name="South")
    db.session.add_all([north, south])
    db.session.commit()
    head = factories.make_user("school_admin")
    db.session.add(SchoolMember(school=north, user=head))
    mine = factories.make_classroom(factories.make_user("teacher", name="North Teacher"), name="North class",
                                    school_id=north.id)
    theirs = factories.make_classroom(factories.make_user("teacher", name="South Teacher"), name="South class",
                                      school_id=south.id)
    ours, foreign = factories.make_user("student", name="North Kid"), factories.make_user("student", name="South Kid")
    factories.enrol(mine, ours)
    factories.enrol(theirs, foreign)
    district = factories.make_user("admin", name="District Boss")
    auth.as_user(head)
    page = _people(client)
    assert "North Kid" in page and "North Teacher" in page
    assert "South Kid" not in page and "District Boss" not in page
    assert client.get(f"/admin/users/{foreign.id}/edit").status_code == 404
    assert client.get(f"/admin/users/{district.id}/edit").status_code == 404
    assert client.post(f"/admin/users/{ours.id}/classes", data={"classroom": theirs.id}).status_code == 400
    response = client.post(f"/admin/users/{ours.id}/edit", data={"display_name": "North Kid", "role": "admin"})
    assert response.status_code == 400 and db.session.get(User, ours.id).role is Role.STUDENT


def test_school_and_district_admins_find_roster_imports_and_school_sign_in_on_people(client, auth):
    """Both kinds of admin reach the roster import and the school sign-in pages from People
    (a school admin's are limited to their own schools there)."""
    for role in ("school_admin", "admin"):
        auth.as_user(factories.make_user(role))
        page = _people(client)
        assert "/admin/rosters" in page and "/admin/sign-in" in page
