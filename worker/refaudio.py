"""Reference clip preparation for voice cloning (pure numpy).

A cloning reference must start with at least 300 ms of silence, or every generation clips its
first syllable (seed experience with Qwen3-TTS). `prepare_reference` fixes what it safely can
(channels, rate, leading silence, trailing silence) and reports each fix; what it cannot fix
(too short, too long, silent) raises ReferenceAudioError with the measured values.
"""

from __future__ import annotations

import numpy as np

from worker.audio import FloatArray, frame_rms, resample, to_dbfs, to_mono
from worker.errors import ReferenceAudioError

TARGET_SR = 24_000
MIN_LEADING_SILENCE_MS = 300
TRAILING_TAIL_MS = 100
MIN_SPEECH_S = 3.0
MAX_TOTAL_S = 30.0
#: what a header may declare before anything is decoded (trimming happens after decoding)
MAX_HEADER_S = 2 * MAX_TOTAL_S
MAX_CHANNELS = 8
RATE_RANGE = (8_000, 192_000)
FRAME_MS = 10.0
#: a frame is silent below this level relative to the loudest frame ...
SILENCE_REL_DB = -40.0
#: ... or below this absolute level, whichever is higher
SILENCE_FLOOR_DBFS = -60.0


def _voiced_frames(samples: FloatArray, sr: int) -> np.ndarray:
    levels = frame_rms(samples, sr, FRAME_MS)
    if levels.size == 0:
        return np.zeros(0, dtype=bool)
    threshold = max(levels.max() * 10 ** (SILENCE_REL_DB / 20), 10 ** (SILENCE_FLOOR_DBFS / 20))
    return levels > threshold


def leading_silence_ms(samples: FloatArray, sr: int) -> float:
    """Milliseconds of silence before the first sound (the whole length if all silent)."""
    audio = to_mono(samples)
    voiced = _voiced_frames(audio, sr)
    if not voiced.any():
        return 1000.0 * audio.size / sr
    return float(np.argmax(voiced)) * FRAME_MS


def trailing_silence_ms(samples: FloatArray, sr: int) -> float:
    """Milliseconds of silence after the last sound (the whole length if all silent)."""
    audio = to_mono(samples)
    voiced = _voiced_frames(audio, sr)
    if not voiced.any():
        return 1000.0 * audio.size / sr
    last = voiced.size - 1 - int(np.argmax(voiced[::-1]))
    return 1000.0 * audio.size / sr - (last + 1) * FRAME_MS


def pad_leading(samples: FloatArray, sr: int, pad_ms: float) -> FloatArray:
    pad = np.zeros(round(sr * pad_ms / 1000), dtype=np.float32)
    return np.concatenate([pad, samples.astype(np.float32, copy=False)])


def trim_trailing(samples: FloatArray, sr: int, keep_ms: float = TRAILING_TAIL_MS) -> FloatArray:
    """Cut trailing silence, keeping `keep_ms` after the last sound for natural decay."""
    excess_ms = trailing_silence_ms(samples, sr) - keep_ms
    if excess_ms <= 0:
        return samples
    cut = round(sr * excess_ms / 1000)
    return samples[: samples.size - cut]


def check_header(sample_rate: int, channels: int, frames: int) -> None:
    """Refuse, from the header alone, a clip too long or too odd to decode safely."""
    if not RATE_RANGE[0] <= sample_rate <= RATE_RANGE[1]:
        raise ReferenceAudioError(
            f"reference_audio: sample rate {sample_rate} Hz; use {RATE_RANGE[0]}-{RATE_RANGE[1]} Hz"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise ReferenceAudioError(f"reference_audio: {channels} channels; use mono or stereo")
    if frames / sample_rate > MAX_HEADER_S:
        raise ReferenceAudioError(
            f"reference_audio: {frames / sample_rate:.0f} s long; the limit is "
            f"{MAX_TOTAL_S:.0f} s (cut it to one or two sentences)"
        )


def _check_bounds(samples: FloatArray, sr: int, lead_ms: float) -> None:
    total_s = samples.size / sr
    speech_s = total_s - lead_ms / 1000
    if speech_s < MIN_SPEECH_S:
        raise ReferenceAudioError(
            f"reference_audio: {speech_s:.1f} s of speech after the leading silence; "
            f"needs at least {MIN_SPEECH_S:.0f} s (use a 3-30 s clip of clean speech)"
        )
    if total_s > MAX_TOTAL_S:
        raise ReferenceAudioError(
            f"reference_audio: {total_s:.1f} s long after trimming; the limit is "
            f"{MAX_TOTAL_S:.0f} s (cut it to one or two sentences)"
        )


def prepare_reference(
    samples: FloatArray, sr: int, target_sr: int = TARGET_SR
) -> tuple[FloatArray, int, list[str]]:
    """Return (mono float32 at target_sr, target_sr, fixes applied); raise ReferenceAudioError."""
    fixes: list[str] = []
    raw = np.asarray(samples)
    if raw.ndim == 2 and raw.shape[1] > 1:
        fixes.append(f"downmixed {raw.shape[1]} channels to mono")
    audio = to_mono(raw)
    if not np.isfinite(audio).all():
        raise ReferenceAudioError("reference_audio: contains NaN or infinite samples")
    if sr != target_sr:
        audio = resample(audio, sr, target_sr)
        fixes.append(f"resampled {sr} Hz to {target_sr} Hz")
    if not _voiced_frames(audio, target_sr).any():
        peak = to_dbfs(float(np.abs(audio).max(initial=0.0)))
        raise ReferenceAudioError(f"reference_audio: no sound found (peak {peak:.0f} dBFS)")
    lead_ms = leading_silence_ms(audio, target_sr)
    if lead_ms < MIN_LEADING_SILENCE_MS:
        audio = pad_leading(audio, target_sr, MIN_LEADING_SILENCE_MS - lead_ms)
        fixes.append(
            f"added {MIN_LEADING_SILENCE_MS - lead_ms:.0f} ms of leading silence "
            f"(had {lead_ms:.0f} ms, needs {MIN_LEADING_SILENCE_MS} ms)"
        )
        lead_ms = float(MIN_LEADING_SILENCE_MS)
    before = audio.size
    audio = trim_trailing(audio, target_sr)
    if audio.size < before:
        fixes.append(
            f"trimmed {1000 * (before - audio.size) / target_sr:.0f} ms of trailing silence"
        )
    _check_bounds(audio, target_sr, lead_ms)
    return audio, target_sr, fixes
