"""The show page (index.html): every episode with a player, show notes, chapters and transcript.

Plain HTML and CSS from a Jinja template in templates/ with autoescaping on; no JavaScript.
Transcripts are read back from the published WebVTT files, so the page can be rebuilt from the
catalog and storage alone.
"""

from __future__ import annotations

import html
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from castwright.clients.storage import Storage, public_url
from castwright.core.config import ShowConfig
from castwright.core.models import Cue
from castwright.core.paths import PROJECT_ROOT
from castwright.core.text import strip_controls
from tasks.publish.catalog import Catalog, EpisodeRecord, NoteSection
from tasks.publish.feed import FEED_KEY

TEMPLATES_DIR = PROJECT_ROOT / "templates"
PAGE_TEMPLATE = "index.html.j2"
_STAMP = r"((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
_TIMING = re.compile(rf"^\s*{_STAMP}\s+-->\s+{_STAMP}")
_VOICE = re.compile(r"^<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")


class ChapterView(BaseModel):
    start: str
    title: str


class CueView(BaseModel):
    start: str
    speaker: str
    text: str


class EpisodeView(BaseModel):
    slug: str
    number: int
    title: str
    date: str
    duration: str
    audio_url: str
    notes: list[NoteSection]
    chapters: list[ChapterView]
    cues: list[CueView]
    transcript_links: dict[str, str]


def clock(seconds: float) -> str:
    total = round(seconds)
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))


def parse_vtt(text: str) -> list[Cue]:
    """Cues of a WebVTT (or SRT) transcript; a `<v Speaker>` voice tag gives the speaker."""
    cues: list[Cue] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.strip()):
        lines = block.splitlines()
        at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if at is None:
            continue
        timing = _TIMING.match(lines[at])
        body = " ".join(line.strip() for line in lines[at + 1 :] if line.strip())
        voice = _VOICE.match(body)
        words = html.unescape(_TAG.sub("", body)).strip()
        if timing and words:
            speaker = html.unescape(voice.group(1)).strip() if voice else ""
            start, end = _seconds(timing.group(1)), _seconds(timing.group(2))
            cues.append(Cue(speaker=speaker, text=words, start_s=start, end_s=end))
    return cues


def _cues(storage: Storage, ep: EpisodeRecord) -> list[CueView]:
    raw = storage.get_bytes(ep.transcript_vtt_key) if ep.transcript_vtt_key else None
    if raw is None and ep.transcript_srt_key:
        raw = storage.get_bytes(ep.transcript_srt_key)
    cues = parse_vtt(raw.decode("utf-8", errors="replace")) if raw else []
    return [CueView(start=clock(c.start_s), speaker=c.speaker, text=c.text) for c in cues]


def episode_view(ep: EpisodeRecord, storage: Storage, base_url: str) -> EpisodeView:
    transcripts = {"WebVTT": ep.transcript_vtt_key, "SRT": ep.transcript_srt_key}
    return EpisodeView(
        slug=ep.slug, number=ep.number, title=ep.title, date=ep.pub_date.date().isoformat(),
        duration=clock(ep.duration_s), audio_url=public_url(base_url, ep.audio_key),
        notes=ep.notes, cues=_cues(storage, ep),
        chapters=[ChapterView(start=clock(c.start_s), title=c.title) for c in ep.chapters],
        transcript_links={k: public_url(base_url, v) for k, v in transcripts.items() if v},
    )  # fmt: skip


def render_page(
    show: ShowConfig, catalog: Catalog, storage: Storage, base_url: str, cover_key: str
) -> bytes:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "html.j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=strip_controls,  # no control character from any field reaches the page
    )
    page = env.get_template(PAGE_TEMPLATE).render(
        show=show,
        cover_url=public_url(base_url, cover_key),
        feed_url=public_url(base_url, FEED_KEY),
        episodes=[episode_view(ep, storage, base_url) for ep in catalog.newest_first()],
    )
    return page.encode("utf-8")
