"""The speaker check: voice prints in numpy, and a clip in the other host's voice rejected.

The real-engine tests voice the same lines with Piper joe (male, ~90 Hz) and Kokoro jf_alpha
(female, ~255 Hz) and check each clip against both voices' prints, computed the way the worker
computes them (a fixed phrase synthesized once per voice, vetted by the real Whisper check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from tests.worker.worker_testkit import error_payload, silence
from worker.engines.base import SynthesisRequest
from worker.engines.kokoro import KokoroEngine
from worker.engines.piper import PiperEngine
from worker.handler import handle
from worker.runtime import Worker
from worker.schema import VoicePrintInput
from worker.scoring import ClipChecker
from worker.speaker import FULL_VOICED_S, SpeakerReference, limit_for
from worker.voiceprint import VoicePrint, distance, voice_print

LINES = [
    "Three vendors shipped language models under two billion parameters this week.",
    "Founders should treat the cloud bill like rent and renegotiate it every year.",
    "Honestly, most of that money is logs nobody reads.",
]
JOE, ALPHA = "en_US-joe-medium", "jf_alpha"


def voiced(f0: float, seconds: float = 3.0, sr: int = 16_000, seed: int = 0) -> np.ndarray:
    """A crude voice: harmonics of a wavering f0 under a syllable envelope, plus breath noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    pitch = f0 * (1 + 0.04 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    wave = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 0.5
    return (0.2 * wave * envelope + 0.003 * rng.normal(size=t.size)).astype(np.float32)


# --- prints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("f0", [85.0, 120.0, 220.0, 300.0])
def test_pitch_is_measured(f0: float) -> None:
    found = voice_print(voiced(f0), 16_000)
    assert found is not None
    assert found.f0_median_hz == pytest.approx(f0, rel=0.04)


def test_distance_grows_with_the_pitch_gap() -> None:
    base = voice_print(voiced(120.0), 16_000)
    near = voice_print(voiced(123.0, seed=1), 16_000)
    far = voice_print(voiced(240.0, seed=2), 16_000)
    assert base and near and far
    assert distance(base, base) == 0.0
    assert distance(base, near) < 1.0 < 5.0 < distance(base, far)
    assert distance(base, far) == pytest.approx(distance(far, base))


def test_too_little_voice_gives_no_print_and_no_verdict() -> None:
    assert voice_print(voiced(120.0, seconds=0.3), 16_000) is None
    assert voice_print(silence(3.0), 16_000) is None
    reference = voice_print(voiced(120.0), 16_000)
    assert reference is not None
    check = SpeakerReference(reference).check(voiced(240.0, seconds=0.3), 16_000)
    assert check.distance is None and check.passed and "skipped" in check.reason


def test_the_limit_relaxes_only_for_short_clips() -> None:
    assert limit_for(FULL_VOICED_S, 3.0) == 3.0
    assert limit_for(10.0, 3.0) == 3.0
    assert limit_for(FULL_VOICED_S / 4, 3.0) == pytest.approx(6.0)


def test_a_print_survives_the_trip_through_a_job() -> None:
    found = voice_print(voiced(150.0), 16_000)
    assert found is not None
    sent = VoicePrintInput.model_validate(found.to_dict())
    back = VoicePrint.from_dict(sent.model_dump())
    assert distance(found, back) < 0.05


# --- real engines ----------------------------------------------------------------------------


@dataclass
class Voices:
    prints: dict[str, VoicePrint]
    clips: dict[str, list[tuple[np.ndarray, int]]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def worker(piper_engine: PiperEngine, kokoro_engine: KokoroEngine, checker: ClipChecker) -> Worker:
    return Worker({"piper": piper_engine, "kokoro": kokoro_engine}, checker)


@pytest.fixture(scope="module")
def voices(worker: Worker) -> Voices:
    prints: dict[str, VoicePrint] = {}
    clips: dict[str, list[tuple[np.ndarray, int]]] = {}
    for engine_name, voice in (("piper", JOE), ("kokoro", ALPHA)):
        engine = worker.engine(engine_name)
        request = SynthesisRequest(text=LINES[0], language="en", voice=voice)
        reference = worker.speaker_reference(engine, request)
        assert reference is not None and reference.source == "phrase"
        prints[voice] = reference.print
        clips[voice] = [
            engine.synthesize(SynthesisRequest(text=line, language="en", voice=voice))
            for line in LINES
        ]
    return Voices(prints, clips)


@pytest.mark.parametrize(("voice", "other"), [(JOE, ALPHA), (ALPHA, JOE)])
def test_the_other_hosts_voice_is_rejected(voices: Voices, voice: str, other: str) -> None:
    own = SpeakerReference(voices.prints[voice], source="phrase")
    swapped = SpeakerReference(voices.prints[other], source="phrase")
    for samples, sr in voices.clips[voice]:
        same = own.check(samples, sr)
        wrong = swapped.check(samples, sr)
        assert same.passed, same.reason
        assert not wrong.passed, wrong.reason
        assert same.distance is not None and wrong.distance is not None
        assert wrong.distance > 2 * wrong.limit > 2 * same.distance, (same, wrong)


@dataclass
class SwappedEngine:
    """Reads the fixed phrase in the requested voice, then every line in another one: the voice
    swap the speaker check exists for."""

    phrase_engine: Any
    line_engine: Any
    line_voice: str
    name: str = "swapped"
    model: str = "swapped-v1"
    default_voice: str | None = JOE
    calls: int = 0

    def synthesize(self, request: SynthesisRequest) -> tuple[np.ndarray, int]:
        self.calls += 1
        if self.calls == 1:
            return self.phrase_engine.synthesize(request)  # type: ignore[no-any-return]
        line = SynthesisRequest(text=request.text, language="en", voice=self.line_voice)
        return self.line_engine.synthesize(line)  # type: ignore[no-any-return]


def test_a_swapped_voice_fails_the_job_with_a_machine_readable_error(
    piper_engine: PiperEngine, kokoro_engine: KokoroEngine, checker: ClipChecker
) -> None:
    engine = SwappedEngine(piper_engine, kokoro_engine, ALPHA)
    worker = Worker({"swapped": engine}, checker)
    line = "Good morning, and welcome to this week's episode."
    out = handle({"input": {"text": line, "engine": "swapped", "max_attempts": 1}}, worker)
    error = error_payload(out)
    assert error["code"] == "clip_check_failed"
    assert error["failed_checks"] == ["speaker"]  # the words were right
    assert error["best_score"] >= 80.0, error
    assert error["speaker_distance"] > error["speaker_limit"]
    assert "wrong voice" in error["message"] and "pitch" in error["message"]


def test_a_print_sent_with_the_job_is_used(worker: Worker, voices: Voices) -> None:
    line = {"text": LINES[2], "engine": "kokoro", "voice": ALPHA, "max_attempts": 1}
    good = handle({"input": {**line, "voice_print": voices.prints[ALPHA].to_dict()}}, worker)
    assert "error" not in good, good
    assert good["metadata"]["speaker_reference"] == "job"
    assert good["speaker_distance"] <= 3.0 and good["voice_print"]["f0_median_hz"] > 180
    bad = handle({"input": {**line, "voice_print": voices.prints[JOE].to_dict()}}, worker)
    assert error_payload(bad)["failed_checks"] == ["speaker"]
