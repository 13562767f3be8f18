"""Two `castwright run`s and an `episodes remove` started together into one folder, as real
processes: every one ends well, the feed is valid, every enclosure resolves and no episode is lost.

Cheap on purpose: hand-made two-turn scripts (`--script`, no LLM), voices from the fake RunPod
endpoint (tests/fakes), one real Prefect server shared by the three processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import yaml

from castwright.clients.storage import LocalStorage
from castwright.core.config import load_show
from castwright.core.paths import PROJECT_ROOT
from tasks.publish.stage import list_episodes, publish_episode
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show
from tests.flows.prefect_server import PrefectServer
from tests.publish.conftest import make_mastered, make_newsletter

BASE_URL = "http://127.0.0.1:8000/"
OLD = "2026-11-02-the-old-one"


def _issue(folder: Path, name: str, day: int) -> tuple[Path, Path]:
    """A one-section newsletter and a two-turn script for it."""
    title = f"Issue {name}"
    issue = folder / f"{name}.md"
    issue.write_text(f"---\ntitle: {title}\ndate: 2026-11-{day:02d}\n---\n\n## News {name}\n\n"
                     f"Something happened in {name} this week.\n", encoding="utf-8")  # fmt: skip
    turns = [{"id": "t001", "speaker": "Ada", "text": f"Welcome to issue {name}.",
              "section": f"news-{name}"},
             {"id": "t002", "speaker": "Marvin", "text": "Something happened this week.",
              "section": f"news-{name}"}]  # fmt: skip
    script = folder / f"{name}.script.yaml"
    script.write_text(yaml.safe_dump({"turns": turns}), encoding="utf-8")
    return issue, script


def test_two_runs_and_a_removal_at_once_lose_nothing(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    out, show_file = tmp_path / "public", lenient_show(tmp_path)
    storage = LocalStorage(out)
    publish_episode(load_show(show_file), make_newsletter("The old one"),
                    make_mastered(_old_mp3(tmp_path), tmp_path / "old"), storage, BASE_URL, OLD)  # fmt: skip
    with fake_runpod(FakeRunPod(output=speech_output)) as runpod:
        env = prefect_server.env | {
            "CASTWRIGHT_TTS_URL": runpod.base_url, "RUNPOD_API_KEY": "rp-test-key",
            "CASTWRIGHT_PUBLIC_BASE_URL": BASE_URL,
        }  # fmt: skip
        commands = []
        for name, day in (("alpha", 16), ("beta", 23)):
            issue, script = _issue(tmp_path, name, day)
            commands.append(["run", str(issue), "--script", str(script)])
        commands.append(["episodes", "remove", OLD])
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "castwright.cli",
                    *cmd,
                    "--show",
                    str(show_file),
                    "--out",
                    str(out),
                ],
                env=env | {"CASTWRIGHT_WORK_DIR": str(tmp_path / f"work{i}")},
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for i, cmd in enumerate(commands)
        ]
        results = [proc.communicate(timeout=900) for proc in procs]
    for proc, (_stdout, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr
    assert {e.slug for e in list_episodes(storage)} == {
        "2026-11-23-issue-beta", "2026-11-16-issue-alpha",
    }  # fmt: skip
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 2
    for entry in feed.entries:
        enclosure = entry.enclosures[0]
        path = out / enclosure.href.removeprefix(BASE_URL)
        assert path.is_file() and path.stat().st_size == int(enclosure.length), enclosure.href
    catalog = json.loads((out / "catalog.json").read_text())
    recorded = {k for ep in catalog["episodes"] for k in
                (ep["audio_key"], ep["transcript_vtt_key"], ep["transcript_srt_key"], ep["chapters_key"]) if k}  # fmt: skip
    assert all((out / key).is_file() for key in recorded)
    assert not list((out / "episodes").glob(f"{OLD}/*"))  # the removed episode's files are gone


def _old_mp3(folder: Path) -> Path:
    path = folder / "old.mp3"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", "-b:a", "192k", str(path)],
                   check=True, timeout=60, env=os.environ)  # fmt: skip
    return path
