"""What travels with the mastered MP3: ID3v2 tags and chapters, transcripts, JSON chapters.

Times are seconds (floats) in the models and milliseconds in ID3 CHAP frames. Transcripts are
built from the known clip timings, so there is no speech recognition here.
"""

from __future__ import annotations

import json
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TIT3,
    TLAN,
    TPE1,
    CTOCFlags,
    ID3NoHeaderError,
)

from castwright.core.errors import AudioError
from castwright.core.models import Chapter, Cue, EpisodeTags

_IMAGE_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
#: BCP-47 primary subtag -> ISO 639-2 code, what ID3 COMM and TLAN frames hold
ISO_639_2 = {"en": "eng", "pt": "por", "es": "spa", "fr": "fra", "de": "deu", "it": "ita"}


def id3_language(language: str) -> str:
    """'pt-BR' -> 'por'; an unknown language is 'und' (undetermined), as ISO 639-2 allows."""
    return ISO_639_2.get(language.split("-")[0].lower(), "und")


def _cover_frame(cover: Path) -> APIC:
    mime = _IMAGE_MIME.get(cover.suffix.lower())
    if mime is None:
        raise AudioError(f"cover {cover}: use a .jpg or .png image (what podcast apps accept)")
    if not cover.is_file():
        raise AudioError(f"cover {cover} not found; fix `cover:` in the show file")
    return APIC(encoding=3, mime=mime, type=3, desc="Cover", data=cover.read_bytes())


def _chapter_ids(chapters: list[Chapter]) -> list[str]:
    """Element ids `chp000`, `chp001`, ... padded so that every CHAP frame has the same size.

    mutagen writes frames of one kind smallest first, then by id; ffprobe (and some players)
    list chapters in file order, so equal sizes keep the file in chapter order.
    """
    sizes = [len(c.title.encode("utf-8")) for c in chapters]
    return [f"chp{i:03d}" + "-" * (max(sizes) - size) for i, size in enumerate(sizes)]


def _chapter_frames(chapters: list[Chapter]) -> list[CHAP | CTOC]:
    ids = _chapter_ids(chapters)
    frames: list[CHAP | CTOC] = [
        CHAP(element_id=cid, start_time=round(c.start_s * 1000), end_time=round(c.end_s * 1000),
             sub_frames=[TIT2(encoding=3, text=[c.title])])
        for cid, c in zip(ids, chapters, strict=True)
    ]  # fmt: skip
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    toc = CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=[])
    return [toc, *frames]


def write_id3(mp3: Path, tags: EpisodeTags, chapters: list[Chapter]) -> None:
    """Write ID3v2.4 tags, the cover (APIC type 3) and CHAP/CTOC chapters into `mp3`."""
    try:
        id3 = ID3(mp3)
    except ID3NoHeaderError:
        id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TPE1(encoding=3, text=[tags.artist]))
    id3.add(TALB(encoding=3, text=[tags.album]))
    id3.add(TDRC(encoding=3, text=[tags.date.isoformat()]))
    id3.add(TCON(encoding=3, text=["Podcast"]))
    lang = id3_language(tags.language)
    id3.add(TLAN(encoding=3, text=[lang]))
    if tags.description:
        id3.add(COMM(encoding=3, lang=lang, desc="", text=[tags.description]))
        id3.add(TIT3(encoding=3, text=[tags.description]))
    if tags.cover is not None:
        id3.add(_cover_frame(tags.cover))
    if chapters:
        for frame in _chapter_frames(chapters):
            id3.add(frame)
    id3.save(mp3, v2_version=4)


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _one_line(text: str) -> str:
    """Cue text on one line: a line break (or a blank line) in a turn would start a new cue."""
    return " ".join(text.split())


def _vtt_escape(text: str) -> str:
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _srt_escape(text: str) -> str:
    """SubRip has no escapes: one line, no '-->' timing arrow, no markup players would render."""
    return _one_line(text).replace("-->", "->").replace("<", "‹").replace(">", "›")


def webvtt(cues: list[Cue]) -> str:
    """WebVTT with one cue per turn and the host in a `<v Speaker>` voice span."""
    blocks = ["WEBVTT"]
    for i, cue in enumerate(cues, 1):
        span = f"{_clock(cue.start_s, '.')} --> {_clock(cue.end_s, '.')}"
        blocks.append(f"{i}\n{span}\n<v {_vtt_escape(cue.speaker)}>{_vtt_escape(cue.text)}</v>")
    return "\n\n".join(blocks) + "\n"


def srt(cues: list[Cue]) -> str:
    """SubRip with the host's name as a prefix of each cue."""
    blocks = []
    for i, cue in enumerate(cues, 1):
        span = f"{_clock(cue.start_s, ',')} --> {_clock(cue.end_s, ',')}"
        blocks.append(f"{i}\n{span}\n{cue.speaker}: {_srt_escape(cue.text)}")
    return "\n\n".join(blocks) + "\n"


def chapters_json(chapters: list[Chapter]) -> str:
    """Podcasting 2.0 JSON chapters (https://podcasting2.org, version 1.2.0)."""
    items = [{"startTime": round(c.start_s, 3), "title": c.title} for c in chapters]
    return json.dumps({"version": "1.2.0", "chapters": items}, ensure_ascii=False, indent=1) + "\n"
