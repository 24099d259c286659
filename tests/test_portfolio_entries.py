"""Writing, revising, deleting and reading portfolio entries."""

import html
import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import func, select

from cbl.extensions import db
from cbl.portfolio.models import Blob, Entry, EntryAttachment, EntryKind, EntryRevision, Visibility
from cbl.projects.models import Phase
from cbl.storage import get_storage
from tests import factories
from tests.purging import purge_later
from tests.test_images import encode, png_bomb


@pytest.fixture
def team():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"))
    classmate = factories.make_user("student", name="Noah Williams")
    factories.make_team(classroom, classmate, name="Tap Detectives")
    return project, maya, leo, teacher, classmate


def _jpeg(color=(200, 80, 40), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def _note(**overrides) -> dict:
    data = {"title": "Rain gauge readings", "body": "We measured **12 mm** today.", "phase": "investigate",
            "element_key": "", "guiding_question": "", "visibility": "team", "link_url": ""}
    data.update(overrides)
    return data


def _tags(markup: str) -> list[tuple[str, list]]:
    """The real elements of some HTML with their attributes (escaped text is not a tag)."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(markup)
    return found


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _entry() -> Entry:
    db.session.expire_all()
    return db.session.scalar(select(Entry).order_by(Entry.id.desc()))


def test_member_writes_a_note_that_teammates_read(app, client, auth, team):
    project, maya, leo, _, _ = team
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind=note", data=_note())
    assert response.status_code == 302
    entry = _entry()
    assert (entry.kind, entry.visibility, entry.phase, entry.version) == (EntryKind.NOTE, Visibility.TEAM,
                                                                          Phase.INVESTIGATE, 1)
    assert "<strong>12 mm</strong>" in entry.body_html
    auth.as_user(leo)
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "Rain gauge readings" in page and "<strong>12 mm</strong>" in page
    timeline = client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    assert "Rain gauge readings" in timeline


def test_new_entries_default_to_the_team(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    form = client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True)
    assert 'value="team" selected' in form or 'selected value="team"' in form


@pytest.mark.parametrize("visibility, classmate_sees, partner_sees", [
    ("private", False, False), ("team", False, False), ("class", True, False), ("partners", True, True)])
def test_visibility_decides_who_reads_an_entry(app, client, auth, team, visibility, classmate_sees, partner_sees):
    project, maya, leo, teacher, classmate = team
    partner = factories.make_user("partner")
    factories.grant_partner(project, partner)
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/entries/new?kind=note", data=_note(visibility=visibility))
    entry = _entry()
    expected = {leo: visibility != "private", teacher: True, classmate: classmate_sees, partner: partner_sees}
    for reader, sees in expected.items():
        reader_client = app.test_client()
        type(auth)(reader_client).as_user(reader)
        assert reader_client.get(f"/entries/{entry.id}").status_code == (200 if sees else 404), reader
        listed = "Rain gauge readings" in reader_client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
        if reader is not partner or partner_sees:
            assert listed is sees, reader


def test_editing_keeps_every_revision_with_who_and_what(app, client, auth, team):
    project, maya, leo, _, _ = team
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/entries/new?kind=note", data=_note(body="First line"))
    entry = _entry()
    auth.as_user(leo)
    response = client.post(f"/entries/{entry.id}/edit", data=_note(body="First line\nSecond line", version=1))
    assert response.status_code == 302
    assert _entry().version == 2
    assert _count(EntryRevision, EntryRevision.entry_id == entry.id) == 2
    page = html.unescape(client.get(f"/entries/{entry.id}/revisions").get_data(as_text=True))
    assert "Version 2" in page and "Leo Martins" in page and "Maya Chen" in page
    assert "Second line" in page


def test_stale_edit_is_refused_and_shows_both_texts(app, client, auth, team):
    project, maya, leo, _, _ = team
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/entries/new?kind=note", data=_note(body="Original"))
    entry = _entry()
    client.post(f"/entries/{entry.id}/edit", data=_note(body="Maya's change", version=1))
    leo_client = app.test_client()
    type(auth)(leo_client).as_user(leo)
    conflict = leo_client.post(f"/entries/{entry.id}/edit", data=_note(body="Leo's change", version=1))
    assert conflict.status_code == 409
    page = html.unescape(conflict.get_data(as_text=True))
    assert "Maya's change" in page and "Leo's change" in page
    assert _entry().body == "Maya's change"


def test_classmate_of_another_team_cannot_edit_even_a_class_entry(client, auth, team):
    project, maya, _, _, classmate = team
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/entries/new?kind=note", data=_note(visibility="class"))
    entry = _entry()
    auth.as_user(classmate)
    assert client.get(f"/entries/{entry.id}").status_code == 200
    assert client.get(f"/entries/{entry.id}/edit").status_code == 403
    assert client.post(f"/entries/{entry.id}/delete").status_code == 403
    assert client.get(f"/projects/{project.id}/entries/new?kind=note").status_code == 403


@pytest.mark.parametrize("data, kind, message", [
    (_note(title=""), "note", "Give the entry a title."),
    (_note(body=""), "note", "Write something first."),
    (_note(link_url=""), "link", "A link entry needs its web address."),
    (_note(link_url="javascript:alert(1)"), "link", "http://"),
    (_note(phase="somewhere"), "note", "Not a valid choice"),
    (_note(element_key="analysis", phase="engage"), "note", "That element belongs to another phase."),
    (_note(), "image", "Add at least one photo."),
])
def test_bad_entries_are_explained_and_nothing_is_saved(client, auth, team, data, kind, message):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind={kind}", data=data)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert _count(Entry) == 0


def test_unknown_kind_answers_404(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    assert client.get(f"/projects/{project.id}/entries/new?kind=grades").status_code == 404


def test_contributors_say_who_did_what(client, auth, team):
    project, maya, leo, _, classmate = team
    auth.as_user(maya)
    data = _note(**{f"contributor-{leo.id}": "y", f"contribution-{leo.id}": "took the photos",
                    f"contributor-{maya.id}": "y", f"contribution-{maya.id}": "wrote it up"})
    assert client.post(f"/projects/{project.id}/entries/new?kind=note", data=data).status_code == 302
    entry = _entry()
    assert {c.user_id: c.contribution for c in entry.contributors} == {leo.id: "took the photos",
                                                                       maya.id: "wrote it up"}
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "took the photos" in page
    # A ticked outsider is ignored: only teammates are offered and read.
    client.post(f"/entries/{entry.id}/edit", data=_note(version=1, **{f"contributor-{classmate.id}": "y"}))
    assert classmate.id not in {c.user_id for c in _entry().contributors}


def test_photo_entry_stores_renditions_and_serves_them_to_readers_only(app, client, auth, team):
    project, maya, _, _, classmate = team
    auth.as_user(maya)
    data = _note(**{"photos-0-file": (io.BytesIO(_jpeg()), "roof.jpg"), "photos-0-alt": "The school roof"})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.session.scalar(select(EntryAttachment))
    assert attachment.alt_text == "The school roof"
    for rendition in ("display", "thumb"):
        image = client.get(f"/attachments/{attachment.id}/{rendition}")
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/jpeg"
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        Image.open(io.BytesIO(image.data)).verify()
    page = client.get(f"/entries/{_entry().id}").get_data(as_text=True)
    assert 'alt="The school roof"' in page
    auth.as_user(classmate)  # a team entry: the other team does not see it, nor its photo
    assert client.get(f"/attachments/{attachment.id}/display").status_code == 404
    assert client.get(f"/attachments/{attachment.id}/original").status_code == 404


def test_photo_without_a_description_is_refused(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    data = _note(**{"photos-0-file": (io.BytesIO(_jpeg()), "roof.jpg"), "photos-0-alt": " "})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Describe this photo" in response.get_data(as_text=True)
    assert _count(Entry) == 0 and _count(Blob) == 0


@pytest.mark.parametrize("payload, name", [(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg"),
                                           (b"#!/bin/sh\necho hi\n", "script.jpg"), (b"", "empty.jpg"),
                                           (_jpeg()[:200], "truncated.jpg")])
def test_refused_upload_leaves_nothing_behind(app, client, auth, team, payload, name):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    data = _note(**{"photos-0-file": (io.BytesIO(_jpeg((1, 2, 3))), "ok.jpg"), "photos-0-alt": "Fine",
                    "photos-1-file": (io.BytesIO(payload), name), "photos-1-alt": "Bad"})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _count(Entry) == 0 and _count(Blob) == 0
    assert not any(p.is_file() for p in __import__("pathlib").Path(app.config["UPLOAD_FOLDER"]).rglob("*"))


def test_same_photo_twice_is_stored_once_and_kept_while_used(app, client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    photo = _jpeg((10, 200, 30))
    for title in ("First", "Second"):
        data = _note(title=title, **{"photos-0-file": (io.BytesIO(photo), "p.jpg"), "photos-0-alt": "Garden"})
        assert client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data").status_code == 302
    assert _count(Blob) == 1 and _count(EntryAttachment) == 2
    keys = db.session.execute(select(Blob.display_key, Blob.thumb_key)).one()
    first = db.session.scalar(select(Entry).where(Entry.title == "First"))
    second_id = db.session.scalar(select(Entry.id).where(Entry.title == "Second"))
    client.post(f"/entries/{first.id}/delete")
    purge_later()
    assert _count(Blob) == 1 and all(get_storage().exists(key) for key in keys)
    client.post(f"/entries/{second_id}/delete")
    purge_later()
    assert _count(Blob) == 0 and not any(get_storage().exists(key) for key in keys)


def test_entry_markdown_is_sanitized_and_rendered_once(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/entries/new?kind=note",
                data=_note(body='<img src=x onerror=alert(1)> [x](javascript:alert(1)) <a href="data:x">d</a>'))
    entry = _entry()
    tags = _tags(entry.body_html)
    assert "img" not in {tag for tag, _ in tags}
    assert all(not name.startswith("on") for _, attrs in tags for name, _ in attrs)
    assert all(not (value or "").startswith(("javascript:", "data:")) for _, attrs in tags for _, value in attrs)
    entry.body_html = "<p>served from the stored rendering</p>"
    db.session.commit()
    assert "served from the stored rendering" in client.get(f"/entries/{entry.id}").get_data(as_text=True)


def test_markdown_preview_renders_the_same_safe_html(client, auth, team):
    _, maya, _, _, _ = team
    auth.as_user(maya)
    response = client.post("/markdown/preview", data={"body": "**hi** <script>x</script>"})
    assert response.get_json()["html"] == "<p><strong>hi</strong> &lt;script&gt;x&lt;/script&gt;</p>"


def test_photos_marked_for_removal_go_on_save_but_not_the_last_one(client, auth, team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya, kind="image", photo=True)
    auth.as_user(maya)
    data = _note(version=1, **{"photos-0-file": (io.BytesIO(_jpeg((5, 5, 250))), "b.jpg"), "photos-0-alt": "Blue"})
    assert client.post(f"/entries/{entry.id}/edit", data=data, content_type="multipart/form-data").status_code == 302
    first, second = db.session.scalars(select(EntryAttachment).order_by(EntryAttachment.id)).all()
    form = client.get(f"/entries/{entry.id}/edit").get_data(as_text=True)
    assert f'name="remove_photo" value="{first.id}"' in form
    kept_text = _note(body="Text typed before removing", version=2, remove_photo=[str(first.id)])
    assert client.post(f"/entries/{entry.id}/edit", data=kept_text).status_code == 302
    assert _entry().body == "Text typed before removing"
    assert [a.id for a in _entry().attachments] == [second.id]
    last = client.post(f"/entries/{entry.id}/edit", data=_note(version=3, remove_photo=[str(second.id)]))
    assert last.status_code == 400 and "keeps at least one photo" in last.get_data(as_text=True)
    assert _count(EntryAttachment) == 1


@pytest.mark.parametrize("payload, name, accepted", [
    (png_bomb(30000, 30000), "bomb.png", False),
    (encode(Image.new("RGB", (40, 30), (9, 9, 9)), "PNG"), "actually-a-png.jpg", True),
])
def test_pixel_bombs_are_refused_and_a_png_named_jpg_is_accepted_through_the_form(client, auth, team, payload,
                                                                                  name, accepted):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    data = _note(**{"photos-0-file": (io.BytesIO(payload), name), "photos-0-alt": "A picture"})
    response = client.post(f"/projects/{project.id}/entries/new?kind=image", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == (302 if accepted else 400)
    if not accepted:
        assert "more than 40 megapixels" in response.get_data(as_text=True)
    assert _count(Blob) == (1 if accepted else 0)


def _rendered_fields(page: str) -> set[str]:
    """The names of the form fields a page really shows (what a browser would send)."""
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', page))


def test_a_reflection_saves_with_only_the_fields_its_page_shows(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    page = client.get(f"/projects/{project.id}/entries/new?kind=reflection&phase=engage").get_data(as_text=True)
    shown = _rendered_fields(page)
    assert not {"element_key", "guiding_question", "competencies"} & shown
    data = {"title": "My reflection", "body": "It matters to me.", "phase": "engage", "visibility": "private"}
    assert set(data) <= shown
    assert client.post(f"/projects/{project.id}/entries/new?kind=reflection", data=data).status_code == 302


def test_a_note_saves_on_a_project_without_guiding_questions(client, auth, team):
    project, maya, _, _, _ = team
    auth.as_user(maya)
    page = client.get(f"/projects/{project.id}/entries/new?kind=note").get_data(as_text=True)
    assert "guiding_question" not in _rendered_fields(page)
    data = {"title": "A note", "body": "Text", "phase": "engage", "visibility": "team", "element_key": ""}
    assert client.post(f"/projects/{project.id}/entries/new?kind=note", data=data).status_code == 302


def test_after_a_conflict_saving_the_form_again_works(app, client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya)
    auth.as_user(maya)
    client.post(f"/entries/{entry.id}/edit", data=_note(body="Maya's text", version=1))
    leo_client = app.test_client()
    type(auth)(leo_client).as_user(leo)
    conflict = leo_client.post(f"/entries/{entry.id}/edit", data=_note(body="Leo's text", version=1))
    version = re.search(r'name="version" type="hidden" value="(\d+)"', conflict.get_data(as_text=True)).group(1)
    assert version == "2"
    again = leo_client.post(f"/entries/{entry.id}/edit", data=_note(body="Both texts", version=version))
    assert again.status_code == 302 and _entry().body == "Both texts"
