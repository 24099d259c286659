"""A teacher's roster: adding students by list or one by one (preview, then an all-or-nothing
save with one-time passwords), moving and removing students."""

import html
import io
import re

from sqlalchemy import func, select

from cbl.accounts import services as account_services
from cbl.accounts.models import Role, User
from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.notifications.models import Notification
from cbl.notifications.services import describe
from cbl.portfolio.models import Entry
from cbl.projects.models import Project
from cbl.teams import roster
from cbl.teams.models import Enrolment, TeamMember
from tests import factories


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _teacher_and_class(auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    auth.as_user(teacher)
    return teacher, classroom


def _preview(client, classroom, text):
    return client.post(f"/classes/{classroom.id}/roster/preview", data={"students": text})


def _payload(page: str) -> str:
    found = re.search(r'name="payload" type="hidden" value="([^"]+)"', page) or \
        re.search(r'type="hidden" name="payload" value="([^"]+)"', page) or \
        re.search(r'id="payload" name="payload" type="hidden" value="([^"]+)"', page)
    assert found, "the preview offers no confirm form"
    return html.unescape(found.group(1))


def _confirm(client, classroom, page, token="once-1"):
    return client.post(f"/classes/{classroom.id}/roster/confirm",
                       data={"payload": _payload(page), "once_token": token})


def test_preview_lists_every_error_by_line_and_saves_nothing(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    factories.make_user("teacher", email="t.owner@school.example")
    before = _count(User)
    text = ("Maya Chen, maya@school.example, 20417\n"
            ", nobody@school.example\n"           # line 2: no name
            "Leo Park, not-an-email\n"             # line 3: bad email
            "Maya Twin, maya@school.example\n"    # line 4: repeats line 1's email
            "\n"
            f"{'N' * 130}\n"                       # line 6: too long
            "Owner, t.owner@school.example\n"      # line 7: a teacher's account
            "leo@school.example\n")                # line 8: an email where the name goes
    response = _preview(client, classroom, text)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Line 2: The name is missing." in page
    assert "Line 3 (Leo Park): “not-an-email” is not an email address." in page
    assert "Line 4 (Maya Twin): This repeats line 1." in page
    assert "Line 6" in page and "longer than 120 characters" in page
    assert "Line 7 (Owner): This account is not a student's." in page
    assert "Line 8 (leo@school.example): The name looks like an email address" in page
    assert 'name="payload"' not in page  # no confirm form: nothing can be saved
    assert _count(User) == before and _count(Enrolment) == 0


def test_too_many_lines_and_unknown_columns_are_named(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    many = "\n".join(f"Student {n}" for n in range(roster.MAX_LINES + 1))
    page = html.unescape(_preview(client, classroom, many).get_data(as_text=True))
    assert f"The list has {roster.MAX_LINES + 1} students; at most {roster.MAX_LINES}" in page
    response = _preview(client, classroom, "name,email,grade,house\nMaya,,8,Red")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "unknown columns “grade”, “house”" in page


def test_existing_accounts_are_matched_by_school_id_then_email(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    by_id = factories.make_user("student", name="Ana Ruiz", email="ana@school.example")
    by_id.school_id = "S-1"
    by_email = factories.make_user("student", name="Ben Ode", email="ben@school.example")
    other = factories.make_user("student", name="Cy Lee", email="cy@school.example")
    other.school_id = "S-3"
    in_class = factories.make_user("student", name="Dee Fox", email="dee@school.example")
    factories.enrol(classroom, in_class)
    db.session.commit()
    text = ("name,school_id,email\n"
            "Ana Ruiz,S-1,\n"                       # school id alone: Ana
            "Ben Ode,,BEN@school.example\n"         # email (any case): Ben
            "Cy Lee,S-3,someone.else@school.example\n"  # Cy's school id with another email: refused
            "Dee Fox,,dee@school.example\n"         # already in the class
            "Eve New,S-5,\n")                       # new
    page = html.unescape(_preview(client, classroom, text).get_data(as_text=True))
    assert "Line 4 (Cy Lee): The school id S-3 belongs to an account with another email." in page
    checked = roster.preview(classroom, roster.parse(text), _teacher)
    status = {line.name: (line.status, line.user.id if line.user else None) for line in checked.lines}
    assert status["Ana Ruiz"] == (roster.EXISTING, by_id.id)
    assert status["Ben Ode"] == (roster.EXISTING, by_email.id)
    assert status["Cy Lee"][0] == roster.ERROR
    assert status["Dee Fox"] == (roster.ENROLLED, in_class.id)
    assert status["Eve New"] == (roster.NEW, None)


def test_a_list_is_saved_whole_and_shows_one_time_passwords_once(client, auth):
    teacher, classroom = _teacher_and_class(auth)
    known = factories.make_user("student", name="Ana Ruiz", email="ana@school.example")
    text = ("Maya Chen,,20417\n"
            "Maya Cruz,,20418\n"
            "Leo Park, leo@school.example\n"
            "Ana Ruiz, ana@school.example\n")
    preview = _preview(client, classroom, text)
    assert preview.status_code == 200
    response = _confirm(client, classroom, preview.get_data(as_text=True))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    maya = db.session.scalar(select(User).where(User.school_id == "20417"))
    cruz = db.session.scalar(select(User).where(User.school_id == "20418"))
    leo = db.session.scalar(select(User).where(User.email == "leo@school.example"))
    assert (maya.username, cruz.username, leo.username) == ("mayac", "mayac2", None)
    assert maya.email is None and maya.role is Role.STUDENT and maya.must_change_password
    passwords = re.findall(r'<code class="code">([^<]+)</code>', page)
    assert len(passwords) == 3
    # The one-time password signs the student in (the forced change is the sign-in's job).
    assert account_services.authenticate("mayac", passwords[0]) is not None
    assert account_services.authenticate("leo@school.example", passwords[2]) is not None
    assert {e.user_id for e in db.session.scalars(select(Enrolment))} == {maya.id, cruz.id, leo.id, known.id}
    assert not known.must_change_password
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == teacher.id))]
    assert actions.count(Action.ACCOUNT_CREATED) == 3 and actions.count(Action.STUDENT_ENROLLED) == 4
    # The class page never shows a password again.
    class_page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert passwords[0] not in class_page and "mayac" in class_page


def test_a_re_sent_confirm_creates_nothing_twice(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    page = _preview(client, classroom, "Maya Chen,,20417\nLeo Park,,20418").get_data(as_text=True)
    assert _confirm(client, classroom, page, token="same").status_code == 200
    again = _confirm(client, classroom, page, token="same")
    assert again.status_code == 302 and f"/classes/{classroom.id}" in again.headers["Location"]
    assert _count(User, User.role == Role.STUDENT) == 2 and _count(Enrolment) == 2
    # Even with a fresh token, the same list now finds the students in the class: nothing to add.
    page = html.unescape(_confirm(client, classroom, page, token="other").get_data(as_text=True))
    assert _count(User, User.role == Role.STUDENT) == 2
    assert "The list changed since the preview" in page


def test_saving_is_all_or_nothing(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    page = _preview(client, classroom, "Maya Chen,,20417\nLeo Park, leo@school.example").get_data(as_text=True)
    # Between preview and confirm, someone else takes Leo's email for a teacher's account.
    factories.make_user("teacher", email="leo@school.example")
    response = _confirm(client, classroom, page)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Line 2 (Leo Park): This account is not a student's." in text
    assert _count(User, User.role == Role.STUDENT) == 0 and _count(Enrolment) == 0


def test_a_forged_or_foreign_payload_is_refused(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    other_class = factories.make_classroom(_teacher)
    page = _preview(client, classroom, "Maya Chen,,20417").get_data(as_text=True)
    # The signed list is for the first class only, and cannot be altered.
    assert client.post(f"/classes/{other_class.id}/roster/confirm",
                       data={"payload": _payload(page)}).status_code == 400
    assert client.post(f"/classes/{classroom.id}/roster/confirm",
                       data={"payload": _payload(page)[:-3] + "abc"}).status_code == 400
    assert _count(User, User.role == Role.STUDENT) == 0


def test_one_student_typed_in_goes_through_the_same_preview(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    response = client.post(f"/classes/{classroom.id}/roster/preview", data={
        "mode": "one", "one-name": "Noah Kim", "one-email": "", "one-school_id": "77", "one-username": "NoahK"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "New account" in page
    _confirm(client, classroom, page)
    noah = db.session.scalar(select(User).where(User.school_id == "77"))
    assert noah.username == "noahk" and noah.display_name == "Noah Kim"
    missing = client.post(f"/classes/{classroom.id}/roster/preview", data={"mode": "one", "one-name": ""})
    assert missing.status_code == 400


def test_a_taken_username_is_an_error(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    taken = factories.make_user("student")
    taken.username = "mayac"
    db.session.commit()
    page = html.unescape(_preview(client, classroom, "name,username\nMaya Chen,MayaC\nLeo,x").get_data(as_text=True))
    assert "Line 2 (Maya Chen): The username “mayac” is taken." in page
    assert "Line 3 (Leo): The username “x” is not valid" in page


def test_an_uploaded_csv_is_read_and_non_utf8_is_refused(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    data = "username,name,school_id\r\nmchen,Maya Chen,1\r\n,Leo Park,2\r\n".encode("utf-8-sig")
    response = client.post(f"/classes/{classroom.id}/roster/preview",
                           data={"upload": (io.BytesIO(data), "class.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    checked = roster.preview(classroom, roster.parse(data.decode("utf-8-sig")), _teacher)
    assert [(line.name, line.username) for line in checked.lines] == [("Maya Chen", "mchen"), ("Leo Park", "leop")]
    bad = client.post(f"/classes/{classroom.id}/roster/preview",
                      data={"upload": (io.BytesIO("Zoë,\n".encode("latin-1") + b"\xff\xfe\x00"), "x.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "not UTF-8" in bad.get_data(as_text=True)


def test_another_teachers_class_is_not_found(client, auth):
    _teacher, classroom = _teacher_and_class(auth)
    student = factories.make_user("student")
    factories.enrol(classroom, student)
    auth.as_user(factories.make_user("teacher"))
    for url in (f"/classes/{classroom.id}/roster/add", f"/classes/{classroom.id}/students/{student.id}/remove",
                f"/classes/{classroom.id}/students/{student.id}/move"):
        assert client.get(url).status_code == 404
    assert _preview(client, classroom, "Maya Chen").status_code == 404
    assert client.post(f"/classes/{classroom.id}/students/{student.id}/remove").status_code == 404
    assert _count(Enrolment) == 1 and _count(User, User.role == Role.STUDENT) == 1


def test_removing_asks_first_and_keeps_the_work(client, auth):
    teacher, classroom = _teacher_and_class(auth)
    maya = factories.make_user("student", name="Maya Chen")
    team = factories.make_team(classroom, maya)
    project = factories.make_project(team)
    entry = factories.make_entry(project, maya)
    ask = client.get(f"/classes/{classroom.id}/students/{maya.id}/remove").get_data(as_text=True)
    assert "Nothing is deleted" in html.unescape(ask) and _count(Enrolment) == 1
    response = client.post(f"/classes/{classroom.id}/students/{maya.id}/remove")
    assert response.status_code == 302
    assert _count(Enrolment) == 0 and _count(TeamMember) == 0
    assert db.session.get(Project, project.id) is not None and db.session.get(Entry, entry.id) is not None
    assert db.session.get(User, maya.id).active
    assert _count(AuditEvent, AuditEvent.action == Action.STUDENT_REMOVED, AuditEvent.object_id == maya.id) == 1
    # The student is told, and told that nothing of theirs was deleted.
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == maya.id))
    assert "Nothing of yours was deleted" in describe(notice) and "Grade 8 Science" in describe(notice)
    # Not in the class any more: the page is not found.
    assert client.get(f"/classes/{classroom.id}/students/{maya.id}/remove").status_code == 404


def test_moving_ends_the_team_membership_and_keeps_the_work(client, auth):
    teacher, classroom = _teacher_and_class(auth)
    other = factories.make_classroom(teacher, name="Grade 8 Maths")
    foreign = factories.make_classroom(factories.make_user("teacher"), name="Not mine")
    maya = factories.make_user("student", name="Maya Chen")
    team = factories.make_team(classroom, maya)
    project = factories.make_project(team)
    entry = factories.make_entry(project, maya)
    page = client.get(f"/classes/{classroom.id}/students/{maya.id}/move").get_data(as_text=True)
    assert "Grade 8 Maths" in page and "Not mine" not in page
    # A class the teacher does not teach is not a choice.
    refused = client.post(f"/classes/{classroom.id}/students/{maya.id}/move", data={"target": foreign.id})
    assert refused.status_code == 400 and _count(Enrolment, Enrolment.classroom_id == foreign.id) == 0
    response = client.post(f"/classes/{classroom.id}/students/{maya.id}/move", data={"target": other.id})
    assert response.status_code == 302
    assert [e.classroom_id for e in db.session.scalars(select(Enrolment))] == [other.id]
    assert _count(TeamMember) == 0
    assert db.session.get(Entry, entry.id).project_id == project.id
    assert _count(AuditEvent, AuditEvent.action == Action.STUDENT_MOVED) == 1
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == maya.id))
    assert "moved you to the class Grade 8 Maths" in describe(notice) and notice.url == f"/classes/{other.id}"
