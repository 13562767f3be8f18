"""The schedules in prefect.yaml fire: against a real `prefect server start` the scheduler creates
the weekly runs at the right time, a process worker runs a scheduled run to completion, and
`castwright doctor` says what is ready and what is missing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser

from castwright.core.paths import DEFAULT_NEWSLETTER, PROJECT_ROOT
from tests.fakes.audio import speech_output
from tests.fakes.runpod_api import FakeRunPod, fake_runpod
from tests.flows.conftest import lenient_show
from tests.flows.prefect_server import (
    PrefectServer,
    api_request,
    process_worker,
    run_prefect,
    wait_for,
)

LONDON = ZoneInfo("Europe/London")
WEEKLY = "castwright-episode/weekly"
FINAL_STATES = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


def next_monday_six_london(after: dt.datetime) -> dt.datetime:
    """The first Monday 06:00 Europe/London strictly after `after` (wall-clock, DST-aware)."""
    local = after.astimezone(LONDON)
    monday = local.date() + dt.timedelta(days=-local.weekday() % 7)
    candidate = dt.datetime.combine(monday, dt.time(6), tzinfo=LONDON)
    return candidate if candidate > local else candidate + dt.timedelta(days=7)


def test_next_monday_six_london_is_wall_clock() -> None:
    sunday_bst = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # clocks go back that Sunday
    assert next_monday_six_london(sunday_bst) == dt.datetime(2026, 10, 26, 6, tzinfo=dt.UTC)
    monday_late = dt.datetime(2026, 6, 1, 5, 30, tzinfo=dt.UTC)  # 06:30 BST, just past
    assert next_monday_six_london(monday_late) == dt.datetime(2026, 6, 8, 5, tzinfo=dt.UTC)


def deployment(api: str, name: str) -> dict[str, Any]:
    return api_request("GET", f"{api}/deployments/name/{name}").json()


def flow_runs(api: str, deployment_id: str, state_types: list[str]) -> list[dict[str, Any]]:
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": state_types}}},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    return api_request("POST", f"{api}/flow_runs/filter", json=body).json()


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "castwright.cli", "doctor"], env=env | {"TZ": "Europe/London"},
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_weekly_schedule_creates_runs_from_next_monday_and_doctor_reports_them(
    prefect_server: PrefectServer,
) -> None:
    env, api = prefect_server.env, prefect_server.api
    expected = next_monday_six_london(dt.datetime.now(dt.UTC))
    run_prefect(env, "work-pool", "create", "castwright", "--type", "process")
    run_prefect(env, "--no-prompt", "deploy", "--all")
    weekly = deployment(api, WEEKLY)

    scheduled = wait_for(
        "Scheduled runs of the weekly deployment",
        lambda: flow_runs(api, weekly["id"], ["SCHEDULED"]) or None,
        timeout=60,
    )
    starts = [dt.datetime.fromisoformat(run["expected_start_time"]) for run in scheduled]
    assert starts[0] == expected, f"first run {starts[0]}, expected {expected}"
    local = [start.astimezone(LONDON) for start in starts]
    assert all((t.weekday(), t.hour, t.minute) == (0, 6, 0) for t in local), local
    assert all(run["auto_scheduled"] for run in scheduled)

    report = doctor(env)
    assert report.returncode == 1, report.stdout + report.stderr
    assert f"'{WEEKLY}': next run {expected.astimezone(LONDON):%a %Y-%m-%d %H:%M}" in report.stdout
    assert "has no worker online" in report.stdout
    assert "prefect worker start --pool castwright" in report.stdout

    (schedule,) = weekly["schedules"]
    run_prefect(env, "deployment", "schedule", "pause", WEEKLY, schedule["id"])
    report = doctor(env)
    assert report.returncode == 1
    assert f"'{WEEKLY}': has its schedule paused" in report.stdout
    assert f"schedule resume '{WEEKLY}' {schedule['id']}" in report.stdout


def test_a_due_schedule_is_run_by_the_process_worker_to_completion(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    env, api = prefect_server.env, prefect_server.api
    run_prefect(env, "work-pool", "create", "castwright", "--type", "process")
    run_prefect(env, "--no-prompt", "deploy", "--all")
    weekly = deployment(api, WEEKLY)

    script = tmp_path / "script.yaml"
    script.write_text("turns:\n- {id: t001, speaker: Ada, text: Scheduled hello., section: s1}\n"
                      "- {id: t002, speaker: Marvin, text: Scheduled goodbye., section: s1}\n")  # fmt: skip
    out = tmp_path / "public"
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    schedule = {
        "schedule": {"interval": 3600, "anchor_date": due.isoformat(), "timezone": "UTC"},
        "active": True,
        "max_scheduled_runs": 1,
        "parameters": {"newsletter": str(DEFAULT_NEWSLETTER), "script_file": str(script), "out": str(out),
                       "show": str(lenient_show(tmp_path))},
    }  # fmt: skip
    response = api_request("POST", f"{api}/deployments/{weekly['id']}/schedules", json=[schedule])
    (created,) = response.json()

    fake = FakeRunPod(output=speech_output)
    with fake_runpod(fake) as endpoint:
        worker_env = env | {"CASTWRIGHT_TTS_URL": endpoint.base_url, "RUNPOD_API_KEY": "rp-test-key",
                            "CASTWRIGHT_WORK_DIR": str(tmp_path / "work")}  # fmt: skip
        with process_worker(worker_env, tmp_path / "worker.log"):
            (run,) = wait_for(
                "the scheduled run to finish",
                lambda: flow_runs(api, weekly["id"], FINAL_STATES) or None,
                timeout=300,
                every=2,
            )
            report = doctor(env)
    assert run["state"]["type"] == "COMPLETED", f"{run['state']} (see {tmp_path / 'worker.log'})"
    assert run["auto_scheduled"] and run["created_by"]["id"] == created["id"]
    started = dt.datetime.fromisoformat(run["expected_start_time"])
    assert abs(started - due) < dt.timedelta(seconds=1), f"expected at {due}, was {started}"
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 1
    assert sorted(job.input["text"] for job in fake.jobs.values()) == [
        "Scheduled goodbye.",
        "Scheduled hello.",
    ]
    assert report.returncode == 0, report.stdout + report.stderr
    assert "worker online" in report.stdout
