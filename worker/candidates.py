"""The candidate loop: generate, check, regenerate until a clip passes or the budget runs out.

Each attempt generates `n_candidates` clips and checks them all (best of N): the transcript
check, and the speaker check when the job has a reference print. When any candidate of an
attempt passes both, no further attempt starts. Later attempts change the parameters a little
(`adjusted`: speed, sampling temperature), since Kokoro is deterministic and a retry with the
same input would give the same clip. The best clip wins: one in the right voice first, then the
highest score, then the shortest. The whole loop runs under one absolute deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from worker.audio import FloatArray
from worker.engines.base import Engine, SynthesisRequest
from worker.errors import GenerationTimeoutError, NoCandidatePassedError
from worker.scoring import ClipCheck
from worker.speaker import SpeakerCheck, SpeakerReference

log = logging.getLogger(__name__)
T = TypeVar("T")

#: per retry round (attempt 2, 3, ...): speed factor (Piper/Kokoro) and sampling temperature
#: factor (Qwen3); the first attempt uses the request as sent
RETRY_ADJUSTMENTS: tuple[tuple[float, float], ...] = ((0.92, 0.85), (1.08, 1.1), (0.86, 0.7))


class Checker(Protocol):
    def check(
        self, text: str, samples: FloatArray, sr: int, language: str = ..., speed: float = ...
    ) -> ClipCheck: ...


@dataclass(frozen=True)
class LoopPolicy:
    n_candidates: int = 1
    max_attempts: int = 3
    min_score: float = 75.0
    timeout_s: float = 180.0


def adjusted(request: SynthesisRequest, attempt: int) -> SynthesisRequest:
    """The request for attempt `attempt` (1-based): unchanged first, then a little different."""
    if attempt <= 1:
        return request
    speed, temperature = RETRY_ADJUSTMENTS[(attempt - 2) % len(RETRY_ADJUSTMENTS)]
    return replace(
        request,
        speed=round(min(2.0, max(0.5, request.speed * speed)), 3),
        temperature_scale=temperature,
    )


@dataclass(frozen=True)
class Candidate:
    samples: FloatArray
    sample_rate: int
    check: ClipCheck
    generation_ms: int
    speaker: SpeakerCheck | None = None
    speed: float = 1.0

    @property
    def right_voice(self) -> bool:
        return self.speaker is None or self.speaker.passed

    def passed(self, min_score: float) -> bool:
        return self.check.passed(min_score) and self.right_voice

    @property
    def sort_key(self) -> tuple[bool, float, float]:
        return (not self.right_voice, -self.check.score, self.check.duration_s)


@dataclass
class LoopResult:
    best: Candidate
    candidates: list[Candidate] = field(default_factory=list)
    attempts: int = 0
    second_opinion: bool = False  # the best candidate passed on the second model's hearing

    @property
    def generation_ms(self) -> int:
        return sum(c.generation_ms for c in self.candidates)

    @property
    def validation_ms(self) -> int:
        return sum(c.check.elapsed_ms for c in self.candidates)

    def passed(self, min_score: float) -> int:
        return sum(c.passed(min_score) for c in self.candidates)


def call_with_timeout(fn: Callable[[], T], timeout_s: float) -> T:
    """Run fn in a daemon thread; raise GenerationTimeoutError if it is not done in time.

    A generation cannot be interrupted, so the thread is left behind and the error asks RunPod
    to replace this worker (refresh_worker)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, name="tts-generation", daemon=True)
    thread.start()
    thread.join(max(timeout_s, 0.0))
    if thread.is_alive():
        raise GenerationTimeoutError(
            f"generation_timeout_s: generation still running after {timeout_s:.0f} s; "
            "raise generation_timeout_s or shorten the text"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _generate(
    engine: Engine,
    request: SynthesisRequest,
    checker: Checker,
    index: int,
    timeout_s: float,
    speaker: SpeakerReference | None = None,
) -> Candidate:
    one = request.for_candidate(index)
    started = time.perf_counter()
    samples, sr = call_with_timeout(lambda: engine.synthesize(one), timeout_s)
    generation_ms = int(1000 * (time.perf_counter() - started))
    check = checker.check(request.text, samples, sr, request.language, request.speed)
    voice = speaker.check(samples, sr) if speaker is not None and check.score > 0 else None
    log.info(
        "candidate %d (speed %.2f): score %.1f (%s)%s",
        index,
        request.speed,
        check.score,
        check.reason,
        f"; {voice.reason}" if voice else "",
    )
    return Candidate(samples, sr, check, generation_ms, voice, request.speed)


def generate_best(
    engine: Engine,
    request: SynthesisRequest,
    checker: Checker,
    policy: LoopPolicy,
    clock: Callable[[], float] = time.monotonic,
    speaker: SpeakerReference | None = None,
    second: Callable[[], Checker | None] | None = None,
) -> LoopResult:
    """Return the best candidate that passed, or raise NoCandidatePassedError. `second`: a larger
    model that re-hears the best candidates when none passed the (fast) check: a correct clip the
    small model misheard (a name, an accent) passes on its word; it never overrules a wrong
    voice, silence, noise or a wrong length (score 0)."""
    deadline = clock() + policy.timeout_s
    candidates: list[Candidate] = []
    attempts = 0
    stuck = False  # a generation ran past the deadline and is still running
    while attempts < policy.max_attempts and clock() < deadline and not stuck:
        attempts += 1
        this_attempt = adjusted(request, attempts)
        for _ in range(policy.n_candidates):
            remaining = deadline - clock()
            if remaining <= 0:
                break
            index = len(candidates)
            try:
                candidates.append(
                    _generate(engine, this_attempt, checker, index, remaining, speaker)
                )
            except GenerationTimeoutError:
                if not candidates:
                    raise
                stuck = True  # earlier candidates failed the check: that is the job's answer
                break
        if any(c.passed(policy.min_score) for c in candidates):
            break
    if not candidates:
        raise GenerationTimeoutError(
            f"generation_timeout_s: no candidate generated within {policy.timeout_s:.0f} s"
        )
    result = LoopResult(min(candidates, key=lambda c: c.sort_key), candidates, attempts)
    if not result.best.passed(policy.min_score) and second and (judge := second()) is not None:
        result = _second_opinion(result, request, judge, policy)
    if not result.best.passed(policy.min_score):
        failure = _failure(result, policy, stuck or clock() >= deadline)
        failure.refresh_worker = stuck  # the stuck generation thread still holds the model
        raise failure
    return result


SECOND_OPINIONS = 2  # the best candidates a second model re-hears


def _second_opinion(
    result: LoopResult, request: SynthesisRequest, second: Checker, policy: LoopPolicy
) -> LoopResult:
    """The best candidates heard again by `second`; the first it passes becomes the answer."""
    ranked = sorted(result.candidates, key=lambda c: c.sort_key)
    heard = [c for c in ranked if c.right_voice and c.check.score > 0][:SECOND_OPINIONS]
    for candidate in heard:
        check = second.check(request.text, candidate.samples, candidate.sample_rate,
                             request.language, candidate.speed)  # fmt: skip
        log.info("second opinion: score %.1f (%s) for a candidate scored %.1f", check.score,
                 check.reason, candidate.check.score)  # fmt: skip
        if check.passed(policy.min_score):
            reason = f"second opinion {check.reason} (first check: {candidate.check.reason})"
            passed = replace(candidate, check=replace(check, reason=reason))
            return LoopResult(passed, result.candidates, result.attempts, second_opinion=True)
    return result


def _failure(result: LoopResult, policy: LoopPolicy, timed_out: bool) -> NoCandidatePassedError:
    best, voice = result.best, result.best.speaker
    stop = f", stopped at generation_timeout_s={policy.timeout_s:.0f}" if timed_out else ""
    failed: list[str] = []
    why: list[str] = []
    if not best.check.passed(policy.min_score):
        failed.append("transcript")
        heard = " ".join(best.check.transcript.split())
        heard = f"; heard {heard[:160]!r}" if heard else ""  # what the text was misheard as
        why.append(
            f"best score {best.check.score:.1f} < min_score {policy.min_score:.1f}: "
            f"{best.check.reason}{heard}"
        )
    if voice is not None and not voice.passed:
        failed.append("speaker")
        why.append(voice.reason)
    message = (
        f"no candidate passed the check after {result.attempts} attempts "
        f"({len(result.candidates)} candidates{stop}) ({'; '.join(why)})"
    )
    return NoCandidatePassedError(
        message,
        failed_checks=failed,
        best_score=best.check.score,
        min_score=policy.min_score,
        transcript=best.check.transcript,
        reason=best.check.reason,
        speaker_distance=voice.distance if voice else None,
        speaker_limit=voice.limit if voice else None,
        attempts=result.attempts,
        candidates=len(result.candidates),
        scores=[c.check.score for c in result.candidates],
        timed_out=timed_out,
    )
