"""A team publishes its story with the teacher's approval; the public sees only what is public."""

import html

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.portfolio.models import EntryAttachment, Publication, PublicationStatus
from cbl.projects.models import ElementKey
from cbl.projects.services import save_element
from tests import factories


@pytest.fixture
def story():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya = factories.make_user("student", name="Maya Chen", email="maya.chen@school.example")
    leo = factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"),
                                     factories.make_challenge(classroom, title="Water in our neighbourhood",
                                                              big_idea="Water"))
    save_element(project, ElementKey.CHALLENGE_STATEMENT, "Water the garden with rain.", 0, maya)
    factories.make_entry(project, maya, title="Our rainfall poster", visibility="public", photo=True)
    factories.make_entry(project, maya, title="Team-only plan", visibility="team")
    factories.make_entry(project, leo, kind="reflection", title="Leo's private reflection", visibility="private")
    return project, maya, leo, teacher


def _publish(app, auth, project, maya, teacher):
    student = app.test_client()
    type(auth)(student).as_user(maya)
    assert student.post(f"/projects/{project.id}/publication/request", data={"note": "Ready"}).status_code == 302
    teacher_client = app.test_client()
    type(auth)(teacher_client).as_user(teacher)
    teacher_client.post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"})
    return student, teacher_client


def test_approved_story_is_in_the_showcase_with_only_public_entries_and_first_names(app, client, auth, story):
    project, maya, leo, teacher = story
    assert client.get(f"/showcase/{project.id}").status_code == 404  # not before approval
    _publish(app, auth, project, maya, teacher)
    anonymous = app.test_client()
    showcase = anonymous.get("/showcase").get_data(as_text=True)
    assert "Water in our neighbourhood" in showcase
    response = anonymous.get(f"/showcase/{project.id}")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Water the garden with rain." in page and "Our rainfall poster" in page
    assert "Maya" in page and "Leo" in page
    for secret in ("Chen", "Martins", "maya.chen@school.example", "Team-only plan", "Leo's private reflection"):
        assert secret not in page
    photo = db.session.scalar(select(EntryAttachment))
    image = anonymous.get(f"/attachments/{photo.id}/display")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"


def test_unpublishing_takes_effect_at_once(app, auth, story):
    project, maya, _, teacher = story
    student, _ = _publish(app, auth, project, maya, teacher)
    photo = db.session.scalar(select(EntryAttachment))
    anonymous = app.test_client()
    assert anonymous.get(f"/showcase/{project.id}").status_code == 200
    assert student.post(f"/projects/{project.id}/publication/withdraw").status_code == 302
    assert anonymous.get(f"/showcase/{project.id}").status_code == 404
    assert anonymous.get(f"/attachments/{photo.id}/display").status_code == 404
    assert "Water in our neighbourhood" not in anonymous.get("/showcase").get_data(as_text=True)


def test_teacher_returns_a_request_with_a_comment(app, client, auth, story):
    project, maya, _, teacher = story
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/publication/request", data={})
    auth.as_user(teacher)
    client.post(f"/projects/{project.id}/publication/decide", data={"decision": "return", "comment": ""})
    assert db.session.scalar(select(Publication)).status is PublicationStatus.REQUESTED  # a comment is needed
    client.post(f"/projects/{project.id}/publication/decide",
                data={"decision": "return", "comment": "Add your evaluation first."})
    assert db.session.scalar(select(Publication)).status is PublicationStatus.RETURNED
    auth.as_user(maya)
    page = client.get(f"/projects/{project.id}/publication").get_data(as_text=True)
    assert "Add your evaluation first." in page
    assert client.get(f"/showcase/{project.id}").status_code == 404


def test_nothing_public_means_nothing_to_publish(client, auth):
    teacher = factories.make_user("teacher")
    maya = factories.make_user("student")
    project = factories.make_project(factories.make_team(factories.make_classroom(teacher), maya))
    factories.make_entry(project, maya, visibility="team")
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/publication/request", data={}, follow_redirects=True)
    assert "Make at least one entry visible to everyone first" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(Publication)) is None


def test_cover_must_be_one_of_the_public_photos(client, auth, story):
    project, maya, _, _ = story
    private_photo = factories.make_entry(project, maya, title="Private photo", kind="image", visibility="team",
                                         photo=True).attachments[0]
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/publication/request", data={"cover": private_photo.id},
                           follow_redirects=True)
    assert "Choose the cover among the photos of your public entries." in response.get_data(as_text=True)
    assert db.session.scalar(select(Publication)) is None


def test_students_cannot_approve_their_own_story(client, auth, story):
    project, maya, _, _ = story
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/publication/request", data={})
    assert client.post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"}).status_code == 403
    assert db.session.scalar(select(Publication)).status is PublicationStatus.REQUESTED


def test_public_documents_download_without_signing_in_once_published(app, auth, story):
    project, maya, _, teacher = story
    shared = factories.make_entry(project, maya, kind="file", title="Our survey", visibility="public",
                                  document=factories.PDF)
    file_id = shared.files[0].id
    anonymous = app.test_client()
    assert anonymous.get(f"/files/{file_id}").status_code == 404
    _publish(app, auth, project, maya, teacher)
    assert f"/files/{file_id}" in anonymous.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert anonymous.get(f"/files/{file_id}").data == factories.PDF


def test_teacher_sees_publication_requests_on_home_and_board(client, auth, story):
    project, maya, _, teacher = story
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/publication/request", data={})
    auth.as_user(teacher)
    home = html.unescape(client.get("/home").get_data(as_text=True))
    assert "Rain Catchers asks to publish its story" in home
    board = client.get(f"/classes/{project.team.classroom_id}/board").get_data(as_text=True)
    assert "Asks to publish its story" in board
    stranger = factories.make_user("teacher")
    factories.make_classroom(stranger)
    auth.as_user(stranger)
    assert "Rain Catchers" not in client.get("/home").get_data(as_text=True)


def test_an_over_long_note_or_comment_is_refused_at_its_field_and_kept_whole(client, auth, story):
    """No silent cut at 2,000 characters: the page says the limit and keeps every character."""
    project, maya, _, teacher = story
    auth.as_user(maya)
    note = "Please publish us! " * 110  # 2,090 characters
    response = client.post(f"/projects/{project.id}/publication/request", data={"note": note})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "At most 2,000 characters — this has 2,090." in page and note.strip() in page
    assert db.session.scalar(select(Publication)) is None
    assert client.post(f"/projects/{project.id}/publication/request", data={"note": "Ready"}).status_code == 302
    auth.as_user(teacher)
    comment = "x" * 2001
    response = client.post(f"/projects/{project.id}/publication/decide", data={"decision": "return", "comment": comment})
    assert response.status_code == 400 and comment in response.get_data(as_text=True)
    assert db.session.scalar(select(Publication)).status is PublicationStatus.REQUESTED


def test_the_preview_of_a_published_story_says_what_the_public_sees_now(app, auth, story):
    project, maya, _, teacher = story
    _publish(app, auth, project, maya, teacher)
    client = app.test_client()
    type(auth)(client).as_user(teacher)
    page = html.unescape(client.get(f"/projects/{project.id}/publication").get_data(as_text=True))
    assert "exactly as the public sees it now" in page and "once it is published" not in page
