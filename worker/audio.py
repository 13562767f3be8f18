"""Small numpy audio helpers: mono, resampling, levels, encoding."""

from __future__ import annotations

import base64
import io

import numpy as np
import soundfile as sf

FloatArray = np.ndarray
_EPS = 1e-12


def to_mono(samples: FloatArray) -> FloatArray:
    """float32 mono from (frames,) or (frames, channels) audio."""
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if audio.ndim != 1:
        raise ValueError(f"audio must be 1-D or (frames, channels), got shape {audio.shape}")
    return np.ascontiguousarray(audio, dtype=np.float32)


def resample(samples: FloatArray, sr_in: int, sr_out: int) -> FloatArray:
    """Band-limited resampling through the FFT (exact for the clip lengths used here)."""
    if sr_in == sr_out or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    n_out = max(1, round(samples.size * sr_out / sr_in))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    n_bins = n_out // 2 + 1
    if n_bins <= spectrum.size:
        spectrum = spectrum[:n_bins]
    else:
        spectrum = np.pad(spectrum, (0, n_bins - spectrum.size))
    out = np.fft.irfft(spectrum, n=n_out) * (n_out / samples.size)
    return out.astype(np.float32)


def rms(samples: FloatArray) -> float:
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def to_dbfs(value: float) -> float:
    return float(20.0 * np.log10(max(value, _EPS)))


def frame_rms(samples: FloatArray, sr: int, frame_ms: float = 10.0) -> FloatArray:
    """RMS of consecutive non-overlapping frames (the last partial frame is dropped)."""
    size = max(1, int(sr * frame_ms / 1000))
    n_frames = samples.size // size
    if n_frames == 0:
        return np.zeros(0, dtype=np.float64)
    frames = samples[: n_frames * size].astype(np.float64).reshape(n_frames, size)
    return np.sqrt(np.mean(frames**2, axis=1))


def duration_s(samples: FloatArray, sr: int) -> float:
    return samples.size / sr if sr > 0 else 0.0


def encode_audio(samples: FloatArray, sr: int, audio_format: str) -> bytes:
    """16-bit WAV or FLAC bytes."""
    buffer = io.BytesIO()
    clipped = np.clip(samples, -1.0, 1.0)
    sf.write(buffer, clipped, sr, format=audio_format.upper(), subtype="PCM_16")
    return buffer.getvalue()


def encode_base64(samples: FloatArray, sr: int, audio_format: str) -> str:
    return base64.b64encode(encode_audio(samples, sr, audio_format)).decode("ascii")


def decode_audio_bytes(data: bytes) -> tuple[FloatArray, int]:
    """Read WAV/FLAC/OGG bytes into float32 (frames,) or (frames, channels) and its rate."""
    samples, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=False)
    return np.asarray(samples, dtype=np.float32), int(sr)


def join_with_gaps(pieces: list[FloatArray], sr: int, gap_s: float) -> FloatArray:
    """Concatenate clips with `gap_s` of silence between them."""
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    gap = np.zeros(int(sr * gap_s), dtype=np.float32)
    out: list[FloatArray] = []
    for index, piece in enumerate(pieces):
        if index:
            out.append(gap)
        out.append(piece.astype(np.float32, copy=False))
    return np.concatenate(out)
