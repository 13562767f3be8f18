"""prefect.yaml against a real `prefect server start`: deploy, schedule, run through a process
worker. Voices come from a fake RunPod endpoint and the script from a file, to keep it quick."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from castwright.clients.local import free_port
from castwright.core.paths import DEFAULT_NEWSLETTER, PROJECT_ROOT
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show

PREFECT = [sys.executable, "-m", "prefect"]


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore"}  # fmt: skip
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait_healthy(env["PREFECT_API_URL"], server)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_healthy(api: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError("prefect server did not start")


def _prefect(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run([*PREFECT, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_weekly_deployment_runs_through_a_process_worker(
    prefect_server: dict[str, str], tmp_path: Path
) -> None:
    env = prefect_server
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
        worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", "castwright"], env=worker_env,
                                  cwd=PROJECT_ROOT, stdout=(tmp_path / "worker.log").open("wb"),
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            _prefect(env, "deployment", "run", "castwright-episode/weekly",
                     "-p", f"newsletter={DEFAULT_NEWSLETTER}", "-p", f"script_file={script}",
                     "-p", f"out={out}", "-p", f"show={lenient_show(tmp_path)}", "--watch", "--watch-timeout", "300", timeout=330)  # fmt: skip
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 1
    assert sorted(job.input["text"] for job in fake.jobs.values()) == [
        "And goodbye.",
        "Hello from the worker.",
    ]
