"""prefect.yaml against a real `prefect server start`: deploy, run by hand through a process
worker (test_schedule.py lets the schedule fire). Voices come from a fake RunPod endpoint and the
script from a file, to keep it quick."""

from __future__ import annotations

from pathlib import Path

import feedparser
import httpx

from castwright.core.paths import DEFAULT_NEWSLETTER
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show
from tests.flows.prefect_server import PrefectServer, process_worker
from tests.flows.prefect_server import run_prefect as _prefect


def test_weekly_deployment_runs_through_a_process_worker(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    env = prefect_server.env
    _prefect(env, "work-pool", "create", "castwright", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--name", "weekly")
    deployments = httpx.post(f"{env['PREFECT_API_URL']}/deployments/filter", json={}).json()
    (weekly,) = [d for d in deployments if d["name"] == "weekly"]
    assert [s["schedule"]["cron"] for s in weekly["schedules"]] == ["0 6 * * 1"]
    assert weekly["schedules"][0]["schedule"]["timezone"] == "Europe/London"

    script = tmp_path / "script.yaml"
    script.write_text("turns:\n- {id: t001, speaker: Ada, text: Hello from the worker., section: s1}\n"
                      "- {id: t002, speaker: Marvin, text: And goodbye., section: s1}\n")  # fmt: skip
    out = tmp_path / "public"
    fake = FakeRunPod(output=speech_output)
    with fake_runpod(fake) as endpoint:
        worker_env = env | {"CASTWRIGHT_TTS_URL": endpoint.base_url, "RUNPOD_API_KEY": "rp-test-key",
                            "CASTWRIGHT_WORK_DIR": str(tmp_path / "work")}  # fmt: skip
        with process_worker(worker_env, tmp_path / "worker.log"):
            _prefect(env, "deployment", "run", "castwright-episode/weekly",
                     "-p", f"newsletter={DEFAULT_NEWSLETTER}", "-p", f"script_file={script}",
                     "-p", f"out={out}", "-p", f"show={lenient_show(tmp_path)}", "--watch", "--watch-timeout", "300", timeout=330)  # fmt: skip
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 1
    assert sorted(job.input["text"] for job in fake.jobs.values()) == [
        "And goodbye.",
        "Hello from the worker.",
    ]
