"""The local streaming server: RunPod's cloud routes, items handed out as they are yielded."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from worker.stream_server import Run, StreamService, make_server


@contextmanager
def serving(run: Run) -> Iterator[str]:
    server = make_server(StreamService(run), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Gated:
    """A generator handler that yields one item, then waits for the test before the rest."""

    def __init__(self, tail: list[dict[str, Any]]) -> None:
        self.first_out = threading.Event()
        self.release = threading.Event()
        self.tail = tail

    def __call__(self, job: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"index": 0, "text": job["input"]["text"]}
        self.first_out.set()
        assert self.release.wait(10)
        yield from self.tail


def test_items_are_streamed_while_the_job_still_runs() -> None:
    gated = Gated([{"index": 1}, {"done": True}])
    with serving(gated) as base:
        status, job = call(f"{base}/run", {"input": {"text": "hi"}})
        assert status == 200 and job["status"] == "IN_QUEUE"
        assert gated.first_out.wait(10)
        _, first = call(f"{base}/stream/{job['id']}")
        assert first["status"] == "IN_PROGRESS"
        assert first["stream"] == [{"output": {"index": 0, "text": "hi"}}]
        _, again = call(f"{base}/stream/{job['id']}")
        assert again["stream"] == []  # nothing new yet: items are handed out once
        _, running = call(f"{base}/status/{job['id']}")
        assert running["status"] == "IN_PROGRESS" and "output" not in running
        gated.release.set()
        pages = []
        while not pages or pages[-1]["status"] == "IN_PROGRESS":
            pages.append(call(f"{base}/stream/{job['id']}")[1])
        assert pages[-1]["status"] == "COMPLETED"
        rest = [item["output"] for page in pages for item in page["stream"]]
        assert rest == [{"index": 1}, {"done": True}]
        _, final = call(f"{base}/status/{job['id']}")
        assert final["output"] == [{"index": 0, "text": "hi"}, {"index": 1}, {"done": True}]


def test_an_error_item_fails_the_job_with_its_string() -> None:
    gated = Gated([{"error": '{"code": "invalid_input", "message": "bad"}'}, {"never": 1}])
    gated.release.set()
    with serving(gated) as base:
        _, job = call(f"{base}/run", {"input": {"text": "hi"}})
        page: dict[str, Any] = {"status": "IN_QUEUE"}
        items = []
        while page["status"] in ("IN_QUEUE", "IN_PROGRESS"):
            page = call(f"{base}/stream/{job['id']}")[1]
            items += page["stream"]
        assert page["status"] == "FAILED" and json.loads(page["error"])["code"] == "invalid_input"
        assert items == [{"output": {"index": 0, "text": "hi"}}]


def test_a_crash_fails_the_job_with_a_traceback() -> None:
    def crash(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
        raise RuntimeError("boom")
        yield {}

    with serving(crash) as base:
        _, job = call(f"{base}/run", {"input": {"text": "hi"}})
        page: dict[str, Any] = {"status": "IN_QUEUE"}
        while page["status"] in ("IN_QUEUE", "IN_PROGRESS"):
            page = call(f"{base}/status/{job['id']}")[1]
        error = json.loads(page["error"])
        assert page["status"] == "FAILED" and error["error_message"] == "boom"
        assert "RuntimeError" in error["error_traceback"]


def test_routes_methods_and_unknown_jobs() -> None:
    gated = Gated([])
    with serving(gated) as base:
        assert call(f"{base}/stream/nope") == (404, {"error": "job nope not found"})
        assert call(f"{base}/stream/x", {"input": {}})[0] == 405  # /stream is GET on RunPod
        assert call(f"{base}/run", {"text": "no input"})[0] == 400
        status, health = call(f"{base}/health")
        assert status == 200 and health["workers"] == {"idle": 1, "running": 0}
        _, job = call(f"{base}/run", {"input": {"text": "hi"}})
        assert gated.first_out.wait(10)
        assert call(f"{base}/health")[1]["workers"] == {"idle": 0, "running": 1}
        _, cancelled = call(f"{base}/cancel/{job['id']}", {})
        assert cancelled["status"] == "CANCELLED"
        gated.release.set()


@pytest.mark.parametrize("path", ["/", "/v2/x/run", "/streams/1"])
def test_unknown_paths_are_404(path: str) -> None:
    with serving(Gated([])) as base:
        assert call(f"{base}{path}")[0] == 404
