"""A fake RunPod serverless endpoint speaking the documented REST protocol.

Routes (under /v2/{endpoint_id}): POST /run (queues, answers IN_QUEUE), POST /runsync (answers COMPLETED, or IN_QUEUE/IN_PROGRESS when the
job is not done within the wait), GET /status/{job_id}, POST /cancel/{job_id}, GET /health. Jobs
move IN_QUEUE -> IN_PROGRESS -> a terminal state; a job past its TTL is deleted (status 404).
Tests script behaviour per request with `plan`: a list of steps consumed in order.

A streaming endpoint (a generator handler with return_aggregate_stream) is `streamer`: the items
its handler yields for an input. GET /stream/{job_id} answers {"id", "status", "stream":
[{"output": item}, ...]} with the items produced since the previous call: IN_QUEUE and empty at
first, then one more item per call IN_PROGRESS, the last ones with COMPLETED. An item holding
"error" is not streamed: the job ends FAILED with that error string (runpod's handle_job).
/status of a completed streaming job holds the aggregated list of items.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, serve

ENDPOINT = "ep-test"


@dataclass
class Job:
    id: str
    input: dict[str, Any]
    states: list[str]  # states reported on successive looks, last one sticks
    output: Any = None  # a dict; a streaming job's aggregated list of items
    error: str | None = None
    expired: bool = False
    looks: int = 0
    finished: bool = False  # the client has been told a terminal state
    execution_ms: int = 1200  # what RunPod reports (and bills) as the job's execution time
    ready_at: float = 0.0  # monotonic time before which the job waits IN_QUEUE (cold start)
    items: list[Any] | None = None  # a streaming job's yielded items
    sent: int = 0

    def stream_view(self) -> dict[str, Any]:
        """The next page of a streaming job: one more item per look (two on the last)."""
        assert self.items is not None
        self.looks += 1
        if self.looks == 1 or time.monotonic() < self.ready_at:
            return {"id": self.id, "status": "IN_QUEUE", "stream": []}
        failed = next((i for i, it in enumerate(self.items) if "error" in it), None)
        produced = self.items if failed is None else self.items[:failed]
        upto = min(len(produced), self.sent + 1)
        if upto >= len(produced) - 1:
            upto = len(produced)
        page, self.sent = produced[self.sent : upto], upto
        body: dict[str, Any] = {"id": self.id, "stream": [{"output": it} for it in page]}
        if upto < len(produced):
            body["status"] = "IN_PROGRESS"
        elif failed is not None:
            body.update(status="FAILED", error=str(self.items[failed]["error"]))
        else:
            body["status"] = "COMPLETED"
            self.states, self.output = ["COMPLETED"], produced  # return_aggregate_stream
        return body

    def view(self) -> dict[str, Any]:
        if time.monotonic() < self.ready_at:
            return {"id": self.id, "status": "IN_QUEUE"}
        state = self.states[min(self.looks, len(self.states) - 1)]
        self.looks += 1
        self.finished = state in ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
        body: dict[str, Any] = {"id": self.id, "status": state}
        if self.finished:
            body |= {"delayTime": 40, "executionTime": self.execution_ms}
        if state == "COMPLETED":
            body["output"] = self.output
        if state == "FAILED":
            body["error"] = self.error
        return body


@dataclass
class FakeRunPod:
    """`plan` steps: an int HTTP status to answer /runsync with, or a dict of Job fields."""

    output: Callable[[dict[str, Any]], dict[str, Any]]
    plan: list[Any] = field(default_factory=list)
    health_workers: list[int] = field(default_factory=lambda: [1])
    api_key: str = "rp-test-key"
    #: called per /runsync with the job input; may return a plan step (a fault) or None
    chaos: Callable[[dict[str, Any]], Any] | None = None
    #: a streaming endpoint: the items its generator handler yields for an input
    streamer: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    #: seconds after start during which no worker is up: jobs wait IN_QUEUE, health shows 0
    cold_start_s: float = 0.0
    started: float = field(default_factory=time.monotonic)
    jobs: dict[str, Job] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _health_looks: int = 0
    #: the most jobs ever in flight at once (submitted, terminal state not yet reported)
    peak_in_flight: int = 0

    def route(self, request: Request) -> Reply:
        match = re.fullmatch(rf"/v2/{ENDPOINT}/(\w+)(?:/([\w-]+))?(?:\?.*)?", request.path)
        if not match:
            return Reply(404, {"error": "not found"})
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"error": "Unauthorized"})
        action, job_id = match.groups()
        handler = {"runsync": self._runsync, "run": self._run, "status": self._status,
                   "cancel": self._cancel, "health": self._health, "stream": self._stream}  # fmt: skip
        if action == "stream" and request.method != "GET":
            return Reply(405, {"detail": "Method Not Allowed"})
        return (
            handler[action](request, job_id)
            if action in handler
            else Reply(404, {"error": "not found"})
        )

    def _runsync(self, request: Request, _: str | None) -> Reply:
        step = (
            self.plan.pop(0)
            if self.plan
            else (self.chaos and self.chaos(request.body["input"])) or {}
        )
        if isinstance(step, int):
            return Reply(step, {"error": f"fake status {step}"})
        job_input = request.body["input"]
        job = Job(id=f"job-{next(self._ids)}", input=job_input, states=step.get("states", ["COMPLETED"]),
                  error=step.get("error"), expired=step.get("expired", False))  # fmt: skip
        job.output = step.get("output") or self.output(job_input)
        job.ready_at = self.started + self.cold_start_s
        self.jobs[job.id] = job
        reply = Reply(200, job.view())
        in_flight = sum(not j.finished for j in list(self.jobs.values()))
        self.peak_in_flight = max(self.peak_in_flight, in_flight)
        return reply

    def _run(self, request: Request, _: str | None) -> Reply:
        job = Job(
            id=f"job-{next(self._ids)}",
            input=request.body["input"],
            states=["IN_QUEUE", "COMPLETED"],
        )
        if self.streamer is not None:
            job.items, job.states = self.streamer(job.input), ["IN_QUEUE", "IN_PROGRESS"]
        else:
            job.output = self.output(job.input)
        job.ready_at = self.started + self.cold_start_s
        self.jobs[job.id] = job
        return Reply(200, {"id": job.id, "status": "IN_QUEUE"})

    def _stream(self, request: Request, job_id: str | None) -> Reply:
        job = self.jobs.get(job_id or "")
        if job is None or job.expired:
            return Reply(404, {"error": "job not found"})
        if job.items is None:  # not a generator handler: nothing is ever streamed
            return Reply(200, {"id": job.id, "status": job.view()["status"], "stream": []})
        return Reply(200, job.stream_view())

    def _status(self, request: Request, job_id: str | None) -> Reply:
        job = self.jobs.get(job_id or "")
        if job is None or job.expired:
            return Reply(404, {"error": "job not found"})
        return Reply(200, job.view())

    def _cancel(self, request: Request, job_id: str | None) -> Reply:
        self.cancelled.append(job_id or "")
        return Reply(200, {"id": job_id, "status": "CANCELLED"})

    def _health(self, request: Request, _: str | None) -> Reply:
        idle = self.health_workers[min(self._health_looks, len(self.health_workers) - 1)]
        if time.monotonic() < self.started + self.cold_start_s:
            idle = 0
        self._health_looks += 1
        return Reply(200, {"jobs": {"completed": 0, "failed": 0, "inProgress": 0, "inQueue": 0, "retried": 0},
                           "workers": {"idle": idle, "running": 0, "initializing": 1 - min(idle, 1)}})  # fmt: skip


@contextmanager
def fake_runpod(fake: FakeRunPod) -> Iterator[FakeServer]:
    with serve(fake.route) as server:
        server.base_url = f"{server.base_url}/v2/{ENDPOINT}"
        yield server
