"""A real podcast client (gPodder's `gpo`) subscribes over HTTP and downloads the episode."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from tasks.publish.stage import publish_episode
from tests.publish.conftest import make_mastered, make_newsletter, need_tool

# Episode GUIDs are UUIDs; gpo's listing also carries log lines ("[gpodder.util] ...").
GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def listed_guids(listing: str) -> list[str]:
    """The episode GUIDs in `gpo episodes --guid` output, found by their pattern."""
    return GUID.findall(listing)


def gpo(home: Path, *args: str) -> str:
    """Run gpo with all its state under `home`; fail with its output when it fails."""
    env = {
        **os.environ,
        "HOME": str(home),
        "GPODDER_HOME": str(home / "gpodder"),
        "GPODDER_DOWNLOAD_DIR": str(home / "downloads"),
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
        "LANG": "C.UTF-8",
    }
    cmd = [need_tool("gpo", "gpodder"), *args]
    proc = subprocess.run(
        cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"gpo {' '.join(args)} failed:\n{output}"
    return output


def test_gpodder_subscribes_downloads_and_sees_no_duplicates(
    show: ShowConfig, make_mp3: Callable[..., Path], http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base_url = http_root
    storage = LocalStorage(root)
    home = tmp_path / "gpo-home"
    home.mkdir()
    mp3 = make_mp3(3.0, 440)
    mastered = make_mastered(mp3, tmp_path / "w")
    first = publish_episode(
        show,
        make_newsletter("Issue 1"),
        mastered,
        storage,
        base_url,
        "2026-11-09-the-weekly-signal",
    )

    assert "Successfully added" in gpo(home, "subscribe", first.feed_url)
    assert first.guid in gpo(home, "episodes", "--guid", first.feed_url)
    assert "1 episodes downloaded" in gpo(home, "download")
    (downloaded,) = (home / "downloads").rglob("*.mp3")
    assert downloaded.read_bytes() == mp3.read_bytes()

    # the same issue again plus a new one: the client sees exactly two episodes
    time.sleep(1.1)  # a new Last-Modified second, or gPodder's conditional GET may skip the update
    publish_episode(
        show,
        make_newsletter("Issue 1"),
        mastered,
        storage,
        base_url,
        "2026-11-09-the-weekly-signal",
    )
    second = publish_episode(
        show,
        make_newsletter("Issue 2"),
        mastered,
        storage,
        base_url,
        "2026-11-16-the-weekly-signal",
    )
    gpo(home, "update", first.feed_url)
    listing = gpo(home, "episodes", "--guid", first.feed_url)
    assert sorted(set(listed_guids(listing))) == sorted([first.guid, second.guid])


def test_guid_parsing_ignores_log_lines() -> None:
    guid = "3f2b8c1e-9d4a-5e6f-8a7b-0c1d2e3f4a5b"
    listing = (
        "[gpodder.util] WARNING: 12 things happened\n"
        "2026-11-09 [gpodder.model] 7 episodes\n"
        f"   1 {guid} Issue 1\n"
    )
    assert listed_guids(listing) == [guid]
