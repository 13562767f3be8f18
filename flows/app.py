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

from castwright.clients.factory import Clients, open_clients, open_notifier
from castwright.clients.notify import Notice
from castwright.clients.storage import normalize_base_url, public_url
from castwright.core.config import ShowConfig
from castwright.core.errors import CastwrightError, ConfigError, ScriptGateError
from castwright.core.models import (
    Clip,
    EpisodeTags,
    MasteredEpisode,
    Newsletter,
    PastEpisode,
    Script,
)
from castwright.core.resolve import RunConfig, resolve_config
from castwright.core.settings import Settings, settings_from_env
from castwright.core.spend import read_spend
from castwright.core.store import Store
from tasks.newsletter.select import Selection, left_out_lines, select_task, summary
from tasks.newsletter.source import find_new_issue_task
from tasks.newsletter.stage import episode_slug, load_newsletter, parse_newsletter_task
from tasks.publish import stage as publish
from tasks.publish.catalog import (
    Catalog,
    EpisodeRecord,
    published_source_ids,
    read_catalog,
    show_history,
)
from tasks.publish.directory import Problem
from tasks.publish.feed import FEED_KEY
from tasks.publish.stage import PublishedEpisode
from tasks.report.artifacts import publish_artifacts, report_repeats
from tasks.report.cost import (
    SPEND_FILE,
    check_cost_cap,
    cost_line,
    cost_markdown,
    episode_cost,
    published_bytes,
)
from tasks.report.manifest import length_record, models_used, write_manifest
from tasks.script.gate import ScriptReport, gate_script, report_summary
from tasks.script.history import RepeatedTopic
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
    state's message, the CLI's error), not an exception with a traceback. Every failure, known or
    not, is posted to the failure webhook when one is configured (`notify_failure`)."""
    from prefect.states import Failed

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        quiet_expected_tracebacks()
        try:
            return fn(*args, **kwargs)
        except CastwrightError as exc:
            log.error("%s", exc)
            notify_failure(exc)
            return Failed(message=str(exc))  # type: ignore[return-value]
        except Exception as exc:  # a bug or an unexpected fault: a person hears of it too
            notify_failure(exc)
            raise

    # Prefect builds its parameter model from the signature: hand it the flow's own, with the
    # types resolved where the flow is defined (not in this module).
    run.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return run


def notify_failure(exc: Exception) -> None:
    """Post the failure, with the flow run's link, to CASTWRIGHT_NOTIFY_URL (when set)."""
    notifier = open_notifier(settings_from_env())
    if notifier is None:
        return
    from prefect.runtime import flow_run

    event = "gate_blocked" if isinstance(exc, ScriptGateError) else "run_failed"
    reason = str(exc) or type(exc).__name__
    notifier.send(Notice(event=event, reason=reason, flow=flow_run.flow_name or "castwright",
                         flow_run_id=current_run_id(), flow_run_url=flow_run_link()))  # fmt: skip


def flow_run_link() -> str | None:
    """The flow run in the Prefect UI; None where no UI is configured (a temporary server)."""
    from prefect.runtime import flow_run
    from prefect.settings import PREFECT_UI_URL

    return str(flow_run.ui_url) if PREFECT_UI_URL.value() and flow_run.id else None


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
    configuration: dict[str, Any] = field(default_factory=dict)  # resolved values, for the manifest
    history: list[PastEpisode] = field(default_factory=list)  # recent earlier episodes
    repeats: list[RepeatedTopic] = field(default_factory=list)  # sections repeating their topics
    selection: Selection | None = None  # what of the source the episode tells, what it leaves out

    def memory(self) -> dict[str, Any]:
        return {"recent_episodes": [f"{e.date} {e.title}" for e in self.history],
                "repeated_topics": [r.model_dump() for r in self.repeats]}  # fmt: skip

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


def find_issue(
    newsletter: str | None, show: ShowConfig, catalog: Catalog | None
) -> Newsletter | None:
    """The issue named by the run, else the newest one at the show's source that the catalog
    does not hold yet (None: nothing new)."""
    if newsletter:
        return parse_newsletter_task(newsletter, show.host_names, show.language)
    if show.source is None:
        raise ConfigError(
            "no issue to voice: name one (castwright run NEWSLETTER, or the flow's `newsletter` "
            "parameter) or set `source` in the show file (a feed, a folder or one issue)"
        )
    return find_new_issue_task(
        show.source, published_source_ids(catalog), show.host_names, show.language
    )


def start_episode(newsletter: str | None, config: RunConfig, clients: Clients) -> EpisodeRun | None:
    """Find the issue, name its work folder, and recall the show's recent episodes (the draft
    prompt's memory; a section repeating one of their topics is reported)."""
    settings, show = config.settings, config.show
    catalog = read_catalog(clients.storage)
    parsed = find_issue(newsletter, show, catalog)
    if parsed is None:
        return None
    selection = select_task(parsed, show)  # length by selection, before the script
    issue = selection.issue
    slug = episode_slug(issue)
    history = show_history(catalog, slug)
    repeats = report_repeats(issue, history, show.language)
    episode_dir = settings.work_dir / "episodes" / slug
    clients.meter.attach(episode_dir / SPEND_FILE, current_run_id())  # every run adds its spend
    store = Store(settings.work_dir)
    return EpisodeRun(settings, show, issue, slug, episode_dir, store, history=history,
                      repeats=repeats, configuration=config.record(), selection=selection)  # fmt: skip


def gate(
    run: EpisodeRun, script: Script, approved: bool, result: ScriptResult | None
) -> ScriptReport:
    """The script gate, its report listing what the episode leaves out of the source."""
    modes = result.sections if result else None
    return gate_script(run.issue, script, run.show, run.episode_dir, approved, modes, run.selection)


def nothing_new(show: ShowConfig) -> Any:
    """The run's Completed state when the source holds no new issue: nothing is voiced or changed."""
    from prefect.states import Completed

    where = show.source.location if show.source else "the source"
    message = f"nothing new: the newest issue at {where} is already published"
    log.info("%s", message)
    return Completed(message=message, data={"nothing_new": True, "message": message,
                                            "flow_run_id": current_run_id()})  # fmt: skip


def check_run_cost(run: EpisodeRun, script: Script, clients: Clients) -> None:
    """Stop before any TTS when the run's estimate is over the show's cap (prices.max_run_usd)."""
    spent = [e for e in read_spend(run.episode_dir / SPEND_FILE) if e.run == clients.meter.run_id]
    estimate = check_cost_cap(script, run.show, run.store, spent)
    log.info("cost: about $%.4f for this run before voicing (cap: %s)", estimate,
             f"${run.show.prices.max_run_usd:g}" if run.show.prices.max_run_usd else "none")  # fmt: skip


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
    stored = published_bytes(mastered) if published else 0
    local_folder = run.settings.s3_bucket is None  # the output folder: nobody bills it
    cost, all_runs = episode_cost(run.episode_dir, current_run_id(), run.show, stored, local_folder)
    line = cost_line(cost, all_runs, run.show.prices)
    log.info("%s", line)
    manifest = write_manifest(
        run.episode_dir, run.show, run.issue, script, script_result, clips, mastered, published,
        cost, run.timings, models_used(run.settings, run.show), report, run.configuration,
        run.memory(), all_runs,
    )  # fmt: skip
    links = {"episode-mp3": published.episode_url, "feed": published.feed_url} if published else {}
    target = run.show.script.target_minutes
    publish_artifacts(script, script_result, clips, mastered, cost_markdown(cost, all_runs),
                      links, target)  # fmt: skip
    length = length_record(run.show, report, mastered)
    log.info("episode: %.1f min measured, target %g min (%+.0f%%); script: %s",
             length["measured_minutes"], target, 100 * (length["measured_error"] or 0),
             report_summary(report))  # fmt: skip
    return {"slug": run.slug, "manifest": str(manifest), "mp3": str(mastered.mp3),
            "feed_url": published.feed_url if published else None, "flow_run_id": current_run_id(),
            "length": length, "script_report": report_summary(report),
            "told": summary(run.selection) if run.selection else None,
            "left_out": left_out_lines(run.selection) if run.selection else [],
            "warnings": report.warnings,
            "cost": {"run_usd": cost.total_usd, "episode_usd": all_runs.total_usd,
                     "runs": all_runs.runs, "billed_usd": all_runs.billed_usd,
                     "local": all_runs.local, "line": line}}  # fmt: skip


def check_inputs(newsletter: str | None, show_file: Path | None) -> ShowConfig:
    """Validate the show file and a local newsletter before any server starts (fail fast)."""
    show = resolve_config(show_file).show
    if newsletter and not newsletter.startswith(("http://", "https://")):
        load_newsletter(newsletter, show.host_names, language=show.language)
    return show


def check_voices(fix: bool) -> list[str]:
    return voices.check_voices(fix=fix)


def rebuild_feed(show_file: Path | None, out: Path) -> str:
    config = resolve_config(show_file)
    settings, show = config.settings, config.show
    with open_clients(settings, out) as clients:
        return publish.rebuild_feed(show, clients.storage, settings.public_base_url)


def check_feed(out: Path) -> tuple[str, list[Problem]]:
    """(the feed's URL, what a podcast directory would reject in it)."""
    settings = settings_from_env()
    with open_clients(settings, out) as clients:
        problems = publish.check_published(clients.storage, settings.public_base_url)
    return public_url(normalize_base_url(settings.public_base_url), FEED_KEY), problems


def list_episodes(out: Path) -> list[EpisodeRecord]:
    with open_clients(settings_from_env(), out) as clients:
        return publish.list_episodes(clients.storage)


def remove_episode(show_file: Path | None, out: Path, guid_or_slug: str) -> None:
    config = resolve_config(show_file)
    settings, show = config.settings, config.show
    with open_clients(settings, out) as clients:
        publish.remove_episode(show, clients.storage, settings.public_base_url, guid_or_slug)
