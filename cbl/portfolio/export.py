"""A project's portfolio as a ZIP of static pages that opens offline in any browser.

:func:`build_export` yields the archive chunk by chunk: ``zipfile`` writes into a
:class:`ZipStream` that keeps only what was written since the last chunk, entries are
read in keyset batches, each photo and document is copied from storage in small pieces, and the
timeline's rows wait in a spooled temporary file (on disk past a few hundred kB) until
the timeline page is written last. Memory therefore stays flat however many entries and
photos the portfolio holds; only zipfile's directory of member names grows.

Every page is rendered from ``templates/portfolio/export/`` with relative links only
(``style.css``, ``images/…``, ``files/…``, ``entries/…``): no script, no remote stylesheet
or font."""

import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import datetime
from typing import IO, BinaryIO

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from cbl.accounts.models import User
from cbl.dbtypes import utcnow
from cbl.extensions import db
from cbl.permissions import visible_entries
from cbl.portfolio.models import Blob, Entry, EntryAttachment, EntryFile
from cbl.portfolio.queries import entry_list_options
from cbl.projects.models import Project
from cbl.projects.queries import project_options, project_page
from cbl.storage import Storage

BATCH_SIZE = 50  # entries per query
COPY_CHUNK = 64 * 1024  # bytes of a photo read from storage at a time
FLUSH_SIZE = 64 * 1024  # compressed bytes of a page buffered before they are yielded
SPOOL_SIZE = 512 * 1024  # timeline rows kept in memory before they move to a temporary file
IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
TEMPLATES = "portfolio/export/"

# Areas above the portfolio add to the story page (feedback adds its threads): each function,
# called as function(user=…, project=…), returns extra template variables for index.html.
ExportExtra = Callable[..., dict]
_export_extras: list[ExportExtra] = []


def export_extra(function: ExportExtra) -> ExportExtra:
    """Register extra template variables for the export's story page (a decorator)."""
    if function not in _export_extras:
        _export_extras.append(function)
    return function


# Each photo or document of an entry with its path in the ZIP (None when storage lacks it).
Shown = list[tuple[EntryAttachment, str | None]]
Documents = list[tuple[EntryFile, str | None]]


def slugify(text: str, max_length: int = 40) -> str:
    """``text`` as lowercase ASCII letters, digits and single hyphens (accents dropped,
    everything else a separator), at most ``max_length`` long; may be empty."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")


def export_filename(project: Project) -> str:
    """``<team>-<challenge>-portfolio.zip`` in safe ASCII, fit for a Content-Disposition header."""
    team = slugify(project.team.name) or "team"
    challenge = slugify(project.challenge.title) or f"project-{project.id}"
    return f"{team}-{challenge}-portfolio.zip"


def is_web_address(url: str | None) -> bool:
    """Whether a stored address may become a link in the export (http and https only)."""
    return bool(url) and url.strip().lower().startswith(("http://", "https://"))


class ZipStream(io.RawIOBase):
    """A write-only, unseekable file for :class:`zipfile.ZipFile` that keeps what has
    been written until :meth:`drain` hands it over. (Unseekable, so zipfile puts sizes
    and checksums after each member instead of going back to patch its header.)"""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        self.pending += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        """Everything written since the last call, and forget it."""
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.pending = 0
        return data


class ZipWriter:
    """Adds members to a ZIP and yields the archive's bytes as soon as they are written."""

    def __init__(self, stamp: datetime) -> None:
        self.stream = ZipStream()
        self.zip = zipfile.ZipFile(self.stream, "w")
        self._date_time = stamp.timetuple()[:6]

    def _info(self, name: str, compression: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = compression
        info.external_attr = 0o644 << 16  # readable by everyone once unpacked
        return info

    def _drain(self, threshold: int = 0) -> Iterator[bytes]:
        """Hand over what the stream holds once it is more than ``threshold`` bytes (never b"",
        which a server could take for the end of a chunked response)."""
        if self.stream.pending > threshold:
            yield self.stream.drain()

    def text(self, name: str, pieces: Iterable[str]) -> Iterator[bytes]:
        """A page or stylesheet, deflated, written piece by piece."""
        with self.zip.open(self._info(name, zipfile.ZIP_DEFLATED), "w") as member:
            for piece in pieces:
                member.write(piece.encode("utf-8"))
                yield from self._drain(FLUSH_SIZE)
        yield from self._drain()

    def copy(self, name: str, source: BinaryIO, *, deflate: bool = False) -> Iterator[bytes]:
        """A file copied from ``source`` in small pieces; stored as it is unless ``deflate``
        (photos, PDFs and office documents are compressed already)."""
        compression = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        with self.zip.open(self._info(name, compression), "w") as member:
            while chunk := source.read(COPY_CHUNK):
                member.write(chunk)
                yield from self._drain()
        yield from self._drain()

    def close(self) -> Iterator[bytes]:
        """Write the central directory (only once)."""
        if self.zip.fp is not None:
            self.zip.close()
        yield from self._drain()


def build_export(user_id: int, project_id: int, storage: Storage, *, now: datetime | None = None
                 ) -> Iterator[bytes]:
    """Yield, chunk by chunk, the ZIP of the project's portfolio as the user may see it:
    ``index.html`` (the story: challenge, team, phase elements, guiding questions, phase
    history, and what :func:`export_extra` functions add: the feedback threads),
    ``timeline.html``, ``entries/<id>-<title>.html`` for every entry
    :func:`cbl.permissions.visible_entries` lets the user read, ``images/…`` (the display
    rendition of each photo), ``files/…`` (the documents of file entries) and ``style.css``.

    The caller has checked that the user may export the project. Needs an application
    context (and the request's, for the reader's language). Raises LookupError if the user
    or the project no longer exists; a photo or document missing from storage is left out,
    its description or name shown instead."""
    user = db.session.get(User, user_id)
    project = db.session.scalar(select(Project).options(*project_options()).where(Project.id == project_id))
    if user is None or project is None:
        raise LookupError(f"no user {user_id} or project {project_id} to export")
    yield from _PortfolioExport(user, project, storage, now or utcnow()).chunks()


class _PortfolioExport:
    def __init__(self, user: User, project: Project, storage: Storage, now: datetime) -> None:
        self.user, self.project, self.storage = user, project, storage
        self.writer = ZipWriter(now)
        self.copied: dict[str, str | None] = {}  # storage key -> path in the ZIP (None: unreadable)
        self.context = {"project": project, "exported_by": user, "exported_at": now,
                        "is_web_address": is_web_address}

    def chunks(self) -> Iterator[bytes]:
        try:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE, mode="w+", encoding="utf-8") as rows:
                yield from self.writer.text("style.css", [_stylesheet()])
                extra: dict = {}
                for function in _export_extras:
                    extra.update(function(user=self.user, project=self.project))
                yield from self.writer.text("index.html", [self._render(
                    "index.html", root="", current="story", page=project_page(self.project), **extra)])
                count = 0
                for entry in self._entries():
                    yield from self._entry(entry, rows)
                    count += 1
                rows.seek(0)
                yield from self.writer.text("timeline.html", self._stream(
                    "timeline.html", root="", current="timeline", rows=_read_back(rows), count=count))
            yield from self.writer.close()
        finally:
            # A download cut short closes the archive too (into a buffer nobody reads), so
            # zipfile has nothing left to do when it is collected.
            if self.writer.zip.fp is not None:
                self.writer.zip.close()

    def _entries(self) -> Iterator[Entry]:
        """The project's entries the user may see, oldest first, a batch per query (keyset
        paging: entries added meanwhile neither shift nor repeat a batch)."""
        stmt = (visible_entries(self.user).where(Entry.project_id == self.project.id)
                .options(*entry_list_options(), joinedload(Entry.guiding_question))
                .order_by(Entry.created_at, Entry.id).limit(BATCH_SIZE))
        batch = list(db.session.scalars(stmt))
        while batch:
            yield from batch
            if len(batch) < BATCH_SIZE:
                return
            last = batch[-1]
            batch = list(db.session.scalars(stmt.where(or_(
                Entry.created_at > last.created_at, and_(Entry.created_at == last.created_at, Entry.id > last.id)))))

    def _entry(self, entry: Entry, rows: IO[str]) -> Iterator[bytes]:
        """The entry's photos and documents, then its page; its timeline row is kept for the end."""
        shown: Shown = []
        for attachment in entry.attachments:
            path = yield from self._copy(attachment.blob.display_key, _image_path(attachment.blob))
            shown.append((attachment, path))
        documents: Documents = []
        for file in entry.files:
            path = yield from self._copy(file.storage_key, f"files/{file.id}-{_safe_name(file.filename)}",
                                         deflate=file.content_type.startswith("text/"))
            documents.append((file, path))
        name = f"entries/{entry.id}-{slugify(entry.title) or 'entry'}.html"
        yield from self.writer.text(name, [self._render("entry.html", root="../", current=None, entry=entry,
                                                        shown=shown, documents=documents)])
        cover = next(((attachment, path) for attachment, path in shown if path), None)
        rows.write(self._render("_timeline_row.html", root="", entry=entry, href=name, cover=cover))

    def _copy(self, key: str, path: str | None, *, deflate: bool = False) -> Generator[bytes, None, str | None]:
        """Copy a stored blob to ``path`` the first time an entry shows it; its path then, or
        None when it cannot be read from storage (or has no ``path``, an unknown type)."""
        if key not in self.copied:
            try:
                source = self.storage.open(key) if path else None
            except (FileNotFoundError, ValueError):
                source = None
            if source is None:
                current_app.logger.warning("export: %s cannot be read from storage", key)
                path = None
            else:
                with source:
                    yield from self.writer.copy(path, source, deflate=deflate)
            self.copied[key] = path
        return self.copied[key]

    def _render(self, name: str, **context) -> str:
        return render_template(TEMPLATES + name, **self.context, **context)

    def _stream(self, name: str, **context) -> Iterator[str]:
        """The page piece by piece (for the timeline, whose rows may be many)."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        template = app.jinja_env.get_template(TEMPLATES + name)
        context = {**self.context, **context}
        app.update_template_context(context)
        return template.generate(context)


def _image_path(blob: Blob) -> str | None:
    """Where a photo's display rendition goes in the ZIP (None for a type we do not know)."""
    extension = IMAGE_EXTENSIONS.get(blob.display_type)
    return f"images/{blob.sha256[:24]}.{extension}" if extension else None


def _safe_name(filename: str) -> str:
    """A stored document's name as a ZIP member name: letters, digits, dots, dashes and
    underscores, never starting with a dot."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", filename).lstrip(".-")[:100] or "document"


def _read_back(rows: IO[str]) -> Iterator[Markup]:
    """The spooled rows again; they are HTML the autoescaping templates produced."""
    while piece := rows.read(16 * 1024):
        yield Markup(piece)  # noqa: S704 (rendered by our own templates above)


def _stylesheet() -> str:
    """The export's own small stylesheet, as written (it is not a template)."""
    env = current_app.jinja_env
    source, _filename, _uptodate = env.loader.get_source(env, TEMPLATES + "style.css")
    return source
