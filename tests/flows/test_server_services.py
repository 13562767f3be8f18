"""The Prefect server's other services do their work, not just loop, on the locked environment: a
run nobody picks up turns Late (late runs), an automation reacts to it (triggers and actions),
a run stuck Cancelling is cancelled (cancellation cleanup), an expired pause fails its run (pause
expirations). The fixture fails the test on any ERROR these services log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from prefect.server.services.cancellation_cleanup import CANCELLING_TIMEOUT_CANCELLED_MESSAGE

from tests.flows.prefect_server import PrefectServer, api_request, run_prefect, wait_for

WEEKLY = "castwright-episode/weekly"


def _post(url: str, body: dict[str, Any]) -> httpx.Response:
    return api_request("POST", url, json=body)


def _new_run(api: str, deployment_id: str) -> str:
    return str(_post(f"{api}/deployments/{deployment_id}/create_flow_run", {}).json()["id"])


def _set_state(api: str, run_id: str, state: dict[str, Any]) -> None:
    _post(f"{api}/flow_runs/{run_id}/set_state", {"state": state, "force": True})


def _state(api: str, run_id: str) -> dict[str, Any]:
    return api_request("GET", f"{api}/flow_runs/{run_id}").json()["state"]


def _reaches(api: str, run_id: str, name: str, timeout: float = 60) -> list[str]:
    """Wait until the run is in state `name`; return the names of every state it went through."""
    wait_for(f"run {run_id} to be {name}", lambda: _state(api, run_id)["name"] == name or None, timeout)  # fmt: skip
    history = api_request("GET", f"{api}/flow_run_states/", params={"flow_run_id": run_id}).json()
    return [s["name"] for s in sorted(history, key=lambda s: s["timestamp"])]


def test_late_runs_automations_cancellation_and_pause_expiry_work(
    prefect_server: PrefectServer,
) -> None:
    env, api = prefect_server.env, prefect_server.api
    run_prefect(env, "work-pool", "create", "castwright", "--type", "process")
    run_prefect(env, "--no-prompt", "deploy", "--name", "weekly")
    deployment_id = api_request("GET", f"{api}/deployments/name/{WEEKLY}").json()["id"]
    automation = {
        "name": "cancel late runs",
        "trigger": {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
                    "match": {"prefect.resource.id": "prefect.flow-run.*"},
                    "expect": ["prefect.flow-run.Late"]},
        "actions": [{"type": "cancel-flow-run"}],
    }  # fmt: skip
    _post(f"{api}/automations/", automation)

    # No worker: due now -> Late -> the automation cancels it (not running: straight to Cancelled).
    late = _new_run(api, deployment_id)
    assert _reaches(api, late, "Cancelled", timeout=90) == ["Scheduled", "Late", "Cancelled"]

    stuck = _new_run(api, deployment_id)  # its worker is gone: Cancelling times out to Cancelled
    _set_state(api, stuck, {"type": "RUNNING"})
    _set_state(api, stuck, {"type": "CANCELLING", "name": "Cancelling"})
    assert _reaches(api, stuck, "Cancelled")[-2:] == ["Cancelling", "Cancelled"]
    assert _state(api, stuck)["message"] == CANCELLING_TIMEOUT_CANCELLED_MESSAGE

    paused = _new_run(api, deployment_id)
    _set_state(api, paused, {"type": "RUNNING"})
    expired = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
    _set_state(api, paused, {"type": "PAUSED", "name": "Paused",
                             "state_details": {"pause_timeout": expired, "pause_reschedule": False}})  # fmt: skip
    _reaches(api, paused, "Failed")
    assert _state(api, paused)["message"] == "The flow was paused and never resumed."
