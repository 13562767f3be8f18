"""The episode manifest: what was made, from what, how well, next to the episode's work files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from castwright.core.config import ShowConfig
from castwright.core.models import Clip, MasteredEpisode, Newsletter, Script
from castwright.core.netguard import redact_url
from castwright.core.prompts import prompts_sha256
from castwright.core.settings import Settings
from castwright.core.store import atomic_json
from tasks.report.artifacts import turn_table
from tasks.script.gate import ScriptReport
from tasks.script.writer import ScriptResult


def models_used(settings: Settings, show: ShowConfig) -> dict[str, Any]:
    """Which LLM and TTS endpoints and models made this episode (never any secret)."""
    from castwright.clients.factory import DEFAULT_OPENAI_MODEL, EMBEDDED_MODEL

    llm = settings.llm_model or (
        EMBEDDED_MODEL if settings.llm_base_url is None else DEFAULT_OPENAI_MODEL
    )
    return {
        "llm_endpoint": redact_url(settings.llm_base_url or "embedded llama.cpp server"),
        "draft_model": show.script.draft.model or llm,
        "refine_model": show.script.refine.model or llm,
        "tts_endpoint": redact_url(settings.tts_url or "embedded local worker"),
    }


def length_record(
    show: ShowConfig, report: ScriptReport | None, mastered: MasteredEpisode
) -> dict[str, float | None]:
    """The episode's length against its target: the script's estimate and the measured MP3."""
    target = show.script.target_minutes
    measured = mastered.duration_s / 60
    return {
        "target_minutes": target,
        "estimated_minutes": report.estimated_minutes if report else None,
        "measured_minutes": round(measured, 2),
        "measured_error": round((measured - target) / target, 3),
    }


def build_manifest(
    show: ShowConfig, issue: Newsletter, script: Script, script_result: ScriptResult | None,
    clips: list[Clip], mastered: MasteredEpisode, published: BaseModel | None, cost: BaseModel,
    timings: dict[str, float] | None = None, models: dict[str, Any] | None = None,
    report: ScriptReport | None = None, configuration: dict[str, Any] | None = None,
    history: dict[str, Any] | None = None, cost_episode: BaseModel | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": {"newsletter_sha256": issue.source_sha256, "prompts_sha256": prompts_sha256()},
        "show": show.title,
        "episode": issue.title,
        "script": {
            "turns": len(script.turns),
            "words": script.words(),
            "estimated_minutes": script_result.estimated_minutes if script_result else None,
            "draft_usage": script_result.draft_usage.model_dump() if script_result else None,
            "refine_usage": script_result.refine_usage.model_dump() if script_result else None,
            "normalization_replacements": [r.model_dump() for r in script_result.replacements]
            if script_result
            else [],
            "from_file": script_result is None,
            "reused": bool(script_result and script_result.reused),
            "opinions": [r.model_dump() for r in script_result.opinions] if script_result else [],
            "repairs": script_result.repairs if script_result else [],
            "gate": report.model_dump(mode="json") if report else None,
        },
        "length": length_record(show, report, mastered),
        "models": models or {},
        "voices": {h.name: h.voice for h in show.hosts},
        "turns": turn_table(clips),
        "clips_synthesized": sum(not c.cached for c in clips),
        "audio": mastered.model_dump(mode="json", exclude={"cues"}),
        "published": published.model_dump(mode="json") if published else None,
        "cost": cost.model_dump(),  # this run
        "cost_episode": cost_episode.model_dump() if cost_episode else None,  # all its runs
        "timings_s": timings or {},
        "engine_s": round(sum(c.worker_ms for c in clips if not c.cached) / 1000, 2),
        "configuration": configuration or {},
        "history": history or {},
    }


def write_manifest(
    episode_dir: Path, show: ShowConfig, issue: Newsletter, script: Script,
    script_result: ScriptResult | None, clips: list[Clip], mastered: MasteredEpisode,
    published: BaseModel | None, cost: BaseModel, timings: dict[str, float] | None = None,
    models: dict[str, Any] | None = None, report: ScriptReport | None = None,
    configuration: dict[str, Any] | None = None, history: dict[str, Any] | None = None,
    cost_episode: BaseModel | None = None,
) -> Path:  # fmt: skip
    data = build_manifest(
        show, issue, script, script_result, clips, mastered, published, cost, timings, models,
        report, configuration, history, cost_episode,
    )  # fmt: skip
    return atomic_json(episode_dir / "manifest.json", data)
