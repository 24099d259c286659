"""Privacy and durability cases found in review of the portfolio."""

import html

import pytest
from sqlalchemy import select

from cbl.extensions import db
from cbl.files import process_file
from cbl.portfolio import services
from cbl.portfolio.models import Entry, EntryKind, Visibility
from cbl.storage import get_storage
from tests import factories
from tests.purging import purge_later


@pytest.fixture
def team():
    teacher = factories.make_user("teacher")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo))
    noah = factories.make_user("student")
    factories.make_team(classroom, noah)
    return project, maya, leo, teacher, noah


def _edit(client, entry, version, **fields):
    data = {"title": entry.title, "body": entry.body, "phase": entry.phase.value,
            "visibility": entry.visibility.value, "element_key": "", "link_url": "", "version": version}
    data.update(fields)
    return client.post(f"/entries/{entry.id}/edit", data=data)


def test_earlier_versions_written_privately_stay_private_after_sharing(app, client, auth, team):
    project, maya, leo, teacher, noah = team
    entry = factories.make_entry(project, maya, title="Draft", body="My private first thoughts", visibility="private")
    auth.as_user(maya)
    assert _edit(client, entry, 1, body="Polished for the class", visibility="class").status_code == 302
    for reader, sees_private in ((noah, False), (leo, False), (teacher, True), (maya, True)):
        reader_client = app.test_client()
        type(auth)(reader_client).as_user(reader)
        page = reader_client.get(f"/entries/{entry.id}/revisions").get_data(as_text=True)
        assert "Polished for the class" in page
        assert ("My private first thoughts" in page) is sees_private, reader


def test_contributors_who_left_the_team_keep_their_credit(client, auth, team):
    project, maya, leo, _, _ = team
    fields = services.EntryFields(title="Prototype", body="Built it", phase=project.phase, visibility=Visibility.TEAM,
                                  contributors={leo.id: "built the prototype", maya.id: "wrote"})
    entry = services.create_entry(project, maya, EntryKind.NOTE, fields)
    project.team.memberships[:] = [m for m in project.team.memberships if m.user_id != leo.id]
    db.session.commit()
    auth.as_user(maya)
    assert _edit(client, entry, 1, **{f"contributor-{maya.id}": "y", f"contribution-{maya.id}": "wrote"}).status_code == 302
    db.session.expire_all()
    credits = {c.user_id: c.contribution for c in db.session.get(Entry, entry.id).contributors}
    assert credits == {leo.id: "built the prototype", maya.id: "wrote"}


def test_same_bytes_as_two_kinds_of_document_leave_nothing_after_both_go(client, auth, team):
    project, maya, _, _, _ = team
    text = b"fountain,works\ngym,yes\n"
    entries = []
    for name in ("tally.txt", "tally.csv"):
        fields = services.EntryFields(title=name, body="", phase=project.phase, visibility=Visibility.TEAM)
        entries.append(services.create_entry(project, maya, EntryKind.FILE, fields,
                                             document=process_file(text, name)))
    keys = [e.files[0].storage_key for e in entries]
    assert len(set(keys)) == 2
    auth.as_user(maya)
    for entry in entries:
        client.post(f"/entries/{entry.id}/delete")
    purge_later()
    assert not any(get_storage().exists(key) for key in keys)


def test_a_photo_that_fails_to_store_leaves_the_earlier_ones_out_too(app, team, monkeypatch):
    project, maya, _, _, _ = team
    from cbl.images import process_image

    images = [services.NewImage(process_image(factories.jpeg_bytes(color)), "x") for color in ((1, 2, 3), (4, 5, 6))]
    storage = get_storage()
    real_put, calls = storage.put, []

    def failing_put(key, data):
        calls.append(key)
        if len(calls) == 3:  # the second photo's first rendition
            raise OSError("disk full")
        real_put(key, data)

    monkeypatch.setattr(storage, "put", failing_put)
    fields = services.EntryFields(title="Photos", body="", phase=project.phase, visibility=Visibility.TEAM)
    with pytest.raises(OSError):
        services.create_entry(project, maya, EntryKind.IMAGE, fields, images)
    assert db.session.scalar(select(Entry)) is None
    assert not any(storage.exists(key) for key in calls[:2])


def test_entries_changed_after_publication_wait_for_the_teacher(app, client, auth, team):
    project, maya, _, teacher, _ = team
    factories.make_entry(project, maya, title="Approved poster", visibility="public")
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/publication/request", data={})
    auth.as_user(teacher)
    client.post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"})
    later = factories.make_entry(project, maya, title="Added later", visibility="public")
    anonymous = app.test_client()
    page = anonymous.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert "Approved poster" in page and "Added later" not in page
    review = html.unescape(client.get(f"/projects/{project.id}/publication").get_data(as_text=True))
    assert "Changed since publication" in review and "Added later" in review
    client.post(f"/projects/{project.id}/publication/changes")
    assert "Added later" in anonymous.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert later.id


def test_showcase_hides_a_cover_whose_entry_is_no_longer_public(app, client, auth, team):
    project, maya, _, teacher, _ = team
    entry = factories.make_entry(project, maya, kind="image", title="Poster", visibility="public", photo=True)
    entry.attachments[0].alt_text = "Maya outside her house on Elm Street"
    db.session.commit()
    factories.make_entry(project, maya, title="Still public", visibility="public")
    auth.as_user(maya)
    client.post(f"/projects/{project.id}/publication/request", data={})
    auth.as_user(teacher)
    client.post(f"/projects/{project.id}/publication/decide", data={"decision": "approve"})
    anonymous = app.test_client()
    assert "Elm Street" in anonymous.get("/showcase").get_data(as_text=True)
    entry.visibility = Visibility.TEAM
    db.session.commit()
    assert "Elm Street" not in anonymous.get("/showcase").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/showcase?page=99999999999999999999", "/entries/99999999999999999999",
                                 "/showcase?page=-5"])
def test_absurd_numbers_in_urls_are_not_errors(client, auth, team, url):
    auth.as_user(team[1])
    assert client.get(url).status_code in (200, 404)


def test_fields_without_errors_are_not_announced_as_invalid(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'aria-invalid="None"' not in page and 'aria-describedby="None"' not in page
    failed = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in failed
