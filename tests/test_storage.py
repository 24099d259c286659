"""Blob storage: round trips, keys that cannot escape the folder, and writes that either
complete or leave nothing behind."""

import hashlib
import os

import pytest

from cbl import storage as storage_module
from cbl.storage import LocalStorage, blob_key, get_storage

SHA = hashlib.sha256(b"a photo").hexdigest()


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "uploads")


def files_under(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_put_open_exists_delete_round_trip(store):
    key = blob_key(SHA, "display", "jpg")
    assert not store.exists(key)

    store.put(key, b"first")
    store.put(key, b"second version")

    assert store.exists(key)
    with store.open(key) as handle:
        assert handle.read() == b"second version"
    assert files_under(store.root) == [key]  # no temporary file left next to it

    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting what is gone is fine
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_stored_files_are_private_to_the_owner(store):
    store.put("a/b.jpg", b"photo")

    assert (store.root / "a" / "b.jpg").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("key", [
    "../outside.jpg", "a/../../outside.jpg", "a/..", "..", "/etc/passwd", "a\\..\\b.jpg", "a\\b.jpg",
    "", "a//b.jpg", "a/./b.jpg", "./a.jpg", ".hidden", "a/", "C:/windows.jpg", "a/b\x00.jpg", "é.jpg",
])
def test_keys_that_could_leave_the_folder_or_are_unusual_are_rejected(store, key):
    for action in (lambda: store.put(key, b"x"), lambda: store.open(key), lambda: store.exists(key),
                   lambda: store.delete(key)):
        with pytest.raises(ValueError):
            action()
    assert not store.root.parent.joinpath("outside.jpg").exists()


def test_failed_write_leaves_no_file_and_no_temporary_file(store, monkeypatch):
    key = blob_key(SHA, "thumb", "jpg")

    def refuse(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        store.put(key, b"photo bytes")

    assert not store.exists(key)
    assert files_under(store.root) == []


def test_failed_write_keeps_the_previous_blob_whole(store, monkeypatch):
    store.put("a/photo.jpg", b"the original")
    monkeypatch.setattr(storage_module.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("I/O error")))

    with pytest.raises(OSError):
        store.put("a/photo.jpg", b"a new version that never lands")

    with store.open("a/photo.jpg") as handle:
        assert handle.read() == b"the original"
    assert files_under(store.root) == ["a/photo.jpg"]


def test_blob_key_spreads_blobs_by_hash_and_names_the_rendition():
    assert blob_key(SHA, "display", "jpg") == f"{SHA[:2]}/{SHA[2:4]}/{SHA}/display.jpg"
    assert blob_key(SHA, "thumb", "png") == f"{SHA[:2]}/{SHA[2:4]}/{SHA}/thumb.png"


@pytest.mark.parametrize("sha, rendition, extension", [
    ("../" + SHA[3:], "display", "jpg"), (SHA.upper(), "display", "jpg"), (SHA[:-1], "display", "jpg"),
    (SHA, "../x", "jpg"), (SHA, "display", "jpg/../../x"), (SHA, "", "jpg"),
])
def test_blob_key_rejects_malformed_parts(sha, rendition, extension):
    with pytest.raises(ValueError):
        blob_key(sha, rendition, extension)


def test_get_storage_uses_the_upload_folder_once_per_app(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "configured")
    app.extensions.pop("cbl_storage", None)

    storage = get_storage()
    storage.put("x/y.png", b"png")

    assert isinstance(storage, LocalStorage)
    assert get_storage() is storage
    assert (tmp_path / "configured" / "x" / "y.png").read_bytes() == b"png"
    assert os.listdir(tmp_path / "configured" / "x") == ["y.png"]
