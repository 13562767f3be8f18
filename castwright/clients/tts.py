"""Client for a RunPod serverless endpoint (REST API), also used for the embedded local worker.

Protocol (RunPod docs): POST {base}/runsync (waits, may still answer IN_QUEUE/IN_PROGRESS),
GET {base}/status/{id} to poll, POST {base}/cancel/{id}, GET {base}/health. Job states:
IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT; a job past its TTL is deleted
(status 404). The runpod SDK's local API (`--rp_serve_api`) serves /runsync only, without /health
and with POST /status: `local=True` selects those differences and nothing else.

Streaming jobs (an endpoint running `worker.streaming`, a generator handler): POST {base}/run,
then GET {base}/stream/{id} until a terminal state; each answer carries the items yielded since
the previous one, {"status", "stream": [{"output": item}, ...]}. The SDK's local API answers
POST /stream/{id} once, with every item, when the job has ended.

Errors never vanish: transient faults (timeouts, 429, 5xx, TIMED_OUT, a crashed worker, an
expired job) raise TransientServiceError, for the caller's retries; everything else raises
ServiceError with the endpoint's own message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import BaseModel, SecretStr

from castwright.core.errors import (
    ClipCheckFailedError,
    ServiceError,
    SynthesisError,
    TransientServiceError,
)
from castwright.core.netguard import redact_url
from castwright.core.spend import Kind, SpendMeter

log = logging.getLogger(__name__)

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}


class JobPolicy(BaseModel):
    execution_timeout_s: float = 300.0
    ttl_s: float = 3600.0
    wait_s: float = 300.0  # how long the client follows one job before cancelling it
    poll_interval_s: float = 2.0
    stream_poll_s: float = 0.25  # between /stream calls of a streaming job


class Health(BaseModel):
    ready_workers: int
    queued_jobs: int
    raw: dict[str, Any]


class RunPodClient:
    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | None = None,
        *,
        local: bool = False,
        policy: JobPolicy | None = None,
        http: httpx.Client | None = None,
        cold_start_timeout_s: float = 180.0,
        health_poll_s: float = 5.0,
        http_margin_s: float = 30.0,
        max_jobs: int | None = None,
        meter: SpendMeter | None = None,
    ) -> None:
        self.meter = meter  # jobs, warm-ups and cold starts go on the episode's spend ledger
        self.base_url = base_url.rstrip("/")
        # the show's tts.concurrency: never more jobs in flight at once, whatever calls run()
        self._slots = threading.BoundedSemaphore(max_jobs) if max_jobs else None
        self.local = local
        self.policy = policy or JobPolicy()
        self.cold_start_timeout_s = cold_start_timeout_s
        self.health_poll_s = health_poll_s
        self.http_margin_s = http_margin_s  # beyond the server-side wait, before a read times out
        headers = {"Authorization": f"Bearer {api_key.get_secret_value()}"} if api_key else {}
        self.http = http or httpx.Client(timeout=httpx.Timeout(30.0, read=120.0))
        self.headers = headers

    def __repr__(self) -> str:  # never show the key
        return f"RunPodClient({redact_url(self.base_url)!r}, local={self.local})"

    # --- HTTP -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self.http.request(method, url, headers=self.headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientServiceError(f"TTS endpoint timed out on {path}: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientServiceError(
                f"TTS endpoint unreachable at {redact_url(url)}: {exc}"
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientServiceError(
                f"TTS endpoint answered {response.status_code} on {path}: {response.text[:300]}"
            )
        if response.status_code in (401, 403):
            raise ServiceError(
                f"TTS endpoint refused the API key ({response.status_code}); check RUNPOD_API_KEY"
            )
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except json.JSONDecodeError as exc:
            raise TransientServiceError(
                f"TTS endpoint sent non-JSON ({response.status_code})"
            ) from exc
        if not isinstance(data, dict):
            raise ServiceError(f"TTS endpoint sent unexpected JSON: {str(data)[:200]}")
        return data

    # --- health and cold start ----------------------------------------------------------------

    def health(self) -> Health:
        if self.local:
            self._request("GET", "/")  # the local API's docs page: up means one ready worker
            return Health(ready_workers=1, queued_jobs=0, raw={"local": True})
        response = self._request("GET", "/health")
        if response.status_code != 200:
            raise ServiceError(
                f"TTS endpoint health check failed ({response.status_code}): {response.text[:300]}"
            )
        data = self._json(response)
        workers, jobs = data.get("workers", {}) or {}, data.get("jobs", {}) or {}
        ready = (
            int(workers.get("idle", 0))
            + int(workers.get("running", 0))
            + int(workers.get("ready", 0))
        )
        return Health(ready_workers=ready, queued_jobs=int(jobs.get("inQueue", 0)), raw=data)

    def wait_until_ready(self, warmup_input: dict[str, Any] | None = None) -> Health:
        """Pre-flight. With no worker up, queue a small warm-up job (serverless workers start only
        for queued jobs), wait for a worker (bounded), and fail with a clear message if none
        comes: an endpoint idle for 7 days is scaled to 0 workers until raised by hand."""
        health = self.health()
        if health.ready_workers > 0:
            return health
        log.info(
            "TTS endpoint has no ready worker: expecting a cold start (up to %.0f s)",
            self.cold_start_timeout_s,
        )
        if warmup_input is not None:
            self._request("POST", "/run", json={"input": warmup_input})
            self._meter("warmup_job")
        waiting = time.monotonic()
        deadline = waiting + self.cold_start_timeout_s
        while health.ready_workers == 0 and time.monotonic() < deadline:
            time.sleep(self.health_poll_s)
            health = self.health()
        if health.ready_workers == 0:
            raise ServiceError(
                f"no TTS worker started within {self.cold_start_timeout_s:.0f} s at {redact_url(self.base_url)}. "
                "Check the endpoint's max workers in the RunPod console (an endpoint idle for 7 "
                "days is scaled to 0 until raised by hand) and its logs for a failing image."
            )
        self._meter("cold_start", time.monotonic() - waiting)
        log.info("TTS endpoint ready: %d worker(s)", health.ready_workers)
        return health

    def _meter(self, kind: Kind, seconds: float = 0.0, audio_seconds: float = 0.0) -> None:
        if self.meter is not None:
            self.meter.add(kind, seconds, audio_seconds=audio_seconds)

    # --- jobs --------------------------------------------------------------------------------

    def _body(self, job_input: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"input": job_input}
        if not self.local:
            body["policy"] = {
                "executionTimeout": int(self.policy.execution_timeout_s * 1000),
                "ttl": int(self.policy.ttl_s * 1000),
            }
        return body

    def _submit(self, job_input: dict[str, Any]) -> dict[str, Any]:
        body = self._body(job_input)
        wait_ms = int(min(self.policy.wait_s, 90.0) * 1000)
        params = {} if self.local else {"wait": wait_ms}
        response = self._request(
            "POST",
            "/runsync",
            json=body,
            params=params,
            timeout=self.policy.wait_s + self.http_margin_s,
        )
        if response.status_code >= 400:
            raise ServiceError(
                f"TTS endpoint rejected the job ({response.status_code}): {response.text[:500]}"
            )
        return self._json(response)

    def status(self, job_id: str) -> dict[str, Any]:
        response = self._request("POST" if self.local else "GET", f"/status/{job_id}")
        if response.status_code == 404:
            raise TransientServiceError(
                f"job {job_id} is gone (expired after its TTL); it will be resubmitted"
            )
        if response.status_code >= 400:
            raise ServiceError(
                f"status of job {job_id} failed ({response.status_code}): {response.text[:300]}"
            )
        return self._json(response)

    def cancel(self, job_id: str) -> None:
        if self.local:
            return
        try:
            self._request("POST", f"/cancel/{job_id}")
        except ServiceError as exc:  # cancelling is best effort; the job's TTL ends it anyway
            log.warning("could not cancel job %s: %s", job_id, exc)

    def run(self, job_input: dict[str, Any]) -> dict[str, Any]:
        """Run one job to completion and return its output, or raise. With `max_jobs`, a call
        waits for a free slot first: at most that many jobs are in flight at once."""
        if self._slots is None:
            return self._run(job_input)
        with self._slots:
            return self._run(job_input)

    def _run(self, job_input: dict[str, Any]) -> dict[str, Any]:
        started, job, audio = time.monotonic(), None, 0.0
        try:
            job = self._follow(job_input)
            output = _job_output(job)
            audio = _audio_s(output)
            return output
        finally:  # a failed job is billed too; RunPod's executionTime when it reports one
            self._meter("tts_job", _execution_s(job) or time.monotonic() - started, audio)

    def _follow(self, job_input: dict[str, Any]) -> dict[str, Any]:
        job = self._submit(job_input)
        job_id = str(job.get("id", ""))
        deadline = time.monotonic() + self.policy.wait_s
        while job.get("status") not in TERMINAL:
            if time.monotonic() > deadline:
                self.cancel(job_id)
                raise TransientServiceError(
                    f"job {job_id} not finished after {self.policy.wait_s:.0f} s; cancelled"
                )
            time.sleep(self.policy.poll_interval_s)
            job = self.status(job_id)
        return job

    # --- streaming jobs ----------------------------------------------------------------------

    def stream(self, job_input: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Run a streaming job, yielding each item the worker yields, in order, as it arrives;
        raise as `run` does when the job fails (an error item or a FAILED job)."""
        response = self._request("POST", "/run", json=self._body(job_input))
        if response.status_code >= 400:
            raise ServiceError(
                f"TTS endpoint rejected the job ({response.status_code}): {response.text[:500]}"
            )
        job_id = str(self._json(response).get("id", ""))
        deadline = time.monotonic() + self.policy.wait_s
        while True:
            page = self._stream_page(job_id)
            for item in page.get("stream") or []:
                yield _stream_item(job_id, item)
            if page.get("status") in TERMINAL:
                _stream_end(job_id, page)
                return
            if time.monotonic() > deadline:
                self.cancel(job_id)
                raise TransientServiceError(
                    f"stream job {job_id} not finished after {self.policy.wait_s:.0f} s; cancelled"
                )
            time.sleep(self.policy.stream_poll_s)

    def _stream_page(self, job_id: str) -> dict[str, Any]:
        response = self._request("POST" if self.local else "GET", f"/stream/{job_id}")
        if response.status_code == 404:
            raise TransientServiceError(f"stream job {job_id} is gone (expired after its TTL)")
        if response.status_code >= 400:
            raise ServiceError(
                f"stream of job {job_id} failed ({response.status_code}): {response.text[:300]}"
            )
        return self._json(response)


def _stream_item(job_id: str, item: Any) -> dict[str, Any]:
    output = item.get("output") if isinstance(item, dict) else None
    if isinstance(output, dict) and "error" in output:  # the SDK's local API keeps error items
        raise job_error(job_id, str(output["error"]))
    if not isinstance(output, dict):
        raise ServiceError(f"stream job {job_id} sent an item that is not an object: {item!r:.200}")
    return output


def _stream_end(job_id: str, page: dict[str, Any]) -> None:
    status = page.get("status")
    if status == "COMPLETED":
        return
    if status in ("TIMED_OUT", "CANCELLED"):
        raise TransientServiceError(f"stream job {job_id} ended {status}")
    raise job_error(job_id, str(page.get("error", "no error message")))


def _job_output(job: dict[str, Any]) -> dict[str, Any]:
    status, job_id = job.get("status"), job.get("id")
    if status == "COMPLETED":
        output = job.get("output")
        if isinstance(output, dict) and "error" in output:
            raise job_error(str(job_id), str(output["error"]))
        if not isinstance(output, dict):
            raise ServiceError(
                f"TTS job {job_id} completed without an output object: {str(output)[:200]}"
            )
        return output
    if status in ("TIMED_OUT", "CANCELLED"):
        raise TransientServiceError(f"TTS job {job_id} ended {status}")
    raise job_error(str(job_id), str(job.get("error", "no error message")))


def _error_object(error: str) -> dict[str, Any]:
    """The worker's errors are JSON inside RunPod's error string (see worker/README.md)."""
    try:
        data = json.loads(error)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def job_error(job_id: str, error: str) -> ServiceError | SynthesisError:
    """The exception for a failed job: a crashed worker is transient (an uncaught exception
    arrives with a traceback); a clip that never passed the check can be acted on upstream."""
    data = _error_object(error)
    if "error_traceback" in data:
        return TransientServiceError(f"TTS worker crashed on job {job_id}: {error[:500]}")
    if data.get("code") == "clip_check_failed":
        return ClipCheckFailedError(f"TTS job {job_id}: {data.get('message', error)}", data)
    return ServiceError(f"TTS job {job_id} failed: {str(data.get('message', error))[:1000]}")


def _audio_s(output: dict[str, Any]) -> float:
    """Seconds of speech a job returned (the worker's `duration_s`), for the cost estimate."""
    value = output.get("duration_s")
    return float(value) if isinstance(value, int | float) and value > 0 else 0.0


def _execution_s(job: dict[str, Any] | None) -> float | None:
    """RunPod's billed execution time of a finished job (ms in its status), when present."""
    value = (job or {}).get("executionTime")
    return float(value) / 1000 if isinstance(value, int | float) else None
