"""Deleting entries so that nothing is lost by mistake, and bringing work back.

A delete only marks the entry: it leaves every timeline, export and list at once (the
scoping queries of :mod:`cbl.permissions` skip it) but keeps its revisions, photos, tags,
contributors, comments and goal links, so a restore brings it back whole. After
:data:`KEEP_DELETED` the ``purge-deleted`` command removes it for good, with the stored
files no other entry uses. An earlier revision can be made current again: that saves a new
revision, so the history keeps every text."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from cbl import audit
from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.errors import NotFound
from cbl.extensions import db
from cbl.notifications.models import NotificationKind
from cbl.notifications.services import notify, site_path
from cbl.markdown import render_markdown
from cbl.portfolio.models import Entry, EntryFile, EntryRevision
from cbl.portfolio.services import (_remove_files, _remove_unused_documents, _revision, _unreferenced_blobs,
                                    entry_conflict)
from cbl.projects.services import purge_removed, touch

KEEP_DELETED = timedelta(days=30)


def purge_date(entry: Entry) -> datetime | None:
    """When a deleted entry will be purged (None while it is not deleted)."""
    return entry.deleted_at + KEEP_DELETED if entry.deleted_at is not None else None


def delete_entry(entry: Entry, acting: User) -> None:
    """Move the entry to its project's Recently deleted; tell the author when someone else
    did it, and write it in the audit log. Raises NotFound if it is deleted already."""
    if entry.deleted_at is not None:
        raise NotFound()
    entry.deleted_at, entry.deleted_by_id = utcnow(), acting.id
    project = entry.project
    touch(project)
    audit.record(audit.Action.ENTRY_DELETED, actor_id=acting.id, classroom_id=project.team.classroom_id,
                 object_type="entry", object_id=entry.id, detail=entry.title)
    if entry.author_id is not None and entry.author_id != acting.id:
        notify([entry.author_id], NotificationKind.ENTRY_DELETED, actor_id=acting.id,
               url=site_path("portfolio.recently_deleted", project_id=project.id),
               person=acting.display_name, entry=entry.title, project=project.challenge.title)
    db.session.commit()


def restore_entry(entry: Entry, acting: User) -> Entry:
    """Bring a deleted entry back as it was, with everything that was linked to it.
    Raises NotFound if it is not deleted (or was purged)."""
    if entry.deleted_at is None:
        raise NotFound()
    entry.deleted_at = entry.deleted_by_id = None
    touch(entry.project)
    audit.record(audit.Action.ENTRY_RESTORED, actor_id=acting.id, classroom_id=entry.project.team.classroom_id,
                 object_type="entry", object_id=entry.id, detail=entry.title)
    db.session.commit()
    return entry


def restore_revision(entry: Entry, number: int, acting: User, base_version: int) -> EntryRevision:
    """Make the title and text of revision ``number`` current again, as a new revision (the
    visibility, photos and tags stay as they are now). Raises NotFound for an unknown
    revision, EditConflict if someone saved the entry since ``base_version``."""
    old = db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry.id,
                                                        EntryRevision.number == number))
    if old is None:
        raise NotFound()
    claimed = db.session.execute(
        update(Entry).where(Entry.id == entry.id, Entry.version == base_version, Entry.deleted_at.is_(None))
        .values(version=Entry.version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise entry_conflict(entry.id, old.body)
    db.session.refresh(entry, ["version", "updated_at"])
    entry.title, entry.body = old.title, old.body
    entry.body_html = old.body_html or str(render_markdown(old.body))
    revision = _revision(entry, acting)
    entry.revisions.append(revision)
    touch(entry.project)
    db.session.commit()
    return revision


# --- purging --------------------------------------------------------------------------------

@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    entries: list[tuple[int, str]] = field(default_factory=list)  # (id, title)
    files: list[str] = field(default_factory=list)  # storage keys
    questions: int = 0
    activities: int = 0


def purge_deleted(now: datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Remove for good the entries deleted more than 30 days before ``now``, with their
    revisions, links and the stored photos and documents no other entry uses; then the
    guiding questions and activities removed as long ago. Safe to run again: what is gone
    is not found twice. With ``dry_run`` nothing changes and the report says what would go."""
    cutoff = (now or utcnow()) - KEEP_DELETED
    expired = list(db.session.scalars(select(Entry).where(Entry.deleted_at.is_not(None), Entry.deleted_at < cutoff)
                                      .order_by(Entry.id)))
    report = PurgeReport(entries=[(entry.id, entry.title) for entry in expired])
    blob_ids = [a.blob_id for entry in expired for a in entry.attachments]
    documents = [(f.sha256, f.storage_key) for entry in expired for f in entry.files]
    for entry in expired:
        audit.record(audit.Action.ENTRY_PURGED, actor_id=None, classroom_id=entry.project.team.classroom_id,
                     object_type="entry", object_id=entry.id, detail=entry.title)
        db.session.delete(entry)
    db.session.flush()
    orphans = _unreferenced_blobs(blob_ids)
    report.files = [key for blob in orphans for key in (blob.display_key, blob.thumb_key)]
    purged_ids = {entry_id for entry_id, _title in report.entries}
    used = set(db.session.scalars(select(EntryFile.storage_key).where(
        EntryFile.storage_key.in_([key for _sha, key in documents]), EntryFile.entry_id.not_in(purged_ids))))
    report.files += sorted({key for _sha, key in documents} - used)
    for blob in orphans:
        db.session.delete(blob)
    report.questions, report.activities = purge_removed(cutoff)
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    _remove_files(orphans)
    _remove_unused_documents(documents)
    return report
