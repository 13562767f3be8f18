"""A pt-BR show is published as pt-BR: feed <language>, transcript language, page lang and labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html

from castwright.clients.storage import LocalStorage
from tasks.publish.stage import publish_episode
from tests.publish.conftest import BASE_URL, make_mastered, make_newsletter, make_show

PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def test_pt_br_feed_and_page(
    cover: Path, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    hosts = [
        {"name": "Ana", "voice": "kokoro-pt-nezumi", "persona": "Ana conduz; frases curtas."},
        {"name": "Bruno", "voice": "kokoro-pt-kumo", "persona": "Bruno é o cético da dupla."},
    ]
    show = make_show(cover, language="pt-BR", title="O Sinal", hosts=hosts)
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "w")
    publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, "pt")
    feed = storage.get_bytes("feed.xml") or b""
    assert feedparser.parse(feed).feed.language == "pt-BR"
    transcripts = lxml.etree.fromstring(feed).findall(f".//{{{PODCAST_NS}}}transcript")
    assert transcripts and {t.get("language") for t in transcripts} == {"pt-BR"}
    page = lxml.html.fromstring((storage.get_bytes("index.html") or b"").decode())
    assert page.get("lang") == "pt-BR"
    assert page.findtext(".//a[@class='subscribe']") == "Assinar (RSS)"
    assert page.findtext(".//details/summary") == "Transcrição"
    assert "Subscribe" not in lxml.html.tostring(page, encoding="unicode")
