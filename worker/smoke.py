"""GPU smoke test: load time, warm-up, real-time factor and time-to-first-audio in one go.

Run it where the worker will run (the GPU image, with the volume or local weights):

    python -m worker.smoke                         # the engines of WORKER_ENGINES, e.g. qwen3
    python -m worker.smoke --engine qwen3 --runs 3 --text "A longer line to time."

It loads the worker as `python -m worker.handler` does, warms it up, then times `--runs`
syntheses of the text in the warm-up's voice (a Base-only qwen3 clones the first saved voice or
the bundled reference) and the first audio of the streaming path (its first `fast` chunk).
One JSON object goes to stdout; logs go to stderr. Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import time
from dataclasses import asdict, replace
from typing import Any

from worker.audio import duration_s
from worker.errors import EngineUnavailableError
from worker.runtime import Worker, warmup_request
from worker.scoring import Transcriber
from worker.settings import WorkerSettings
from worker.streaming import chunk_audio
from worker.textchunks import stream_chunks

DEFAULT_TEXT = (
    "Welcome back to the show. This week we look at three new open speech models, what they "
    "cost to run, and which one we would pick for a weekly podcast."
)
FAST_FIRST, FAST_NEXT = 30, 90  # castwright's `fast` streaming profile


def _device() -> dict[str, Any]:
    try:
        import torch
    except ImportError:
        return {"device": "cpu (no torch)"}
    if not torch.cuda.is_available():
        return {"device": "cpu"}
    return {
        "device": torch.cuda.get_device_name(0),
        "gpu_memory_max_gb": round(torch.cuda.max_memory_allocated(0) / 2**30, 2),
    }


def measure(worker: Worker, engine_name: str, text: str, runs: int) -> dict[str, Any]:
    """RTF over `runs` whole syntheses and TTFA of the streaming path, for one loaded engine."""
    engine = worker.engine(engine_name)
    base = warmup_request(engine, worker.voices_dir)
    if base is None:
        raise EngineUnavailableError(f"engine: {engine_name} has no voice to time")
    request = replace(base, text=text)
    rtfs, audio = [], 0.0
    for _ in range(runs):
        started = time.perf_counter()
        samples, sr = engine.synthesize(request)
        audio = duration_s(samples, sr)
        rtfs.append((time.perf_counter() - started) / max(audio, 1e-6))
    first_chunk = stream_chunks(text, FAST_FIRST, FAST_NEXT)[0]
    started = time.perf_counter()
    next(chunk_audio(engine, replace(request, text=first_chunk)))
    ttfa = time.perf_counter() - started
    return {
        "engine": engine_name, "model": engine.model, "voice": request.voice or "reference",
        "mode": request.mode, "audio_s": round(audio, 2), "rtf": [round(r, 3) for r in rtfs],
        "rtf_best": round(min(rtfs), 3), "ttfa_s": round(ttfa, 3), "first_chunk": first_chunk,
    }  # fmt: skip


def run_smoke(
    settings: WorkerSettings,
    engine: str | None = None,
    text: str = DEFAULT_TEXT,
    runs: int = 3,
    transcriber: Transcriber | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    worker = Worker.load(settings, transcriber=transcriber)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    warmups = worker.warm_up()
    warmup_s = time.perf_counter() - started
    names = [engine] if engine else list(worker.engines)
    return {
        "load_s": round(load_s, 2), "warmup_s": round(warmup_s, 2),
        "warmups": [asdict(w) for w in warmups],
        "engines": [measure(worker, name, text, runs) for name in names],
        "host": platform.node(), **_device(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", help="time this loaded engine only (default: each one)")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the line to synthesize")
    parser.add_argument("--runs", type=int, default=3, help="syntheses timed per engine")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    figures = run_smoke(WorkerSettings.from_env(), args.engine, args.text, max(1, args.runs))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
