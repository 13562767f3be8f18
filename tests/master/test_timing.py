"""Timing, checked against turns the test locates itself in the decoded MP3."""

from __future__ import annotations

import json
import re

import numpy as np
import soundfile as sf

from tasks.master.stage import SHORT_REACTION_PAUSE
from tests.master.conftest import FRAME_S, TITLES, Mastered, turns_in

_SPAN = re.compile(r"^(\d\d):(\d\d):(\d\d)[.,](\d{3}) --> ", re.M)


def _starts(text: str) -> list[float]:
    return [
        int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in _SPAN.findall(text)
    ]


def test_one_located_turn_per_clip(mastered: Mastered) -> None:
    assert len(mastered.turns) == len(mastered.clips)


def test_vtt_cues_start_at_their_turns(mastered: Mastered) -> None:
    assert mastered.result.transcript_vtt is not None
    text = mastered.result.transcript_vtt.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    voices = re.findall(r"^<v ([^>]+)>(.*)</v>$", text, re.M)
    assert voices == [(c.speaker, c.text) for c in mastered.clips]
    for start, (onset, _) in zip(_starts(text), mastered.turns, strict=True):
        assert abs(start - onset) <= 0.1


def test_srt_cues_start_at_their_turns(mastered: Mastered) -> None:
    assert mastered.result.transcript_srt is not None
    text = mastered.result.transcript_srt.read_text(encoding="utf-8")
    lines = re.findall(r"^(\w+): (.*)$", text, re.M)
    assert lines == [(c.speaker, c.text) for c in mastered.clips]
    for start, (onset, _) in zip(_starts(text), mastered.turns, strict=True):
        assert abs(start - onset) <= 0.1


def test_json_chapters_follow_podcasting_2_0(mastered: Mastered) -> None:
    assert mastered.result.chapters_json is not None
    data = json.loads(mastered.result.chapters_json.read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    assert [c["title"] for c in data["chapters"]] == list(TITLES.values())
    model = [c.start_s for c in mastered.result.chapters]
    assert [c["startTime"] for c in data["chapters"]] == [round(s, 3) for s in model]


def test_pauses_never_exceed_the_configured_maximum(mastered: Mastered) -> None:
    audio, clips, turns = mastered.audio, mastered.clips, mastered.turns
    for i in range(1, len(clips)):
        gap_ms = (turns[i][0] - turns[i - 1][1]) * 1000
        if clips[i].section != clips[i - 1].section:
            expected = float(audio.section_pause_ms)
        elif len(clips[i].text.split()) <= 4:
            expected = audio.pause_ms * SHORT_REACTION_PAUSE
        else:
            expected = float(audio.pause_ms)
        limit = audio.section_pause_ms if expected == audio.section_pause_ms else audio.pause_ms
        assert gap_ms <= limit + 2 * FRAME_S * 1000  # the test's own frame grid
        assert abs(gap_ms - expected) <= 25


def test_first_syllables_are_not_cut(mastered: Mastered) -> None:
    window = int(0.02 * 44100)
    for clip, (start, end) in zip(mastered.clips, mastered.turns, strict=True):
        source, rate = sf.read(clip.path, dtype="float32")
        ((s0, s1),) = turns_in(source, rate)  # the clip's own sound, located the same way
        assert abs((end - start) - (s1 - s0)) <= 0.015
        head = source[int(s0 * rate) : int(s0 * rate) + int(0.02 * rate)]
        out = mastered.decoded[int(start * 44100) :]
        out_head, out_all = out[:window], out[: int((end - start) * 44100)]
        src_all = source[int(s0 * rate) : int(s1 * rate)]
        src_ratio = np.mean(head**2) / np.mean(src_all**2)
        out_ratio = np.mean(out_head**2) / np.mean(out_all**2)
        assert abs(10 * np.log10(out_ratio / src_ratio)) <= 3.0, clip.turn_id
