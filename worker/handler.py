"""RunPod serverless entry point: schema -> engine -> clip check.

    python -m worker.handler                       # on RunPod
    python -m worker.handler --rp_serve_api --rp_api_host 127.0.0.1 --rp_api_port 8000

Models load once in `main()`, before the SDK starts taking jobs; importing this module loads
nothing. Expected failures come back as {"error": "..."}; only a real bug raises.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from worker.audio import duration_s, encode_base64
from worker.candidates import LoopPolicy, LoopResult, generate_best
from worker.engines.base import Engine, SamplingParams, SynthesisRequest
from worker.errors import InvalidInputError, WorkerError
from worker.reference import reference_from_request
from worker.runtime import Worker, start_worker
from worker.schema import Metadata, TTSInput, TTSOutput, parse_input
from worker.settings import WorkerSettings

log = logging.getLogger(__name__)

_installed: list[Worker] = []


def install(worker: Worker) -> None:
    """Make `worker` the one `handler` serves (done once by main(); tests install their own)."""
    _installed[:] = [worker]


def to_request(params: TTSInput) -> SynthesisRequest:
    reference = None
    if params.reference_audio is not None and params.reference_text is not None:
        reference = reference_from_request(params.reference_audio, params.reference_text)
    sampling = (
        SamplingParams(**params.sampling.model_dump()) if params.sampling else SamplingParams()
    )
    return SynthesisRequest(
        text=params.text,
        language=params.language,
        mode=params.mode,
        voice=params.voice,
        speed=params.speed,
        sampling=sampling,
        max_new_tokens=params.max_new_tokens,
        seed=params.seed,
        reference=reference,
    )


def to_policy(params: TTSInput) -> LoopPolicy:
    return LoopPolicy(
        n_candidates=params.n_candidates,
        max_attempts=params.max_attempts,
        min_score=params.min_score,
        timeout_s=params.generation_timeout_s,
    )


def error_output(exc: WorkerError) -> dict[str, Any]:
    """RunPod's error shape; the string is JSON: {"code", "message", **details}."""
    error: dict[str, Any] = {"error": json.dumps(exc.payload(), ensure_ascii=False)}
    if exc.refresh_worker:
        error["refresh_worker"] = True
    return error


def _voice_label(request: SynthesisRequest, engine: Engine) -> str:
    if request.voice:
        return request.voice
    if request.reference is not None:
        return f"reference:{request.reference.key}"
    return engine.default_voice or ""


def build_output(
    params: TTSInput,
    engine: Engine,
    request: SynthesisRequest,
    result: LoopResult,
    speaker_source: str | None = None,
) -> TTSOutput:
    best = result.best
    heard = best.speaker.print if best.speaker else None
    metadata = Metadata(
        candidates_generated=len(result.candidates),
        candidates_passed=result.passed(params.min_score),
        scores=[c.check.score for c in result.candidates],
        attempts=result.attempts,
        generation_ms=result.generation_ms,
        validation_ms=result.validation_ms,
        engine=engine.name,
        model=engine.model,
        voice=_voice_label(request, engine),
        speeds=[c.speed for c in result.candidates],
        speaker_distances=[c.speaker.distance if c.speaker else None for c in result.candidates],
        speaker_reference=speaker_source,
    )
    return TTSOutput(
        audio_base64=encode_base64(best.samples, best.sample_rate, params.audio_format),
        audio_format=params.audio_format,
        sample_rate=best.sample_rate,
        duration_s=round(duration_s(best.samples, best.sample_rate), 3),
        score=best.check.score,
        transcript=best.check.transcript,
        speaker_distance=best.speaker.distance if best.speaker else None,
        voice_print=heard.to_dict() if heard else None,
        metadata=metadata,
    )


def handle(job: object, worker: Worker) -> dict[str, Any]:
    """One job, with an explicit worker: the output dict, or RunPod's {"error": ...}."""
    if not isinstance(job, Mapping):
        message = f"the job must be a JSON object with an 'input' field, got {type(job).__name__}"
        return error_output(InvalidInputError(message))
    started = time.perf_counter()
    try:
        params = parse_input(job.get("input"))
        engine = worker.engine(params.engine)
        checker = worker.checker_for(params.language)
        request = to_request(params)
        speaker = None
        if params.speaker_check:
            speaker = worker.speaker_reference(
                engine, request, params.voice_print, params.max_speaker_distance
            )
        policy = to_policy(params)
        second = worker.second_opinion(params.language)
        result = generate_best(engine, request, checker, policy, speaker=speaker, second=second)
        output = build_output(params, engine, request, result, speaker.source if speaker else None)
        judge = second() if result.second_opinion and second else None
        output.metadata.checker = (judge or checker).transcriber.model
    except WorkerError as exc:
        log.warning("job %s failed: %s", job.get("id", "-"), exc)
        return error_output(exc)
    summary = f"{output.duration_s:.1f} s audio, score {output.score:.1f}"
    log.info(
        "job %s done in %.2f s: %s", job.get("id", "-"), time.perf_counter() - started, summary
    )
    return output.model_dump()


def handler(job: dict[str, Any]) -> dict[str, Any]:
    """The function RunPod calls, serving the worker installed at start."""
    if not _installed:
        return {"error": "worker not initialised: start it with `python -m worker.handler`"}
    return handle(job, _installed[0])


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install(start_worker(WorkerSettings.from_env()))

    import runpod

    runpod.serverless.start({"handler": handler})


if __name__ == "__main__":
    main()
