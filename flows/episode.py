"""The weekly episode flow: newsletter -> script -> voices -> master -> publish.

The flow only sequences stages; each stage lives in tasks/<stage>.py. Run it with
`castwright run NEWSLETTER`, from the Prefect deployment in prefect.yaml, or from the Prefect UI
(the parameters below are the form). Reruns reuse every finished stage: the script when its
inputs are unchanged, each clip by content, the mastered audio by content.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from castwright.clients.factory import open_clients
from castwright.core.config import MAX_TTS_CONCURRENCY, TargetMinutes
from flows.app import (
    check_run_cost,
    dry_run_result,
    expected_failures,
    finish_episode,
    gate,
    nothing_new,
    resolve_config,
    start_episode,
)
from tasks.master.stage import master_episode_task
from tasks.publish.stage import publish_episode_task
from tasks.report.artifacts import timed
from tasks.script.files import save_script
from tasks.script.review import review_script
from tasks.script.stage import script_stage
from tasks.speech.stage import voice_stage

log = logging.getLogger("castwright")


@flow(
    name="castwright-episode",
    # threads for the mapped turns; the show's tts.concurrency caps the jobs in flight (clients)
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_TTS_CONCURRENCY),  # type: ignore[arg-type]
    log_prints=True,
)
@expected_failures
def episode_flow(
    newsletter: Annotated[
        str | None, Field(description="Issue: a file path or http(s) URL; none: the show's source")
    ] = None,
    show: Annotated[
        str | None, Field(description="Show file; none: $CASTWRIGHT_SHOW, else the example")
    ] = None,
    out: Annotated[
        str, Field(description="Publish into this folder (when no bucket is set)")
    ] = "public",
    target_minutes: Annotated[
        TargetMinutes | None, Field(description="Length target; overrides the show file")
    ] = None,
    script_file: Annotated[
        str | None, Field(description="Voice this edited script; no LLM")
    ] = None,
    force_script: Annotated[bool, Field(description="Write the script again")] = False,
    revoice_turns: Annotated[list[str], Field(description="Turn ids to synthesize again")] = [],  # noqa: B006
    dry_run: Annotated[bool, Field(description="Stop after the script")] = False,
    review: Annotated[bool, Field(description="Pause for approval after the script")] = False,
    publish: Annotated[bool, Field(description="Publish episode and feed")] = True,
) -> dict[str, Any]:
    """Turn one newsletter issue into a published two-host podcast episode.

    Args:
        newsletter: The issue, as a markdown file path or an http(s) URL (markdown or HTML).
            Leave empty to take the newest unpublished issue at the show file's `source`.
        show: Path to the show's YAML configuration (default: $CASTWRIGHT_SHOW, else the
            example show).
        out: Folder the feed and episodes are published into (when no bucket is configured).
        target_minutes: Episode length target in minutes; overrides the show file.
        script_file: Voice this edited script file instead of writing one (no LLM call).
        force_script: Write the script again even if the last run's script is still valid.
        revoice_turns: Turn ids (e.g. t012) to synthesize again even if their clips exist.
        dry_run: Write the script and stop (no TTS, nothing published).
        review: Pause after the script for a person to approve, edit or reject it.
        publish: Publish the episode and feed; off = master only.
    """
    config = resolve_config(show, target_minutes)
    with open_clients(config.settings, Path(out), config.show.tts.concurrency) as clients:
        run = start_episode(newsletter, config, clients)
        if run is None:
            return nothing_new(config.show)
        with timed(run.timings, "script"):
            script, script_result = script_stage(
                run.issue, run.show, clients, run.store, run.episode_dir, force_script, script_file,
                run.history,
            )  # fmt: skip
        save_script(script, run.script_path)
        report = gate(run, script, review or dry_run, script_result)
        if review:
            script = review_script(script, run.show)
            save_script(script, run.script_path)
        if dry_run:
            return dry_run_result(run)
        check_run_cost(run, script, clients)
        with timed(run.timings, "voices"):
            clips = voice_stage(script, run.show, clients, run.store, revoice_turns)
        with timed(run.timings, "master"):
            mastered = master_episode_task(
                clips, run.section_titles, run.tags(), run.show.audio, run.episode_dir, run.slug,
                store=run.store,
            )  # fmt: skip
        published = None
        if publish:
            with timed(run.timings, "publish"):
                published = publish_episode_task(
                    run.show, run.issue, mastered, clients.storage,
                    run.settings.public_base_url, run.slug,
                )  # fmt: skip
        return finish_episode(run, script, script_result, clips, mastered, published, report)
