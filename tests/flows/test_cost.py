"""The cost of an episode is what all its runs spent (a failed run included), priced as RunPod and
the LLM API bill; a run whose estimate is over the show's cap stops before any TTS job."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from castwright.clients.factory import Clients
from castwright.core.config import Prices
from castwright.core.paths import DEFAULT_NEWSLETTER
from castwright.core.settings import settings_from_env
from castwright.core.spend import SpendEntry, read_spend
from flows.episode import episode_flow
from tasks.report.cost import cost_line, price
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
    assert episode["gpu_usd"] == pytest.approx(31.0 * 0.684 / 3600, abs=1e-4)
    assert episode["storage_bytes"] > 0 and episode["total_usd"] > this_run["total_usd"]
    assert {k: result["cost"][k] for k in ("run_usd", "episode_usd", "runs")} == {
        "run_usd": this_run["total_usd"], "episode_usd": episode["total_usd"], "runs": 2}  # fmt: skip
    # the fakes stand for the billed OpenAI and RunPod APIs; only the output folder is free
    assert episode["local"] == ["storage"] and this_run["local"] == []
    assert episode["billed_usd"] == pytest.approx(episode["gpu_usd"] + episode["llm_usd"], abs=2e-4)
    assert result["cost"]["line"].startswith(
        f"cost: ${this_run['billed_usd']:.4f} billed this run, ${episode['billed_usd']:.4f} for "
        "the episode over 2 run(s) (not billed: the local output folder)"
    )


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


def _ledger(local: bool) -> list[SpendEntry]:
    """One run: two LLM calls and three jobs of 20, 25 and 5 s of speech; on RunPod a cold start
    and the jobs' executionTime, on the embedded worker its CPU time (and no cold start)."""
    lines = [SpendEntry(run="r1", kind="llm_call", prompt_tokens=20_000, completion_tokens=4_000),
             SpendEntry(run="r1", kind="llm_call", prompt_tokens=10_000, completion_tokens=1_000),
             *(SpendEntry(run="r1", kind="tts_job", seconds=s, audio_seconds=a)
               for s, a in ((40.0, 20.0), (50.0, 25.0), (10.0, 5.0)))]  # fmt: skip
    if not local:
        return [SpendEntry(run="r1", kind="cold_start", seconds=5.3), *lines]
    return [e.model_copy(update={"local": True}) for e in lines]


def test_a_local_run_costs_nothing_and_says_what_it_would_cost_on_runpod() -> None:
    prices = Prices()
    run = price(_ledger(local=True), prices, concurrency=4)
    episode = price(_ledger(local=True), prices, 4, storage_bytes=8_000_000, storage_local=True)
    assert run.billed_usd == 0 and episode.billed_usd == 0
    assert episode.local == ["llm", "tts", "storage"]
    # on a GPU: 50 s of speech x 0.5, the expected cold start and warm-up, 3 workers' idle time
    gpu_s = 50.0 * 0.5 + 60.0 + 2.0 + 3 * 5.0
    assert episode.billed_gpu_seconds == pytest.approx(gpu_s)
    assert episode.local_speech_seconds == 50.0 and episode.local_job_seconds == 100.0
    llm = (30_000 * 0.15 + 5_000 * 0.60) / 1e6
    assert episode.llm_usd == pytest.approx(llm, abs=1e-4)
    assert episode.total_usd == pytest.approx(gpu_s * 0.684 / 3600 + llm + 8e-3 * 0.015, abs=2e-4)
    line = cost_line(run, episode, prices)
    assert line.startswith("cost: $0 (local); at the configured RunPod prices this episode would "
                           f"cost ${episode.total_usd:.4f} over 1 run(s): ")  # fmt: skip
    assert ("GPU 102.0 s = jobs 25.0 s (50.0 s of speech x 0.5 GPU s per speech s; the local "
            "worker's CPU time is not a GPU's) + cold start 60.0 s + idle 15.0 s + 1 warm-up "
            "job(s) of 2 s, at $0.684/h") in line  # fmt: skip
    assert "LLM 30,000 + 5,000 tokens at gpt-4o-mini's $0.15 / $0.6 per million" in line


def test_a_billed_run_says_what_it_cost() -> None:
    prices = Prices()
    run = price(_ledger(local=False), prices, concurrency=4)
    assert run.billed_usd == run.total_usd > 0 and run.local == []
    assert run.billed_gpu_seconds == pytest.approx(100.0 + 5.3 + 3 * 5.0)  # executionTime
    assert cost_line(run, run, prices).startswith(
        f"cost: ${run.total_usd:.4f} this run; ${run.total_usd:.4f} for the episode over 1 run(s)"
    )


def test_the_embedded_services_spend_is_marked_local(tmp_path: Path) -> None:
    """Unset endpoints mean the embedded llama.cpp server and worker: their lines bill nothing."""
    for env, local in [({}, True), ({"CASTWRIGHT_LLM_BASE_URL": "https://api.example.com/v1",
                                     "CASTWRIGHT_TTS_URL": "https://api.runpod.ai/v2/x"}, False)]:  # fmt: skip
        with ExitStack() as stack:
            meter = Clients(settings_from_env(env), tmp_path, stack).meter
        ledger = tmp_path / f"{local}.jsonl"
        meter.attach(ledger, "r1")
        meter.add("llm_call", prompt_tokens=5)
        meter.add("tts_job", 2.0)
        assert [e.local for e in read_spend(ledger)] == [local, local]
