"""Deployment settings from the environment: endpoints, secrets, storage, working folders.

Precedence, everywhere: CLI flag > environment variable > show file > built-in default.
Unset LLM and TTS endpoints mean the embedded defaults: castwright starts a local llama.cpp server
and a local copy of its RunPod worker on loopback ports. Secrets are `SecretStr`: they never
appear in logs, reprs, manifests or artifacts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from castwright.core.paths import DEFAULT_SHOW

ENV_DOC: dict[str, str] = {
    "CASTWRIGHT_LLM_BASE_URL": "OpenAI-compatible API base URL (unset: embedded llama.cpp server)",
    "CASTWRIGHT_LLM_MODEL": "model name for both passes unless the show file names one",
    "CASTWRIGHT_LLM_JSON_MODE": "json_schema (OpenAI structured outputs) or json_object (llama.cpp)",
    "OPENAI_API_KEY": "API key for the LLM endpoint (secret)",
    "RUNPOD_ENDPOINT_ID": "RunPod serverless endpoint id (unset: embedded local worker)",
    "RUNPOD_API_KEY": "RunPod API key (secret)",
    "CASTWRIGHT_TTS_URL": "base URL of a RunPod-compatible endpoint (overrides the two above)",
    "CASTWRIGHT_TTS_COLD_START_S": "how long to wait for a cold TTS endpoint to start a worker (180)",
    "CASTWRIGHT_TTS_POLL_S": "seconds between status polls of a queued TTS job (2)",
    "CASTWRIGHT_TTS_STREAM_URL": "streaming endpoint for `castwright listen` (a RunPod endpoint "
    "running worker.streaming; unset: embedded local stream server)",
    "CASTWRIGHT_PUBLIC_BASE_URL": "public URL where the output folder or bucket is served",
    "CASTWRIGHT_S3_BUCKET": "publish to this S3-compatible bucket instead of the output folder",
    "CASTWRIGHT_S3_ENDPOINT_URL": "S3 endpoint (R2, MinIO); unset for AWS",
    "CASTWRIGHT_S3_PREFIX": "key prefix inside the bucket",
    "CASTWRIGHT_WORK_DIR": "where clips, scripts and caches are kept (default .castwright/)",
    "CASTWRIGHT_NOTIFY_URL": "webhook that is told when a run fails or its script is blocked "
    "(secret: Slack and Discord webhook URLs hold a token)",
    "CASTWRIGHT_NOTIFY_FORMAT": "generic, slack or discord (default: from the webhook URL)",
    "CASTWRIGHT_SHOW": "the show file when no --show flag or `show` parameter names one "
    "(default examples/show.yaml); the weekly deployment reads it",
}

DEFAULT_PUBLIC_BASE_URL = "http://localhost:8000/"
RUNPOD_API_BASE = "https://api.runpod.ai/v2"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_json_mode: Literal["json_schema", "json_object"] | None = None
    llm_api_key: SecretStr | None = None
    tts_url: str | None = None
    runpod_api_key: SecretStr | None = None
    tts_cold_start_s: float = Field(180.0, gt=0, le=3600)
    tts_poll_s: float = Field(2.0, gt=0, le=60)
    tts_stream_url: str | None = None
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_prefix: str = ""
    work_dir: Path = Field(default_factory=lambda: Path(".castwright"))
    show_file: Path = DEFAULT_SHOW
    notify_url: SecretStr | None = None
    notify_format: Literal["generic", "slack", "discord"] | None = None


def _tts_url(env: Mapping[str, str]) -> str | None:
    if env.get("CASTWRIGHT_TTS_URL"):
        return env["CASTWRIGHT_TTS_URL"]
    if env.get("RUNPOD_ENDPOINT_ID"):
        return f"{RUNPOD_API_BASE}/{env['RUNPOD_ENDPOINT_ID']}"
    return None


def _secret(env: Mapping[str, str], *names: str) -> SecretStr | None:
    value = next((env[n] for n in names if env.get(n)), None)
    return SecretStr(value) if value else None


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment; keyword overrides (CLI flags) win."""
    env = os.environ if env is None else env
    values: dict[str, object] = {
        "llm_base_url": env.get("CASTWRIGHT_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or None,
        "llm_model": env.get("CASTWRIGHT_LLM_MODEL") or None,
        "llm_json_mode": env.get("CASTWRIGHT_LLM_JSON_MODE") or None,
        "llm_api_key": _secret(env, "CASTWRIGHT_LLM_API_KEY", "OPENAI_API_KEY"),
        "tts_url": _tts_url(env),
        "runpod_api_key": _secret(env, "RUNPOD_API_KEY"),
        "tts_cold_start_s": env.get("CASTWRIGHT_TTS_COLD_START_S") or 180.0,
        "tts_poll_s": env.get("CASTWRIGHT_TTS_POLL_S") or 2.0,
        "tts_stream_url": env.get("CASTWRIGHT_TTS_STREAM_URL") or None,
        "public_base_url": env.get("CASTWRIGHT_PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL,
        "s3_bucket": env.get("CASTWRIGHT_S3_BUCKET") or None,
        "s3_endpoint_url": env.get("CASTWRIGHT_S3_ENDPOINT_URL") or None,
        "s3_prefix": env.get("CASTWRIGHT_S3_PREFIX", ""),
        "notify_url": _secret(env, "CASTWRIGHT_NOTIFY_URL"),
        "notify_format": env.get("CASTWRIGHT_NOTIFY_FORMAT") or None,
    }
    if env.get("CASTWRIGHT_WORK_DIR"):
        values["work_dir"] = Path(env["CASTWRIGHT_WORK_DIR"])
    if env.get("CASTWRIGHT_SHOW"):
        values["show_file"] = Path(env["CASTWRIGHT_SHOW"])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(values)
