"""Reference clip preparation and reading (base64, https only, saved voices)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.worker.worker_testkit import silence, tone, wav_base64
from worker.errors import ReferenceAudioError
from worker.refaudio import leading_silence_ms, prepare_reference, trailing_silence_ms
from worker.reference import fetch_https, reference_from_request, reference_from_volume

SR = 24_000


def speechlike(seconds: float, sr: int = SR) -> np.ndarray:
    """A tone with syllable-like gaps: loud enough to count as sound, not silence."""
    t = np.arange(int(seconds * sr)) / sr
    return (tone(seconds, sr, 180.0) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def clip(lead_s: float, sound_s: float, tail_s: float, sr: int = SR) -> np.ndarray:
    return np.concatenate([silence(lead_s, sr), speechlike(sound_s, sr), silence(tail_s, sr)])


def test_leading_and_trailing_silence_are_measured() -> None:
    audio = clip(0.5, 4.0, 1.2)
    assert leading_silence_ms(audio, SR) == pytest.approx(500, abs=10)
    assert trailing_silence_ms(audio, SR) == pytest.approx(1200, abs=10)


def test_low_background_noise_still_counts_as_silence() -> None:
    noise = np.random.default_rng(0).normal(0, 0.0005, int(0.4 * SR)).astype(np.float32)
    audio = np.concatenate([noise, speechlike(4.0)])
    assert leading_silence_ms(audio, SR) == pytest.approx(400, abs=10)


def test_missing_leading_silence_is_padded_to_300_ms() -> None:
    out, sr, fixes = prepare_reference(clip(0.1, 4.0, 0.0), SR)
    assert sr == SR
    assert leading_silence_ms(out, sr) == pytest.approx(300, abs=10)
    assert any("added 200 ms of leading silence" in f for f in fixes)


def test_enough_leading_silence_is_left_alone() -> None:
    audio = clip(0.6, 4.0, 0.05)
    out, _sr, fixes = prepare_reference(audio, SR)
    assert out.size == audio.size and fixes == []


def test_trailing_silence_is_trimmed_to_a_short_tail() -> None:
    out, sr, fixes = prepare_reference(clip(0.4, 4.0, 2.0), SR)
    assert trailing_silence_ms(out, sr) == pytest.approx(100, abs=10)
    assert out.size / sr == pytest.approx(0.4 + 4.0 + 0.1, abs=0.02)
    assert any("trimmed" in f for f in fixes)


def test_stereo_at_another_rate_becomes_mono_at_24k() -> None:
    mono = clip(0.4, 4.0, 0.0, sr=44_100)
    out, sr, fixes = prepare_reference(np.stack([mono, mono], axis=1), 44_100)
    assert out.ndim == 1 and sr == SR
    assert out.size / sr == pytest.approx(mono.size / 44_100, abs=0.01)
    assert "downmixed 2 channels to mono" in fixes
    assert "resampled 44100 Hz to 24000 Hz" in fixes


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (clip(0.4, 2.0, 0.0), "needs at least 3 s"),
        (clip(0.4, 31.0, 0.0), "the limit is 30 s"),
        (silence(5.0, SR), "no sound found"),
    ],
)
def test_unfixable_clips_raise_clear_errors(audio: np.ndarray, message: str) -> None:
    with pytest.raises(ReferenceAudioError, match=message):
        prepare_reference(audio, SR)


def test_reference_from_base64_wav_is_prepared() -> None:
    ref = reference_from_request(wav_base64(clip(0.0, 4.0, 0.0, 16_000), 16_000), "Hello there.")
    assert ref.sample_rate == SR and ref.text == "Hello there."
    assert leading_silence_ms(ref.samples, SR) >= 290
    assert len(ref.key) == 16 and ref.fixes


def test_bad_base64_and_non_audio_are_named() -> None:
    with pytest.raises(ReferenceAudioError, match="reference_audio: not valid base64"):
        reference_from_request("not base64 at all!", "Hi.")
    with pytest.raises(ReferenceAudioError, match="not a readable WAV"):
        reference_from_request("aGVsbG8gd29ybGQ=", "Hi.")


def test_only_https_is_fetched() -> None:
    with pytest.raises(ReferenceAudioError, match="only https:// URLs"):
        fetch_https("http://example.com/voice.wav")
    with pytest.raises(ReferenceAudioError, match="only https:// URLs"):
        fetch_https("file:///etc/passwd")


def test_saved_voice_on_the_volume(tmp_path: Path) -> None:
    import soundfile as sf

    folder = tmp_path / "ana"
    folder.mkdir()
    sf.write(folder / "reference.wav", clip(0.5, 4.0, 0.1), SR)
    (folder / "reference.txt").write_text("Olá, eu sou a Ana.\n", encoding="utf-8")
    ref = reference_from_volume(tmp_path, "ana")
    assert ref.text == "Olá, eu sou a Ana." and ref.key == "volume:ana"
    with pytest.raises(ReferenceAudioError, match="voice: no saved voice 'bruno'"):
        reference_from_volume(tmp_path, "bruno")
    with pytest.raises(ReferenceAudioError, match="no saved voice"):
        reference_from_volume(tmp_path, "../ana")


def _encoded_base64(seconds: float, sr: int, channels: int, fmt: str = "FLAC") -> str:
    import base64
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    frames = np.zeros((int(seconds * sr), channels), dtype=np.int16)
    sf.write(buffer, frames, sr, format=fmt, subtype="PCM_16")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_a_tiny_flac_holding_an_hour_is_refused_from_its_header() -> None:
    import tracemalloc

    bomb = _encoded_base64(600.0, 48_000, 2)  # 10 minutes: ~110 KB of FLAC, 230 MB decoded
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ReferenceAudioError, match="600 s long; the limit is 30 s"):
            reference_from_request(bomb, "Hi.")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"decoded {peak / 2**20:.0f} MiB before refusing"


@pytest.mark.parametrize(
    ("seconds", "sr", "channels", "message"),
    [(4.0, 4_000, 1, "sample rate 4000 Hz"), (4.0, 16_000, 12, "12 channels")],
)
def test_odd_headers_are_refused_before_decoding(
    seconds: float, sr: int, channels: int, message: str
) -> None:
    with pytest.raises(ReferenceAudioError, match=message):
        reference_from_request(_encoded_base64(seconds, sr, channels, "WAV"), "Hi.")
