"""The candidate loop, with test engines registered through the same door as real ones."""

from __future__ import annotations

import numpy as np
import pytest

from tests.worker.worker_testkit import (
    SENTENCE,
    FixedTranscriber,
    ScriptedEngine,
    SlowEngine,
    error_payload,
    silence,
    white_noise,
)
from worker.candidates import LoopPolicy, adjusted, generate_best
from worker.engines import EngineRegistry, default_registry
from worker.engines.base import SynthesisRequest
from worker.engines.kokoro import KokoroEngine
from worker.engines.piper import PiperEngine
from worker.errors import EngineUnavailableError, NoCandidatePassedError
from worker.handler import handle
from worker.runtime import WARMUP_TEXT, Worker
from worker.scoring import ClipChecker
from worker.settings import WorkerSettings
from worker.speaker import voice_key
from worker.transcribe import WhisperTranscriber

Clip = tuple[np.ndarray, int]
REQUEST = SynthesisRequest(text=SENTENCE, language="en")


def job(**overrides: object) -> dict[str, object]:
    """A job for the loop tests; the speaker check has its own tests (test_worker_speaker)."""
    fields = {"text": SENTENCE, "engine": "scripted", "speaker_check": False, **overrides}
    return {"id": "job-1", "input": fields}


def worker_with(engine: ScriptedEngine | SlowEngine, checker: ClipChecker) -> Worker:
    registry = EngineRegistry()
    registry.register(engine.name, lambda _settings: engine)
    settings = WorkerSettings(engines=(engine.name,))
    return Worker.load(settings, registry=registry, transcriber=checker.transcriber)


def test_bad_first_attempt_is_regenerated(checker: ClipChecker, piper_clip: Clip) -> None:
    engine = ScriptedEngine([(silence(4.0), 16_000), piper_clip])
    out = handle(job(), worker_with(engine, checker))
    assert "error" not in out, out
    meta = out["metadata"]
    assert meta["attempts"] == 2 and meta["candidates_generated"] == 2
    assert meta["scores"][0] == 0.0 and meta["scores"][1] >= 75.0
    assert meta["candidates_passed"] == 1
    assert out["score"] == meta["scores"][1]
    assert out["sample_rate"] == piper_clip[1]
    assert out["duration_s"] == pytest.approx(piper_clip[0].size / piper_clip[1], abs=1e-3)
    assert (meta["engine"], meta["model"], meta["voice"]) == (
        "scripted",
        "scripted-v1",
        "test-voice",
    )


MISHEARD = "The weekly digest covers three new open sauce beach mottos."  # tiny.en's mishearing


def test_a_clip_the_fast_check_misheard_passes_on_the_larger_models_word(piper_clip: Clip) -> None:
    engine = ScriptedEngine([piper_clip])
    fast = ClipChecker(FixedTranscriber(MISHEARD))
    larger = ClipChecker(FixedTranscriber(SENTENCE))
    result = generate_best(engine, REQUEST, fast, LoopPolicy(max_attempts=2, min_score=80),
                           second=lambda: larger)  # fmt: skip
    assert result.second_opinion and result.best.check.score == 100.0
    assert [c.check.score < 80 for c in result.candidates] == [True, True]  # both misheard first
    assert "second opinion score 100.0 (first check: score" in result.best.check.reason


def test_a_second_opinion_never_overrules_silence_nor_a_second_mishearing(piper_clip: Clip) -> None:
    larger = ClipChecker(FixedTranscriber(SENTENCE))
    with pytest.raises(NoCandidatePassedError):  # silence scores 0: not re-heard
        generate_best(ScriptedEngine([(silence(4.0), 16_000)]), REQUEST, ClipChecker(FixedTranscriber(SENTENCE)),
                      LoopPolicy(max_attempts=2), second=lambda: larger)  # fmt: skip
    also_wrong = ClipChecker(FixedTranscriber(MISHEARD))
    with pytest.raises(
        NoCandidatePassedError, match="heard .The weekly digest covers three new open sauce"
    ):
        generate_best(ScriptedEngine([piper_clip]), REQUEST, ClipChecker(FixedTranscriber(MISHEARD)),
                      LoopPolicy(max_attempts=2, min_score=80), second=lambda: also_wrong)  # fmt: skip


def test_the_second_hearing_is_the_larger_model_told_the_names_and_only_after_a_failure() -> None:
    loads: list[str] = []

    def load() -> FixedTranscriber:
        loads.append("base")
        return FixedTranscriber(SENTENCE)

    worker = Worker(
        {}, ClipChecker(FixedTranscriber(SENTENCE, multilingual=False)), multilingual=load
    )
    second = worker.second_opinion("en")
    assert second is not None and loads == []  # nothing loaded until a clip fails
    judge = second()
    assert judge is not None and loads == ["base"]
    # the second hearing is told the text's names; the first hearings are not
    judge.check("Rethinking Database Programming by Evan Czaplicki.", *silence_free_clip())
    assert judge.transcriber.hints == ["Database Programming Evan Czaplicki"]  # type: ignore[attr-defined]
    assert not worker.checker.hints and not worker.checker_for("pt-BR").hints
    # a pt-BR job's first hearing is Whisper base already: its second is the same model, hinted
    again = worker.second_opinion("pt-BR")
    assert again is not None and (pt_judge := again()) is not None and pt_judge.hints
    assert pt_judge.transcriber is worker.checker_for("pt-BR").transcriber and loads == ["base"]


def silence_free_clip() -> Clip:
    """Two seconds of a rising and falling tone mix: passes the signal checks, says nothing."""
    t = np.arange(32_000) / 16_000
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 1.5 * t)
    tones = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 330 * t + 1.0)
    return (0.3 * envelope * tones).astype(np.float32), 16_000


def test_a_rare_name_is_heard_right_when_the_second_hearing_knows_it(
    kokoro_engine: KokoroEngine, whisper_base_model: WhisperTranscriber, checker: ClipChecker
) -> None:
    """Real voice, real models: tiny.en hears "by even chapplicky", Whisper base "by even
    chaplicky"; told the names, Whisper base writes "by Evan Czaplicki"."""
    text = "Rethinking Database Programming by Evan Czaplicki."
    clip = kokoro_engine.synthesize(
        SynthesisRequest(text=text, language="en", voice="jf_gongitsune")
    )
    assert checker.check(text, *clip).score < 80
    assert ClipChecker(whisper_base_model).check(text, *clip).score < 80
    hinted = ClipChecker(whisper_base_model, hints=True).check(text, *clip)
    assert hinted.score >= 80, hinted.transcript
    assert "Czaplicki" in hinted.transcript


def test_truncated_then_noise_then_good(checker: ClipChecker, piper_clip: Clip) -> None:
    samples, sr = piper_clip
    engine = ScriptedEngine(
        [(samples[: samples.size // 4], sr), (white_noise(4.0), 16_000), piper_clip]
    )
    result = generate_best(engine, REQUEST, checker, LoopPolicy(max_attempts=3))
    assert [c.check.score for c in result.candidates][:2] == [0.0, 0.0]
    assert "too short" in result.candidates[0].check.reason
    assert "noise" in result.candidates[1].check.reason
    assert result.best is result.candidates[2] and result.attempts == 3


def test_always_bad_fails_after_max_attempts() -> None:
    engine = ScriptedEngine([(silence(4.0), 16_000)])
    worker = worker_with(engine, ClipChecker(FixedTranscriber(SENTENCE)))
    out = handle(job(max_attempts=4, min_score=80), worker)
    error = error_payload(out)
    assert error["code"] == "clip_check_failed" and error["failed_checks"] == ["transcript"]
    assert error["message"].startswith("no candidate passed the check after 4 attempts")
    assert "best score 0.0 < min_score 80.0: near-silent audio" in error["message"]
    assert (error["best_score"], error["min_score"], error["attempts"]) == (0.0, 80.0, 4)
    assert error["scores"] == [0.0] * 4 and error["transcript"] == ""
    assert error["reason"].startswith("near-silent audio")
    assert len(engine.requests) == 4


def test_best_of_n_stops_after_a_passing_attempt_and_prefers_the_shortest(piper_clip: Clip) -> None:
    samples, sr = piper_clip
    padded = np.concatenate([samples, silence(1.0, sr)])
    engine = ScriptedEngine([(padded, sr), piper_clip, (padded, sr)])
    checker = ClipChecker(FixedTranscriber(SENTENCE))  # every real clip hears the right words
    result = generate_best(engine, REQUEST, checker, LoopPolicy(n_candidates=3, max_attempts=3))
    assert result.attempts == 1 and len(result.candidates) == 3  # best of 3, no second attempt
    assert [c.check.score for c in result.candidates] == [100.0, 100.0, 100.0]
    assert result.best is result.candidates[1]  # tie -> shortest


def test_seeds_differ_per_candidate() -> None:
    engine = ScriptedEngine([(silence(4.0), 16_000)])
    seeded = SynthesisRequest(text=SENTENCE, language="en", seed=41)
    with pytest.raises(NoCandidatePassedError):
        generate_best(engine, seeded, ClipChecker(FixedTranscriber("")), LoopPolicy(2, 2))
    assert [r.seed for r in engine.requests] == [41, 42, 43, 44]


def test_a_stuck_generation_times_out_and_asks_for_a_fresh_worker() -> None:
    worker = worker_with(SlowEngine(seconds=2.0), ClipChecker(FixedTranscriber(SENTENCE)))
    out = handle(job(engine="slow", generation_timeout_s=0.2), worker)
    assert out["refresh_worker"] is True
    error = error_payload(out)
    assert error["code"] == "generation_timeout"
    assert error["message"].startswith("generation_timeout_s: generation still running after 0 s")


class _SlowAfterFirst(SlowEngine):
    """Answers the first request at once (a clip that fails the check), then gets stuck."""

    def synthesize(self, request: SynthesisRequest) -> Clip:
        if getattr(self, "answered", False):
            return super().synthesize(request)
        self.answered = True
        return silence(4.0), 16_000


def test_a_stuck_retry_after_failed_candidates_is_a_failed_check_not_a_timeout() -> None:
    """The answer to a job whose candidates failed the check is that failure, with its transcript
    (so the caller can voice the line another way), even when a later attempt got stuck; the
    stuck thread still asks for a fresh worker."""
    engine = _SlowAfterFirst(seconds=2.0)
    with pytest.raises(
        NoCandidatePassedError, match="stopped at generation_timeout_s=1"
    ) as failure:
        generate_best(
            engine, REQUEST, ClipChecker(FixedTranscriber("")), LoopPolicy(1, 5, timeout_s=1.0)
        )
    assert failure.value.refresh_worker is True and failure.value.details["timed_out"] is True
    assert failure.value.details["candidates"] == 1


def test_deadline_stops_new_attempts() -> None:
    ticks = iter(range(0, 1000, 10))  # every clock read advances 10 s
    engine = ScriptedEngine([(silence(4.0), 16_000)])
    with pytest.raises(NoCandidatePassedError, match="stopped at generation_timeout_s=25"):
        generate_best(
            engine,
            REQUEST,
            ClipChecker(FixedTranscriber("")),
            LoopPolicy(max_attempts=10, timeout_s=25),
            clock=lambda: float(next(ticks)),
        )
    assert len(engine.requests) < 10


def test_engine_refusals_come_back_as_errors(
    checker: ClipChecker, piper_engine: PiperEngine
) -> None:
    registry = default_registry()
    registry.register("piper", lambda _settings: piper_engine)
    worker = Worker.load(WorkerSettings(engines=("piper",)), registry, checker.transcriber)
    out = handle({"input": {"text": "Hi.", "engine": "piper", "voice": "en_GB-alba"}}, worker)
    error = error_payload(out)
    assert error["code"] == "invalid_input"
    assert error["message"].startswith("voice: piper has no voice 'en_GB-alba'; available: en_US")
    out = handle(
        {"input": {"text": "Hi.", "engine": "piper", "mode": "fine-tuned", "voice": "x"}}, worker
    )
    error = error_payload(out)
    assert error["code"] == "engine_unavailable"
    assert "mode: engine 'piper' supports mode 'preset' only" in error["message"]


def test_unknown_engine_in_worker_engines_is_refused() -> None:
    with pytest.raises(EngineUnavailableError, match="WORKER_ENGINES: unknown engine 'espeak'"):
        default_registry().load(["espeak"], WorkerSettings())


def test_warm_up_runs_each_engine_that_has_a_default_voice(piper_clip: Clip) -> None:
    scripted, slow = ScriptedEngine([piper_clip]), SlowEngine(seconds=5.0)
    worker = Worker({"scripted": scripted, "slow": slow}, ClipChecker(FixedTranscriber("hello")))
    worker.warm_up()  # the slow engine has no default voice: skipped, so this returns at once
    # one warm-up line and no voice print: a print is made when a job first asks for a voice
    assert [(r.text, r.voice) for r in scripted.requests] == [(WARMUP_TEXT, "test-voice")]
    assert worker.prints.get(voice_key(scripted, scripted.requests[0])) is None


def test_retries_change_speed_and_temperature_a_little() -> None:
    engine = ScriptedEngine([(silence(4.0), 16_000)])
    checker = ClipChecker(FixedTranscriber(""))
    slow = SynthesisRequest(text=SENTENCE, language="en", speed=0.9)
    with pytest.raises(NoCandidatePassedError) as failure:
        generate_best(engine, slow, checker, LoopPolicy(n_candidates=2, max_attempts=3))
    speeds = [r.speed for r in engine.requests]
    assert speeds == [0.9, 0.9, 0.828, 0.828, 0.972, 0.972]  # 0.9 x (1, 0.92, 1.08)
    assert [r.temperature_scale for r in engine.requests] == [1.0, 1.0, 0.85, 0.85, 1.1, 1.1]
    assert failure.value.details["attempts"] == 3
    assert adjusted(slow, 1) is slow


def test_a_retry_of_deterministic_kokoro_gives_a_different_clip(
    kokoro_engine: KokoroEngine,
) -> None:
    request = SynthesisRequest(text="Good rules.", language="en")
    first, sr = kokoro_engine.synthesize(request)
    again, _ = kokoro_engine.synthesize(request)
    retry, _ = kokoro_engine.synthesize(adjusted(request, 2))
    assert np.array_equal(first, again)  # the same input gives the same clip ...
    assert retry.size > first.size * 1.04  # ... so the retry is slower (speed x 0.92)
