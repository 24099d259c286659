"""Deleting is the author's or a teacher's, and it can be undone (issue 10, item 1).

A teammate edits a classmate's entry but cannot delete it; a deleted entry leaves every list
at once, waits 30 days in the project's Recently deleted, comes back whole, and is then
purged with the files nobody else uses. Earlier versions can be made current again, and a
removed guiding question, activity or brainstormed question can be brought back."""

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cbl.assessment.models import GoalEvidence
from cbl.audit import Action, AuditEvent
from cbl.competencies.models import Competency
from cbl.competencies.services import install_default_framework
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.feedback.models import Comment
from cbl.notifications.models import Notification, NotificationKind
from cbl.portfolio import recovery
from cbl.portfolio.models import Blob, Entry, EntryAttachment, EntryRevision, Publication, PublicationStatus
from cbl.projects.models import Activity, CandidateQuestion, GuidingQuestion
from cbl.storage import get_storage
from tests import factories
from tests.purging import purge_later


@pytest.fixture
def team():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    classroom = factories.make_classroom(teacher)
    maya, leo = factories.make_user("student", name="Maya Chen"), factories.make_user("student", name="Leo Martins")
    project = factories.make_project(factories.make_team(classroom, maya, leo, name="Rain Catchers"))
    classmate = factories.make_user("student", name="Noah Williams")
    factories.make_team(classroom, classmate, name="Tap Detectives")
    return project, maya, leo, teacher, classmate


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _tagged_entry(project, author, commenter, **fields):
    """An entry with a photo, a competency tag, two versions, a comment and goal evidence."""
    entry = factories.make_entry(project, author, photo=True, **fields)
    install_default_framework()
    entry.competencies = [db.session.scalars(select(Competency).order_by(Competency.id)).first()]
    db.session.commit()
    from cbl.portfolio import services
    from cbl.portfolio.models import Visibility

    services.update_entry(entry, author, entry.version, services.EntryFields(
        title=entry.title, body="We measured 14 mm after the storm.", phase=entry.phase,
        visibility=Visibility(entry.visibility)))
    factories.make_comment(project, commenter, "Nice readings!", entry=entry)
    factories.make_goal(author, project.team.classroom, evidence=[entry])
    return entry


# --- who may delete ----------------------------------------------------------------------------

def test_teammate_gets_403_on_deleting_a_classmates_entry_and_sees_no_delete_button(client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya, title="Maya's rain log")
    auth.as_user(leo)
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert f"/entries/{entry.id}/edit" in page  # teammates still edit: team work
    assert f"/entries/{entry.id}/delete" not in page
    assert client.post(f"/entries/{entry.id}/delete").status_code == 403
    assert db.session.get(Entry, entry.id).deleted_at is None
    assert _count(AuditEvent) == 0


def test_author_deletes_own_entry_without_notifying_herself(client, auth, team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya)
    auth.as_user(maya)
    assert f"/entries/{entry.id}/delete" in client.get(f"/entries/{entry.id}").get_data(as_text=True)
    response = client.post(f"/entries/{entry.id}/delete")
    assert response.status_code == 302
    assert db.session.get(Entry, entry.id).deleted_at is not None
    assert _count(Notification) == 0
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.object_id) == (Action.ENTRY_DELETED, maya.id, entry.id)
    assert event.classroom_id == project.team.classroom_id


def test_teacher_deletes_a_students_entry_and_the_author_is_told(client, auth, team):
    project, maya, _, teacher, _ = team
    entry = factories.make_entry(project, maya, title="Off-topic meme")
    auth.as_user(teacher)
    assert client.post(f"/entries/{entry.id}/delete").status_code == 302
    notice = db.session.scalar(select(Notification).where(Notification.user_id == maya.id))
    assert notice.kind is NotificationKind.ENTRY_DELETED
    assert notice.url == f"/projects/{project.id}/deleted"
    auth.as_user(maya)
    notices = client.get("/notifications").get_data(as_text=True)
    assert "Ana Rivera deleted your entry “Off-topic meme”" in notices
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == Action.ENTRY_DELETED)) == teacher.id


def test_teacher_reads_deletions_in_the_audit_log(client, auth, team):
    project, maya, _, teacher, _ = team
    entry = factories.make_entry(project, maya, title="Rain diary")
    auth.as_user(maya)
    client.post(f"/entries/{entry.id}/delete")
    client.post(f"/entries/{entry.id}/restore")
    auth.as_user(teacher)
    page = client.get("/audit").get_data(as_text=True)
    assert "entry deleted" in page and "entry restored" in page


# --- gone from everywhere ------------------------------------------------------------------

def test_a_deleted_entry_is_invisible_everywhere_it_was_visible(client, auth, team):
    project, maya, leo, teacher, classmate = team
    partner = factories.make_user("partner", name="Rosa Diaz")
    factories.grant_partner(project, partner)
    entry = factories.make_entry(project, maya, title="Gutter prototype", visibility="public", photo=True)
    attachment_id = entry.attachments[0].id
    db.session.add(Publication(project_id=project.id, status=PublicationStatus.PUBLISHED,
                               published_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    goal = factories.make_goal(maya, project.team.classroom, evidence=[entry])

    def shown_to(user) -> dict[str, bool]:
        if user is None:
            client.post("/logout")
        else:
            auth.as_user(user)
        pages = {
            "photo": client.get(f"/attachments/{attachment_id}/display"),
            "showcase": client.get(f"/showcase/{project.id}"),
        }
        if user is not None:
            pages["timeline"] = client.get(f"/projects/{project.id}/portfolio")
            pages["detail"] = client.get(f"/entries/{entry.id}")
        if user is maya:
            pages["mine"] = client.get("/portfolio")
            pages["goal"] = client.get(f"/goals/{goal.id}")
        if user in (maya, teacher):
            export = client.get(f"/projects/{project.id}/export.zip")
            names = zipfile.ZipFile(io.BytesIO(export.get_data())).namelist()
            pages["export"] = any("gutter-prototype" in name for name in names)
        return {name: (page if isinstance(page, bool) else
                       page.status_code == 200 and (name == "photo" or "Gutter prototype" in page.get_data(as_text=True)))
                for name, page in pages.items()}

    viewers = (maya, leo, teacher, classmate, partner, None)
    before = {getattr(u, "id", None): shown_to(u) for u in viewers}
    assert [(who, name) for who, seen in before.items() for name, shown in seen.items() if not shown] == []
    auth.as_user(maya)
    assert client.post(f"/entries/{entry.id}/delete").status_code == 302
    after = {getattr(u, "id", None): shown_to(u) for u in viewers}
    assert [(who, name) for who, seen in after.items() for name, shown in seen.items() if shown] == []


def test_deleted_entry_cannot_be_edited_or_deleted_twice(client, auth, team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya)
    auth.as_user(maya)
    client.post(f"/entries/{entry.id}/delete")
    assert client.get(f"/entries/{entry.id}/edit").status_code == 404
    assert client.post(f"/entries/{entry.id}/delete").status_code == 404
    assert _count(AuditEvent) == 1


# --- Recently deleted and restoring ------------------------------------------------------------

def test_teammate_finds_it_in_recently_deleted_and_restores_it_whole(client, auth, team):
    project, maya, leo, teacher, _ = team
    entry = _tagged_entry(project, maya, teacher, title="Storm readings")
    blob_id = entry.attachments[0].blob_id
    counts = {model: _count(model) for model in (EntryRevision, EntryAttachment, Comment, GoalEvidence, Blob)}
    auth.as_user(maya)
    client.post(f"/entries/{entry.id}/delete")
    assert {model: _count(model) for model in counts} == counts  # nothing removed at delete time

    auth.as_user(leo)
    page = client.get(f"/projects/{project.id}/deleted").get_data(as_text=True)
    assert "Storm readings" in page and "Deleted by Maya Chen" in page
    assert f"/entries/{entry.id}/restore" in page
    response = client.post(f"/entries/{entry.id}/restore")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/entries/{entry.id}")

    restored = db.session.get(Entry, entry.id)
    db.session.refresh(restored)
    assert restored.deleted_at is None and restored.deleted_by_id is None
    assert [r.number for r in restored.revisions] == [1, 2]
    assert [a.blob_id for a in restored.attachments] == [blob_id]
    assert len(restored.competencies) == 1
    assert {model: _count(model) for model in counts} == counts
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "Nice readings!" in page and "14 mm" in page
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == Action.ENTRY_RESTORED)) == leo.id


def test_other_teams_partners_and_strangers_cannot_restore(client, auth, team):
    project, maya, _, teacher, classmate = team
    partner = factories.make_user("partner")
    factories.grant_partner(project, partner)
    entry = factories.make_entry(project, maya, visibility="partners")
    recovery.delete_entry(entry, maya)
    for user, status in ((classmate, 403), (partner, 404)):  # the classmate could read it, not restore it
        auth.as_user(user)
        assert client.post(f"/entries/{entry.id}/restore").status_code == status
    auth.as_user(classmate)
    assert client.get(f"/projects/{project.id}/deleted").status_code == 403
    assert db.session.get(Entry, entry.id).deleted_at is not None
    auth.as_user(teacher)
    assert client.post(f"/entries/{entry.id}/restore").status_code == 302
    assert db.session.get(Entry, entry.id).deleted_at is None


def test_a_private_entry_stays_out_of_teammates_recently_deleted(client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya, title="My private worry", visibility="private")
    recovery.delete_entry(entry, maya)
    auth.as_user(leo)
    assert "My private worry" not in client.get(f"/projects/{project.id}/deleted").get_data(as_text=True)
    assert client.post(f"/entries/{entry.id}/restore").status_code == 404


# --- purging --------------------------------------------------------------------------------------

def test_nothing_is_purged_before_30_days(team):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya, photo=True)
    recovery.delete_entry(entry, maya)
    report = purge_later(days=29)
    assert report.entries == [] and db.session.get(Entry, entry.id) is not None


def test_purge_after_30_days_removes_rows_and_unused_files_and_keeps_shared_ones(team):
    project, maya, leo, _, _ = team
    doomed = factories.make_entry(project, maya, title="Doomed", photo=True)
    sharing = factories.make_entry(project, leo, title="Same photo", photo=True)  # the same bytes: one blob
    own_photo = factories.make_entry(project, maya, title="Own photo", photo=False)
    assert doomed.attachments[0].blob_id == sharing.attachments[0].blob_id
    from cbl.images import process_image
    from cbl.portfolio import services

    services.update_entry(own_photo, maya, own_photo.version, services.EntryFields(
        title="Own photo", body="x", phase=own_photo.phase, visibility=own_photo.visibility),
        images=[services.NewImage(process_image(factories.jpeg_bytes((5, 90, 200))), "Blue")])
    shared_blob = db.session.get(Blob, doomed.attachments[0].blob_id)
    own_blob = db.session.get(Blob, own_photo.attachments[0].blob_id)
    shared_keys, own_keys = (shared_blob.display_key, shared_blob.thumb_key), (own_blob.display_key, own_blob.thumb_key)
    doomed_id, own_id = doomed.id, own_photo.id
    recovery.delete_entry(doomed, maya)
    recovery.delete_entry(own_photo, maya)

    report = purge_later()
    assert sorted(title for _, title in report.entries) == ["Doomed", "Own photo"]
    assert db.session.get(Entry, doomed_id) is None and db.session.get(Entry, own_id) is None
    assert db.session.scalar(select(func.count()).select_from(EntryRevision)
                             .where(EntryRevision.entry_id.in_([doomed_id, own_id]))) == 0
    assert all(get_storage().exists(key) for key in shared_keys)  # still used by Leo's entry
    assert not any(get_storage().exists(key) for key in own_keys)
    assert sorted(report.files) == sorted(own_keys)
    purged = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == Action.ENTRY_PURGED)).all()
    assert sorted(purged) == sorted([doomed_id, own_id])
    again = purge_later()  # idempotent
    assert again.entries == [] and again.files == []


def test_purge_command_says_what_it_removes_and_dry_run_changes_nothing(app, runner, team, monkeypatch):
    project, maya, _, _, _ = team
    entry = factories.make_entry(project, maya, title="Old sketch", photo=True)
    recovery.delete_entry(entry, maya)
    entry.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    result = runner.invoke(args=["purge-deleted", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Would remove entry {entry.id}: Old sketch" in result.output
    assert "Would remove 1 entries, 2 files" in result.output
    assert _count(Entry) == 1 and _count(Blob) == 1
    result = runner.invoke(args=["purge-deleted"])
    assert f"Removed entry {entry.id}: Old sketch" in result.output and _count(Entry) == 0 and _count(Blob) == 0
    assert "Removed 0 entries" in runner.invoke(args=["purge-deleted"]).output


# --- restoring an earlier version --------------------------------------------------------------

def _revise(entry, editor, body):
    from cbl.portfolio import services

    return services.update_entry(entry, editor, entry.version, services.EntryFields(
        title=entry.title, body=body, phase=entry.phase, visibility=entry.visibility))


def test_make_this_version_current_saves_a_new_revision_with_the_old_text(client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya, body="First careful notes.")
    _revise(entry, leo, "Leo wrote over it.")
    auth.as_user(maya)
    page = client.get(f"/entries/{entry.id}/revisions").get_data(as_text=True)
    assert "Make this version current" in page
    response = client.post(f"/entries/{entry.id}/revisions/restore", data={"number": "1", "version": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.version == 3 and entry.body == "First careful notes."
    assert [(r.number, r.body, r.editor_id) for r in entry.revisions] == [
        (1, "First careful notes.", maya.id), (2, "Leo wrote over it.", leo.id), (3, "First careful notes.", maya.id)]


def test_restoring_a_version_over_a_newer_save_is_a_conflict_naming_the_saver(client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya, body="First careful notes.")
    _revise(entry, maya, "Second notes.")
    _revise(entry, leo, "Leo's newest findings.")  # saved after Maya opened the versions page
    auth.as_user(maya)
    response = client.post(f"/entries/{entry.id}/revisions/restore", data={"number": "1", "version": "2"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Last saved by Leo Martins" in page and "Leo&#39;s newest findings." in page
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).body == "Leo's newest findings."


def test_a_reader_who_may_not_edit_cannot_restore_a_version(client, auth, team):
    project, maya, _, _, classmate = team
    entry = factories.make_entry(project, maya, visibility="class", body="One")
    _revise(entry, maya, "Two")
    auth.as_user(classmate)
    assert "Make this version current" not in client.get(f"/entries/{entry.id}/revisions").get_data(as_text=True)
    assert client.post(f"/entries/{entry.id}/revisions/restore",
                       data={"number": "1", "version": "2"}).status_code == 403


# --- guiding questions, activities and the brainstorm -------------------------------------------

def test_removing_a_guiding_question_offers_undo_and_keeps_its_findings_and_links(client, auth, team):
    project, maya, leo, _, _ = team
    question = factories.make_question(project, "Where does the water go?", findings="Into the drain.")
    activity = factories.make_activity(project, question, title="Follow the gutter")
    entry = factories.make_entry(project, maya)
    entry.guiding_question_id = question.id
    db.session.commit()
    auth.as_user(leo)
    page = client.post(f"/projects/{project.id}/questions/{question.id}/delete", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Guiding question removed." in text and "Undo" in text
    assert f"/projects/{project.id}/questions/{question.id}/restore" in text
    matrix = client.get(f"/projects/{project.id}?phase=investigate").get_data(as_text=True)
    assert "Where does the water go?" not in matrix
    assert "Where does the water go?" in client.get(f"/projects/{project.id}/deleted").get_data(as_text=True)
    assert client.post(f"/projects/{project.id}/questions/{question.id}/restore").status_code == 302
    db.session.expire_all()
    restored = db.session.get(GuidingQuestion, question.id)
    assert restored.deleted_at is None and restored.findings == "Into the drain."
    assert [a.id for a in restored.activities] == [activity.id]
    assert db.session.get(Entry, entry.id).guiding_question_id == question.id
    assert "Where does the water go?" in client.get(f"/projects/{project.id}?phase=investigate").get_data(as_text=True)


def test_removing_an_activity_offers_undo(client, auth, team):
    project, maya, _, _, _ = team
    question = factories.make_question(project)
    activity = factories.make_activity(project, question, title="Interview the caretaker")
    auth.as_user(maya)
    response = client.post(f"/projects/{project.id}/activities/{activity.id}/delete")
    assert response.headers["Location"].endswith("#messages")  # the page opens on the Undo, in sight
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Activity removed." in text and f"/activities/{activity.id}/restore" in text
    assert "Interview the caretaker" not in client.get(
        f"/projects/{project.id}?phase=investigate").get_data(as_text=True)
    assert client.get(f"/projects/{project.id}/activities/{activity.id}").status_code == 404
    client.post(f"/projects/{project.id}/activities/{activity.id}/restore")
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).deleted_at is None
    assert [q.id for q in db.session.get(Activity, activity.id).questions] == [question.id]


def test_removing_a_brainstormed_question_asks_first_and_can_be_undone(client, auth, team):
    project, maya, _, _, _ = team
    candidate = factories.make_candidate(project, "Why does the yard flood?")
    auth.as_user(maya)
    page = client.get(f"/projects/{project.id}?phase=engage").get_data(as_text=True)
    assert 'data-confirm="Remove this question from the brainstorm? You can undo it."' in page
    text = client.post(f"/projects/{project.id}/candidates/{candidate.id}/delete",
                       follow_redirects=True).get_data(as_text=True)
    assert f"/candidates/{candidate.id}/restore" in text
    assert "Why does the yard flood?" in client.get(f"/projects/{project.id}/deleted").get_data(as_text=True)
    assert client.post(f"/projects/{project.id}/candidates/{candidate.id}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(CandidateQuestion, candidate.id).deleted_at is None


def test_removed_questions_and_activities_are_purged_after_30_days(team):
    project, maya, _, _, _ = team
    question = factories.make_question(project)
    factories.make_activity(project, question)
    from cbl.projects import services

    services.delete_guiding_question(project, question.id, maya)
    assert purge_later(days=29).questions == 0
    report = purge_later()
    assert (report.questions, report.activities) == (1, 0)
    assert _count(GuidingQuestion) == 0 and _count(Activity) == 1


def test_a_save_after_the_entry_was_deleted_keeps_the_typed_text(client, auth, team):
    project, maya, leo, _, _ = team
    entry = factories.make_entry(project, maya, title="Shared plan")
    recovery.delete_entry(entry, maya)  # while Leo's form is open
    auth.as_user(leo)
    response = client.post(f"/entries/{entry.id}/edit", data={
        "title": "Shared plan", "body": "Leo's long paragraph about the pump.", "phase": entry.phase.value,
        "visibility": "team", "element_key": "", "version": "1"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "deleted while you were editing" in page and "Leo&#39;s long paragraph about the pump." in page
    assert f"/projects/{project.id}/deleted" in page
    recovery.restore_entry(db.session.get(Entry, entry.id), leo)
    response = client.post(f"/entries/{entry.id}/edit", data={
        "title": "Shared plan", "body": "Leo's long paragraph about the pump.", "phase": entry.phase.value,
        "visibility": "team", "element_key": "", "version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).body == "Leo's long paragraph about the pump."
