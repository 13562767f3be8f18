"""Build the external-service clients from settings: the one place configuration picks real ones.

Unset endpoints give the embedded defaults (local llama.cpp server, local RunPod worker, the output
folder); set ones give OpenAI-compatible APIs, a RunPod endpoint and an S3-compatible bucket. The
code that uses the clients cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai

from castwright.llm import LLMClient
from castwright.local_services import llama_server, local_worker
from castwright.settings import Settings
from castwright.storage import LocalStorage, S3Storage, Storage
from tasks.tts_client import JobPolicy, RunPodClient

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
EMBEDDED_MODEL = "smollm2-135m-instruct"


@contextmanager
def open_llm(settings: Settings, log_dir: Path) -> Iterator[LLMClient]:
    if settings.llm_base_url is None:
        with llama_server(log_dir) as base_url:
            client = openai.OpenAI(
                base_url=base_url, api_key="embedded", timeout=600.0, max_retries=1
            )
            yield LLMClient(client, EMBEDDED_MODEL, "json_object")
        return
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    client = openai.OpenAI(
        base_url=settings.llm_base_url, api_key=key, timeout=300.0, max_retries=2
    )
    model = settings.llm_model or DEFAULT_OPENAI_MODEL
    yield LLMClient(client, model, settings.llm_json_mode or "json_schema")


@contextmanager
def open_tts(settings: Settings, log_dir: Path) -> Iterator[RunPodClient]:
    if settings.tts_url is None:
        with local_worker(log_dir) as base_url:
            yield RunPodClient(base_url, local=True, cold_start_timeout_s=0.0)
        return
    yield RunPodClient(
        settings.tts_url, settings.runpod_api_key,
        policy=JobPolicy(poll_interval_s=settings.tts_poll_s),
        cold_start_timeout_s=settings.tts_cold_start_s,
        health_poll_s=min(5.0, settings.tts_cold_start_s / 10),
    )  # fmt: skip


def open_storage(settings: Settings, out_dir: Path) -> Storage:
    if settings.s3_bucket:
        return S3Storage(
            settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, prefix=settings.s3_prefix
        )
    return LocalStorage(out_dir)
