"""Typed work survives (issue 10, item 2): text over a limit is refused with a message at the
field that says the limit and keeps the whole text (no ``maxlength`` cuts it in the browser);
a request too large for the server that carries no file is told its text was too long."""

import io
import re

import pytest
from sqlalchemy import func, select

from cbl.accounts.models import Role
from cbl.extensions import db
from cbl.portfolio.models import Entry
from cbl.projects.models import Challenge
from tests import factories


@pytest.fixture
def team_project():
    teacher = factories.make_user(Role.TEACHER)
    student = factories.make_user(Role.STUDENT, name="Maya Chen")
    classroom = factories.make_classroom(teacher)
    project = factories.make_project(factories.make_team(classroom, student), factories.make_challenge(classroom))
    return dict(teacher=teacher, student=student, classroom=classroom, project=project)


def _note(body: str) -> dict:
    return {"title": "Rain readings", "body": body, "phase": "engage", "element_key": "", "guiding_question": "",
            "visibility": "team", "link_url": ""}


def _entries() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_over_long_text_is_refused_at_the_field_with_the_limit_and_kept_whole(client, auth, team_project):
    auth.as_user(team_project["student"])
    text = "Rain " * 4082 + "xx"  # 20,412 characters
    assert len(text) == 20_412
    response = client.post(f"/projects/{team_project['project'].id}/entries/new?kind=note", data=_note(text))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="body-error">([^<]*)</p>', page)
    assert error and error.group(1) == ("At most 20,000 characters — this has 20,412. Nothing was saved; "
                                        "shorten it and save again.")
    textarea = re.search(r'<textarea([^>]*)id="body"([^>]*)>\s*(.*?)</textarea>', page, re.S)
    assert textarea.group(3).rstrip("\n") == text.rstrip()  # every character kept, nothing cut
    attributes = textarea.group(1) + textarea.group(2)
    assert "maxlength" not in attributes and 'aria-describedby="body-hint body-error"' in attributes
    assert _entries() == 0


def test_the_limit_message_speaks_the_readers_language_and_numbers(client, auth, team_project):
    student = team_project["student"]
    student.locale = "es"
    db.session.commit()
    auth.as_user(student)
    response = client.post(f"/projects/{team_project['project'].id}/entries/new?kind=note",
                           data=_note("a" * 20_001))
    page = response.get_data(as_text=True)
    assert "Como máximo 20.000 caracteres; este texto tiene 20.001." in page and "At most" not in page


@pytest.mark.parametrize("url", ["/projects/{project}/entries/new?kind=note", "/classes/{classroom}/challenges/new",
                                 "/projects/{project}/feedback", "/projects/{project}?phase=investigate"])
def test_no_text_field_is_cut_by_the_browser_and_each_carries_its_limit(client, auth, team_project, url):
    factories.make_comment(team_project["project"], team_project["student"])
    auth.as_user(team_project["teacher"])
    page = client.get(url.format(project=team_project["project"].id, classroom=team_project["classroom"].id))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "maxlength" not in text
    assert re.search(r'<textarea[^>]*data-limit="\d+"', text) or re.search(r'<input[^>]*data-limit="\d+"', text)


def test_every_page_loads_the_typed_work_script(client, auth, team_project):
    auth.as_user(team_project["student"])
    page = client.get(f"/projects/{team_project['project'].id}/entries/new?kind=note").get_data(as_text=True)
    script_tag = re.search(r'<script src="/static/js/typed-work.js"[^>]*>', page).group(0)
    assert 'data-count="{count} / {limit} characters"' in script_tag
    assert 'data-over="{count} / {limit} characters: too long to save, please shorten it"' in script_tag
    assert '<script src="/static/js/once.js" defer>' in page
    script = client.get("/static/js/typed-work.js")
    assert script.status_code == 200 and b"beforeunload" in script.data
    script.close()


def test_a_too_large_request_without_a_file_says_the_text_was_too_long(app, client, auth, team_project):
    app.config["MAX_CONTENT_LENGTH"] = 50_000  # a plain (url-encoded) form: only text in it
    auth.as_user(team_project["teacher"])
    url = f"/classes/{team_project['classroom'].id}/challenges/new"
    response = client.post(url, data={"title": "Energy", "big_idea": "E", "size": "mini",
                                      "description": "word " * 20_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "text you sent is far too long" in page and "your browser keeps what you typed" in page
    assert "files" not in page
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 1  # the fixture's only


def test_a_too_large_multipart_form_without_a_file_says_the_text_was_too_long(app, client, auth, team_project):
    """The entry form is sent as multipart (it may carry photos); its text alone was too long."""
    app.config["MAX_FORM_MEMORY_SIZE"] = 50_000
    auth.as_user(team_project["student"])
    response = client.post(f"/projects/{team_project['project'].id}/entries/new?kind=note",
                           data=_note("word " * 20_000), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "text you sent is far too long" in page and "files" not in page


def test_too_large_files_are_still_called_files(app, client, auth, team_project):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    auth.as_user(team_project["student"])
    data = {**_note("Our photos"), "photos-0-file": (io.BytesIO(b"x" * 40_000), "roof.jpg"),
            "photos-0-alt": "The roof"}
    response = client.post(f"/projects/{team_project['project'].id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "files you sent are too large" in response.get_data(as_text=True)
