"""The streaming job mode served locally with RunPod's cloud protocol: chunks as they come.

The runpod SDK's local API (`python -m worker.streaming --rp_serve_api`) runs a generator job to
its end before its POST /stream/{id} answers (runpod 1.12, rp_fastapi._sim_stream), so locally
the first audio would wait for the last. This server speaks the cloud's routes for a streaming
endpoint instead, so castwright's RunPod client reads it exactly as it reads RunPod:

    POST /run                {"input": ...} -> {"id", "status": "IN_QUEUE"}
    GET  /stream/{id}        {"id", "status", "stream": [{"output": item}, ...]}: the items
                             yielded since the previous call; FAILED jobs carry "error"
    GET  /status/{id}        {"id", "status", "output": [every item]} (return_aggregate_stream)
    POST /cancel/{id}        stops the job after its current item
    GET  /health             {"jobs": {...}, "workers": {"idle", "running"}}

Jobs run one at a time, in order (one worker). A yielded {"error": ...} ends the job FAILED with
that error string, as RunPod does; a crash ends it FAILED with the SDK's JSON error (type, message,
traceback). It listens only once the models are loaded and warmed up:

    python -m worker.stream_server --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import queue
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

Run = Callable[[dict[str, Any]], Iterator[dict[str, Any]]]
_ROUTE = re.compile(r"^/(run|stream|status|cancel|health)(?:/([\w-]+))?/?$")


@dataclass
class StreamJob:
    id: str
    input: Any
    status: str = "IN_QUEUE"
    items: list[Any] = field(default_factory=list)
    sent: int = 0
    error: str | None = None


class StreamService:
    """The job queue and its one worker thread; every method is safe to call from any thread."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._jobs: dict[str, StreamJob] = {}
        self._queue: queue.Queue[StreamJob] = queue.Queue()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        threading.Thread(target=self._work, daemon=True, name="stream-worker").start()

    def submit(self, job_input: Any) -> dict[str, Any]:
        with self._lock:
            job = StreamJob(id=f"stream-{next(self._ids)}", input=job_input)
            self._jobs[job.id] = job
        self._queue.put(job)
        return {"id": job.id, "status": job.status}

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            with self._lock:
                if job.status == "CANCELLED":
                    continue
                job.status = "IN_PROGRESS"
            self._run_one(job)

    def _run_one(self, job: StreamJob) -> None:
        try:
            for item in self._run({"id": job.id, "input": job.input}):
                with self._lock:
                    if job.status == "CANCELLED":
                        return
                    if isinstance(item, dict) and "error" in item:
                        job.status, job.error = "FAILED", str(item["error"])
                        return
                    job.items.append(item)
        except Exception as exc:  # a bug in the handler: reported like the SDK reports it
            log.exception("stream job %s crashed", job.id)
            crash = {"error_type": str(type(exc)), "error_message": str(exc),
                     "error_traceback": traceback.format_exc()}  # fmt: skip
            with self._lock:
                job.status, job.error = "FAILED", json.dumps(crash)
            return
        with self._lock:
            if job.status == "IN_PROGRESS":
                job.status = "COMPLETED"

    def _view(self, job: StreamJob, **extra: Any) -> dict[str, Any]:
        body = {"id": job.id, "status": job.status, **extra}
        if job.error is not None:
            body["error"] = job.error
        return body

    def stream(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            new, job.sent = job.items[job.sent :], len(job.items)
            return self._view(job, stream=[{"output": item} for item in new])

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            done = job.status == "COMPLETED"
            return self._view(job, output=list(job.items)) if done else self._view(job)

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status in ("IN_QUEUE", "IN_PROGRESS"):
                job.status = "CANCELLED"
            return self._view(job)

    def health(self) -> dict[str, Any]:
        with self._lock:
            states = [j.status for j in self._jobs.values()]
        running = states.count("IN_PROGRESS")
        jobs = {"inQueue": states.count("IN_QUEUE"), "inProgress": running,
                "completed": states.count("COMPLETED"), "failed": states.count("FAILED")}  # fmt: skip
        return {"jobs": jobs, "workers": {"idle": 1 - min(running, 1), "running": min(running, 1)}}


def make_server(service: StreamService, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for `service` (not yet serving: call serve_forever)."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            match = _ROUTE.match(self.path.split("?")[0])
            if match is None:
                return self._reply(404, {"error": f"no route {self.path}"})
            action, job_id = match.groups()
            allowed = {"run": "POST", "cancel": "POST", "stream": "GET", "status": "GET",
                       "health": "GET"}  # fmt: skip
            if allowed[action] != method:
                return self._reply(405, {"error": f"{method} not allowed on /{action}"})
            if action == "run":
                return self._run()
            if action == "health":
                return self._reply(200, service.health())
            answer = getattr(service, action)(job_id or "")
            if answer is None:
                return self._reply(404, {"error": f"job {job_id} not found"})
            return self._reply(200, answer)

        def _run(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as exc:
                return self._reply(400, {"error": f"the body is not JSON: {exc}"})
            if not isinstance(body, dict) or "input" not in body:
                return self._reply(400, {"error": 'the body needs an "input" object'})
            return self._reply(200, service.submit(body["input"]))

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="serve the streaming job mode locally")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from worker.runtime import start_worker
    from worker.settings import WorkerSettings
    from worker.streaming import stream_job

    worker = start_worker(WorkerSettings.from_env())
    server = make_server(StreamService(lambda job: stream_job(job, worker)), args.host, args.port)
    log.info("streaming jobs at http://%s:%d (cloud protocol)", args.host, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
