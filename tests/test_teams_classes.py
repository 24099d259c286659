"""Classes, join codes, sign-up, rosters and teams."""

import html
import re

import pytest
from sqlalchemy import func, select

from cbl import mail
from cbl.accounts.models import Role, User
from cbl.extensions import db
from cbl.projects.models import Challenge, Project
from cbl.teams.models import Classroom, Enrolment, Team, TeamMember
from tests import factories


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_teacher_creates_a_class_with_a_join_code(client, auth):
    teacher = factories.make_user("teacher")
    auth.as_user(teacher)
    response = client.post("/classes/new", data={"name": "Grade 8 Science", "term": "Fall 2026", "joining_open": "y"})
    assert response.status_code == 302
    classroom = db.session.scalar(select(Classroom))
    assert len(classroom.join_code) == 8
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert classroom.join_code in page


def test_class_without_a_name_is_refused_with_a_message(client, auth):
    auth.as_user(factories.make_user("teacher"))
    response = client.post("/classes/new", data={"name": "   ", "term": ""})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert _count(Classroom) == 0


def test_students_cannot_create_classes(client, auth):
    auth.as_user(factories.make_user("student"))
    assert client.get("/classes/new").status_code == 403


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


def test_student_signs_up_with_the_class_code(client):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    response = client.post("/signup", data={
        "join_code": classroom.join_code.lower(), "display_name": "Maya Chen", "email": "Maya@School.example",
        "password": "long enough password", "confirm": "long enough password"})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert _count(User) == 1  # the teacher: the account waits for the mailed link
    link = re.search(r"http://localhost(/signup/confirm/\S+)", mail.outbox()[-1].get_content()).group(1)
    assert client.post(link, data={"password": "long enough password"}).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "maya@school.example"))
    assert user.role is Role.STUDENT
    assert _count(Enrolment, Enrolment.user_id == user.id, Enrolment.classroom_id == classroom.id) == 1
    assert "Hello, Maya" in client.get("/home").get_data(as_text=True)


def test_signup_with_a_wrong_code_creates_nothing(client):
    factories.make_classroom(factories.make_user("teacher"))
    users_before = _count(User)
    response = client.post("/signup", data={
        "join_code": "NOPE1234", "display_name": "New Person", "email": "new@school.example",
        "password": "long enough password", "confirm": "long enough password"})
    assert response.status_code == 400
    assert "No open class has this code." in html.unescape(response.get_data(as_text=True))
    assert _count(User) == users_before
    assert _count(Enrolment) == 0
    assert mail.outbox() == []


def test_signup_with_short_or_mismatched_password_is_explained(client):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    response = client.post("/signup", data={"join_code": classroom.join_code, "display_name": "A", "email": "a@b.example",
                                            "password": "short", "confirm": "other"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use at least 10 characters." in page and "The two passwords differ." in page


def test_closed_class_code_does_not_admit(client, auth):
    classroom = factories.make_classroom(factories.make_user("teacher"), joining_open=False)
    student = factories.make_user("student")
    auth.as_user(student)
    response = client.post("/join", data={"join_code": classroom.join_code})
    assert response.status_code == 400
    assert _count(Enrolment) == 0


def test_new_join_code_replaces_the_old(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    old = classroom.join_code
    auth.as_user(teacher)
    client.post(f"/classes/{classroom.id}/join-code")
    db.session.expire_all()
    assert db.session.get(Classroom, classroom.id).join_code != old
    auth.as_user(factories.make_user("student"))
    assert client.post("/join", data={"join_code": old}).status_code == 400


def test_teacher_forms_a_team_and_it_gets_a_project_for_each_challenge(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom)
    maya, leo = factories.make_user("student"), factories.make_user("student")
    factories.enrol(classroom, maya, leo)
    auth.as_user(teacher)
    assert client.get(f"/classes/{classroom.id}/teams/new").status_code == 200
    response = client.post(f"/classes/{classroom.id}/teams/new", data={"name": "Rain Catchers", "members": [maya.id, leo.id]})
    assert response.status_code == 302
    team = db.session.scalar(select(Team))
    assert {m.user_id for m in team.memberships} == {maya.id, leo.id}
    assert db.session.scalar(select(Project).where(Project.team_id == team.id)).challenge_id == challenge.id


def test_moving_a_student_to_another_team_takes_them_out_of_the_first(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student")
    first = factories.make_team(classroom, maya, name="First")
    second = factories.make_team(classroom, name="Second")
    auth.as_user(teacher)
    assert client.post(f"/teams/{second.id}/edit", data={"name": "Second", "members": [maya.id]}).status_code == 302
    assert _count(TeamMember, TeamMember.user_id == maya.id) == 1
    assert _count(TeamMember, TeamMember.team_id == first.id) == 0


def test_team_members_must_be_students_of_the_class(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    outsider = factories.make_user("student")
    auth.as_user(teacher)
    response = client.post(f"/classes/{classroom.id}/teams/new", data={"name": "T", "members": [outsider.id]})
    assert response.status_code == 400
    assert _count(Team) == 0


def test_duplicate_team_name_asks_to_confirm(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    factories.make_team(classroom, name="Rain Catchers")
    auth.as_user(teacher)
    response = client.post(f"/classes/{classroom.id}/teams/new", data={"name": "rain catchers"})
    assert response.status_code == 200
    assert "already has a team called" in response.get_data(as_text=True)
    assert _count(Team) == 1
    response = client.post(f"/classes/{classroom.id}/teams/new", data={"name": "rain catchers",
                                                                       "confirm_duplicate": "y"})
    assert response.status_code == 302
    assert _count(Team) == 2


def test_students_form_their_own_teams_only_where_the_class_allows(client, auth):
    classroom = factories.make_classroom(factories.make_user("teacher"))
    student = factories.make_user("student")
    factories.enrol(classroom, student)
    auth.as_user(student)
    assert client.post(f"/classes/{classroom.id}/teams/new", data={"name": "Ours"}).status_code == 403
    classroom.students_form_teams = True
    db.session.commit()
    assert client.post(f"/classes/{classroom.id}/teams/new", data={"name": "Ours"}).status_code == 302
    team = db.session.scalar(select(Team))
    assert [m.user_id for m in team.memberships] == [student.id]
    other = factories.make_team(classroom, name="Theirs")
    assert client.post(f"/teams/{other.id}/join").status_code == 302
    assert [m.team_id for m in db.session.scalars(select(TeamMember).where(TeamMember.user_id == student.id))] == [other.id]
    assert client.post(f"/teams/{other.id}/leave").status_code == 302
    assert _count(TeamMember, TeamMember.user_id == student.id) == 0


def test_removing_a_student_keeps_the_teams_work(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student")
    team = factories.make_team(classroom, maya)
    project = factories.make_project(team)
    auth.as_user(teacher)
    assert client.post(f"/classes/{classroom.id}/students/{maya.id}/remove").status_code == 302
    assert _count(Enrolment) == 0 and _count(TeamMember) == 0
    assert db.session.get(Project, project.id) is not None
    auth.as_user(maya)
    assert client.get(f"/projects/{project.id}").status_code == 404


def test_teacher_creates_a_challenge_with_default_reflection_prompts(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    factories.make_team(classroom, name="A"), factories.make_team(classroom, name="B")
    auth.as_user(teacher)
    form = client.get(f"/classes/{classroom.id}/challenges/new").get_data(as_text=True)
    assert "What surprised you while exploring the big idea?" in form
    response = client.post(f"/classes/{classroom.id}/challenges/new", data={
        "title": "Water in our neighbourhood", "big_idea": "Water", "size": "mini",
        "prompt_engage": "Why does it matter to you?", "prompt_investigate": "What changed your mind?",
        "prompt_act": "What happened?"})
    assert response.status_code == 302
    challenge = db.session.scalar(select(Challenge))
    assert challenge.prompt_engage == "Why does it matter to you?"
    assert _count(Project, Project.challenge_id == challenge.id) == 2


def test_challenge_dates_out_of_order_are_refused(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    auth.as_user(teacher)
    response = client.post(f"/classes/{classroom.id}/challenges/new", data={
        "title": "T", "big_idea": "B", "size": "mini", "starts_on": "2026-12-01", "ends_on": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.get_data(as_text=True)
    assert _count(Challenge) == 0
    bad_date = client.post(f"/classes/{classroom.id}/challenges/new", data={
        "title": "T", "big_idea": "B", "size": "mini", "starts_on": "yesterday"})
    assert bad_date.status_code == 400 and _count(Challenge) == 0


def test_roster_lists_students_with_their_team(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student", name="Maya Chen")
    factories.make_team(classroom, maya, name="Rain Catchers")
    elsewhere = factories.make_classroom(factories.make_user("teacher"))
    factories.make_team(elsewhere, maya, name="Other Class Team")
    auth.as_user(teacher)
    page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert "Maya Chen" in page and "Rain Catchers" in page
    assert "Other Class Team" not in page


def test_admin_creates_a_class_for_a_teacher(client, auth):
    teacher = factories.make_user("teacher", name="Ana Rivera")
    auth.as_user(factories.make_user("admin"))
    assert "Ana Rivera" in client.get("/classes/new").get_data(as_text=True)
    assert client.post("/classes/new", data={"name": "Grade 7", "teacher": 999}).status_code == 400
    response = client.post("/classes/new", data={"name": "Grade 7", "teacher": teacher.id})
    assert response.status_code == 302
    classroom = db.session.scalar(select(Classroom))
    assert [link.user_id for link in classroom.teacher_links] == [teacher.id]
