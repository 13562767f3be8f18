"""The cost of an episode is what all its runs spent (a failed run included), priced as RunPod and
the LLM API bill; a run whose estimate is over the show's cap stops before any TTS job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from castwright.core.paths import DEFAULT_NEWSLETTER
from flows.episode import episode_flow
from tests.flows.conftest import Services, lenient_show
from tests.flows.test_operations import FAILING, script_file  # noqa: F401 (a fixture)


def show_with_prices(folder: Path, **prices: float) -> Path:
    path = lenient_show(folder)
    show = yaml.safe_load(path.read_text(encoding="utf-8"))
    show["prices"] = prices
    path.write_text(yaml.safe_dump(show, sort_keys=False), encoding="utf-8")
    return path


def test_an_episode_voiced_in_two_runs_costs_both(
    prefect_harness: None,
    services: Services,
    script_file: Path,  # noqa: F811
) -> None:
    folder = services.work.parent
    run = {"newsletter": str(DEFAULT_NEWSLETTER), "script_file": str(script_file),
           "out": str(services.out), "show": str(show_with_prices(folder, idle_timeout_s=5))}  # fmt: skip
    original = services.runpod.output
    services.runpod.output = lambda job: (
        {"error": "boom"} if job["text"] == FAILING else original(job)
    )
    with pytest.raises(Exception, match="boom"):
        episode_flow(**run)
    services.runpod.output = original
    result = episode_flow(**run)

    manifest = json.loads(Path(result["manifest"]).read_text())
    this_run, episode = manifest["cost"], manifest["cost_episode"]
    assert this_run["runs"] == 1 and this_run["tts_jobs"] == 1  # only the turn that failed
    assert episode["runs"] == 2 and episode["tts_jobs"] == 5  # 3 + 1 failed, then 1
    assert episode["job_seconds"] == pytest.approx(5 * 1.2)  # RunPod's executionTime, each job
    assert episode["idle_seconds"] == pytest.approx(4 * 5 + 1 * 5)  # per worker a run used
    assert episode["billed_gpu_seconds"] == pytest.approx(6.0 + 25.0)
    assert episode["gpu_usd"] == pytest.approx(31.0 * 0.86 / 3600, abs=1e-4)
    assert episode["storage_bytes"] > 0 and episode["total_usd"] > this_run["total_usd"]
    assert result["cost"] == {"run_usd": this_run["total_usd"],
                              "episode_usd": episode["total_usd"], "runs": 2}  # fmt: skip


def test_a_run_over_its_cap_stops_before_any_tts(
    prefect_harness: None,
    services: Services,
    script_file: Path,  # noqa: F811
) -> None:
    folder = services.work.parent
    state = episode_flow(
        newsletter=str(DEFAULT_NEWSLETTER), script_file=str(script_file),
        out=str(services.out), show=str(show_with_prices(folder, max_run_usd=0.001)),
        return_state=True,
    )  # fmt: skip
    assert state.is_failed() and "over the show's cap of $0.0010" in (state.message or "")
    assert services.runpod.jobs == {} and services.runpod_server.requests == []
    assert not (services.out / "feed.xml").exists()
