"""The worker's reference fetch and castwright's newsletter fetch under attack, in a private
network namespace (tests/worker/netns_fetch.py): redirects, DNS rebinding, internal addresses
behind names, an endless body, a slow drip. Results are keyed "worker:..." and "newsletter:..."."""

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


Outcomes = dict[str, dict[str, Any]]
SIDES = pytest.mark.parametrize("side", ["worker", "newsletter"])


@SIDES
def test_a_public_host_is_fetched(side: str, outcomes: Outcomes) -> None:
    assert outcomes[f"{side}:plain"]["body"] == "public audio"


def test_the_worker_follows_no_redirect(outcomes: Outcomes) -> None:
    assert "redirects are not followed" in outcomes["worker:redirect"]["error"]
    assert outcomes["worker:redirect"]["internal_hits"] == 0


def test_the_newsletter_fetch_checks_the_redirect_target(outcomes: Outcomes) -> None:
    assert (
        "'localhost' resolves to a non-public address" in outcomes["newsletter:redirect"]["error"]
    )
    assert outcomes["newsletter:redirect"]["internal_hits"] == 0


@SIDES
def test_a_rebinding_name_is_fetched_from_the_address_that_was_checked(
    side: str, outcomes: Outcomes
) -> None:
    outcome = outcomes[f"{side}:rebind"]
    assert outcome.get("body") == "public audio" and outcome["internal_hits"] == 0, outcome


@SIDES
@pytest.mark.parametrize("name", ["metadata", "mapped"])
def test_names_resolving_to_internal_addresses_are_refused(
    side: str, name: str, outcomes: Outcomes
) -> None:
    assert "non-public address" in outcomes[f"{side}:{name}"]["error"]
    assert outcomes[f"{side}:{name}"]["internal_hits"] == 0


@pytest.mark.parametrize(
    ("side", "message"),
    [("worker", "is larger than 4096 bytes"), ("newsletter", "over the 4,096-byte limit")],
)
def test_an_endless_body_stops_at_the_byte_cap(side: str, message: str, outcomes: Outcomes) -> None:
    assert message in outcomes[f"{side}:unbounded"]["error"]


@SIDES
def test_a_slow_drip_stops_at_the_deadline(side: str, outcomes: Outcomes) -> None:
    assert "took longer than 3 s" in outcomes[f"{side}:drip"]["error"]
