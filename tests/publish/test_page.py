"""The show page: escaped, JavaScript-free, and rendered for real in headless Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import lxml.html

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from tasks.publish.artwork import image_size
from tasks.publish.page import parse_vtt
from tasks.publish.stage import publish_episode
from tests.publish.conftest import (
    BASE_URL,
    CUES,
    ffmpeg,
    make_mastered,
    make_newsletter,
    make_show,
    need_tool,
    vtt,
)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = need_tool("chromium", "chromium")
    profile = tmp_path / "chromium-profile"
    cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=True)


def dark_pixel_share(png: Path, tmp_path: Path) -> float:
    """Share of pixels darker than light grey, decoded by ffmpeg to 8-bit grey."""
    raw = tmp_path / "shot.gray"
    ffmpeg("-i", str(png), "-f", "rawvideo", "-pix_fmt", "gray", str(raw))
    data = raw.read_bytes()
    return sum(1 for b in data if b < 180) / len(data)


def test_parse_vtt_reads_voices_times_and_entities() -> None:
    cues = parse_vtt(vtt(CUES))
    assert [(c.speaker, c.text, c.start_s, c.end_s) for c in cues] == [
        (c.speaker, c.text, c.start_s, c.end_s) for c in CUES
    ]
    srt_like = "1\n00:01:02,500 --> 00:01:04,000\nplain line\nsecond line\n"
    (cue,) = parse_vtt(srt_like)
    assert (cue.speaker, cue.text, cue.start_s) == ("", "plain line second line", 62.5)
    assert parse_vtt("WEBVTT\n\nNOTE nothing here\n") == []
    closed = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v Ada &amp; Co>Hi &lt;3</v>\n"
    (cue,) = parse_vtt(closed)
    assert (cue.speaker, cue.text, cue.end_s) == ("Ada & Co", "Hi <3", 2.0)


def test_markup_in_titles_is_escaped_on_the_page(
    cover: Path, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    show = make_show(cover, title=f"Show {evil}", description=f'About "{evil}')
    newsletter = make_newsletter(title=f"Issue {evil}", tag=evil)
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "w")
    publish_episode(show, newsletter, mastered, storage, BASE_URL, "evil")
    page = (storage.get_bytes("index.html") or b"").decode()
    assert "<script" not in page and "<img src=x" not in page
    assert "javascript:" not in page
    doc = lxml.html.fromstring(page)
    assert [img.get("src") for img in doc.iter("img")] == [
        BASE_URL + next(iter(storage.list("artwork/")))
    ]
    assert doc.findtext(".//h1") == f"Show {evil}"
    assert doc.findtext(".//article/h2") == f"Issue {evil}"
    assert doc.find(".//meta[@name='description']").get("content") == f'About "{evil}'


def test_control_characters_never_reach_the_page(
    cover: Path, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    show = make_show(cover, description="About\x1b[31m red\u202e and \x07bells")
    newsletter = make_newsletter(title="Issue\x00 \x08one\x9b", tag="\x1b]8;;x\x07")
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "w")
    publish_episode(show, newsletter, mastered, storage, BASE_URL, "controls")
    page = (storage.get_bytes("index.html") or b"").decode()
    assert not [c for c in page if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert "\u202e" not in page and "Issue one" in page and "About[31m red and bells" in page


def test_show_page_renders_in_headless_chromium(
    show: ShowConfig, make_mp3: Callable[..., Path], http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base_url = http_root
    storage = LocalStorage(root)
    mp3 = make_mp3(3.0, 440)
    result = publish_episode(
        show,
        make_newsletter(),
        make_mastered(mp3, tmp_path / "w"),
        storage,
        base_url,
        "2026-11-16-the-weekly-signal",
    )
    page_url = base_url + "index.html"

    shot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page_url)
    assert image_size(shot.read_bytes()) == ("png", 1280, 1600)
    assert dark_pixel_share(shot, tmp_path) > 0.01, "the screenshot is blank"

    dom = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", page_url).stdout)
    (audio,) = dom.iter("audio")
    assert audio.get("controls") is not None and audio.get("src") == result.episode_url
    assert not list(dom.iter("script"))
    transcript = dom.find(".//details").text_content()
    assert "Welcome to The Weekly Signal." in transcript
    assert "Chips & chatbots <today>." in transcript
    assert "Ada:" in transcript and "Marvin:" in transcript
    chapters = [li.text_content() for li in dom.find(".//ol[@class='chapters']")]
    assert chapters == ["0:00Chips", "0:02Chatbots"]
    assert dom.find(".//a[@class='subscribe']").get("href") == base_url + "feed.xml"
    notes = [a.get("href") for a in dom.iter("a")]
    assert "https://papers.example.org/bots" in notes
