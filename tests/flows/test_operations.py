"""Operations on the real flow (Prefect test server), voices from a fake RunPod endpoint:
resumable reruns, artifacts on the flow run, and the review gate."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
)

from castwright.core.paths import DEFAULT_NEWSLETTER
from flows.episode import episode_flow
from tests.fakes.audio import speech_output
from tests.fakes.http import FakeServer
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show

TEXTS = [
    "Welcome to the show.",
    "Thanks, glad to be here.",
    "This turn fails the first time.",
    "And we are done.",
]
FAILING = TEXTS[2]


@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    section = "small-language-models-move-onto-laptops"
    turns = [{"id": f"t{i:03d}", "speaker": ("Ada", "Marvin")[i % 2], "text": text, "section": section}
             for i, text in enumerate(TEXTS, 1)]  # fmt: skip
    path = tmp_path / "script.yaml"
    path.write_text(yaml.safe_dump({"turns": turns}))
    return path


@pytest.fixture
def endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[FakeRunPod, FakeServer]]:
    fake = FakeRunPod(output=speech_output)
    with fake_runpod(fake) as server:
        monkeypatch.setenv("CASTWRIGHT_TTS_URL", server.base_url)
        monkeypatch.setenv("RUNPOD_API_KEY", "rp-test-key")
        monkeypatch.setenv("CASTWRIGHT_WORK_DIR", str(tmp_path / "work"))
        monkeypatch.setenv("CASTWRIGHT_PUBLIC_BASE_URL", "http://127.0.0.1:8000/")
        yield fake, server


def _synthesized(fake: FakeRunPod) -> list[str]:
    return [job.input["text"] for job in fake.jobs.values() if job.input["text"] != "Hello."]


def test_rerun_voices_only_the_turn_that_failed(
    prefect_harness: None,
    endpoint: tuple[FakeRunPod, FakeServer],
    script_file: Path,
    tmp_path: Path,
) -> None:
    fake, _ = endpoint
    original = fake.output
    fake.output = lambda job: {"error": "boom"} if job["text"] == FAILING else original(job)
    out = tmp_path / "public"
    with pytest.raises(Exception, match="boom"):
        episode_flow(
            newsletter=str(DEFAULT_NEWSLETTER),
            script_file=str(script_file),
            out=str(out),
            show=str(lenient_show(tmp_path)),
        )
    assert sorted(_synthesized(fake)) == sorted(TEXTS)
    assert not (out / "feed.xml").exists()  # nothing with a gap was published

    fake.output = original
    fake.jobs.clear()
    result = episode_flow(
        newsletter=str(DEFAULT_NEWSLETTER),
        script_file=str(script_file),
        out=str(out),
        show=str(lenient_show(tmp_path)),
    )
    assert _synthesized(fake) == [FAILING]
    manifest = json.loads(Path(result["manifest"]).read_text())
    assert manifest["clips_synthesized"] == 1
    assert [row["cached"] for row in manifest["turns"]] == [True, True, False, True]
    assert (out / "feed.xml").is_file()

    artifacts = asyncio.run(_artifact_keys(result["flow_run_id"]))
    assert {"script", "turns", "audio", "cost", "episode-mp3", "feed", "tts-progress"} <= artifacts


async def _artifact_keys(flow_run_id: str) -> set[str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
        )
    return {a.key for a in found if a.key}


def test_review_pauses_and_resumes_with_an_edited_script(
    prefect_harness: None,
    endpoint: tuple[FakeRunPod, FakeServer],
    script_file: Path,
    tmp_path: Path,
) -> None:
    from prefect.flow_runs import resume_flow_run

    result: dict[str, Any] = {}

    def run() -> None:
        result.update(episode_flow(newsletter=str(DEFAULT_NEWSLETTER), script_file=str(script_file),
                                   review=True, dry_run=True, show=str(lenient_show(tmp_path))))  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    flow_run_id = _wait_for_paused_run()
    edited = yaml.safe_load(script_file.read_text())
    edited["turns"][0]["text"] = "An edited welcome."
    resume_flow_run(
        flow_run_id, run_input={"decision": "edit", "script_yaml": yaml.safe_dump(edited)}
    )
    thread.join(timeout=120)
    saved = yaml.safe_load(Path(result["script"]).read_text())
    assert saved["turns"][0]["text"] == "An edited welcome."
    assert endpoint[0].jobs == {}  # dry run: nothing voiced


def _wait_for_paused_run(timeout: float = 90.0) -> Any:
    async def paused() -> Any:
        async with get_client() as client:
            runs = await client.read_flow_runs()
        return next((r.id for r in runs if r.state and r.state.is_paused()), None)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (run_id := asyncio.run(paused())) is not None:
            return run_id
        time.sleep(0.5)
    raise AssertionError("the flow never paused for review")


def test_keepalive_runs_one_small_job(
    prefect_harness: None, endpoint: tuple[FakeRunPod, FakeServer]
) -> None:
    from flows.keepalive import keepalive_flow

    assert keepalive_flow() == {"pinged": True, "ready_workers": 1}
    (job,) = endpoint[0].jobs.values()
    assert job.input["text"] == "Hello." and job.input["max_attempts"] == 1


def test_keepalive_without_an_endpoint_does_nothing(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.keepalive import keepalive_flow

    monkeypatch.delenv("CASTWRIGHT_TTS_URL", raising=False)
    monkeypatch.delenv("RUNPOD_ENDPOINT_ID", raising=False)
    assert keepalive_flow() == {"pinged": False}
