"""castwright's application API: what the flows and the command line share.

`start_episode` resolves one run's configuration (show file, target override, settings from the
environment), parses the issue and names its work folder; `finish_episode` writes the manifest and
the artifacts. The catalog commands (`rebuild_feed`, `list_episodes`, `remove_episode`) and the
pre-flight checks (`check_inputs`, `check_voices`) are the CLI's other doors; each opens its clients
through the factory and calls a stage. Nothing here decides how a stage works.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from castwright.clients.factory import open_clients
from castwright.core.config import ShowConfig, load_show
from castwright.core.errors import CastwrightError
from castwright.core.models import Clip, EpisodeTags, MasteredEpisode, Newsletter, Script
from castwright.core.settings import Settings, settings_from_env
from castwright.core.store import Store
from tasks.newsletter.stage import episode_slug, load_newsletter, parse_newsletter_task
from tasks.publish import stage as publish
from tasks.publish.catalog import EpisodeRecord
from tasks.publish.stage import PublishedEpisode
from tasks.report.artifacts import estimate_cost, publish_artifacts
from tasks.report.manifest import length_record, models_used, write_manifest
from tasks.script.gate import ScriptReport, report_summary
from tasks.script.writer import ScriptResult
from tasks.speech import voices

log = logging.getLogger("castwright")

P = ParamSpec("P")
R = TypeVar("R")


class _ExpectedFailureFilter(logging.Filter):
    """Log a known failure (a CastwrightError: its message says what to do) without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], CastwrightError):
            record.exc_info, record.exc_text = None, None
        return True


_QUIET = _ExpectedFailureFilter()


def quiet_expected_tracebacks() -> None:
    """Attach the filter to every handler Prefect and castwright log through (idempotent)."""
    names = ["", "prefect", *logging.Logger.manager.loggerDict]
    for logger in (logging.getLogger(n) for n in names):
        for handler in getattr(logger, "handlers", []):
            if _QUIET not in handler.filters:
                handler.addFilter(_QUIET)


def expected_failures(fn: Callable[P, R]) -> Callable[P, R]:
    """Flow wrapper: a known failure ends the flow run Failed with its one-line message (the
    state's message, the CLI's error), not an exception with a traceback."""
    from prefect.states import Failed

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        quiet_expected_tracebacks()
        try:
            return fn(*args, **kwargs)
        except CastwrightError as exc:
            log.error("%s", exc)
            return Failed(message=str(exc))  # type: ignore[return-value]

    # Prefect builds its parameter model from the signature: hand it the flow's own, with the
    # types resolved where the flow is defined (not in this module).
    run.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return run


@dataclass
class EpisodeRun:
    """One run of the episode flow: its resolved configuration and where its files go."""

    settings: Settings
    show: ShowConfig
    issue: Newsletter
    slug: str
    episode_dir: Path
    store: Store
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def script_path(self) -> Path:
        return self.episode_dir / "script.yaml"

    @property
    def section_titles(self) -> dict[str, str]:
        return {s.id: s.title for s in self.issue.sections}

    def tags(self) -> EpisodeTags:
        return EpisodeTags(
            title=self.issue.title, artist=" & ".join(self.show.host_names), album=self.show.title,
            date=self.issue.date or dt.date.today(), description=self.show.description,
            cover=self.show.cover, language=self.show.language,
        )  # fmt: skip


def resolve_show(show_file: Path, target_minutes: float | None = None) -> ShowConfig:
    """The show file with the run's overrides applied (flag > env > show file > default)."""
    show = load_show(show_file)
    if not target_minutes:
        return show
    script = show.script.model_copy(update={"target_minutes": target_minutes})
    return show.model_copy(update={"script": script})


def start_episode(newsletter: str, show_file: Path, target_minutes: float | None) -> EpisodeRun:
    settings = settings_from_env()
    show = resolve_show(show_file, target_minutes)
    issue = parse_newsletter_task(newsletter, show.host_names)
    slug = episode_slug(issue)
    episode_dir = settings.work_dir / "episodes" / slug
    return EpisodeRun(settings, show, issue, slug, episode_dir, Store(settings.work_dir))


def current_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def dry_run_result(run: EpisodeRun) -> dict[str, Any]:
    log.info("dry run: script written to %s; stopping before TTS", run.script_path)
    return {"slug": run.slug, "script": str(run.script_path), "mp3": None, "feed_url": None,
            "flow_run_id": current_run_id()}  # fmt: skip


def finish_episode(
    run: EpisodeRun, script: Script, script_result: ScriptResult | None, clips: list[Clip],
    mastered: MasteredEpisode, published: PublishedEpisode | None, report: ScriptReport,
) -> dict[str, Any]:  # fmt: skip
    """Write the manifest and attach the artifacts; the flow's return value."""
    cost = estimate_cost(script_result, clips, run.show.prices)
    manifest = write_manifest(
        run.episode_dir, run.show, run.issue, script, script_result, clips, mastered, published,
        cost, run.timings, models_used(run.settings, run.show), report,
    )  # fmt: skip
    links = {"episode-mp3": published.episode_url, "feed": published.feed_url} if published else {}
    target = run.show.script.target_minutes
    publish_artifacts(script, script_result, clips, mastered, cost, links, target)
    length = length_record(run.show, report, mastered)
    log.info("episode: %.1f min measured, target %g min (%+.0f%%); script: %s",
             length["measured_minutes"], target, 100 * (length["measured_error"] or 0),
             report_summary(report))  # fmt: skip
    return {"slug": run.slug, "manifest": str(manifest), "mp3": str(mastered.mp3),
            "feed_url": published.feed_url if published else None, "flow_run_id": current_run_id(),
            "length": length, "script_report": report_summary(report)}  # fmt: skip


def check_inputs(newsletter: str, show_file: Path) -> ShowConfig:
    """Validate the show file and a local newsletter before any server starts (fail fast)."""
    show = load_show(show_file)
    if not newsletter.startswith(("http://", "https://")):
        load_newsletter(newsletter, show.host_names)
    return show


def check_voices(fix: bool) -> list[str]:
    return voices.check_voices(fix=fix)


def rebuild_feed(show_file: Path, out: Path) -> str:
    settings = settings_from_env()
    with open_clients(settings, out) as clients:
        return publish.rebuild_feed(load_show(show_file), clients.storage, settings.public_base_url)


def list_episodes(out: Path) -> list[EpisodeRecord]:
    with open_clients(settings_from_env(), out) as clients:
        return publish.list_episodes(clients.storage)


def remove_episode(show_file: Path, out: Path, guid_or_slug: str) -> None:
    settings = settings_from_env()
    with open_clients(settings, out) as clients:
        publish.remove_episode(
            load_show(show_file), clients.storage, settings.public_base_url, guid_or_slug
        )
