"""What an operator sees on the flow run: the script, per-turn quality, reports, links and cost.

Everything here is published as Prefect artifacts (readable in the UI and through the client) and
computed from the stage results; nothing is re-measured.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

from castwright.core.models import Clip, MasteredEpisode, Newsletter, PastEpisode, Script
from castwright.core.text import markdown_escape
from tasks.script.history import RepeatedTopic, repeated_topics, repeats_markdown
from tasks.script.opinions import report_markdown
from tasks.script.writer import ScriptResult

log = logging.getLogger("castwright")


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Record a stage's wall time in seconds (for the manifest and the benchmarks)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(time.perf_counter() - started, 2)


def script_markdown(script: Script) -> str:
    lines = ["# Script", ""]
    section = None
    for turn in script.turns:
        if turn.section != section:
            section = turn.section
            lines += ["", f"## {markdown_escape(section)}", ""]
        lines.append(
            f"**{turn.speaker}** ({markdown_escape(turn.id)}): {markdown_escape(turn.text)}  "
        )
    return "\n".join(lines)


def turn_table(clips: list[Clip]) -> list[dict[str, Any]]:
    """One row per turn: who spoke it, with which voice and engine, and how it scored."""
    return [
        {
            "turn": c.turn_id,
            "speaker": c.speaker,
            "voice": c.voice,
            "engine": c.engine,
            "duration_s": round(c.duration_s, 2),
            "score": round(c.score, 1),
            "attempts": c.attempts,
            "cached": c.cached,
            "clip": c.path.name,
        }  # fmt: skip
        for c in clips
    ]


def audio_markdown(mastered: MasteredEpisode, target_minutes: float | None = None) -> str:
    minutes = mastered.duration_s / 60
    target = (f" (target {target_minutes:g} min, {(minutes - target_minutes) / target_minutes:+.0%})"
              if target_minutes else "")  # fmt: skip
    return (
        "# Audio\n\n| measure | value |\n|---|---|\n"
        f"| duration | {minutes:.2f} min{target} |\n"
        f"| integrated loudness | {mastered.integrated_lufs:.1f} LUFS |\n"
        f"| true peak | {mastered.true_peak_dbtp:.1f} dBTP |\n"
        f"| loudness range | {mastered.lra:.1f} LU |\n"
        f"| chapters | {len(mastered.chapters)} |\n"
    )


def publish_artifacts(
    script: Script, script_result: ScriptResult | None, clips: list[Clip], mastered: MasteredEpisode,
    cost_md: str, links: dict[str, str], target_minutes: float | None = None,
) -> None:  # fmt: skip
    """Attach the run's reports to the current flow run."""
    create_markdown_artifact(
        key="script", markdown=script_markdown(script), description="The final script"
    )
    create_table_artifact(
        key="turns", table=turn_table(clips), description="Per-turn voice quality"
    )
    if script_result is not None:
        opinions = report_markdown(script_result.opinions)
        create_markdown_artifact(key="opinions", markdown=f"# Opinion check\n\n{opinions}")
    create_markdown_artifact(
        key="audio",
        markdown=audio_markdown(mastered, target_minutes),
        description="Loudness and format",
    )
    create_markdown_artifact(
        key="cost", markdown=cost_md, description="Cost of this run and of the episode"
    )
    for key, url in links.items():
        create_link_artifact(key=key, link=url)


def report_repeats(
    issue: Newsletter, history: list[PastEpisode], language: str
) -> list[RepeatedTopic]:
    """Sections that repeat an earlier episode's topic: logged, and an artifact on the flow run."""
    repeats = repeated_topics(issue, history, language)
    for r in repeats:
        log.warning("history: section %r repeats %r from %s (%s)", r.title, r.earlier_topic,
                    r.earlier_episode, r.earlier_date)  # fmt: skip
    if history:
        create_markdown_artifact(repeats_markdown(repeats, history), key="history",
                                 description="Earlier episodes and repeated topics")  # fmt: skip
    return repeats
