"""Keep the RunPod endpoint alive between weekly runs.

RunPod scales an endpoint idle for 3 days down to 2 max workers and one idle for 7 days down to 0,
where it stays until raised by hand; a weekly job sits on that edge. This flow, scheduled every
two days in prefect.yaml, runs one tiny real job (a few GPU seconds) through the same client.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from prefect import flow

from castwright.clients.factory import open_clients
from castwright.core.config import load_show
from castwright.core.settings import settings_from_env
from flows.app import expected_failures
from tasks.speech.stage import warmup_job

log = logging.getLogger("castwright")


@flow(name="castwright-keepalive")
@expected_failures  # a failed ping is posted to the failure webhook too
def keepalive_flow(show: str | None = None) -> dict[str, Any]:
    """Run one short synthesis job on the configured endpoint.

    Args:
        show: Show file whose first host's voice is used for the ping (default:
            $CASTWRIGHT_SHOW, else the example show).
    """
    settings = settings_from_env(show_file=Path(show) if show else None)
    if settings.tts_url is None:
        log.info("no RunPod endpoint configured (embedded worker): nothing to keep alive")
        return {"pinged": False}
    show_cfg = load_show(settings.show_file)
    with open_clients(settings, settings.work_dir) as clients:
        health = clients.tts.health()
        output = clients.tts.run(warmup_job(show_cfg))
    log.info(
        "endpoint answered: %.1f s of audio, %d worker(s) were ready",
        output.get("duration_s", 0),
        health.ready_workers,
    )
    return {"pinged": True, "ready_workers": health.ready_workers}
