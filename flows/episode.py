"""The weekly episode flow: newsletter -> script -> voices -> master -> publish.

The flow only sequences stages; each stage lives in tasks/<stage>.py. Run it with
`castwright run NEWSLETTER`, from the Prefect deployment in prefect.yaml, or from the Prefect UI
(the parameters below are the form). Reruns reuse every finished stage: the script when its
inputs are unchanged, each clip by content, the mastered audio by content.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated, Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from castwright.config import load_show
from castwright.models import EpisodeTags
from castwright.paths import DEFAULT_SHOW
from castwright.services import open_storage
from castwright.settings import settings_from_env
from tasks.manifest import models_used, write_manifest
from tasks.master import master_episode_task
from tasks.newsletter import episode_slug, parse_newsletter_task
from tasks.publish import publish_episode_task
from tasks.report import estimate_cost, publish_artifacts, timed
from tasks.review import review_script
from tasks.script import load_script, save_script, script_stage
from tasks.speech import voice_stage

log = logging.getLogger("castwright")


def current_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


DEFAULT_TTS_CONCURRENCY = 20


@flow(
    name="castwright-episode",
    task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_TTS_CONCURRENCY),  # type: ignore[arg-type]
    log_prints=True,
)
def episode_flow(
    newsletter: Annotated[
        str, Field(min_length=1, description="Issue: a markdown file path or http(s) URL")
    ],
    show: Annotated[str, Field(description="Show configuration file")] = str(DEFAULT_SHOW),
    out: Annotated[
        str, Field(description="Publish into this folder (when no bucket is set)")
    ] = "public",
    target_minutes: Annotated[
        float | None, Field(gt=0, le=180, description="Length target")
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
        show: Path to the show's YAML configuration.
        out: Folder the feed and episodes are published into (when no bucket is configured).
        target_minutes: Episode length target in minutes; overrides the show file.
        script_file: Voice this edited script file instead of writing one (no LLM call).
        force_script: Write the script again even if the last run's script is still valid.
        revoice_turns: Turn ids (e.g. t012) to synthesize again even if their clips exist.
        dry_run: Write the script and stop (no TTS, nothing published).
        review: Pause after the script for a person to approve, edit or reject it.
        publish: Publish the episode and feed; off = master only.
    """
    timings: dict[str, float] = {}
    settings = settings_from_env()
    show_cfg = load_show(Path(show))
    if target_minutes:
        show_cfg = show_cfg.model_copy(
            update={"script": show_cfg.script.model_copy(update={"target_minutes": target_minutes})}
        )
    issue = parse_newsletter_task(newsletter, show_cfg.host_names)
    slug = episode_slug(issue)
    episode_dir = settings.work_dir / "episodes" / slug

    with timed(timings, "script"):
        if script_file:
            script, script_result = load_script(Path(script_file), show_cfg), None
        else:
            script, script_result = script_stage(
                issue, show_cfg, settings, episode_dir, force_script
            )
    if review:
        script = review_script(script, show_cfg)
    save_script(script, episode_dir / "script.yaml")
    if dry_run:
        log.info("dry run: script written to %s; stopping before TTS", episode_dir / "script.yaml")
        return {"slug": slug, "script": str(episode_dir / "script.yaml"), "mp3": None, "feed_url": None,
            "flow_run_id": current_run_id()}  # fmt: skip

    with timed(timings, "voices"):
        clips = voice_stage(script, show_cfg, settings, revoice_turns)
    tags = EpisodeTags(
        title=issue.title, artist=" & ".join(show_cfg.host_names), album=show_cfg.title,
        date=issue.date or dt.date.today(), description=show_cfg.description, cover=show_cfg.cover,
    )  # fmt: skip
    titles = {s.id: s.title for s in issue.sections}
    with timed(timings, "master"):
        mastered = master_episode_task(clips, titles, tags, show_cfg.audio, episode_dir, slug)
    published = None
    if publish:
        with timed(timings, "publish"):
            storage = open_storage(settings, Path(out))
            published = publish_episode_task(
                show_cfg, issue, mastered, storage, settings.public_base_url, slug
            )
    cost = estimate_cost(script_result, clips, show_cfg.prices)
    manifest = write_manifest(
        episode_dir,
        show_cfg,
        issue,
        script,
        script_result,
        clips,
        mastered,
        published,
        cost,
        timings,
        models_used(settings, show_cfg),
    )
    links = {"episode-mp3": published.episode_url, "feed": published.feed_url} if published else {}
    publish_artifacts(script, script_result, clips, mastered, cost, links)
    return {"slug": slug, "manifest": str(manifest), "mp3": str(mastered.mp3),
            "feed_url": published.feed_url if published else None, "flow_run_id": current_run_id()}  # fmt: skip
