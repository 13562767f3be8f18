"""Publishing next to what castwright did not write, and next to other publishers: the sweep
deletes only what an earlier catalog recorded, never through a link, and one lock serialises
publish and removal (the real-process race is in tests/flows/test_overlapping_runs.py)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from castwright.core.models import MasteredEpisode
from tasks.publish.stage import list_episodes, publish_episode, remove_episode
from tests.publish.conftest import BASE_URL, make_mastered, make_newsletter

FIRST, SECOND = "2026-11-09-the-weekly-signal", "2026-11-16-the-weekly-signal"
MakeMp3 = Callable[..., Path]


def test_the_sweep_leaves_files_castwright_never_recorded(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    publish_episode(show, make_newsletter(), make_mastered(make_mp3(3.0, 440), tmp_path / "a"),
                    storage, BASE_URL, FIRST)  # fmt: skip
    old_audio = next(k for k in storage.list("episodes/") if k.endswith(".mp3"))
    keep = ["episodes/README-keep-me.txt", "artwork/logo-source.psd", f"episodes/{FIRST}/notes.md"]
    for key in keep:
        storage.put_bytes(key, b"mine", "text/plain")
    publish_episode(
        show,
        make_newsletter(),
        make_mastered(make_mp3(4.0, 440), tmp_path / "b"),
        storage,
        BASE_URL,
        FIRST,
    )  # fmt: skip: remastered, the old MP3 is swept
    assert all(storage.get_bytes(k) == b"mine" for k in keep)
    assert not storage.exists(old_audio)


@pytest.fixture
def mastered(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> MasteredEpisode:
    """An episode's files, already published once as FIRST."""
    files = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    publish_episode(show, make_newsletter(), files, storage, BASE_URL, FIRST)
    return files


def test_the_sweep_never_follows_a_link(
    show: ShowConfig, storage: LocalStorage, mastered: MasteredEpisode
) -> None:
    publish_episode(show, make_newsletter("Two"), mastered, storage, BASE_URL, SECOND)
    audio = next(k for k in storage.list(f"episodes/{SECOND}/") if k.endswith(".mp3"))
    link = storage.root / audio
    link.unlink()
    link.symlink_to(storage.root / "catalog.json")  # an episode file replaced by a link
    remove_episode(show, storage, BASE_URL, SECOND)  # sweeps that episode's files
    assert not link.is_symlink() and storage.exists("catalog.json")
    publish_episode(show, make_newsletter("Three"), mastered, storage, BASE_URL, "third")
    assert [e.slug for e in list_episodes(storage)] == ["third", FIRST]


def test_a_fresh_catalog_is_never_started_over_a_published_feed(
    show: ShowConfig, storage: LocalStorage, mastered: MasteredEpisode
) -> None:
    feed = storage.get_bytes("feed.xml")
    storage.delete("catalog.json")
    with pytest.raises(PublishError, match="holds feed.xml but no catalog.json"):
        publish_episode(show, make_newsletter("Two"), mastered, storage, BASE_URL, SECOND)
    with pytest.raises(PublishError, match="holds feed.xml but no catalog.json"):
        remove_episode(show, storage, BASE_URL, FIRST)
    assert storage.get_bytes("feed.xml") == feed
    assert storage.list(f"episodes/{FIRST}/") != []


def _try_lock(root: Path, answer: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        with LocalStorage(root).lock(wait_s=0.5):
            answer.put("locked")
    except PublishError as exc:
        answer.put(str(exc))


def test_the_local_lock_excludes_another_process(storage: LocalStorage) -> None:
    context = multiprocessing.get_context("fork")
    answer: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    with storage.lock():
        child = context.Process(target=_try_lock, args=(storage.root, answer))
        child.start()
        child.join(60)
        assert "another castwright run is publishing to" in answer.get(timeout=5)
    child = context.Process(target=_try_lock, args=(storage.root, answer))
    child.start()
    child.join(60)
    assert answer.get(timeout=5) == "locked"
    assert storage.list() == []  # the lock file is no key: never published, never swept


class RacingStorage(LocalStorage):
    """A folder where another writer, ignoring the lock, replaces catalog.json mid-publish."""

    raced = False

    def size(self, key: str) -> int | None:
        if key.startswith("artwork/") and not self.raced:  # after the catalog was read
            self.raced = True
            (self.root / "catalog.json").write_bytes((self.get_bytes("catalog.json") or b"") + b" ")
        return super().size(key)


def test_the_catalog_is_written_only_over_the_version_read(
    show: ShowConfig, storage: LocalStorage, mastered: MasteredEpisode
) -> None:
    feed, catalog = storage.get_bytes("feed.xml"), storage.get_bytes("catalog.json")
    with pytest.raises(PublishError, match="catalog.json in .* changed while this run"):
        publish_episode(show, make_newsletter("Two"), mastered, RacingStorage(storage.root),
                        BASE_URL, SECOND)  # fmt: skip
    assert storage.get_bytes("catalog.json") == (catalog or b"") + b" "
    assert storage.get_bytes("feed.xml") == feed
