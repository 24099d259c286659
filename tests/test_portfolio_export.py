"""Downloading a project's portfolio as a ZIP of static pages that opens offline."""

import html
import io
import os
import posixpath
import zipfile
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import select

from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.portfolio import export
from cbl.portfolio.models import Entry, EntryAttachment
from cbl.projects.models import ChangeKind, ElementKey, Phase, PhaseChange, ProjectElement
from cbl.storage import get_storage
from tests import factories


@pytest.fixture
def team():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    challenge = factories.make_challenge(classroom, title="Water in our school", big_idea="Water")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"), challenge)
    classmate = factories.make_user("student", name="Noah Williams")
    factories.make_team(classroom, classmate, name="Tap Detectives")
    return project, maya, leo, teacher, classmate


def _download(client, project, *, buffered: bool = True):
    """The export, read to the end inside the request (buffered) unless a test reads the
    stream itself, and then closes it."""
    return client.get(f"/projects/{project.id}/export.zip", buffered=buffered)


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None  # every member's checksum holds
    return archive


def _pages(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".html")}


def _text(pages: dict[str, str]) -> str:
    """The pages' text as a reader sees it (entities decoded)."""
    return html.unescape("".join(pages.values()))


def _entry_pages(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: page for name, page in _pages(archive).items() if name.startswith("entries/")}


class _Tags(HTMLParser):
    """The real elements of a page with their attributes (escaped text is not a tag)."""

    def __init__(self, markup: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _references(page: str) -> list[str]:
    return [attrs[attr] for tag, attrs in _Tags(page).found for attr in ("src", "href") if attrs.get(attr)]


def test_export_holds_the_story_every_entry_and_the_files_its_pages_use(client, auth, team):
    project, maya, leo, _, _ = team
    db.session.add(ProjectElement(project_id=project.id, key=ElementKey.ESSENTIAL_QUESTION,
                                  body="How can we keep the yard **dry**?"))
    question = factories.make_question(project, "How much rain falls on the roof?", findings="About *600 mm* a year.")
    factories.make_activity(project, question, title="Measure the roof")
    db.session.add(PhaseChange(project_id=project.id, from_phase=Phase.ENGAGE, to_phase=Phase.INVESTIGATE,
                               kind=ChangeKind.ADVANCED, actor_id=leo.id))
    db.session.commit()
    factories.make_entry(project, maya, title="Our rainfall poster", photo=True)
    factories.make_entry(project, leo, title="City rainfall records", kind="link",
                         body="Also [the archive](https://example.org/archive).")
    factories.make_entry(project, leo, title="Interview with the caretaker")
    factories.make_entry(project, maya, kind="file", title="Barrel plan", document=factories.PDF)
    auth.as_user(maya)
    archive = _archive(_download(client, project))
    names = set(archive.namelist())
    pages = _pages(archive)

    story = pages["index.html"]
    for text in ("Water in our school", "Rain Catchers", "Maya Chen", "Leo Martins", "<strong>dry</strong>",
                 "How much rain falls on the roof?", "<em>600 mm</em>", "Measure the roof"):
        assert text in story, text
    assert "Leo Martins moved the project from Engage to Investigate." in story
    entry_pages = _entry_pages(archive)
    assert len(entry_pages) == 4
    for title in ("Our rainfall poster", "City rainfall records", "Interview with the caretaker", "Barrel plan"):
        assert sum(title in page for page in entry_pages.values()) == 1, title
        assert title in pages["timeline.html"]

    photos = [name for name in names if name.startswith("images/")]
    assert len(photos) == 1 and archive.getinfo(photos[0]).compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED
    Image.open(io.BytesIO(archive.read(photos[0]))).verify()
    (document,) = [name for name in names if name.startswith("files/")]
    assert document.endswith("plan.pdf") and archive.read(document) == factories.PDF

    own_links = {"https://example.org/rain", "https://example.org/archive"}  # what the entries link to
    referenced = set()
    for name, page in pages.items():
        for ref in _references(page):
            if ref.startswith(("http://", "https://")):
                assert ref in own_links, (name, ref)
                continue
            assert ":" not in ref and not ref.startswith("/"), (name, ref)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), ref.split("#")[0]))
            assert target in names, (name, ref)
            referenced.add(target)
    assert {photos[0], document, "style.css", "index.html", "timeline.html", *entry_pages} <= referenced


def test_student_export_lacks_a_teammates_private_reflection_that_the_teacher_gets(client, auth, team):
    project, maya, leo, teacher, _ = team
    factories.make_entry(project, leo, kind="reflection", title="Leo's private thoughts", visibility="private",
                         body="I felt left out.")
    factories.make_entry(project, maya, kind="reflection", title="Maya's own reflection", visibility="private")
    auth.as_user(maya)
    student_pages = _text(_pages(_archive(_download(client, project))))
    assert "Maya's own reflection" in student_pages
    assert "Leo's private thoughts" not in student_pages and "I felt left out." not in student_pages

    auth.as_user(teacher)
    teacher_archive = _archive(_download(client, project))
    assert len(_entry_pages(teacher_archive)) == 2
    assert "I felt left out." in _text(_entry_pages(teacher_archive))


def test_only_the_team_and_the_class_teachers_may_export(client, auth, team):
    project, maya, _, teacher, classmate = team
    other_teacher = factories.make_user("teacher")
    factories.make_classroom(other_teacher)
    partner = factories.make_user("partner")
    factories.grant_partner(project, partner)
    expected = {classmate: 403, other_teacher: 404, partner: 403, factories.make_user("admin"): 403,
                maya: 200, teacher: 200}
    for visitor, status in expected.items():
        auth.as_user(visitor)
        assert _download(client, project).status_code == status, visitor.display_name
    auth.logout()
    assert _download(client, project).headers["Location"].startswith("/login")


def test_hostile_text_is_never_live_html_in_the_export(client, auth, team):
    project, maya, _, _, _ = team
    payload = '<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) <a href="data:x">d</a>'
    db.session.add(ProjectElement(project_id=project.id, key=ElementKey.ANALYSIS, body=payload))
    factories.make_question(project, payload, findings=payload)
    db.session.commit()
    entry = factories.make_entry(project, maya, title='<script>alert("title")</script>', body=payload, photo=True)
    entry.attachments[0].alt_text = '"><script>alert("alt")</script>'
    db.session.commit()
    auth.as_user(maya)
    pages = _pages(_archive(_download(client, project)))
    assert len(pages) == 3
    for name, page in pages.items():
        tags = _Tags(page).found
        assert {tag for tag, _ in tags}.isdisjoint({"script", "iframe", "object", "embed", "form"}), name
        assert all(not attr.startswith("on") for _, attrs in tags for attr in attrs), name
        assert all(not (value or "").strip().lower().startswith(("javascript:", "data:"))
                   for _, attrs in tags for value in attrs.values()), name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in "".join(pages.values())  # shown as text, not run


def test_download_is_streamed_as_an_attachment_with_a_safe_ascii_name(client, auth):
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    challenge = factories.make_challenge(classroom, title="Eau & vie: l'été")
    project = factories.make_project(factories.make_team(classroom, factories.make_user(), name="Équipe/../x"),
                                     challenge)
    auth.as_user(teacher)
    response = _download(client, project, buffered=False)
    try:
        assert response.is_streamed
        assert response.headers["Content-Type"] == "application/zip"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        disposition = response.headers["Content-Disposition"]
        assert disposition == 'attachment; filename="equipe-x-eau-vie-l-ete-portfolio.zip"'
        assert disposition.isascii()
        assert "index.html" in _archive(response).namelist()
    finally:
        response.close()


def test_photos_are_sent_in_pieces_not_whole(client, auth, team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya, photo=True)
    blob = entry.attachments[0].blob
    noisy = Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")  # a large stored photo: several copy chunks long
    assert len(buffer.getvalue()) > 3 * export.COPY_CHUNK
    get_storage().put(blob.display_key, buffer.getvalue())
    auth.as_user(maya)
    response = _download(client, project, buffered=False)
    try:
        chunks = list(response.iter_encoded())
    finally:
        response.close()
    assert len(chunks) > 3
    assert max(len(chunk) for chunk in chunks) <= export.COPY_CHUNK + 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    photo = next(name for name in archive.namelist() if name.startswith("images/"))
    assert archive.read(photo) == buffer.getvalue()


def test_entries_read_in_batches_are_all_exported_once_in_order(monkeypatch, client, auth, team):
    project, maya, _, _, _ = team
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    for n in range(5):
        factories.make_entry(project, maya, title=f"Step {n}")
    same_time = utcnow() - timedelta(days=1)  # ties on the timestamp, broken by id
    for entry in db.session.scalars(select(Entry)):
        entry.created_at = same_time
    db.session.commit()
    auth.as_user(maya)
    archive = _archive(_download(client, project))
    assert len(_entry_pages(archive)) == 5
    timeline = _pages(archive)["timeline.html"]
    positions = [timeline.index(f"Step {n}") for n in range(5)]
    assert positions == sorted(positions)


def test_a_photo_missing_from_storage_leaves_its_description_not_a_broken_download(client, auth, team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya, title="Poster", photo=True)
    attachment = db.session.scalar(select(EntryAttachment).where(EntryAttachment.entry_id == entry.id))
    get_storage().delete(attachment.blob.display_key)
    auth.as_user(maya)
    archive = _archive(_download(client, project))
    assert not [name for name in archive.namelist() if name.startswith("images/")]
    (page,) = _entry_pages(archive).values()
    assert "Photo not available: A photo" in page
    assert "img" not in {tag for tag, _ in _Tags(page).found}
