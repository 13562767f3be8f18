"""The client's job cap (the show's tts.concurrency) and its spend lines, against the fake
RunPod endpoint: many callers, never more jobs in flight than the cap; every job, warm-up and
cold start is written to the episode's ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import SecretStr

from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.spend import SpendMeter, read_spend
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod


def test_never_more_jobs_in_flight_than_the_cap_and_each_is_metered(tmp_path: Path) -> None:
    fake = FakeRunPod(output=speech_output, api_key="k")
    fake.chaos = lambda job: {"states": ["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]}
    meter = SpendMeter()
    meter.attach(tmp_path / "spend.jsonl", "run-1")
    with fake_runpod(fake) as server:
        client = RunPodClient(server.base_url, SecretStr("k"), max_jobs=3, meter=meter,
                              policy=JobPolicy(poll_interval_s=0.05))  # fmt: skip
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(client.run, [{"text": f"Line {n}."} for n in "abcdefghij"]))
    assert len(fake.jobs) == 10 and 1 <= fake.peak_in_flight <= 3
    lines = read_spend(tmp_path / "spend.jsonl")
    assert [e.kind for e in lines] == ["tts_job"] * 10
    assert {e.seconds for e in lines} == {1.2} and {e.run for e in lines} == {"run-1"}
    assert all(e.audio_seconds > 0 and not e.local for e in lines)  # the worker's duration_s


def test_a_cold_start_and_its_warm_up_are_metered(tmp_path: Path) -> None:
    fake = FakeRunPod(output=speech_output, api_key="k", cold_start_s=0.3)
    meter = SpendMeter()
    with fake_runpod(fake) as server:
        client = RunPodClient(server.base_url, SecretStr("k"), meter=meter, health_poll_s=0.05,
                              cold_start_timeout_s=10)  # fmt: skip
        client.wait_until_ready({"text": "Hello."})
    meter.attach(tmp_path / "spend.jsonl", "run-2")  # lines before attach are kept, then written
    warmup, cold = read_spend(tmp_path / "spend.jsonl")
    assert warmup.kind == "warmup_job" and cold.kind == "cold_start"
    assert cold.seconds > 0 and {warmup.run, cold.run} == {"run-2"}
