"""A real `prefect server start` (SQLite, loopback) for the integration tests, with the project's
locked environment. The server's services loop every few seconds instead of every minute, so a
schedule fires and a broken service shows up within a test; any ERROR line in the server's log
fails the test that used it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from castwright.clients.local import free_port
from castwright.core.paths import PROJECT_ROOT

PREFECT = [sys.executable, "-m", "prefect"]
T = TypeVar("T")

# Setting names as prefect 3.8.8 reads them (`prefect config view --show-defaults`).
FAST_SERVICES = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "5",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS": "3",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "2",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_WORKER_QUERY_SECONDS": "2",
}

# Prefect's console format: "HH:MM:SS.mmm | ERROR   | logger - message"; uvicorn's: "ERROR:    ...".
_ERROR_LINE = re.compile(r"\|\s*(ERROR|CRITICAL)\s*\||^(ERROR|CRITICAL):")


@dataclass(frozen=True)
class PrefectServer:
    env: dict[str, str]  # for every process that talks to this server
    log: Path

    @property
    def api(self) -> str:
        return self.env["PREFECT_API_URL"]

    def error_lines(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if _ERROR_LINE.search(line)]


@contextmanager
def prefect_server(home: Path) -> Iterator[PrefectServer]:
    """Start a server with its state under `home`; at the end, fail on any ERROR it logged."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= FAST_SERVICES | {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    server = PrefectServer(env, home / "server.log")
    with server.log.open("wb") as log:
        proc = subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            _wait_healthy(server.api, proc)
            yield server
            time.sleep(3)  # one more loop of every service before the log is judged
            errors = server.error_lines()
            assert not errors, f"the Prefect server logged errors (see {server.log}):\n" + "\n".join(errors[:20])  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)


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


def api_request(method: str, url: str, attempts: int = 6, **kwargs: object) -> httpx.Response:
    """One call to the server's REST API that must succeed, waiting out the 503 a busy SQLite-backed
    server answers while another writer holds the database ("database is locked": Prefect's own
    client retries it the same way). Seen on 2-core CI machines."""
    for attempt in range(attempts):
        response = httpx.request(method, url, timeout=30, **kwargs)  # type: ignore[arg-type]
        if response.status_code != 503 or attempt == attempts - 1:
            break
        time.sleep(2 * (attempt + 1))
    response.raise_for_status()
    return response


def run_prefect(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run the `prefect` CLI from the project folder (where prefect.yaml is); it must succeed."""
    done = subprocess.run([*PREFECT, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 1.0) -> T:
    """Poll `probe` until it returns something other than None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@contextmanager
def process_worker(env: dict[str, str], log: Path, pool: str = "castwright") -> Iterator[None]:
    """`prefect worker start --pool POOL` from the project folder, stopped at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen([*PREFECT, "worker", "start", "--pool", pool], env=env, cwd=PROJECT_ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=30)
