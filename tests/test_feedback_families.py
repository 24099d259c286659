"""Families are not partners (issue 10, item 9): a family guest sees their child's work as a
parent would, is never offered a rating, is told when a comment of theirs was not published;
teachers see "Maya Chen's family" wherever the guest is listed; invitation mail names the
school and the teacher and comes from the school's sender."""

import html
import re

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.feedback.models import Comment
from cbl.mail import outbox
from cbl.projects.models import PhaseRequest, ProjectPartner
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


@pytest.fixture
def school():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    sam = factories.make_user("student", name="Sam Ortiz")
    project = factories.make_project(factories.make_team(classroom, maya, sam, name="Rain Catchers"))
    partner = factories.make_user("partner", name="Jordan Kim", email="jordan@utility.example")
    factories.grant_partner(project, partner)
    admin = factories.make_user("admin", name="Lee Admin")
    return dict(teacher=teacher, classroom=classroom, maya=maya, sam=sam, project=project, partner=partner,
                admin=admin)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _invite_family(app, school):
    """Maya invites her family; returns the path of the mailed link and the mail."""
    maya = _client(app, school["maya"])
    response = maya.post(f"/projects/{school['project'].id}/invite", query_string={"kind": "family"}, data={
        "email": "rosa@family.example", "message": "Come and see our rain barrels!",
        "projects": [school["project"].id]})
    assert response.status_code == 302
    mail = outbox()[-1]
    return re.search(r"http://localhost(/invitations/accept/\S+)", mail.get_content()).group(1), mail


def _family(app, school):
    """Maya's family, signed in after accepting her invitation."""
    link, _mail = _invite_family(app, school)
    guest = app.test_client()
    response = guest.post(link, data={"display_name": "Rosa Chen", "password": "long enough secret",
                                      "confirm": "long enough secret"})
    assert response.status_code == 302
    return guest


def test_accepting_a_family_invitation_makes_the_guest_the_students_family(app, school):
    _family(app, school)
    grant = db.session.scalar(select(ProjectPartner).where(ProjectPartner.project_id == school["project"].id,
                                                           ProjectPartner.family_of_id.is_not(None)))
    assert grant.family_of_id == school["maya"].id and grant.user.display_name == "Rosa Chen"
    partner_grant = db.session.scalar(select(ProjectPartner).where(ProjectPartner.user_id == school["partner"].id))
    assert partner_grant.family_of_id is None


def test_family_guest_sees_the_child_named_at_the_top(app, school):
    family = _family(app, school)
    page = _page(family.get(f"/projects/{school['project'].id}"))
    assert "Maya's work" in page and "You are invited as Maya's family" in page
    home = _page(family.get("/home"))
    assert "Maya's work" in home
    partner_page = _page(_client(app, school["partner"]).get(f"/projects/{school['project'].id}"))
    assert "Maya's work" not in partner_page


def test_family_guest_does_not_see_returned_requests_or_teachers_process_comments(app, school):
    project, teacher = school["project"], school["teacher"]
    request = factories.make_request(project, school["maya"])
    response = _client(app, teacher).post(f"/phase-requests/{request.id}/decide", data={
        "decision": "return", "comment": "Your essential question is still too broad"})
    assert response.status_code == 302
    assert db.session.get(PhaseRequest, request.id).response == "Your essential question is still too broad"
    factories.make_comment(project, teacher, "Teacher note: your timeline is slipping", kind="suggestion")
    praise = factories.make_comment(project, school["partner"], "Lovely barrels", kind="praise")
    factories.make_comment(project, teacher, "Thank you, we will try a gauge", parent=praise)
    process = factories.make_comment(project, teacher, "Who checked the sources?", kind="question")
    factories.make_comment(project, school["maya"], "Sam did, in the library", parent=process)
    family = _family(app, school)

    page = _page(family.get(f"/projects/{project.id}"))
    assert "too broad" not in page and "was returned" not in page
    feedback = _page(family.get(f"/projects/{project.id}/feedback"))
    assert "Lovely barrels" in feedback and "Thank you, we will try a gauge" in feedback  # a reply to a guest
    assert "timeline is slipping" not in feedback and "Who checked the sources" not in feedback
    assert "Sam did, in the library" not in feedback  # the replies of a teacher's thread go with it
    # A community partner still reads them (the rule is for families only).
    partner = _client(app, school["partner"])
    assert "too broad" in _page(partner.get(f"/projects/{project.id}"))
    assert "timeline is slipping" in _page(partner.get(f"/projects/{project.id}/feedback"))


def test_family_guest_is_never_offered_a_rating(app, school):
    rubric = factories.make_grading_rubric()
    factories.attach_grading_rubric(school["project"].challenge, rubric, partner_rating=True)
    family = _family(app, school)
    project_id = school["project"].id
    assert "Rate this project" not in _page(family.get(f"/projects/{project_id}"))
    assert family.get(f"/projects/{project_id}/rating").status_code == 403
    assert family.post(f"/projects/{project_id}/rating", data={"answer_0": "2"}).status_code == 403
    partner = _client(app, school["partner"])
    assert "Rate this project" in _page(partner.get(f"/projects/{project_id}"))


def test_a_hidden_comment_is_shown_to_its_author_as_not_published(app, school):
    project = school["project"]
    family = _family(app, school)
    response = family.post(f"/projects/{project.id}/feedback", data={"kind": "praise",
                                                                      "body": "So proud of you, Maya!"})
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.body == "So proud of you, Maya!"))
    assert _client(app, school["teacher"]).post(f"/comments/{comment.id}/hide").status_code == 302

    mine = _page(family.get(f"/projects/{project.id}/feedback"))
    assert "So proud of you, Maya!" in mine
    assert "Not published: a teacher chose not to show this comment." in mine
    assert "So proud of you" not in _page(_client(app, school["maya"]).get(f"/projects/{project.id}/feedback"))
    assert "So proud of you" not in _page(_client(app, school["partner"]).get(f"/projects/{project.id}/feedback"))


def test_teachers_see_the_family_named_after_the_student(app, school):
    project = school["project"]
    family = _family(app, school)
    family.post(f"/projects/{project.id}/feedback", data={"kind": "question", "body": "When is the fair?"})
    teacher = _client(app, school["teacher"])
    assert "Maya Chen's family" in _page(teacher.get(f"/classes/{school['classroom'].id}/invitations"))
    assert "Maya Chen's family" in _page(teacher.get(f"/projects/{project.id}"))  # guests who can see it
    feedback = _page(teacher.get(f"/projects/{project.id}/feedback"))
    assert "Maya Chen's family" in feedback
    assert "Maya Chen's family" in _page(teacher.get("/home"))  # the comment waits for approval
    assert "Maya Chen's family" in _page(teacher.get("/audit"))
    assert "Maya Chen's family" in _page(_client(app, school["admin"]).get("/audit"))


def test_invitation_mail_names_school_and_teacher_and_comes_from_the_school(app, school):
    admin = _client(app, school["admin"])
    response = admin.post("/admin/school", data={"name": "Lincoln Middle School", "sender_name": "",
                                                 "sender_email": "office@lincoln.example"})
    assert response.status_code == 302
    link, mail = _invite_family(app, school)
    assert mail["From"] == "Lincoln Middle School <office@lincoln.example>"
    assert "Lincoln Middle School" in mail["Subject"]
    body = mail.get_content()
    assert "Lincoln Middle School" in body and "Ana Rivera" in body and "Grade 8 Science" in body
    accept = _page(app.test_client().get(link))
    assert "Lincoln Middle School" in accept and "Ana Rivera" in accept and "as their family" in accept


def test_school_name_and_sender_default_to_the_configuration(app, school):
    app.config.update(SCHOOL_NAME="Harbor Academy", MAIL_FROM="Harbor Academy <mail@harbor.example>")
    _link, mail = _invite_family(app, school)
    assert mail["From"] == "Harbor Academy <mail@harbor.example>"
    assert "Harbor Academy" in mail.get_content()


def test_school_settings_are_for_admins_and_refuse_a_bad_sender(app, school):
    assert _client(app, school["teacher"]).get("/admin/school").status_code == 403
    admin = _client(app, school["admin"])
    response = admin.post("/admin/school", data={"name": "Lincoln Middle School", "sender_email": "not an address"})
    page = _page(response)
    assert response.status_code == 400 and "Enter an email address" in page and "Lincoln Middle School" in page
