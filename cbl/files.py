"""Documents attached to portfolio entries: PDFs, office documents and plain text.

A file is recognised by its content, never by its name or the browser's content type, and
is always served as a download (never shown inline), so an HTML page or a script renamed
.pdf can do no harm. Unlike photos, documents are stored as they are: the upload form asks
students to remove personal details before sharing."""

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from cbl.errors import ValidationFailed

MAX_BYTES = 20 * 1024 * 1024

OOXML = {"word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         "ppt/": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")}
ODF = {"application/vnd.oasis.opendocument.text": "odt",
       "application/vnd.oasis.opendocument.spreadsheet": "ods",
       "application/vnd.oasis.opendocument.presentation": "odp"}
TEXT_EXTENSIONS = {"txt": "text/plain", "csv": "text/csv", "md": "text/markdown"}


class FileRejected(ValidationFailed):
    """A document we do not accept; ``str(err)`` is a translated message for the user."""


@dataclass(frozen=True)
class ProcessedFile:
    sha256: str
    data: bytes
    content_type: str
    extension: str
    filename: str  # safe for a download: the uploaded name, cleaned, with the true extension


def process_file(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> ProcessedFile:
    """Recognise an uploaded document. Raises FileRejected when it is empty, too large, or
    not a PDF, Word/Excel/PowerPoint, OpenDocument or plain-text (UTF-8) file."""
    if not data:
        raise FileRejected(_("This file is empty."), field="document")
    if len(data) > max_bytes:
        raise FileRejected(_("This file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)), field="document")
    extension, content_type = _recognise(data, filename)
    return ProcessedFile(hashlib.sha256(data).hexdigest(), data, content_type, extension,
                         safe_filename(filename, extension))


def _recognise(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        kind = _office(data)
        if kind:
            return kind
    name_extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if name_extension in TEXT_EXTENSIONS and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return name_extension, TEXT_EXTENSIONS[name_extension] + "; charset=utf-8"
    raise FileRejected(_("Share PDFs, Word, Excel, PowerPoint or OpenDocument files, or plain text "
                         "(.txt, .csv, .md). Photos go in a photo entry."), field="document")


def _office(data: bytes) -> tuple[str, str] | None:
    """An Office Open XML or OpenDocument file, judged by its table of contents only (nothing
    is extracted, so a ZIP bomb costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 100:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in ODF:
                        return ODF[mimetype], mimetype
            if "[Content_Types].xml" in names:
                for prefix, kind in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def safe_filename(filename: str, extension: str) -> str:
    """The uploaded name reduced to letters, digits, dashes and underscores, with the
    extension the content really has."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:80] or "document"
    return f"{stem}.{extension}"
