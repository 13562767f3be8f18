"""The whole flow on the embedded defaults: llama.cpp + SmolLM2, the runpod SDK's local API
serving our worker with Piper and Kokoro, faster-whisper checks, ffmpeg mastering, feedgen feed."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from mutagen.mp3 import MP3, BitrateMode

from castwright.cli import main
from castwright.clients.local import free_port
from castwright.core.paths import DEFAULT_SHOW
from tests.flows.episode_wer import episode_wer, script_text
from tests.master.conftest import ebur128, ffprobe

NEWSLETTER = """---
title: Tiny Test Issue
date: 2026-03-02
---
## Robots learn to fold laundry
A research lab showed a robot that folds towels in under a minute.

**Ada:** Useful at last. This is the robot I would actually buy.

**Marvin:** It folds towels, not shirts. Call me when it handles a fitted sheet.
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    out = tmp_path / "public"
    out.mkdir()
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{port}/"
    server.shutdown()


@pytest.fixture
def embedded(
    served: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """The embedded defaults only: no production service configured."""
    out, base_url = served
    monkeypatch.setenv("CASTWRIGHT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CASTWRIGHT_PUBLIC_BASE_URL", base_url)
    for var in (
        "CASTWRIGHT_LLM_BASE_URL",
        "OPENAI_BASE_URL",
        "RUNPOD_ENDPOINT_ID",
        "CASTWRIGHT_TTS_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    return out, base_url


def test_embedded_episode_end_to_end(
    prefect_harness: None,
    embedded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, base_url = embedded
    issue = tmp_path / "issue.md"
    issue.write_text(NEWSLETTER)

    assert main(["run", str(issue), "--out", str(out), "--minutes", "0.5"]) == 0

    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 1
    enclosure = feed.entries[0].enclosures[0]
    assert enclosure.href.startswith(base_url) and enclosure.type == "audio/mpeg"
    audio = httpx.get(enclosure.href).content  # resolves when out/ is served as the README says
    mp3_path = next(out.rglob("*.mp3"))
    assert audio == mp3_path.read_bytes() and int(enclosure.length) == len(audio)

    mp3 = MP3(mp3_path)
    assert mp3.info.sample_rate == 44100 and mp3.info.bitrate == 192000
    assert mp3.info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    assert abs(_seconds(feed.entries[0].itunes_duration) - mp3.info.length) <= 1.0
    tags = mp3.tags
    assert tags is not None
    assert str(tags["TIT2"]) == "Tiny Test Issue"
    assert str(tags["TPE1"]) == "Ada & Marvin" and str(tags["TALB"]) == "The Weekly Signal"
    assert str(tags["TDRC"]).startswith("2026-03-02")

    loudness = ebur128(mp3_path)  # an independent meter: ffmpeg's ebur128, not our mastering code
    assert abs(loudness["I"] + 14.0) <= 0.5 and loudness["TP"] <= -1.0
    chapters = ffprobe(mp3_path)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Robots learn to fold laundry"]

    episode_dir = tmp_path / "work" / "episodes" / "2026-03-02-tiny-test-issue"
    manifest = json.loads((episode_dir / "manifest.json").read_text())
    voices = {row["speaker"]: row["voice"] for row in manifest["turns"]}
    assert voices == {"Ada": "kokoro-gongitsune", "Marvin": "joe"}
    assert all(row["score"] >= 80 for row in manifest["turns"])  # the show's min_score
    gate = manifest["script"]["gate"]  # the script that was voiced passed the quality gate
    assert gate["failures"] == [] and all(c["missing"] == [] for c in gate["coverage"])
    assert {row["status"] for row in gate["opinions"]} == {"kept"}
    assert gate["labelled_turns"] == [] and gate["repeated_sentences"] == []
    length = manifest["length"]
    assert length["target_minutes"] == 0.5 and length["measured_minutes"] > 0
    assert manifest["models"]["tts_endpoint"] == "embedded local worker"
    assert manifest["models"]["draft_model"] == "smollm2-135m-instruct"

    # The same issue again (from its saved script: no LLM call): still one episode, no new clip.
    script = episode_dir / "script.yaml"
    assert (
        main(["run", str(issue), "--out", str(out), "--script", str(script), "--minutes", "0.5"])
        == 0
    )
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 1
    manifest = json.loads((episode_dir / "manifest.json").read_text())
    assert manifest["clips_synthesized"] == 0 and manifest["script"]["from_file"] is True

    # The catalog commands see the one episode; a rebuilt feed is still valid.
    capsys.readouterr()
    assert main(["episodes", "list", "--out", str(out)]) == 0
    assert "2026-03-02-tiny-test-issue" in capsys.readouterr().out
    assert main(["feed", "rebuild", "--out", str(out)]) == 0
    assert len(feedparser.parse((out / "feed.xml").read_bytes()).entries) == 1


def _seconds(duration: str) -> float:
    parts = [float(p) for p in str(duration).split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


NEWSLETTER_PT = """---
title: Edição de Teste
date: 2026-03-09
---
## O Banco Central corta os juros
O BC cortou a taxa de juros para 10,5% ao ano, e quase 2 mil empresas pediram crédito.

**Ana:** Boa notícia. Crédito mais barato ajuda quem contrata.

**Bruno:** Não vai mudar nada para as pequenas empresas.
"""
SHOW_PT = DEFAULT_SHOW.parent / "show-pt.yaml"


def test_embedded_pt_br_episode_end_to_end(
    prefect_harness: None, embedded: tuple[Path, str], tmp_path: Path
) -> None:
    """The pt-BR example show on the embedded defaults: Portuguese dialogue, both pt-BR Kokoro
    voices, every clip checked by the multilingual Whisper, pt-BR in the feed, page and ID3."""
    out, _ = embedded
    issue = tmp_path / "edicao.md"
    issue.write_text(NEWSLETTER_PT, encoding="utf-8")
    # the one-section issue, hand-overs included, is about 0.7 min at the pt-BR voices' pace
    assert main(["run", str(issue), "--show", str(SHOW_PT), "--out", str(out),
                 "--minutes", "0.75"]) == 0  # fmt: skip

    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.language == "pt-BR" and len(feed.entries) == 1
    assert '<html lang="pt-BR">' in (out / "index.html").read_text(encoding="utf-8")
    mp3_path = next(out.rglob("*.mp3"))
    tags = MP3(mp3_path).tags
    assert tags is not None and str(tags["TLAN"]) == "por"
    assert tags.getall("COMM")[0].lang == "por"

    (episode_dir,) = (tmp_path / "work" / "episodes").iterdir()
    manifest = json.loads((episode_dir / "manifest.json").read_text())
    voices = {row["speaker"]: row["voice"] for row in manifest["turns"]}
    assert voices == {"Ana": "kokoro-pt-gongitsune", "Bruno": "kokoro-pt-kumo"}
    assert all(row["score"] >= 75 for row in manifest["turns"])  # the show's min_score
    gate = manifest["script"]["gate"]
    assert gate["failures"] == [] and {r["status"] for r in gate["opinions"]} == {"kept"}
    text = script_text(episode_dir / "script.yaml")
    assert "dez vírgula cinco por cento" in text and "duas mil empresas" in text
    assert "Banco Central" in text and "%" not in text  # spoken the Brazilian way
    wer, heard = episode_wer(mp3_path, text, "pt-BR")
    print(f"pt-BR episode WER {wer:.3f}: {heard}")
    assert wer <= 0.35, heard  # the whole episode, heard by Whisper base (README: measured)
