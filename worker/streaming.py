"""The streaming job mode: the same job input, audio back chunk by chunk as it is synthesized.

    python -m worker.streaming                       # on RunPod: a generator handler
    python -m worker.streaming --rp_serve_api ...    # the runpod SDK's local API
    python -m worker.stream_server --port 8001       # locally, chunks as they come (cloud protocol)

The text is cut by worker.textchunks (a short first chunk, then longer ones: the sizes come with
the job, see castwright's streaming profiles); each chunk goes to the engine, which yields audio
per sentence (Piper), per phoneme chunk (Kokoro) or per text chunk (Qwen3, which does not
stream). Each piece is yielded at once: {"index", "text", "audio_base64", "audio_format",
"sample_rate", "duration_s", "elapsed_ms"}; the last item is a summary {"done": true, ...}.
A stream is a preview: each chunk is generated once and not checked (no Whisper, no speaker
check), so the check fields of the input are accepted and ignored; `generation_timeout_s` is
checked between pieces. A failure is yielded in the
batch handler's error shape, {"error": "<JSON>"}: RunPod then ends the job FAILED with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from worker.audio import FloatArray, duration_s, encode_base64
from worker.engines.base import Engine, SynthesisRequest
from worker.errors import GenerationTimeoutError, WorkerError
from worker.handler import error_output, to_request
from worker.runtime import Worker, start_worker
from worker.schema import TTSInput, parse_as
from worker.settings import WorkerSettings
from worker.textchunks import stream_chunks

log = logging.getLogger(__name__)

PIECE_GAP_S = 0.2  # between two pieces of one chunk (Piper sentences, Kokoro phoneme chunks)
SENTENCE_PAUSE_S = 0.25  # after a chunk that ends a sentence
_SENTENCE_END = (".", "!", "?", "…", '."', '!"', '?"')

_installed: list[Worker] = []


class StreamInput(TTSInput):
    """`job["input"]` of a streaming job: the batch input plus the chunk sizes."""

    first_chunk_chars: Annotated[int, Field(ge=8, le=500)] = 30
    next_chunk_chars: Annotated[int, Field(ge=8, le=1000)] = 90


def engine_pieces(engine: Engine, request: SynthesisRequest) -> Iterator[tuple[FloatArray, int]]:
    """The engine's own stream when it has one, else its one synthesis of the whole request."""
    stream = getattr(engine, "stream", None)
    if callable(stream):
        yield from stream(request)
    else:
        yield engine.synthesize(request)


def _padded(samples: FloatArray, sr: int, pause_s: float) -> FloatArray:
    if pause_s <= 0:
        return samples
    return np.concatenate([samples, np.zeros(int(pause_s * sr), dtype=np.float32)])


def chunk_audio(engine: Engine, request: SynthesisRequest) -> Iterator[tuple[FloatArray, int]]:
    """One text chunk's pieces, each with the pause that follows it: a short gap between pieces,
    a sentence pause after the last one when the chunk ends a sentence."""
    pending: tuple[FloatArray, int] | None = None
    for samples, sr in engine_pieces(engine, request):
        if pending is not None:
            yield _padded(*pending, PIECE_GAP_S), pending[1]
        pending = (np.asarray(samples, dtype=np.float32).reshape(-1), int(sr))
    if pending is not None and pending[0].size:
        pause = SENTENCE_PAUSE_S if request.text.rstrip().endswith(_SENTENCE_END) else 0.0
        yield _padded(*pending, pause), pending[1]


def _within(limit_s: float, started: float, sent: int) -> None:
    """The job's `generation_timeout_s`, checked between pieces (a generation is not cut)."""
    if time.perf_counter() - started > limit_s:
        raise GenerationTimeoutError(
            f"generation_timeout_s: the stream ran past {limit_s:g} s after {sent} piece(s); "
            "send shorter text or raise the limit"
        )


def stream_job(job: Mapping[str, Any], worker: Worker) -> Iterator[dict[str, Any]]:
    """One streaming job: audio items as they are synthesized, then a summary (or an error)."""
    started = time.perf_counter()
    try:
        params = parse_as(job.get("input"), StreamInput)
        engine = worker.engine(params.engine)
        request = to_request(params)
        chunks = stream_chunks(params.text, params.first_chunk_chars, params.next_chunk_chars)
        index, total_s, first_ms = 0, 0.0, None
        for text in chunks:
            for samples, sr in chunk_audio(engine, replace(request, text=text)):
                elapsed_ms = int((time.perf_counter() - started) * 1000)
                first_ms = elapsed_ms if first_ms is None else first_ms
                seconds = duration_s(samples, sr)
                total_s += seconds
                yield {
                    "index": index, "text": text, "audio_format": params.audio_format,
                    "audio_base64": encode_base64(samples, sr, params.audio_format),
                    "sample_rate": sr, "duration_s": round(seconds, 3), "elapsed_ms": elapsed_ms,
                }  # fmt: skip
                index += 1
                _within(params.generation_timeout_s, started, index)
    except WorkerError as exc:
        log.warning("stream job %s failed: %s", job.get("id", "-"), exc)
        yield error_output(exc)
        return
    synthesis_ms = int((time.perf_counter() - started) * 1000)
    log.info("stream job %s: %d pieces, %.1f s audio, first after %s ms, done in %d ms",
             job.get("id", "-"), index, total_s, first_ms, synthesis_ms)  # fmt: skip
    yield {
        "done": True, "pieces": index, "chunks": len(chunks), "duration_s": round(total_s, 3),
        "first_audio_ms": first_ms, "synthesis_ms": synthesis_ms, "finished_at": time.time(),
        "engine": engine.name, "model": engine.model,
        "voice": request.voice or engine.default_voice or "",
    }  # fmt: skip


def install(worker: Worker) -> None:
    _installed[:] = [worker]


def stream_handler(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The generator RunPod calls, serving the worker installed at start."""
    if not _installed:
        yield {"error": "worker not initialised: start it with `python -m worker.streaming`"}
        return
    yield from stream_job(job, _installed[0])


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install(start_worker(WorkerSettings.from_env()))

    import runpod

    # aggregate: /run + /status and /runsync also return the whole list of items
    runpod.serverless.start({"handler": stream_handler, "return_aggregate_stream": True})


if __name__ == "__main__":
    main()
