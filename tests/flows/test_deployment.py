"""prefect.yaml against a real `prefect server start`: deploy, run by hand through a process
worker (test_schedule.py lets the schedule fire). Voices come from a fake RunPod endpoint and the
script from a file, to keep it quick."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import yaml

from castwright.core.paths import DEFAULT_NEWSLETTER
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show
from tests.flows.prefect_server import PrefectServer, api_request, process_worker
from tests.flows.prefect_server import run_prefect as _prefect


def test_weekly_deployment_runs_through_a_process_worker(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    """The weekly deployment names no issue and no show: the worker's CASTWRIGHT_SHOW does, and
    that show's `source` (a folder here) gives the issue; its tts.concurrency caps the jobs."""
    env = prefect_server.env
    _prefect(env, "work-pool", "create", "castwright", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--name", "weekly")
    deployments = api_request(
        "POST", f"{env['PREFECT_API_URL']}/deployments/filter", json={}
    ).json()
    (weekly,) = [d for d in deployments if d["name"] == "weekly"]
    assert [s["schedule"]["cron"] for s in weekly["schedules"]] == ["0 6 * * 1"]
    assert weekly["schedules"][0]["schedule"]["timezone"] == "Europe/London"
    assert "newsletter" not in weekly["parameters"] and "show" not in weekly["parameters"]

    issues = tmp_path / "issues"
    issues.mkdir()
    shutil.copy(DEFAULT_NEWSLETTER, issues / "this-week.md")
    show = lenient_show(tmp_path)
    data = yaml.safe_load(show.read_text(encoding="utf-8"))
    data["source"], data["tts"]["concurrency"] = {"folder": "issues"}, 2
    show.write_text(yaml.safe_dump(data), encoding="utf-8")
    texts = [f"Turn {n} from the worker." for n in ["one", "two", "three", "four", "five", "six"]]
    script = tmp_path / "script.yaml"
    script.write_text(yaml.safe_dump({"turns": [
        {"id": f"t{i:03d}", "speaker": ("Ada", "Marvin")[i % 2], "text": t, "section": "s1"}
        for i, t in enumerate(texts, 1)]}))  # fmt: skip
    out = tmp_path / "public"
    fake = FakeRunPod(output=speech_output)
    fake.chaos = lambda job: {"states": ["IN_PROGRESS", "COMPLETED"]}  # each job takes a poll
    with fake_runpod(fake) as endpoint:
        worker_env = env | {"CASTWRIGHT_TTS_URL": endpoint.base_url, "RUNPOD_API_KEY": "rp-test-key",
                            "CASTWRIGHT_WORK_DIR": str(tmp_path / "work"), "CASTWRIGHT_SHOW": str(show),
                            "CASTWRIGHT_TTS_POLL_S": "0.3"}  # fmt: skip
        with process_worker(worker_env, tmp_path / "worker.log"):
            _prefect(env, "deployment", "run", "castwright-episode/weekly",
                     "-p", f"script_file={script}", "-p", f"out={out}",
                     "--watch", "--watch-timeout", "300", timeout=330)  # fmt: skip
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["The Weekly Signal #42: small models, big bills"]
    assert sorted(job.input["text"] for job in fake.jobs.values()) == sorted(texts)
    assert 1 <= fake.peak_in_flight <= 2  # the show's tts.concurrency, not the flow's 200 threads
