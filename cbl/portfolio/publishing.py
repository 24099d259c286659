"""Publishing a team's story to the public showcase, with the teacher's approval."""

from flask_babel import gettext as _
from sqlalchemy import select

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.errors import ValidationFailed
from cbl.extensions import db
from cbl.portfolio.models import Entry, EntryAttachment, Publication, PublicationStatus, Visibility
from cbl.projects.models import Project


def get_publication(project: Project) -> Publication | None:
    """The project's publication record, if the team ever asked to publish."""
    return db.session.scalar(select(Publication).where(Publication.project_id == project.id))


def public_photos(project: Project) -> list[EntryAttachment]:
    """Photos of the project's ``public`` entries: the possible covers."""
    return list(db.session.scalars(
        select(EntryAttachment).join(Entry, Entry.id == EntryAttachment.entry_id)
        .where(Entry.project_id == project.id, Entry.visibility == Visibility.PUBLIC, Entry.deleted_at.is_(None))
        .order_by(Entry.created_at, EntryAttachment.position)))


def request_publication(project: Project, acting: User, note: str, cover_attachment_id: int | None) -> Publication:
    """The team asks to publish. Raises ValidationFailed when already published or waiting,
    when no entry is public yet, or for a cover that is not one of the public photos."""
    publication = get_publication(project)
    if publication is not None and publication.status in (PublicationStatus.REQUESTED, PublicationStatus.PUBLISHED):
        raise ValidationFailed(_("Your story is already published or waiting for your teacher."))
    if db.session.scalar(select(Entry.id).where(Entry.project_id == project.id, Entry.deleted_at.is_(None),
                                                Entry.visibility == Visibility.PUBLIC).limit(1)) is None:
        raise ValidationFailed(_("Make at least one entry visible to everyone first: the public page shows "
                                 "only those."))
    photos = {photo.id for photo in public_photos(project)}
    if cover_attachment_id is not None and cover_attachment_id not in photos:
        raise ValidationFailed(_("Choose the cover among the photos of your public entries."), field="cover")
    if publication is None:
        publication = Publication(project_id=project.id)
        db.session.add(publication)
    publication.status, publication.note = PublicationStatus.REQUESTED, note.strip()
    publication.requested_by_id, publication.requested_at = acting.id, utcnow()
    publication.decided_by_id = publication.decided_at = None
    publication.response = ""
    publication.cover_attachment_id = cover_attachment_id or (min(photos) if photos else None)
    db.session.commit()
    return publication


def decide_publication(project: Project, teacher: User, approve: bool, comment: str) -> Publication:
    """Approve (the story appears in the showcase at once) or return with a comment."""
    publication = get_publication(project)
    if publication is None or publication.status is not PublicationStatus.REQUESTED:
        raise ValidationFailed(_("There is no request to publish waiting."))
    if not approve and not comment.strip():
        raise ValidationFailed(_("Say what the team should change before asking again."), field="comment")
    publication.decided_by_id, publication.decided_at = teacher.id, utcnow()
    publication.response = comment.strip()
    if approve:
        publication.status, publication.published_at = PublicationStatus.PUBLISHED, utcnow()
    else:
        publication.status = PublicationStatus.RETURNED
    db.session.commit()
    return publication


def unpublish(project: Project, acting: User) -> Publication:
    """Take the story off the showcase (or withdraw the request) at once."""
    publication = get_publication(project)
    if publication is None or publication.status not in (PublicationStatus.REQUESTED, PublicationStatus.PUBLISHED):
        raise ValidationFailed(_("This story is not published."))
    publication.status = PublicationStatus.UNPUBLISHED
    publication.decided_by_id, publication.decided_at = acting.id, utcnow()
    db.session.commit()
    return publication


def changed_since_publication(project: Project) -> list[Entry]:
    """Public entries made or changed after the teacher approved the story: they are not
    shown until the teacher publishes the changes."""
    publication = get_publication(project)
    if publication is None or publication.status is not PublicationStatus.PUBLISHED:
        return []
    return list(db.session.scalars(select(Entry).where(
        Entry.project_id == project.id, Entry.visibility == Visibility.PUBLIC, Entry.deleted_at.is_(None),
        Entry.updated_at > publication.published_at).order_by(Entry.updated_at)))


def publish_changes(project: Project, teacher: User) -> Publication:
    """The teacher approves what changed since publication. Raises ValidationFailed when the
    story is not published."""
    publication = get_publication(project)
    if publication is None or publication.status is not PublicationStatus.PUBLISHED:
        raise ValidationFailed(_("This story is not published."))
    publication.published_at = utcnow()
    publication.decided_by_id, publication.decided_at = teacher.id, utcnow()
    db.session.commit()
    return publication
