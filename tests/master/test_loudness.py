"""Loudness, checked with the test's own ffmpeg ebur128 run on the finished MP3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from castwright.core.config import AudioSettings
from castwright.core.store import Store
from tasks.master.stage import master_episode
from tests.master.conftest import (
    TITLES,
    Mastered,
    decode,
    ebur128,
    ffprobe,
    make_clips,
    tags,
    write_wav,
)


def test_mp3_reaches_target_under_true_peak_limit(mastered: Mastered) -> None:
    got = ebur128(mastered.result.mp3)
    assert abs(got["I"] - mastered.audio.target_lufs) <= 0.5
    assert got["TP"] <= mastered.audio.true_peak_dbtp
    assert mastered.result.integrated_lufs == pytest.approx(got["I"], abs=0.1)
    assert mastered.result.true_peak_dbtp == pytest.approx(got["TP"], abs=0.1)
    assert mastered.result.lra == pytest.approx(got["LRA"], abs=0.2)


def test_hosts_arrive_10_db_apart(mastered: Mastered) -> None:
    ada = next(c for c in mastered.clips if c.speaker == "Ada")
    ben = next(c for c in mastered.clips if c.speaker == "Ben" and len(c.text.split()) > 4)
    assert ebur128(ada.path)["I"] - ebur128(ben.path)["I"] == pytest.approx(10, abs=1.5)


def test_hosts_are_level_matched_in_the_mp3(mastered: Mastered, tmp_path: Path) -> None:
    assert len(mastered.turns) == len(mastered.clips)
    loudness = {}
    for host in ("Ada", "Ben"):
        parts = [
            mastered.decoded[int(start * 44100) : int(end * 44100)]
            for clip, (start, end) in zip(mastered.clips, mastered.turns, strict=True)
            if clip.speaker == host
        ]
        loudness[host] = ebur128(write_wav(tmp_path / f"{host}.wav", np.concatenate(parts)))["I"]
    assert abs(loudness["Ada"] - loudness["Ben"]) <= 1.0


def test_other_rate_and_targets(tmp_path: Path) -> None:
    plan = [("Ada", "news", 8), ("Ben", "news", 7), ("Ada", "mail", 6)]
    audio = AudioSettings(
        sample_rate=48000, target_lufs=-16.0, true_peak_dbtp=-2.0, bitrate_kbps=128
    )
    result = master_episode(
        make_clips(tmp_path / "c", plan),
        TITLES,
        tags(None),
        audio,
        tmp_path,
        "e",
        store=Store(tmp_path / "store"),
    )
    stream = ffprobe(result.mp3)["streams"][0]
    assert (stream["sample_rate"], stream["bit_rate"]) == ("48000", "128000")
    got = ebur128(result.mp3)
    assert abs(got["I"] + 16.0) <= 0.5
    assert got["TP"] <= -2.0


def _band_db(x: np.ndarray, start_s: float, end_s: float, lo_hz: float, hi_hz: float) -> float:
    seg = x[int(start_s * 44100) : int(end_s * 44100)].astype(np.float64)
    power = np.abs(np.fft.rfft(seg * np.hanning(len(seg))) / len(seg)) ** 2  # tone power
    freqs = np.fft.rfftfreq(len(seg), 1 / 44100)
    return float(10 * np.log10(power[(freqs >= lo_hz) & (freqs < hi_hz)].sum() + 1e-20))


def test_music_bed_plays_alone_then_ducks_under_speech(tmp_path: Path) -> None:
    rate = 48000  # the bed is resampled too; its tones sit above the synthetic voices' band
    t = np.arange(12 * rate) / rate
    tones = 0.2 * (np.sin(2 * np.pi * 7000 * t) + np.sin(2 * np.pi * 7500 * t))
    music = write_wav(tmp_path / "bed.wav", np.stack([tones, tones], axis=1), rate)
    plan = [("Ada", "news", 14), ("Ben", "news", 12), ("Ada", "mail", 14)]
    clips = make_clips(tmp_path / "c", plan)
    result = master_episode(
        clips,
        TITLES,
        tags(),
        AudioSettings(),
        tmp_path,
        "bed",
        music=music,
        store=Store(tmp_path / "store"),
    )
    got = ebur128(result.mp3)
    assert abs(got["I"] + 14.0) <= 0.5 and got["TP"] <= -1.0
    x = decode(result.mp3)
    first, last = result.cues[0], result.cues[-1]
    assert first.start_s == pytest.approx(5.04, abs=0.01)  # the intro, then the first turn
    alone = _band_db(x, 1.0, 4.0, 6800, 7700)
    ducked = _band_db(x, first.start_s + 0.5, first.start_s + 2.0, 6800, 7700)
    assert 13.0 <= alone - ducked <= 20.0  # 15 dB, plus what the limiter takes off speech peaks
    assert result.duration_s - last.end_s == pytest.approx(6.0, abs=0.05)
    outro = _band_db(x, last.end_s + 1.5, last.end_s + 2.5, 6800, 7700)
    assert outro == pytest.approx(alone, abs=1.5)
