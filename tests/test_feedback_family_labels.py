"""Teachers see "Maya Chen's family" wherever a family guest is listed (issue 10, item 9),
including the names a screen reader hears on the moderation buttons and the objects the audit
log names: never the guest's own name alone, which tells a teacher nothing."""

import html
import re

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.feedback.models import Comment
from cbl.mail import outbox
from tests import factories


@pytest.fixture
def app(app):
    app.config["MAIL_BACKEND"] = "memory"
    return app


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def school(app):
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher, name="Grade 8 Science")
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(classroom, maya, name="Rain Catchers"))
    response = _client(app, maya).post(f"/projects/{project.id}/invite", query_string={"kind": "family"}, data={
        "email": "rosa@family.example", "message": "", "projects": [project.id]})
    assert response.status_code == 302
    link = re.search(r"http://localhost(/invitations/accept/\S+)", outbox()[-1].get_content()).group(1)
    family = app.test_client()
    assert family.post(link, data={"display_name": "Rosa Quintero", "password": "long enough secret",
                                   "confirm": "long enough secret"}).status_code == 302
    assert family.post(f"/projects/{project.id}/feedback",
                       data={"kind": "question", "body": "When is the fair?"}).status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.body == "When is the fair?"))
    return dict(teacher=_client(app, teacher), project=project, comment=comment)


def _moderation(page: str) -> str:
    return page[page.index('id="moderation"'):]


def test_moderation_buttons_name_the_family_not_the_guest(school):
    home = _moderation(_page(school["teacher"].get("/home")))
    assert "the comment of Maya Chen's family" in home
    assert "Rosa Quintero" not in home
    feedback = _page(school["teacher"].get(f"/projects/{school['project'].id}/feedback"))
    assert "the comment of Maya Chen's family" in feedback
    assert "Rosa Quintero" not in feedback


def test_audit_log_names_the_family_guests_comment_after_the_student(school):
    log = _page(school["teacher"].get("/audit", query_string={"action": "guest_commented"}))
    assert "comment by Maya Chen's family on Water · Rain Catchers" in log
    assert "comment by Rosa Quintero" not in log


def test_an_invitation_without_a_message_has_no_gap_for_it(app, school):
    mail = next(m for m in outbox() if m["To"] == "rosa@family.example")
    body = mail.get_content()
    assert "\n\n\n" not in body
    assert "- Water (Rain Catchers)\n\nOpen this link to accept" in body
