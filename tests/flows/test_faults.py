"""Fault injection on the real flow: a flaky, cold TTS endpoint; garbage audio; a broken LLM; the
process killed mid-run. Each run completes or fails with a clear message; no turn is lost, no
feed item is duplicated or broken, earlier episodes stay intact."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from prefect.exceptions import FailedRun

from castwright.core.paths import DEFAULT_NEWSLETTER, PROJECT_ROOT
from flows.episode import episode_flow
from tests.fakes.http import Reply
from tests.fakes.openai_api import completion, echo_dialogue
from tests.flows.conftest import Services, lenient_show

SECOND_ISSUE = """---
title: A second issue
date: 2026-11-23
---
## Batteries last longer
A new chemistry doubles phone battery life.

**Ada:** Finally a hardware story that matters to everyone.

**Marvin:** I will believe it when my phone survives a weekend.
"""

CRASH = json.dumps(
    {"error_type": "RuntimeError", "error_message": "CUDA error", "error_traceback": "Traceback..."}
)


def _run(
    services: Services, newsletter: Path | str = DEFAULT_NEWSLETTER, **params: Any
) -> dict[str, Any]:
    params.setdefault("show", str(lenient_show(services.work.parent)))  # faults, not the gate
    return episode_flow(newsletter=str(newsletter), out=str(services.out), **params)


def _entries(services: Services) -> list[Any]:
    return feedparser.parse((services.out / "feed.xml").read_bytes()).entries


def test_flaky_cold_endpoint_still_completes(
    prefect_harness: None, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    draw = random.Random(7)
    faults: list[Any] = [
        429,
        500,
        503,
        {"states": ["IN_PROGRESS", "TIMED_OUT"]},
        {"states": ["FAILED"], "error": CRASH},
    ]
    injected: list[Any] = []

    def chaos(job: dict[str, Any]) -> Any:
        if job["text"] != "Hello." and draw.random() < 0.3:
            injected.append(fault := draw.choice(faults))
            return fault
        return None

    services.runpod.chaos = chaos
    services.runpod.cold_start_s = (
        4.0  # no worker for the first seconds: jobs queue, health shows 0
    )
    monkeypatch.setenv("CASTWRIGHT_TTS_COLD_START_S", "60")
    result = _run(services)
    manifest = json.loads(Path(result["manifest"]).read_text())
    assert injected, "the chaos never struck; the test proves nothing"
    script = yaml.safe_load((Path(result["manifest"]).parent / "script.yaml").read_text())
    assert [row["turn"] for row in manifest["turns"]] == [t["id"] for t in script["turns"]]
    assert all(Path(services.work / "clips" / row["clip"]).is_file() for row in manifest["turns"])
    assert len(_entries(services)) == 1


def test_garbage_audio_fails_clearly_and_leaves_the_earlier_episode(
    prefect_harness: None, services: Services, tmp_path: Path
) -> None:
    _run(services)
    feed_before = (services.out / "feed.xml").read_bytes()
    second = tmp_path / "second.md"
    second.write_text(SECOND_ISSUE)
    garbage = {"audio_base64": "AAAAnotaudio", "sample_rate": 24000, "score": 99.0, "metadata": {}}
    services.runpod.chaos = lambda job: {"output": garbage} if job["text"] != "Hello." else None
    with pytest.raises(FailedRun, match="unreadable audio"):
        _run(services, second)
    assert (services.out / "feed.xml").read_bytes() == feed_before
    assert len(_entries(services)) == 1


def test_broken_llm_fails_clearly_and_publishes_nothing(
    prefect_harness: None, services: Services
) -> None:
    from tests.fakes import openai_api

    with openai_api.fake_openai([], default="{not json") as llm:
        os.environ["CASTWRIGHT_LLM_BASE_URL"] = f"{llm.base_url}/v1"
        with pytest.raises(
            FailedRun, match="no valid script after 3 attempts"
        ):  # a clean Failed run
            _run(services)
    assert not (services.out / "feed.xml").exists()


def test_refusal_and_truncated_output_are_repaired(
    prefect_harness: None, services: Services
) -> None:
    from tests.fakes import openai_api

    truncated = Reply(
        200, completion('{"turns": [{"speaker": "Ada", "text": "We', finish_reason="length")
    )
    refusal = Reply(200, completion("", refusal="I can't help with that."))
    with openai_api.fake_openai([truncated, refusal], default=echo_dialogue) as llm:
        os.environ["CASTWRIGHT_LLM_BASE_URL"] = f"{llm.base_url}/v1"
        result = _run(services)
        repair = llm.requests[1].body["messages"][-1]["content"]
    assert "cut off" in repair
    assert len(_entries(services)) == 1 and result["feed_url"]


def test_killed_mid_run_then_rerun_loses_no_turn(services: Services) -> None:
    services.runpod.chaos = lambda job: {"states": ["IN_PROGRESS", "COMPLETED"]}  # ~2 s per job
    script = _script_file(services.work.parent, turns=8)
    cmd = [sys.executable, "-m", "castwright.cli", "run", str(DEFAULT_NEWSLETTER), "--out", str(services.out),
           "--script", str(script), "--show", str(lenient_show(services.work.parent))]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    while _completed(services) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored_before = len(list((services.work / "clips").glob("*.wav")))
    assert 3 <= stored_before < 8 and not (services.out / "feed.xml").exists()

    services.runpod.jobs.clear()
    services.runpod.chaos = None
    rerun = subprocess.run(
        cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    manifest = json.loads(next(services.work.glob("episodes/*/manifest.json")).read_text())
    assert len(manifest["turns"]) == 8
    assert manifest["clips_synthesized"] == 8 - stored_before
    assert len(_entries(services)) == 1


def _completed(services: Services) -> int:
    return sum(
        j.looks >= 2 for j in list(services.runpod.jobs.values()) if j.input["text"] != "Hello."
    )


def _script_file(folder: Path, turns: int) -> Path:
    section = "small-language-models-move-onto-laptops"
    lines = ["turns:"] + [
        f"- {{id: t{i:03d}, speaker: {('Ada', 'Marvin')[i % 2]}, text: Turn number {i} of the test., section: {section}}}"
        for i in range(1, turns + 1)
    ]
    path = folder / "script.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
