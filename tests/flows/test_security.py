"""Secrets never appear in logs, artifacts, manifests, work files or the feed."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client

from castwright.core.paths import DEFAULT_NEWSLETTER
from flows.episode import episode_flow
from tests.flows.conftest import DUMMY_OPENAI_KEY, DUMMY_RUNPOD_KEY, Services

SECRETS = (DUMMY_OPENAI_KEY, DUMMY_RUNPOD_KEY, "aws-DUMMY-secret-93b1")


def test_dummy_secrets_appear_in_no_output(
    prefect_harness: None, services: Services, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRETS[2])
    caplog.set_level("DEBUG")
    result = episode_flow(newsletter=str(DEFAULT_NEWSLETTER), out=str(services.out))
    assert services.runpod_server.requests, "the TTS endpoint was never called"
    assert all(
        r.headers.get("Authorization") == f"Bearer {DUMMY_RUNPOD_KEY}"
        for r in services.runpod_server.requests
    )

    texts = [caplog.text, *capsys.readouterr()]
    texts += [p.read_text(errors="replace") for root in (services.work, services.out) for p in root.rglob("*")
              if p.is_file() and p.suffix not in {".wav", ".mp3"}]  # fmt: skip
    texts += asyncio.run(_run_records(result["flow_run_id"]))
    assert len(texts) > 10
    for secret in SECRETS:
        assert not [t[:80] for t in texts if secret in t], f"{secret} leaked"


async def _run_records(flow_run_id: str) -> list[str]:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async with get_client() as client:
        run = await client.read_flow_run(flow_run_id)
        artifacts = await client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
        )
    return [
        run.model_dump_json(),
        *(a.model_dump_json() for a in artifacts),
        *(entry.message for entry in logs),
    ]
