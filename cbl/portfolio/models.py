"""Portfolio entries, their revisions, contributors and attached images."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.competencies.models import Competency
from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db
from cbl.markdown import from_cache
from cbl.projects.models import ElementKey, Phase

if TYPE_CHECKING:
    from cbl.accounts.models import User
    from cbl.projects.models import GuidingQuestion, Project


class Visibility(enum.StrEnum):
    """Who may see an entry, from narrowest to widest (DESIGN.md §4)."""

    PRIVATE = "private"  # the author and the class's teachers
    TEAM = "team"
    CLASS = "class"
    PARTNERS = "partners"  # the project's invited partners too
    PUBLIC = "public"  # anyone, once the teacher approves publication


class EntryKind(enum.StrEnum):
    NOTE = "note"
    IMAGE = "image"
    REFLECTION = "reflection"
    LINK = "link"
    FILE = "file"


entry_competency = Table(
    "entry_competency",
    db.metadata,
    Column("entry_id", ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True),
    Column("competency_id", ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Entry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 12))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered and sanitized once per revision, never on a page view.
    body_html: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    element_key: Mapped[ElementKey | None] = mapped_column(str_enum(ElementKey, 32))
    guiding_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("guiding_question.id", ondelete="SET NULL"), index=True)
    link_url: Mapped[str] = mapped_column(String(500), default="")
    # For a reflection: the prompt it answers, as it read when the student wrote.
    prompt: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 12), default=Visibility.TEAM)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A deleted entry stays whole for 30 days (the project's "Recently deleted"), then is purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    project: Mapped["Project"] = relationship()
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])
    deleted_by: Mapped["User | None"] = relationship(foreign_keys=[deleted_by_id])
    # A removed guiding question is not shown; the link stays for an undo.
    guiding_question: Mapped["GuidingQuestion | None"] = relationship(
        primaryjoin="and_(Entry.guiding_question_id == GuidingQuestion.id, GuidingQuestion.deleted_at.is_(None))",
        viewonly=True)
    attachments: Mapped[list["EntryAttachment"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryAttachment.position")
    contributors: Mapped[list["EntryContributor"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryContributor.id")
    revisions: Mapped[list["EntryRevision"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryRevision.number")
    files: Mapped[list["EntryFile"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryFile.id")
    competencies: Mapped[list[Competency]] = relationship(secondary=entry_competency, order_by=Competency.code)

    @property
    def body_markup(self) -> Markup:
        return from_cache(self.body_html)


class EntryRevision(db.Model):
    """The entry as one save left it: who, when, and the text then."""

    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 12))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="revisions")
    editor: Mapped["User | None"] = relationship()

    @property
    def body_markup(self) -> Markup:
        return from_cache(self.body_html)


class EntryContributor(db.Model):
    """A teammate who worked on the entry, and what they did."""

    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    contribution: Mapped[str] = mapped_column(String(200), default="")

    entry: Mapped[Entry] = relationship(back_populates="contributors")
    user: Mapped["User"] = relationship()


class Blob(db.Model):
    """An uploaded image, stored once per content hash with its renditions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int]
    height: Mapped[int]
    # Where the two renditions are kept in the storage, and their content types.
    display_key: Mapped[str] = mapped_column(String(200))
    display_type: Mapped[str] = mapped_column(String(40))
    thumb_key: Mapped[str] = mapped_column(String(200))
    thumb_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntryAttachment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blob.id"), index=True)
    alt_text: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    entry: Mapped[Entry] = relationship(back_populates="attachments")
    blob: Mapped[Blob] = relationship()


class EntryFile(db.Model):
    """A document attached to a file entry; stored once per content hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]

    entry: Mapped[Entry] = relationship(back_populates="files")


class PublicationStatus(enum.StrEnum):
    REQUESTED = "requested"  # the team asked; a teacher has not answered
    PUBLISHED = "published"
    RETURNED = "returned"  # the teacher said "not yet", with a comment
    UNPUBLISHED = "unpublished"


class Publication(db.Model):
    """A project's place in the public showcase: asked for by the team, approved by a
    teacher, and withdrawn at once by either."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PublicationStatus] = mapped_column(str_enum(PublicationStatus, 12))
    note: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cover_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("entry_attachment.id", ondelete="SET NULL"))

    project: Mapped["Project"] = relationship()
    requested_by: Mapped["User | None"] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])
    cover: Mapped[EntryAttachment | None] = relationship()
