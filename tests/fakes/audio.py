"""Speech-like WAV output in the worker's output shape, for fakes of the TTS endpoint."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import soundfile as sf


def speech_wav(text: str, rate: int = 24000) -> bytes:
    t = np.arange(int(rate * (0.5 + 0.06 * len(text)))) / rate
    audio = 0.3 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > -0.3)
    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="WAV")
    return buffer.getvalue()


def speech_output(job_input: dict[str, Any]) -> dict[str, Any]:
    """What our worker returns for a job (see worker/README.md), with synthetic audio."""
    text = job_input["text"]
    wav = speech_wav(text)
    seconds = sf.info(io.BytesIO(wav)).duration
    return {"audio_base64": base64.b64encode(wav).decode(), "audio_format": "wav",
            "sample_rate": 24000, "duration_s": round(seconds, 3), "score": 99.0, "transcript": text,
            "metadata": {"attempts": 1, "engine": "fake", "generation_ms": 800, "validation_ms": 100}}  # fmt: skip
