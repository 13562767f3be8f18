"""The candidate loop: generate, check, regenerate until a clip passes or the budget runs out.

Each attempt generates `n_candidates` clips and checks them all (best of N); when any candidate
of an attempt reaches `min_score`, no further attempt starts. The best clip overall wins, a tie
going to the shortest. The whole loop runs under one absolute deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from worker.audio import FloatArray
from worker.engines.base import Engine, SynthesisRequest
from worker.errors import GenerationTimeoutError, NoCandidatePassedError
from worker.scoring import ClipCheck

log = logging.getLogger(__name__)
T = TypeVar("T")


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


@dataclass(frozen=True)
class Candidate:
    samples: FloatArray
    sample_rate: int
    check: ClipCheck
    generation_ms: int

    @property
    def sort_key(self) -> tuple[float, float]:
        return (-self.check.score, self.check.duration_s)


@dataclass
class LoopResult:
    best: Candidate
    candidates: list[Candidate] = field(default_factory=list)
    attempts: int = 0

    @property
    def generation_ms(self) -> int:
        return sum(c.generation_ms for c in self.candidates)

    @property
    def validation_ms(self) -> int:
        return sum(c.check.elapsed_ms for c in self.candidates)

    def passed(self, min_score: float) -> int:
        return sum(c.check.passed(min_score) for c in self.candidates)


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
    engine: Engine, request: SynthesisRequest, checker: Checker, index: int, timeout_s: float
) -> Candidate:
    one = request.for_candidate(index)
    started = time.perf_counter()
    samples, sr = call_with_timeout(lambda: engine.synthesize(one), timeout_s)
    generation_ms = int(1000 * (time.perf_counter() - started))
    check = checker.check(request.text, samples, sr, request.language, request.speed)
    log.info("candidate %d: score %.1f (%s)", index, check.score, check.reason)
    return Candidate(samples, sr, check, generation_ms)


def generate_best(
    engine: Engine,
    request: SynthesisRequest,
    checker: Checker,
    policy: LoopPolicy,
    clock: Callable[[], float] = time.monotonic,
) -> LoopResult:
    """Return the best candidate that passed, or raise NoCandidatePassedError."""
    deadline = clock() + policy.timeout_s
    candidates: list[Candidate] = []
    attempts = 0
    while attempts < policy.max_attempts and clock() < deadline:
        attempts += 1
        for _ in range(policy.n_candidates):
            remaining = deadline - clock()
            if remaining <= 0:
                break
            index = len(candidates)
            candidates.append(_generate(engine, request, checker, index, remaining))
        if any(c.check.passed(policy.min_score) for c in candidates):
            break
    if not candidates:
        raise GenerationTimeoutError(
            f"generation_timeout_s: no candidate generated within {policy.timeout_s:.0f} s"
        )
    result = LoopResult(min(candidates, key=lambda c: c.sort_key), candidates, attempts)
    if not result.best.check.passed(policy.min_score):
        raise NoCandidatePassedError(_failure_message(result, policy, clock() >= deadline))
    return result


def _failure_message(result: LoopResult, policy: LoopPolicy, timed_out: bool) -> str:
    best = result.best.check
    stop = f", stopped at generation_timeout_s={policy.timeout_s:.0f}" if timed_out else ""
    return (
        f"no candidate passed the check after {result.attempts} attempts "
        f"({len(result.candidates)} candidates{stop}) (best score {best.score:.1f} < "
        f"min_score {policy.min_score:.1f}: {best.reason})"
    )
