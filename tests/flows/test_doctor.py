"""`castwright doctor` without a server: what it checks matches prefect.yaml, and a missing or
unreachable API is reported with the fix (the server-side checks are in tests/integration)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from castwright.clients.local import free_port
from castwright.core.paths import PROJECT_ROOT
from castwright.doctor import DEPLOYMENTS, WORK_POOL


def test_doctor_checks_the_pool_and_deployments_prefect_yaml_declares() -> None:
    from flows.episode import episode_flow
    from flows.keepalive import keepalive_flow

    declared = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"]
    flows = {"episode_flow": episode_flow.name, "keepalive_flow": keepalive_flow.name}
    names = [f"{flows[d['entrypoint'].rsplit(':', 1)[1]]}/{d['name']}" for d in declared]
    assert sorted(names) == sorted(DEPLOYMENTS)
    assert {d["work_pool"]["name"] for d in declared} == {WORK_POOL}
    assert all(d["schedules"] for d in declared)


def _doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    clean |= {"PREFECT_HOME": str(tmp_path / "prefect")} | env
    return subprocess.run([sys.executable, "-m", "castwright.cli", "doctor"], env=clean,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_doctor_without_an_api_says_how_to_configure_one(tmp_path: Path) -> None:
    done = _doctor(tmp_path)
    assert done.returncode == 1
    assert "PREFECT_API_URL is not set" in done.stdout
    assert "export PREFECT_API_URL=" in done.stdout


def test_doctor_with_an_unreachable_api_says_so(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    done = _doctor(tmp_path, PREFECT_API_URL=url)
    assert done.returncode == 1
    assert f"{url} does not answer" in done.stdout
    assert "prefect server start" in done.stdout
