"""A simulated RunPod serverless endpoint, on loopback, for orchestration benchmarks.

It speaks the REST protocol the real client uses (POST /runsync answering IN_QUEUE, GET
/status/{id}, POST /run, POST /cancel/{id}, GET /health, Bearer auth) and schedules jobs on N
simulated workers: each worker's first job waits for a cold start (30-90 s), each job takes
audio seconds x GPU-seconds-per-audio-second (lognormal around 0.5). Simulated time runs
`scale` times faster than real time, so a 300-turn episode takes seconds.
"""

from __future__ import annotations

import base64
import io
import random
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soundfile as sf

from tests.fakes.http import FakeServer, Reply, Request
from tests.fakes.http import serve as serve_http

WORDS_PER_SECOND = 2.5


def _tiny_wav() -> str:
    buffer = io.BytesIO()
    sf.write(buffer, 0.1 * np.sin(np.linspace(0, 200, 2400)), 24000, format="WAV")
    return base64.b64encode(buffer.getvalue()).decode()


@dataclass
class SimEndpoint:
    workers: int = 20
    scale: float = 100.0  # simulated seconds per real second
    cold_start: tuple[float, float] = (30.0, 90.0)
    gpu_per_audio_s: tuple[float, float] = (0.5, 0.35)  # lognormal median, sigma
    seed: int = 7
    api_key: str = "sim-key"
    started: float = field(default_factory=time.monotonic)
    free_at: list[float] = field(default_factory=list)  # simulated time each worker is free
    warm: list[bool] = field(default_factory=list)
    jobs: dict[str, dict[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.free_at = [0.0] * self.workers
        self.warm = [False] * self.workers
        self.wav = _tiny_wav()

    def now(self) -> float:
        return (time.monotonic() - self.started) * self.scale

    def submit(self, job_input: dict[str, Any]) -> str:
        """FIFO onto the earliest-free worker; returns the job id."""
        words = len(str(job_input.get("text", "")).split())
        service = (
            words
            / WORDS_PER_SECOND
            * self.rng.lognormvariate(np.log(self.gpu_per_audio_s[0]), self.gpu_per_audio_s[1])
        )
        with self.lock:
            now = self.now()
            worker = min(range(self.workers), key=lambda w: self.free_at[w])
            start = max(now, self.free_at[worker])
            cold = 0.0 if self.warm[worker] else self.rng.uniform(*self.cold_start)
            self.warm[worker] = True
            end = start + cold + service
            self.free_at[worker] = end
            job_id = f"sim-{len(self.jobs)}"
            self.jobs[job_id] = {"submitted": now, "end": end, "service": service, "cold": cold}
        return job_id

    def view(self, job_id: str) -> dict[str, Any]:
        job = self.jobs[job_id]
        if self.now() < job["end"]:
            return {"id": job_id, "status": "IN_QUEUE"}
        output = {"audio_base64": self.wav, "sample_rate": 24000, "score": 99.0, "transcript": "",
                  "metadata": {"attempts": 1, "engine": "sim", "generation_ms": int(job["service"] * 1000)}}  # fmt: skip
        return {"id": job_id, "status": "COMPLETED", "output": output}

    def route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = path.split("?")[0].strip("/").split("/")
        if parts[0] in ("run", "runsync") and method == "POST":
            return 200, self.view(self.submit(body["input"]))
        if parts[0] == "status" and len(parts) == 2 and parts[1] in self.jobs:
            return 200, self.view(parts[1])
        if parts[0] == "cancel":
            return 200, {"id": parts[-1], "status": "CANCELLED"}
        if parts[0] == "health":
            return 200, {"jobs": {"inQueue": 0}, "workers": {"idle": self.workers, "running": 0}}
        return 404, {"error": "not found"}


def serve(sim: SimEndpoint) -> AbstractContextManager[FakeServer]:
    """Serve the simulation on a loopback port (the tests' HTTP harness; protocol in `route`)."""

    def route(request: Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {sim.api_key}":
            return Reply(401, {"error": "Unauthorized"})
        status, body = sim.route(request.method, request.path, request.body)
        return Reply(status, body)

    return serve_http(route)
