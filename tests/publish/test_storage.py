"""Storage keys, atomic local writes, public URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from castwright.clients.storage import LocalStorage, public_url, validate_key
from castwright.core.errors import PublishError


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "a/../../b",
        "..",
        ".",
        "/abs/path",
        "a//b",
        "a/./b",
        "a/",
        "",
        ".hidden",
        "a/.tmp-x",
        "back\\slash",
        "sp ace",
        "new\nline",
        "nul\x00",
        "%2e%2e/x",
        "é.mp3",
        "a?b",
        "a#b",
        "x" * 600,
        "C:/windows",
    ],
)
def test_unsafe_keys_are_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="not allowed"):
        validate_key(key)
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(PublishError):
        storage.put_bytes(key, b"x", "text/plain")
    with pytest.raises(PublishError):
        storage.get_bytes(key)
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("key", ["feed.xml", "episodes/2026-11-16-x/a-1f.mp3", "a_b/C.d-e"])
def test_safe_keys_pass(key: str) -> None:
    assert validate_key(key) == key


def test_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(PublishError, match="outside"):
        LocalStorage(root).put_bytes("link/x.txt", b"x", "text/plain")
    assert not (tmp_path / "outside" / "x.txt").exists()


def test_local_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    assert storage.get_bytes("a/b.txt") is None
    assert storage.size("a/b.txt") is None
    storage.put_bytes("a/b.txt", b"hello", "text/plain")
    src = tmp_path / "src.bin"
    src.write_bytes(b"\x00" * 1000)
    storage.put_file("c.bin", src, "application/octet-stream")
    assert storage.get_bytes("a/b.txt") == b"hello"
    assert storage.exists("c.bin") and storage.size("c.bin") == 1000
    assert storage.list() == ["a/b.txt", "c.bin"]
    assert storage.list("a/") == ["a/b.txt"]
    storage.delete("a/b.txt")
    storage.delete("a/b.txt")  # deleting what is gone is fine
    assert storage.list() == ["c.bin"]


def test_failed_write_leaves_old_file_and_no_temp_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    storage.put_bytes("feed.xml", b"<old/>", "application/rss+xml")

    def half_then_fail(out: object) -> None:
        out.write(b"<ne")  # type: ignore[attr-defined]
        raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError):
        storage._write_atomic("feed.xml", half_then_fail)
    assert storage.get_bytes("feed.xml") == b"<old/>"
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == ["feed.xml"]


def test_put_file_of_missing_source_says_so(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="file not found"):
        LocalStorage(tmp_path).put_file("x.mp3", tmp_path / "nope.mp3", "audio/mpeg")


def test_public_url_joins_base_and_key() -> None:
    assert public_url("https://cdn.example.com/show", "feed.xml") == (
        "https://cdn.example.com/show/feed.xml"
    )
    assert public_url("https://cdn.example.com/", "a/b.mp3") == "https://cdn.example.com/a/b.mp3"
    for bad in ["cdn.example.com/", "ftp://x/", "https://x/?q=1", "javascript:alert(1)"]:
        with pytest.raises(PublishError, match="base URL"):
            public_url(bad, "feed.xml")
