"""Kill the publishing process midway: the old feed and every earlier episode survive.

Publishing runs in a child process (forked, so it starts in milliseconds instead of re-importing
Prefect) whose storage SIGKILLs it at a chosen write: just before it, or halfway through it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import IO, Any

import feedparser
import pytest

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from castwright.core.models import MasteredEpisode, Newsletter
from tasks.publish.stage import list_episodes, publish_episode
from tests.publish.conftest import BASE_URL, make_mastered, make_newsletter

OLD, NEW = "2026-11-09-the-weekly-signal", "2026-11-16-the-weekly-signal"


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _HalfThenDie:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, data: bytes) -> int:
        self.out.write(data[: len(data) // 2])
        self.out.flush()
        os.fsync(self.out.fileno())
        die()
        return 0


class KillingStorage(LocalStorage):
    """Dies before writing the first key matching `kill_at` (fnmatch), or halfway (':mid')."""

    def __init__(self, root: Path, kill_at: str) -> None:
        super().__init__(root)
        self.pattern, _, self.when = kill_at.partition(":")

    def _write_atomic(self, key: str, write: Callable[[Any], None]) -> None:
        if fnmatch(key, self.pattern):
            if self.when != "mid":
                die()
            return super()._write_atomic(key, lambda out: write(_HalfThenDie(out)))
        return super()._write_atomic(key, write)


def publish_and_get_killed(
    show: ShowConfig, newsletter: Newsletter, mastered: MasteredEpisode, root: Path, kill_at: str
) -> None:
    storage = KillingStorage(root, kill_at)
    child = multiprocessing.get_context("fork").Process(
        target=publish_episode, args=(show, newsletter, mastered, storage, BASE_URL, NEW)
    )
    child.start()
    child.join(timeout=60)
    assert child.exitcode == -signal.SIGKILL, f"publish was not killed at {kill_at}"


@pytest.mark.parametrize(
    "kill_at",
    [
        "episodes/*.vtt",
        "catalog.json",
        "catalog.json:mid",
        "index.html",
        "feed.xml",
        "feed.xml:mid",
    ],
)
def test_killed_publish_keeps_the_old_feed_and_a_rerun_completes(
    kill_at: str, show: ShowConfig, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "public")
    old_mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "old")
    old = publish_episode(show, make_newsletter("Old issue"), old_mastered, storage, BASE_URL, OLD)
    feed_before = storage.get_bytes("feed.xml")
    new_mastered = make_mastered(make_mp3(4.0, 550), tmp_path / "new")

    publish_and_get_killed(show, make_newsletter("New issue"), new_mastered, storage.root, kill_at)

    assert any(k.endswith(".mp3") for k in storage.list(f"episodes/{NEW}/"))  # audio went up
    assert storage.get_bytes("feed.xml") == feed_before
    parsed = feedparser.parse(storage.get_bytes("feed.xml"))
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == [old.guid]
    enclosure = parsed.entries[0].enclosures[0]
    assert storage.size(enclosure.href.removeprefix(BASE_URL)) == int(enclosure.length)
    assert old.guid in [e.guid for e in list_episodes(storage)]  # catalog readable, old one kept

    new = publish_episode(show, make_newsletter("New issue"), new_mastered, storage, BASE_URL, NEW)
    parsed = feedparser.parse(storage.get_bytes("feed.xml"))
    assert [e.id for e in parsed.entries] == [new.guid, old.guid]
    assert [e.number for e in list_episodes(storage)] == [2, 1]
