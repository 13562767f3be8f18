"""The reference fetch under attack, in a private network namespace (tests/worker/netns_fetch.py):
redirects, DNS rebinding, internal addresses behind names, an endless body, a slow drip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import pytest

from tests.worker.worker_testkit import REPO_ROOT


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict[str, Any]]:
    for tool in ("unshare", "ip", "mount", "openssl"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt-get install -y util-linux iproute2 openssl)")
    run = subprocess.run(
        ["unshare", "-r", "-n", "-m", sys.executable, "-m", "tests.worker.netns_fetch"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, (
        f"the namespace run failed (user namespaces allowed?):\n{run.stderr[-3000:]}"
    )
    result: dict[str, dict[str, Any]] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_a_public_host_is_fetched(outcomes: dict[str, dict[str, Any]]) -> None:
    assert outcomes["plain"]["body"] == "public audio"


def test_a_redirect_is_not_followed(outcomes: dict[str, dict[str, Any]]) -> None:
    assert "redirects are not followed" in outcomes["redirect"]["error"]
    assert outcomes["redirect"]["internal_hits"] == 0


def test_a_rebinding_name_is_fetched_from_the_address_that_was_checked(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    assert outcomes["rebind"].get("body") == "public audio", outcomes["rebind"]
    assert outcomes["rebind"]["internal_hits"] == 0


@pytest.mark.parametrize("name", ["metadata", "mapped"])
def test_names_resolving_to_internal_addresses_are_refused(
    name: str, outcomes: dict[str, dict[str, Any]]
) -> None:
    assert "non-public address" in outcomes[name]["error"]
    assert outcomes[name]["internal_hits"] == 0


def test_an_endless_body_stops_at_the_byte_cap(outcomes: dict[str, dict[str, Any]]) -> None:
    assert "is larger than 4096 bytes" in outcomes["unbounded"]["error"]


def test_a_slow_drip_stops_at_the_deadline(outcomes: dict[str, dict[str, Any]]) -> None:
    assert "took longer than 3 s" in outcomes["drip"]["error"]
