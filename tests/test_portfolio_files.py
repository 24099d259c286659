"""File entries: documents recognised by their content and only ever downloaded."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from cbl.extensions import db
from cbl.files import FileRejected, process_file, safe_filename
from cbl.portfolio.models import Entry, EntryFile
from cbl.storage import get_storage
from tests import factories
from tests.purging import purge_later


def _zip(members: dict[str, str]) -> bytes:
    """A zip with fixed timestamps, so two calls give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 9, 1, 8, 0, 0)), text)
    return buffer.getvalue()


def _docx() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"})


def _odt() -> bytes:
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})


@pytest.mark.parametrize("data, name, extension", [
    (factories.PDF, "plan.PDF", "pdf"), (_docx(), "survey.docx", "docx"), (_odt(), "notes.odt", "odt"),
    ("fountain,works\ngym,yes\n".encode(), "tally.csv", "csv"), (factories.PDF, "renamed.txt", "pdf")])
def test_documents_are_recognised_by_their_content(data, name, extension):
    processed = process_file(data, name)
    assert processed.extension == extension
    assert processed.filename.endswith("." + extension)


@pytest.mark.parametrize("data, name", [
    (b"", "empty.pdf"), (b"<html><script>alert(1)</script></html>", "page.pdf"), (b"MZ\x90\x00" * 10, "game.exe"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg"), (b"PK\x03\x04 not really a zip", "fake.docx"),
    (b"caf\xe9 latin-1 text", "notes.txt"), (factories.jpeg_bytes(), "photo.pdf")])
def test_other_files_are_refused_with_a_message(data, name):
    with pytest.raises(FileRejected) as refused:
        process_file(data, name)
    assert str(refused.value)


def test_oversize_document_is_refused():
    with pytest.raises(FileRejected, match="larger than"):
        process_file(factories.PDF + b"0" * 2048, "big.pdf", max_bytes=1024)


def test_download_names_are_safe():
    assert safe_filename("../../etc/Équipe plan (v2).exe", "pdf") == "Equipe-plan-v2.pdf"
    assert safe_filename("....", "txt") == "document.txt"


@pytest.fixture
def team():
    teacher = factories.make_user("teacher")
    maya, leo = factories.make_user("student"), factories.make_user("student")
    classroom = factories.make_classroom(teacher)
    project = factories.make_project(factories.make_team(classroom, maya, leo))
    outsider = factories.make_user("student")
    factories.make_team(classroom, outsider)
    return project, maya, leo, outsider


def test_member_shares_a_document_that_teammates_download(app, client, auth, team):
    project, maya, leo, outsider = team
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind=file", data={
        "title": "Survey questions", "body": "", "phase": "investigate", "visibility": "team",
        "element_key": "", "guiding_question": "", "document": (io.BytesIO(_docx()), "Survey Questions.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalar(select(EntryFile))
    auth.as_user(leo)
    download = client.get(f"/files/{stored.id}")
    assert download.status_code == 200 and download.data == _docx()
    assert download.headers["Content-Disposition"] == 'attachment; filename="Survey-Questions.docx"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    auth.as_user(outsider)
    assert client.get(f"/files/{stored.id}").status_code == 404


def test_refused_document_saves_nothing(app, client, auth, team):
    project, maya, _, _ = team
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/entries/new?kind=file", data={
        "title": "Sneaky", "body": "", "phase": "investigate", "visibility": "team", "element_key": "",
        "guiding_question": "", "document": (io.BytesIO(b"<html><script>x</script>"), "sneaky.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Share PDFs" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_document_shared_twice_is_stored_once_and_kept_while_used(client, auth, team):
    project, maya, _, _ = team
    first = factories.make_entry(project, maya, kind="file", title="One", document=factories.PDF)
    second = factories.make_entry(project, maya, kind="file", title="Two", document=factories.PDF)
    key = first.files[0].storage_key
    assert key == second.files[0].storage_key
    auth.as_user(maya)
    client.post(f"/entries/{first.id}/delete")
    purge_later()
    assert get_storage().exists(key)
    client.post(f"/entries/{second.id}/delete")
    purge_later()
    assert not get_storage().exists(key)
