"""Shared pieces for publishing tests: tiny real MP3s (ffmpeg), a show, an issue, storage."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from castwright.core.models import Chapter, Cue, Link, MasteredEpisode, Newsletter, Section

BASE_URL = "http://127.0.0.1:8000/podcast/"


def need_tool(name: str, apt_package: str) -> str:
    """The tool's path; a missing tool FAILS the test (CI installs it), it never skips."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install -y {apt_package}")
    return path


def ffmpeg(*args: str) -> None:
    cmd = [need_tool("ffmpeg", "ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, check=True, timeout=60)


def probe_seconds(path: Path) -> float:
    """Duration as ffprobe measures it: an independent check on what publishing reports."""
    cmd = [need_tool("ffprobe", "ffmpeg"), "-v", "error", "-show_entries", "format=duration",
           "-of", "csv=p=0", str(path)]  # fmt: skip
    return float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_mp3(media_dir: Path) -> Callable[[float, int], Path]:
    """A real MP3 (sine tone, 192 kb/s); different seconds or hertz give different bytes."""

    @functools.cache
    def make(seconds: float = 3.0, hertz: int = 440) -> Path:
        path = media_dir / f"tone-{seconds}-{hertz}.mp3"
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={hertz}:duration={seconds}",
            "-b:a",
            "192k",
            str(path),
        )
        return path

    return make


@pytest.fixture(scope="session")
def cover(media_dir: Path) -> Path:
    path = media_dir / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=0x224466:s=1400x1400", "-frames:v", "1", str(path))
    return path


@pytest.fixture
def show(cover: Path) -> ShowConfig:
    return make_show(cover)


def make_show(cover: Path, **changes: object) -> ShowConfig:
    data: dict[str, object] = {
        "title": "The Weekly Signal",
        "description": "Two hosts read the week's newsletter to you.",
        "author": "Signal Editors",
        "owner": {"name": "Weekly Signal Editors", "email": "editors@example.com"},
        "language": "en",
        "category": "Technology",
        "explicit": False,
        "website": "https://signal.example.com/",
        "cover": cover,
        "hosts": [
            {"name": "Ada", "voice": "kokoro-alpha", "persona": "Ada leads; short sentences."},
            {"name": "Marvin", "voice": "joe", "persona": "Marvin is the skeptic of the two."},
        ],
    }
    return ShowConfig.model_validate({**data, **changes})


def make_newsletter(title: str = "Issue 42: Chips and Chatbots", tag: str = "") -> Newsletter:
    return Newsletter(
        title=title,
        sections=[
            Section(
                id="chips",
                title=f"Chips get smaller{tag}",
                body="...",
                links=[
                    Link(text="The chip story", url="https://news.example.com/chips?a=1&b=2"),
                ],
            ),
            Section(
                id="bots",
                title="Chatbots & you",
                body="...",
                links=[
                    Link(text="A paper", url="https://papers.example.org/bots"),
                    Link(text="not a web link", url="javascript:alert(1)"),
                ],
            ),
        ],
        source_sha256="0" * 64,
    )


CUES = [
    Cue(speaker="Ada", text="Welcome to The Weekly Signal.", start_s=0.0, end_s=1.5),
    Cue(speaker="Marvin", text="Chips & chatbots <today>.", start_s=1.5, end_s=3.0),
]


def vtt(cues: list[Cue]) -> str:
    def stamp(s: float) -> str:
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"

    esc = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    blocks = [
        f"{i}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n<v {c.speaker}>"
        + "".join(esc.get(ch, ch) for ch in c.text)
        for i, c in enumerate(cues, 1)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def srt(cues: list[Cue]) -> str:
    def stamp(s: float) -> str:
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}".replace(".", ",")

    return (
        "\n\n".join(
            f"{i}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n{c.speaker}: {c.text}"
            for i, c in enumerate(cues, 1)
        )
        + "\n"
    )


def make_mastered(mp3: Path, work: Path, cues: list[Cue] = CUES) -> MasteredEpisode:
    """A MasteredEpisode with transcript and chapter files next to `mp3`'s copy in `work`."""
    work.mkdir(parents=True, exist_ok=True)
    chapters = [
        Chapter(title="Chips", start_s=0.0, end_s=1.5),
        Chapter(title="Chatbots", start_s=1.5, end_s=3.0),
    ]
    (work / "episode.vtt").write_text(vtt(cues), encoding="utf-8")
    (work / "episode.srt").write_text(srt(cues), encoding="utf-8")
    chapters_doc = {
        "version": "1.2.0",
        "chapters": [{"startTime": c.start_s, "title": c.title} for c in chapters],
    }
    (work / "chapters.json").write_text(json.dumps(chapters_doc), encoding="utf-8")
    return MasteredEpisode(
        mp3=mp3,
        duration_s=3.0,
        integrated_lufs=-14.0,
        true_peak_dbtp=-1.0,
        lra=3.0,
        chapters=chapters,
        cues=cues,
        transcript_vtt=work / "episode.vtt",
        transcript_srt=work / "episode.srt",
        chapters_json=work / "chapters.json",
    )


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "public")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 at a free port: (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
