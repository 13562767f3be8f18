"""The numpy building blocks against independent references (ffmpeg's meter, exact maths)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from castwright.core.config import AudioSettings
from castwright.core.models import Chapter, Cue
from tasks.master.dsp import block_energy, block_size, to_working, true_peak_blocks
from tasks.master.loudness import gain_curve, gated_loudness, limiter_gain
from tasks.master.stage import pause_blocks
from tasks.master.tags import chapters_json, srt, webvtt
from tests.master.conftest import ebur128, make_clips, write_wav
from tests.master.synth import speech_like


@pytest.mark.parametrize("rate", [22050, 24000, 48000])
def test_numpy_meter_agrees_with_ffmpeg(rate: int, tmp_path: Path) -> None:
    x = speech_like(rate, 5.0, 150.0, -24.0, seed=rate)
    reference = ebur128(write_wav(tmp_path / "x.wav", x, rate))
    y, weighted = to_working(x, rate, 44100)
    block = block_size(44100)
    n = len(y) // block * block
    assert gated_loudness(block_energy(weighted[:n], block), block) == pytest.approx(
        reference["I"], abs=0.1
    )
    true_peak = 20 * np.log10(true_peak_blocks(y[:n], block).max())
    assert true_peak == pytest.approx(reference["TP"], abs=0.2)


def test_resampling_keeps_time_and_pitch() -> None:
    x = np.zeros(24000, np.float32)
    x[12000] = 1.0
    y, _ = to_working(x, 24000, 44100)
    assert len(y) == 44100 and int(np.argmax(y)) == 22050  # 0.5 s stays at 0.5 s
    tone = np.sin(2 * np.pi * 1000 * np.arange(22050) / 22050).astype(np.float32)
    y, _ = to_working(tone, 22050, 44100)
    assert np.argmax(np.abs(np.fft.rfft(y))) * 44100 / len(y) == pytest.approx(1000, abs=1)


def test_limiter_holds_every_ramped_sample_under_the_ceiling() -> None:
    rng = np.random.default_rng(3)
    peak = np.full(5000, 0.1)
    spikes = rng.choice(5000, 40, replace=False)
    peak[spikes] = rng.uniform(0.5, 4.0, 40)
    gains = limiter_gain(peak, ceiling=0.5)
    block = 8
    per_sample = gain_curve(gains, block).reshape(-1, block)
    assert np.all(per_sample.max(axis=1) * peak <= 0.5 + 1e-6)
    assert np.all(gains <= 1.0) and np.median(gains) == pytest.approx(1.0)  # only spikes cut


def test_pauses_follow_the_settings(tmp_path: Path) -> None:
    a, b, c, d = make_clips(
        tmp_path, [("Ada", "x", 9), ("Ben", "x", 3), ("Ada", "x", 8), ("Ben", "y", 9)]
    )
    audio = AudioSettings(pause_ms=400, section_pause_ms=1000)
    assert pause_blocks(a, c, audio) == 120  # 400 ms in 1/300 s blocks
    assert pause_blocks(a, b, audio) == 72  # a reaction of <= 4 words: 60%
    assert pause_blocks(c, d, audio) == 300  # a new section
    assert pause_blocks(a, c, AudioSettings(pause_ms=351)) == 105  # rounded down, never up


def test_a_multi_line_turn_cannot_inject_cues() -> None:
    evil = "Hi.\n\n2\n00:00:09,000 --> 00:00:10,000\n<font color=red>Injected</font>"
    cues = [Cue(speaker="Ada", text=evil, start_s=0.0, end_s=2.0)]
    for text, arrow in ((srt(cues), ","), (webvtt(cues), ".")):
        blocks = text.strip().split("\n\n")
        assert len(blocks) == 1 + text.startswith("WEBVTT"), text
        assert text.count(f"00:00:00{arrow}000 --> ") == 1 and text.count("-->") == 1
        assert "<font" not in text and "Injected" in text


def test_transcript_formats() -> None:
    cues = [Cue(speaker="Ada", text="Fish & <chips>", start_s=0.04, end_s=3661.5)]
    assert (
        webvtt(cues)
        == "WEBVTT\n\n1\n00:00:00.040 --> 01:01:01.500\n<v Ada>Fish &amp; &lt;chips&gt;</v>\n"
    )
    assert srt(cues) == "1\n00:00:00,040 --> 01:01:01,500\nAda: Fish & ‹chips›\n"
    chapters = [Chapter(title="Über", start_s=1.23456, end_s=9.0)]
    assert chapters_json(chapters) == (
        '{\n "version": "1.2.0",\n "chapters": [\n  {\n   "startTime": 1.235,\n'
        '   "title": "Über"\n  }\n ]\n}\n'
    )
