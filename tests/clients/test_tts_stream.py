"""Streaming jobs through the RunPod client: RunPod's cloud protocol (/run, then GET
/stream/{id}) against the fake endpoint and against the worker's local stream server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.errors import ClipCheckFailedError, ServiceError, TransientServiceError
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.worker.test_worker_stream_server import Gated, serving

JOB = {"text": "Three open speech models shipped this week.", "engine": "piper"}


def _items(job_input: dict[str, Any]) -> list[dict[str, Any]]:
    words = job_input["text"].split()
    return [{"index": i, "text": w} for i, w in enumerate(words)] + [{"done": True}]


def _client(base_url: str, key: str | None = "rp-test-key", **policy: Any) -> RunPodClient:
    chosen = JobPolicy(wait_s=policy.pop("wait_s", 10.0), stream_poll_s=0.01, poll_interval_s=0.01)
    return RunPodClient(base_url, SecretStr(key) if key else None, policy=chosen)


def test_items_arrive_in_order_page_by_page() -> None:
    fake = FakeRunPod(output=lambda _: {}, streamer=_items)
    with fake_runpod(fake) as server:
        items = list(_client(server.base_url).stream(JOB))
    assert items == _items(JOB)
    run, *pages = server.requests
    assert (run.method, run.path) == ("POST", "/v2/ep-test/run")
    assert run.body["input"] == JOB and run.body["policy"]["executionTimeout"] == 300000
    assert {(p.method, p.path.rsplit("/", 1)[0]) for p in pages} == {("GET", "/v2/ep-test/stream")}
    assert len(pages) >= len(items) - 1  # one more item per look: they came incrementally
    assert all(p.headers["Authorization"] == "Bearer rp-test-key" for p in server.requests)


def test_an_error_item_raises_after_the_items_before_it() -> None:
    clip_failed = {"code": "clip_check_failed", "message": "no candidate passed", "best_score": 50}

    def failing(job_input: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"index": 0}, {"index": 1}, {"error": json.dumps(clip_failed)}, {"index": 2}]

    fake = FakeRunPod(output=lambda _: {}, streamer=failing)
    seen: list[dict[str, Any]] = []
    with fake_runpod(fake) as server, pytest.raises(ClipCheckFailedError) as caught:
        seen.extend(_client(server.base_url).stream(JOB))
    assert seen == [{"index": 0}, {"index": 1}]
    assert caught.value.details["best_score"] == 50

    invalid = {"code": "invalid_input", "message": "invalid input: speed: too fast"}
    fake = FakeRunPod(output=lambda _: {}, streamer=lambda _: [{"error": json.dumps(invalid)}])
    with fake_runpod(fake) as server, pytest.raises(ServiceError, match="speed: too fast"):
        list(_client(server.base_url).stream(JOB))


def test_a_crashed_worker_and_a_lost_job_are_transient() -> None:
    crash = {"error_type": "RuntimeError", "error_message": "CUDA", "error_traceback": "..."}
    fake = FakeRunPod(output=lambda _: {}, streamer=lambda _: [{"error": json.dumps(crash)}])
    with fake_runpod(fake) as server, pytest.raises(TransientServiceError, match="crashed"):
        list(_client(server.base_url).stream(JOB))
    fake = FakeRunPod(output=lambda _: {}, streamer=_items)
    with fake_runpod(fake) as server:
        stream = _client(server.base_url).stream(JOB)
        next(stream)
        for job in fake.jobs.values():
            job.expired = True
        with pytest.raises(TransientServiceError, match="gone"):
            list(stream)


def test_a_wrong_key_fails_at_once() -> None:
    fake = FakeRunPod(output=lambda _: {}, streamer=_items)
    with fake_runpod(fake) as server, pytest.raises(ServiceError, match="RUNPOD_API_KEY"):
        list(_client(server.base_url, key="wrong").stream(JOB))


def test_the_local_stream_server_hands_out_audio_before_the_job_ends() -> None:
    """The first item reaches the caller while the worker is still blocked before the rest."""
    gated = Gated([{"index": 1}, {"done": True}])
    with serving(gated) as base:
        stream: Iterator[dict[str, Any]] = _client(base, key=None).stream(JOB)
        first = next(stream)
        assert first == {"index": 0, "text": JOB["text"]}
        assert not gated.release.is_set()  # the job cannot have finished: it waits for us
        threading.Timer(0.0, gated.release.set).start()
        assert list(stream) == [{"index": 1}, {"done": True}]
