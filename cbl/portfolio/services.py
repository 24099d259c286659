"""Portfolio use cases: writing and revising entries, and their images (deleting and
restoring them: :mod:`cbl.portfolio.recovery`)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cbl.accounts.models import User
from cbl.competencies.models import Competency
from cbl.competencies.queries import class_framework_ids
from cbl.dbtypes import utcnow
from cbl.errors import EditConflict, NotFound, ValidationFailed
from cbl.extensions import db
from cbl.files import ProcessedFile
from cbl.images import ProcessedImage
from cbl.markdown import render_markdown
from cbl.portfolio.models import (Blob, Entry, EntryAttachment, EntryContributor, EntryFile, EntryKind,
                                  EntryRevision, Visibility)
from cbl.projects.models import ElementKey, GuidingQuestion, Phase, Project
from cbl.projects.services import touch
from cbl.storage import blob_key, get_storage
from cbl.teams.models import TeamMember


@dataclass
class EntryFields:
    """What an author writes; checked by :func:`_check` against the project."""

    title: str
    body: str
    phase: Phase
    visibility: Visibility
    element_key: ElementKey | None = None
    guiding_question_id: int | None = None
    link_url: str = ""
    contributors: dict[int, str] | None = None  # user id -> what they did
    contributor_scope: set[int] | None = None  # who the form offered (the team's members then)
    competency_ids: list[int] | None = None


@dataclass
class NewImage:
    image: ProcessedImage
    alt_text: str


def _check(project: Project, kind: EntryKind, fields: EntryFields, tagged: set[int] = frozenset()) -> None:
    if not fields.title.strip():
        raise ValidationFailed(_("Give the entry a title."), field="title")
    if kind is EntryKind.LINK and not fields.link_url.strip():
        raise ValidationFailed(_("A link entry needs its web address."), field="link_url")
    if kind in (EntryKind.NOTE, EntryKind.REFLECTION) and not fields.body.strip():
        raise ValidationFailed(_("Write something first."), field="body")
    if kind is EntryKind.REFLECTION and fields.visibility not in (Visibility.PRIVATE, Visibility.TEAM):
        raise ValidationFailed(_("A reflection is private or shared with your team."), field="visibility")
    if fields.element_key is not None and fields.element_key.phase is not fields.phase:
        raise ValidationFailed(_("That element belongs to another phase."), field="element_key")
    if fields.guiding_question_id is not None and db.session.scalar(select(GuidingQuestion.id).where(
            GuidingQuestion.id == fields.guiding_question_id, GuidingQuestion.project_id == project.id,
            GuidingQuestion.deleted_at.is_(None))) is None:
        raise ValidationFailed(_("Choose a guiding question of this project."), field="guiding_question_id")
    # New tags come from the class's frameworks and are not retired; tags the entry has stay.
    wanted = set(fields.competency_ids or []) - set(tagged)
    if wanted and len(set(db.session.scalars(select(Competency.id).where(
            Competency.id.in_(wanted), Competency.retired_at.is_(None),
            Competency.framework_id.in_(class_framework_ids([project.team.classroom_id])))))) != len(wanted):
        raise ValidationFailed(_("Choose competencies from the list."), field="competencies")
    members = set(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == project.team_id)))
    if set(fields.contributors or {}) - members:
        raise ValidationFailed(_("Contributors must be members of the team."), field="contributors")


def _apply(entry: Entry, fields: EntryFields) -> None:
    entry.title = fields.title.strip()
    entry.body = fields.body.strip()
    entry.body_html = str(render_markdown(entry.body))
    entry.phase, entry.visibility = fields.phase, fields.visibility
    entry.element_key, entry.guiding_question_id = fields.element_key, fields.guiding_question_id
    entry.link_url = fields.link_url.strip()
    if fields.competency_ids is not None:
        ids = set(fields.competency_ids)
        entry.competencies = list(db.session.scalars(select(Competency).where(Competency.id.in_(ids)))) if ids else []
    if fields.contributors is None:
        return
    wanted = dict(fields.contributors)
    offered = fields.contributor_scope
    for contributor in list(entry.contributors):
        if contributor.user_id in wanted:
            contributor.contribution = wanted.pop(contributor.user_id).strip()
        elif offered is None or contributor.user_id in offered:
            # Someone who has left the team was not on the form: their credit stays.
            entry.contributors.remove(contributor)
    for user_id, contribution in wanted.items():
        entry.contributors.append(EntryContributor(user_id=user_id, contribution=contribution.strip()))


def _revision(entry: Entry, editor: User) -> EntryRevision:
    return EntryRevision(number=entry.version, title=entry.title, body=entry.body, body_html=entry.body_html,
                         visibility=entry.visibility, editor_id=editor.id)


def create_entry(project: Project, author: User, kind: EntryKind, fields: EntryFields,
                 images: list[NewImage] = (), prompt: str = "", document: ProcessedFile | None = None) -> Entry:
    """Write a new entry (revision 1). Raises ValidationFailed for a missing title or body,
    a link without its address, an image entry without a photo, a file entry without its
    document, or a foreign reference."""
    _check(project, kind, fields)
    if kind is EntryKind.IMAGE and not images:
        raise ValidationFailed(_("Add at least one photo."), field="photos")
    if kind is EntryKind.FILE and document is None:
        raise ValidationFailed(_("Choose the file to share."), field="document")
    entry = Entry(project_id=project.id, author_id=author.id, kind=kind, prompt=prompt.strip(), version=1)
    _apply(entry, fields)
    entry.revisions.append(_revision(entry, author))
    db.session.add(entry)
    written = _attach(entry, images)
    written.update(_attach_document(entry, document))
    touch(project)
    _commit_or_remove(written)
    _ensure_stored(document)
    return entry


def update_entry(entry: Entry, editor: User, base_version: int, fields: EntryFields,
                 images: list[NewImage] = (), document: ProcessedFile | None = None,
                 remove_attachment_ids: list[int] = ()) -> Entry:
    """Save a new revision if nobody saved since ``base_version``; otherwise raise
    EditConflict carrying both texts. Photos listed in ``remove_attachment_ids`` are taken
    off (a photo entry keeps at least one). Raises ValidationFailed as :func:`create_entry`."""
    _check(entry.project, entry.kind, fields, {c.id for c in entry.competencies})
    removing = [a for a in entry.attachments if a.id in set(remove_attachment_ids)]
    if entry.kind is EntryKind.IMAGE and len(entry.attachments) - len(removing) + len(images) < 1:
        raise ValidationFailed(_("A photo entry keeps at least one photo."), field="photos")
    claimed = db.session.execute(
        update(Entry).where(Entry.id == entry.id, Entry.version == base_version, Entry.deleted_at.is_(None))
        .values(version=Entry.version + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise entry_conflict(entry.id, fields.body)
    db.session.refresh(entry, ["version", "updated_at"])
    _apply(entry, fields)
    entry.revisions.append(_revision(entry, editor))
    replaced = [(f.sha256, f.storage_key) for f in entry.files] if document is not None else []
    if document is not None:
        entry.files.clear()
    removed_blob_ids = [a.blob_id for a in removing]
    for attachment in removing:
        entry.attachments.remove(attachment)
    written = _attach(entry, images)
    written.update(_attach_document(entry, document))
    touch(entry.project)
    db.session.flush()
    orphans = _unreferenced_blobs(removed_blob_ids)
    for blob in orphans:
        db.session.delete(blob)
    _commit_or_remove(written)
    _remove_files(orphans)
    _remove_unused_documents(replaced)
    _ensure_stored(document)
    return entry


def entry_conflict(entry_id: int, your_text: str) -> EditConflict | NotFound:
    """What to raise when someone else saved (or deleted) the entry meanwhile: the conflict
    names the saved text, who saved it and when."""
    current = db.session.get(Entry, entry_id)
    if current is None or current.deleted_at is not None:
        return NotFound()
    last = current.revisions[-1] if current.revisions else None
    return EditConflict(_("Someone else saved this entry while you were editing. Their version is saved; "
                          "yours is in the form below."),
                        current_text=current.body, your_text=your_text, current_version=current.version,
                        saved_by=last.editor if last else None, saved_at=current.updated_at)


# --- images ---------------------------------------------------------------------------------

def _attach(entry: Entry, images: list[NewImage]) -> dict[str, list[str]]:
    """Store new images (once per content hash) and attach them. Returns the storage keys
    written per content hash, so that a failed commit can remove them again."""
    written: dict[str, list[str]] = {}
    position = len(entry.attachments)
    try:
        for new in images:
            blob = db.session.scalar(select(Blob).where(Blob.sha256 == new.image.sha256))
            if blob is None:
                blob, keys = _store(new.image)
                written[new.image.sha256] = keys
                db.session.add(blob)
            entry.attachments.append(EntryAttachment(blob=blob, alt_text=new.alt_text.strip(), position=position))
            position += 1
    except Exception:
        db.session.rollback()
        _delete_keys(key for keys in written.values() for key in keys)
        raise
    return written


def _delete_keys(keys) -> None:
    storage = get_storage()
    for key in keys:
        storage.delete(key)


def _attach_document(entry: Entry, document: ProcessedFile | None) -> dict[str, list[str]]:
    """Store a document (once per content hash) and attach it; returns what was written."""
    if document is None:
        return {}
    key = blob_key(document.sha256, "file", document.extension)
    storage = get_storage()
    already = storage.exists(key)
    # Written again even when present (an atomic replace of the same bytes), so a delete
    # of the last other entry using it, running at this moment, cannot leave us without it.
    storage.put(key, document.data)
    entry.files.append(EntryFile(sha256=document.sha256, storage_key=key, filename=document.filename,
                                 content_type=document.content_type, size=len(document.data)))
    return {} if already else {document.sha256: [key]}


def _ensure_stored(document: ProcessedFile | None) -> None:
    """After committing, make sure the document is still in storage: a delete of the last
    other entry using the same bytes may have removed it in the meantime."""
    if document is None:
        return
    key = blob_key(document.sha256, "file", document.extension)
    storage = get_storage()
    if not storage.exists(key):
        storage.put(key, document.data)


def _remove_unused_documents(stored: list[tuple[str, str]]) -> None:
    """Delete stored documents, given as (content hash, storage key), that no entry uses."""
    if not stored:
        return
    keys = [key for _, key in stored]
    used = set(db.session.scalars(select(EntryFile.storage_key).where(EntryFile.storage_key.in_(keys))))
    storage = get_storage()
    for key in keys:
        if key not in used:
            storage.delete(key)


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _store(image: ProcessedImage) -> tuple[Blob, list[str]]:
    storage = get_storage()
    keys: dict[str, str] = {}
    try:
        for name in ("display", "thumb"):
            rendition = image.renditions[name]
            keys[name] = blob_key(image.sha256, name, EXTENSIONS[rendition.content_type])
            storage.put(keys[name], rendition.data)
    except Exception:
        for key in keys.values():
            storage.delete(key)
        raise
    blob = Blob(sha256=image.sha256, source_format=image.source_format, width=image.width, height=image.height,
                display_key=keys["display"], display_type=image.renditions["display"].content_type,
                thumb_key=keys["thumb"], thumb_type=image.renditions["thumb"].content_type)
    return blob, list(keys.values())


def _commit_or_remove(written: dict[str, list[str]]) -> None:
    """Commit; if that fails, remove the files this save wrote, so nothing half-saved stays
    (unless another save stored the same photo meanwhile: its files are the same)."""
    try:
        db.session.commit()
    except Exception as err:
        db.session.rollback()
        _forget_written(written)
        if isinstance(err, IntegrityError):
            # Another save changed the same photo or document at this very moment.
            raise ValidationFailed(_("Someone else was saving the same file just now. Please save again.")) from err
        raise


def _forget_written(written: dict[str, list[str]]) -> None:
    """Remove the files a failed save wrote, unless another save stored the same content."""
    if not written:
        return
    kept = set(db.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(written))))
    kept |= set(db.session.scalars(select(EntryFile.sha256).where(EntryFile.sha256.in_(written))))
    _delete_keys(key for sha256, keys in written.items() if sha256 not in kept for key in keys)


def _unreferenced_blobs(blob_ids: list[int]) -> list[Blob]:
    if not blob_ids:
        return []
    used = select(EntryAttachment.blob_id).where(EntryAttachment.blob_id.in_(blob_ids))
    return list(db.session.scalars(select(Blob).where(Blob.id.in_(blob_ids), Blob.id.not_in(used))))


def _remove_files(blobs: list[Blob]) -> None:
    storage = get_storage()
    for blob in blobs:
        storage.delete(blob.display_key)
        storage.delete(blob.thumb_key)

