"""Photo upload from a phone (issue 10, item 6): the server side of static/js/photos.js and the
plain form's message that names each refused photo."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from cbl.extensions import db
from cbl.portfolio.models import Entry, EntryAttachment
from tests import factories


@pytest.fixture
def project_and_student():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    maya = factories.make_user("student", name="Maya Chen")
    project = factories.make_project(factories.make_team(factories.make_classroom(teacher), maya, name="Rain Catchers"))
    return project, maya


def _jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def _photo_entry(**photos) -> dict:
    data = {"title": "Our barrel", "body": "", "phase": "investigate", "element_key": "", "guiding_question": "",
            "visibility": "team", "link_url": ""}
    data.update(photos)
    return data


def test_the_photo_form_offers_one_input_for_several_photos_from_the_camera(client, auth, project_and_student):
    project, maya = project_and_student
    auth.as_user(maya)
    page = client.get(f"/projects/{project.id}/entries/new?kind=image").get_data(as_text=True)
    picker = re.search(r'<input type="file" id="photo-picker-input"[^>]*>', page).group(0)
    assert 'accept="image/*"' in picker and " multiple" in picker
    assert 'capture' not in picker  # the phone offers its camera and its gallery both
    assert "js/photos.js" in page
    assert 'name="photos-0-file"' in page  # the plain rows, for a browser without JavaScript


def test_a_save_sent_by_the_photo_script_is_told_where_the_entry_is(client, auth, project_and_student):
    project, maya = project_and_student
    auth.as_user(maya)
    data = _photo_entry(**{"photos-0-file": (io.BytesIO(_jpeg()), "one.jpg"), "photos-0-alt": "The barrel",
                           "photos-1-file": (io.BytesIO(_jpeg((48, 64))), "two.jpg"), "photos-1-alt": "Its tap"})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200 and response.is_json
    entry = db.session.scalar(select(Entry))
    assert response.json == {"location": f"/entries/{entry.id}"}
    assert sorted(a.alt_text for a in db.session.scalars(select(EntryAttachment))) == ["Its tap", "The barrel"]
    # The "Entry saved." message waits for the page the script opens next.
    assert "Entry saved." in client.get(response.json["location"]).get_data(as_text=True)


def test_a_refused_form_names_each_photo_and_what_it_needs(client, auth, project_and_student):
    project, maya = project_and_student
    auth.as_user(maya)
    data = _photo_entry(**{"photos-0-file": (io.BytesIO(_jpeg()), "barrel.jpg"), "photos-0-alt": "The barrel",
                           "photos-1-file": (io.BytesIO(_jpeg()), "tap.jpg"), "photos-1-alt": " "})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    problems = re.search(r'<div class="photo-problems".*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert "Photo 2 (tap.jpg):" in problems and "Describe this photo" in problems
    assert 'href="#photos-1-alt"' in problems
    assert "barrel.jpg" not in problems  # the described photo needs nothing
    assert db.session.scalar(select(Entry)) is None
