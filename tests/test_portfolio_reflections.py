"""Reflections: each student answers the phase's prompt; private unless shared."""

import html

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.portfolio.models import Entry, EntryKind, Visibility
from tests import factories


@pytest.fixture
def team():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom, prompt_engage="Why does this matter to you?",
                                         prompt_investigate="What changed your mind?")
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"), challenge)
    return project, maya, leo, teacher


def _reflect(client, project, phase="engage", **data):
    start = client.get(f"/projects/{project.id}/reflect/{phase}")
    assert start.status_code == 302
    form = client.get(start.headers["Location"])
    assert form.status_code == 200
    payload = {"title": "My reflection", "body": "It matters because our garden is dry.", "phase": phase,
               "visibility": "private", "element_key": "", "guiding_question": "", "link_url": ""}
    payload.update(data)
    return form, client.post(start.headers["Location"], data=payload)


def test_student_reflects_privately_on_the_phase_prompt(app, client, auth, team):
    project, maya, leo, teacher = team
    auth.as_user(maya)
    form, response = _reflect(client, project)
    assert "Why does this matter to you?" in html.unescape(form.get_data(as_text=True))
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert (entry.kind, entry.visibility, entry.prompt) == (EntryKind.REFLECTION, Visibility.PRIVATE,
                                                            "Why does this matter to you?")
    leo_client = app.test_client()
    type(auth)(leo_client).as_user(leo)
    assert leo_client.get(f"/entries/{entry.id}").status_code == 404
    assert "our garden is dry" not in leo_client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    teacher_client = app.test_client()
    type(auth)(teacher_client).as_user(teacher)
    assert teacher_client.get(f"/entries/{entry.id}").status_code == 200
    assert teacher_client.get(f"/entries/{entry.id}/edit").status_code == 403  # the student's own words


def test_sharing_a_reflection_with_the_team(app, client, auth, team):
    project, maya, leo, _ = team
    auth.as_user(maya)
    _reflect(client, project, visibility="team")
    entry = db.session.scalar(select(Entry))
    auth.as_user(leo)
    assert client.get(f"/entries/{entry.id}").status_code == 200
    assert client.get(f"/entries/{entry.id}/edit").status_code == 403  # only its author changes it
    assert client.post(f"/entries/{entry.id}/delete").status_code == 403


def test_a_reflection_cannot_be_shown_beyond_the_team(client, auth, team):
    project, maya, _, _ = team
    auth.as_user(maya)
    _, response = _reflect(client, project, visibility="class")
    assert response.status_code == 400
    assert db.session.scalar(select(Entry)) is None


def test_reflecting_again_opens_the_same_reflection(client, auth, team):
    project, maya, _, _ = team
    auth.as_user(maya)
    _reflect(client, project)
    entry = db.session.scalar(select(Entry))
    again = client.get(f"/projects/{project.id}/reflect/engage")
    assert again.headers["Location"].endswith(f"/entries/{entry.id}/edit")


def test_teacher_sees_who_has_reflected_in_each_phase_and_reads_them(app, client, auth, team):
    project, maya, leo, teacher = team
    auth.as_user(maya)
    _reflect(client, project, body="Maya's engage thoughts")
    _reflect(client, project, phase="investigate", body="Maya's investigate thoughts")
    auth.as_user(teacher)
    page = html.unescape(client.get(f"/challenges/{project.challenge_id}/reflections").get_data(as_text=True))
    assert "Maya's engage thoughts" in page and "Maya's investigate thoughts" in page
    assert page.count("not yet") == 4  # Leo: three phases; Maya: Act
    only = html.unescape(client.get(f"/challenges/{project.challenge_id}/reflections?phase=investigate")
                         .get_data(as_text=True))
    assert "Maya's investigate thoughts" in only and "Maya's engage thoughts" not in only


def test_students_cannot_open_the_reflection_overview(client, auth, team):
    project, maya, _, _ = team
    auth.as_user(maya)
    assert client.get(f"/challenges/{project.challenge_id}/reflections").status_code == 403


def test_admins_do_not_read_private_reflections(client, auth, team):
    project, maya, _, _ = team
    auth.as_user(maya)
    _reflect(client, project, body="Only for my teacher")
    _reflect(client, project, phase="investigate", visibility="team", body="Shared with my team")
    private, shared = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    auth.as_user(factories.make_user("admin"))
    assert client.get(f"/entries/{private.id}").status_code == 404
    assert client.get(f"/entries/{shared.id}").status_code == 200
    assert "Only for my teacher" not in client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    assert client.get(f"/challenges/{project.challenge_id}/reflections").status_code == 403
