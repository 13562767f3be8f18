"""`castwright doctor`: will the weekly episode actually be made?

Checks, against the Prefect API in PREFECT_API_URL, everything a schedule needs to fire and be
picked up: the API answers, the work pool from prefect.yaml exists and has a worker online, and
each deployment is unpaused, has an active schedule and a next Scheduled run. Every finding that
is not ok says how to fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

WORK_POOL = "castwright"  # prefect.yaml: work_pool.name of both deployments
DEPLOYMENTS = ("castwright-episode/weekly", "castwright-keepalive/keepalive")  # flow/deployment


@dataclass(frozen=True)
class Finding:
    """One checked fact: `ok`, or what is missing and how to fix it."""

    ok: bool
    subject: str
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        head = f"{'ok' if self.ok else 'MISSING':<8}{self.subject}: {self.detail}"
        return [head] if self.ok else [head, f"{'':<8}fix: {self.fix}"]


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile, if any."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def check_api(client: SyncPrefectClient, url: str) -> Finding:
    error = client.api_healthcheck()
    if error is None:
        return Finding(True, "Prefect API", f"{url} is reachable")
    return Finding(
        False,
        "Prefect API",
        f"{url} does not answer ({type(error).__name__}: {error})",
        "start it with `uv run prefect server start`, or correct PREFECT_API_URL",
    )


def check_pool(client: SyncPrefectClient, pool: str) -> list[Finding]:
    from prefect.client.schemas.objects import WorkerStatus
    from prefect.exceptions import ObjectNotFound

    subject = f"work pool {pool!r}"
    try:
        found = client.read_work_pool(pool)
    except ObjectNotFound:
        return [
            Finding(
                False,
                subject,
                "does not exist",
                f"`uv run prefect work-pool create {pool} --type process`",
            )
        ]
    findings = [Finding(True, subject, f"exists (type {found.type})")]
    if found.is_paused:
        findings.append(
            Finding(
                False,
                subject,
                "is paused: no worker takes runs from it",
                f"`uv run prefect work-pool resume {pool}`",
            )
        )
    workers = client.read_workers_for_work_pool(pool)
    online = sorted(w.name for w in workers if w.status == WorkerStatus.ONLINE)
    if online:
        findings.append(Finding(True, subject, f"worker online: {', '.join(online)}"))
    else:
        findings.append(
            Finding(
                False,
                subject,
                "has no worker online: scheduled runs will wait and turn Late",
                f"`uv run prefect worker start --pool {pool}` (with the production env vars set)",
            )
        )
    return findings


def next_scheduled_start(client: SyncPrefectClient, deployment_id: UUID) -> dt.datetime | None:
    """The earliest upcoming run in state Scheduled (not Late) of one deployment."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateName,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    scheduled = FlowRunFilterState(name=FlowRunFilterStateName(any_=["Scheduled"]))
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=scheduled),
        sort=FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC,
        limit=1,
    )
    return runs[0].next_scheduled_start_time if runs else None


def check_deployment(client: SyncPrefectClient, name: str) -> list[Finding]:
    from prefect.exceptions import ObjectNotFound

    subject = f"deployment {name!r}"
    try:
        deployment = client.read_deployment_by_name(name)
    except ObjectNotFound:
        return [
            Finding(
                False, subject, "is not deployed", "`uv run prefect --no-prompt deploy --all` here"
            )
        ]
    deployment_name = name.split("/", 1)[1]
    if deployment.paused:
        return [
            Finding(
                False,
                subject,
                "is paused: its schedule creates no runs",
                f"`uv run prefect deployment resume '{name}'`",
            )
        ]
    active = [s for s in deployment.schedules if s.active]
    if not active:
        redeploy = (
            f"`uv run prefect --no-prompt deploy --name {deployment_name}` (from this folder)"
        )
        if not deployment.schedules:
            return [Finding(False, subject, "has no schedule", redeploy)]
        resume = " ; ".join(
            f"`uv run prefect deployment schedule resume '{name}' {s.id}`"
            for s in deployment.schedules
        )
        return [Finding(False, subject, "has its schedule paused", f"{resume} ; or {redeploy}")]
    findings = [Finding(True, subject, f"{len(active)} active schedule(s)")]
    start = next_scheduled_start(client, deployment.id)
    if start is None:
        findings.append(
            Finding(
                False,
                subject,
                "has no Scheduled run: the server's scheduler is not creating runs",
                "check the server log for ERROR lines (see README, 'Running every week'); "
                "the lock pins SQLAlchemy <2.1, which Prefect 3.8's scheduler needs",
            )
        )
    else:
        findings.append(Finding(True, subject, f"next run {describe_time(start)}"))
    return findings


def describe_time(when: dt.datetime) -> str:
    """Local time and UTC, so a schedule's time zone is easy to check."""
    utc = when.astimezone(dt.UTC)
    return f"{when.astimezone():%a %Y-%m-%d %H:%M %Z} ({utc:%Y-%m-%d %H:%M} UTC)"


def run_checks(pool: str = WORK_POOL, deployments: Sequence[str] = DEPLOYMENTS) -> list[Finding]:
    """Every check, in order; stops early only when there is no API to ask."""
    from prefect.client.orchestration import get_client

    url = configured_api_url()
    if not url:
        return [
            Finding(
                False,
                "Prefect API",
                "PREFECT_API_URL is not set: schedules need a running Prefect server",
                "`uv run prefect server start`, then "
                "`export PREFECT_API_URL=http://127.0.0.1:4200/api`",
            )
        ]
    with get_client(sync_client=True) as client:
        api = check_api(client, url)
        if not api.ok:
            return [api]
        findings = [api, *check_pool(client, pool)]
        for name in deployments:
            findings.extend(check_deployment(client, name))
    return findings


def report(findings: Sequence[Finding]) -> str:
    lines = [line for finding in findings for line in finding.lines()]
    missing = sum(not f.ok for f in findings)
    lines.append(
        "all set: the schedules will fire" if not missing else f"{missing} problem(s) found"
    )
    return "\n".join(lines)
