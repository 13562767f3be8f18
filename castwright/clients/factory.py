"""Build the external-service clients from settings: the one module that constructs clients.

Unset endpoints give the embedded defaults (local llama.cpp server, local RunPod worker, the output
folder); set ones give OpenAI-compatible APIs, a RunPod endpoint and an S3-compatible bucket. The
code that uses the clients cannot tell the difference.

A run opens `Clients` once (`open_clients`) and passes it down; each client starts on first use
(an unchanged rerun never starts the LLM or the TTS worker) and is closed when the run ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import openai

from castwright.clients.llm import LLMClient
from castwright.clients.local import llama_server, local_stream_worker, local_worker
from castwright.clients.notify import Notifier, guess_style
from castwright.clients.storage import LocalStorage, S3Storage, Storage
from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.settings import Settings
from castwright.core.spend import SpendMeter

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
EMBEDDED_MODEL = "smollm2-135m-instruct"


@contextmanager
def open_llm(
    settings: Settings, log_dir: Path, meter: SpendMeter | None = None
) -> Iterator[LLMClient]:
    if settings.llm_base_url is None:
        with llama_server(log_dir) as (base_url, _):
            client = openai.OpenAI(
                base_url=base_url, api_key="embedded", timeout=600.0, max_retries=1
            )
            yield LLMClient(client, EMBEDDED_MODEL, "json_object", meter)
        return
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    client = openai.OpenAI(
        base_url=settings.llm_base_url, api_key=key, timeout=300.0, max_retries=2
    )
    model = settings.llm_model or DEFAULT_OPENAI_MODEL
    yield LLMClient(client, model, settings.llm_json_mode or "json_schema", meter)


@contextmanager
def open_tts(
    settings: Settings, log_dir: Path, max_jobs: int | None = None, meter: SpendMeter | None = None
) -> Iterator[RunPodClient]:
    if settings.tts_url is None:
        with local_worker(log_dir) as base_url:
            yield RunPodClient(base_url, local=True, cold_start_timeout_s=0.0, max_jobs=max_jobs,
                               meter=meter)  # fmt: skip
        return
    yield RunPodClient(
        settings.tts_url, settings.runpod_api_key,
        policy=JobPolicy(poll_interval_s=settings.tts_poll_s),
        cold_start_timeout_s=settings.tts_cold_start_s,
        health_poll_s=min(5.0, settings.tts_cold_start_s / 10), max_jobs=max_jobs, meter=meter,
    )  # fmt: skip


@contextmanager
def open_stream_tts(settings: Settings, log_dir: Path, engines: str) -> Iterator[RunPodClient]:
    """The client for streaming jobs: the configured streaming endpoint, or the embedded
    stream server with `engines` loaded."""
    if settings.tts_stream_url is None:
        with local_stream_worker(log_dir, engines) as base_url:
            policy = JobPolicy(stream_poll_s=0.05)
            yield RunPodClient(base_url, policy=policy, cold_start_timeout_s=0.0)
        return
    yield RunPodClient(
        settings.tts_stream_url, settings.runpod_api_key,
        cold_start_timeout_s=settings.tts_cold_start_s,
        health_poll_s=min(5.0, settings.tts_cold_start_s / 10),
    )  # fmt: skip


def open_storage(settings: Settings, out_dir: Path) -> Storage:
    if settings.s3_bucket:
        return S3Storage(
            settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, prefix=settings.s3_prefix
        )
    return LocalStorage(out_dir)


def open_notifier(settings: Settings) -> Notifier | None:
    """The failure webhook, when CASTWRIGHT_NOTIFY_URL is set."""
    if settings.notify_url is None:
        return None
    url = settings.notify_url
    return Notifier(url, settings.notify_format or guess_style(url.get_secret_value()))


class Clients:
    """The run's service clients, each opened on first use and closed with the run."""

    def __init__(
        self, settings: Settings, out_dir: Path, stack: ExitStack, tts_jobs: int | None = None
    ) -> None:
        self.settings = settings
        self.tts_jobs = tts_jobs  # the show's tts.concurrency: jobs in flight at most
        # what the run spends, for the episode's cost report; embedded services bill nothing
        self.meter = SpendMeter(local_llm=settings.llm_base_url is None,
                                local_tts=settings.tts_url is None)  # fmt: skip
        self._out_dir = out_dir
        self._stack = stack
        self._llm: LLMClient | None = None
        self._tts: RunPodClient | None = None
        self._storage: Storage | None = None
        self._opening = threading.Lock()  # mapped tasks may ask for a client at the same time

    @property
    def log_dir(self) -> Path:
        return self.settings.work_dir / "logs"

    @property
    def llm(self) -> LLMClient:
        with self._opening:
            if self._llm is None:
                self._llm = self._stack.enter_context(
                    open_llm(self.settings, self.log_dir, self.meter)
                )
            return self._llm

    @property
    def tts(self) -> RunPodClient:
        with self._opening:
            if self._tts is None:
                self._tts = self._stack.enter_context(
                    open_tts(self.settings, self.log_dir, self.tts_jobs, self.meter)
                )
            return self._tts

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            self._storage = open_storage(self.settings, self._out_dir)
        return self._storage


@contextmanager
def open_clients(
    settings: Settings, out_dir: Path, tts_jobs: int | None = None
) -> Iterator[Clients]:
    """The clients of one run; whatever was started is stopped when the block ends. `tts_jobs`
    caps the TTS jobs in flight at once (the show's tts.concurrency), in every entry point."""
    with ExitStack() as stack:
        yield Clients(settings, out_dir, stack, tts_jobs)
