"""Test engines, a test transcriber and signal helpers for the worker tests.

They implement the same interfaces as the real ones (worker.engines.base.Engine,
worker.scoring.Transcriber) and are passed in or registered; nothing is patched.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from worker.engines.base import SynthesisRequest
from worker.scoring import Transcription

Clip = tuple[np.ndarray, int]
REPO_ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "The weekly digest covers three new open source speech models."


def silence(seconds: float, sr: int = 16_000) -> np.ndarray:
    return np.zeros(int(seconds * sr), dtype=np.float32)


def white_noise(seconds: float, sr: int = 16_000, level: float = 0.2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, level, int(seconds * sr)).astype(np.float32)


def babble_noise(seconds: float, sr: int = 24_000, seed: int = 0) -> np.ndarray:
    """White noise with a 4 Hz syllable-like envelope (what a broken TTS sampler emits)."""
    t = np.arange(int(seconds * sr)) / sr
    envelope = (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) ** 2
    return (white_noise(seconds, sr, 0.2, seed) * envelope).astype(np.float32)


def tone(seconds: float, sr: int = 16_000, hz: float = 220.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def wav_base64(samples: np.ndarray, sr: int) -> str:
    buffer = io.BytesIO()
    sf.write(buffer, samples, sr, format="WAV", subtype="PCM_16")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_output_audio(encoded: str) -> Clip:
    samples, sr = sf.read(io.BytesIO(base64.b64decode(encoded)), dtype="float32")
    return samples, int(sr)


def error_payload(out: dict[str, Any]) -> dict[str, Any]:
    """The worker's error, decoded: {"code", "message", **details} (see worker/README.md)."""
    assert set(out) <= {"error", "refresh_worker"}, out
    payload: dict[str, Any] = json.loads(out["error"])
    return payload


def median_pitch_hz(samples: np.ndarray, sr: int, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median F0 of voiced 40 ms frames, by normalized autocorrelation."""
    size, hop = int(0.04 * sr), int(0.02 * sr)
    lag_min, lag_max = int(sr / fmax), int(sr / fmin)
    loud = np.percentile(np.abs(samples), 90) * 0.3
    pitches = []
    for start in range(0, samples.size - size, hop):
        frame = samples[start : start + size].astype(np.float64)
        if np.sqrt(np.mean(frame**2)) < loud:
            continue
        frame = frame - frame.mean()
        corr = np.correlate(frame, frame, mode="full")[size - 1 :]
        if corr[0] <= 0:
            continue
        corr = corr / corr[0]
        lag = lag_min + int(np.argmax(corr[lag_min:lag_max]))
        if corr[lag] > 0.5:
            pitches.append(sr / lag)
    return float(np.median(pitches)) if pitches else 0.0


@dataclass
class ScriptedEngine:
    """Returns the scripted clips in order (the last one repeats); records every request."""

    clips: Sequence[Clip | Callable[[SynthesisRequest], Clip]]
    name: str = "scripted"
    model: str = "scripted-v1"
    default_voice: str | None = "test-voice"
    requests: list[SynthesisRequest] = field(default_factory=list)

    def synthesize(self, request: SynthesisRequest) -> Clip:
        self.requests.append(request)
        item = self.clips[min(len(self.requests), len(self.clips)) - 1]
        return item(request) if callable(item) else item


@dataclass
class SlowEngine:
    seconds: float
    name: str = "slow"
    model: str = "slow-v1"
    default_voice: str | None = None

    def synthesize(self, request: SynthesisRequest) -> Clip:
        time.sleep(self.seconds)
        return silence(1.0), 16_000


@dataclass
class FixedTranscriber:
    """Claims to hear `text`, whatever the audio is."""

    text: str
    model: str = "fixed"
    multilingual: bool = True
    calls: int = 0
    hints: list[str] = field(default_factory=list)  # what each call was told to expect

    def transcribe(self, samples_16k: np.ndarray, language: str, hints: str = "") -> Transcription:
        self.calls += 1
        self.hints.append(hints)
        return Transcription(text=self.text)
