"""The uploaded roster ZIP between its preview and its confirmation.

It is kept in ``instance/rosters/`` under a random name (the name travels in the preview's
links and the confirm form) until it is confirmed or expires. Names are checked by shape
before they touch the file system."""

import re
import secrets
import time
from pathlib import Path
from typing import IO

from flask import current_app

KEEP_SECONDS = 6 * 3600
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class UploadTooLarge(Exception):
    pass


def folder() -> Path:
    path = Path(current_app.instance_path) / "rosters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(stream: IO[bytes]) -> str:
    """Store the upload; returns its token. Raises :class:`UploadTooLarge` past the limit."""
    prune()
    token = secrets.token_urlsafe(32)
    target = folder() / f"{token}.zip"
    written = 0
    with open(target, "wb") as out:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise UploadTooLarge()
            out.write(chunk)
    return token


def path_of(token: str | None) -> Path | None:
    """The stored file of ``token``, or None when the token is odd, unknown or expired."""
    if not token or not TOKEN_RE.fullmatch(token):
        return None
    path = folder() / f"{token}.zip"
    if not path.is_file() or path.stat().st_mtime < time.time() - KEEP_SECONDS:
        return None
    return path


def discard(token: str) -> None:
    path = path_of(token)
    if path is not None:
        path.unlink(missing_ok=True)


def prune() -> None:
    """Remove the uploads that expired unconfirmed."""
    limit = time.time() - KEEP_SECONDS
    for path in folder().glob("*.zip"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass
