"""Where uploaded files live, behind a small interface.

Callers name blobs by key (``ab/cd/<sha256>/display.jpg``, see :func:`blob_key`) and talk
to a :class:`Storage`; the local folder is the default, and an S3-compatible store can be
added later by implementing the same four methods, without touching callers."""

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

# Keys are slash-separated segments of safe characters; no segment starts with a dot, so
# ``..``, ``.`` and hidden names are impossible, as are absolute paths and backslashes.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){0,15}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_WORD = re.compile(r"[a-z0-9]{1,16}")
_TEMP_PREFIX = ".upload-"  # keys never start with a dot, so no key names a temporary file


class Storage(Protocol):
    """A flat namespace of immutable blobs addressed by key."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any blob there; readers see the old or
        the new blob, never part of one."""

    def open(self, key: str) -> BinaryIO:
        """The blob for reading, as a binary file (close it). Raises FileNotFoundError."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""


class LocalStorage:
    """Blobs as files under ``root``. Writes go to a temporary file in the destination
    folder, then ``os.replace`` puts it in place, so a failed write leaves nothing behind.
    Files are created readable by the owner only. Invalid keys raise ValueError."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file for ``key``. Raises ValueError for a key that could leave the root."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"invalid storage key: {key!r}")
        return self.root.joinpath(*key.split("/"))

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    """The application's storage: a :class:`LocalStorage` on ``UPLOAD_FOLDER``, made once
    per application and kept in ``app.extensions["cbl_storage"]`` (tests may replace it)."""
    storage = current_app.extensions.get("cbl_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["UPLOAD_FOLDER"])
        current_app.extensions["cbl_storage"] = storage
    return storage


def blob_key(sha256: str, rendition: str, extension: str) -> str:
    """The key of one rendition of a blob: ``ab/cd/<sha256>/<rendition>.<extension>``, the
    two-level prefix keeping folders small. Raises ValueError for a malformed argument."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    if not _WORD.fullmatch(rendition) or not _WORD.fullmatch(extension):
        raise ValueError(f"invalid rendition or extension: {rendition!r}, {extension!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}/{rendition}.{extension}"
