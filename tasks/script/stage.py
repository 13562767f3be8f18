"""Stage 2: the script. Write it with the LLM (tasks.script.writer), or reuse the stored result
when its inputs are unchanged (the newsletter, the prompts, the hosts, the script settings and the
LLM), or read an edited script file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from castwright.clients.factory import Clients
from castwright.clients.llm import LLMClient
from castwright.core.config import ShowConfig
from castwright.core.models import Newsletter, PastEpisode, Script
from castwright.core.prompts import prompts_sha256
from castwright.core.settings import Settings
from castwright.core.store import Store, content_key
from tasks.script.files import load_script, save_script_reports
from tasks.script.writer import ScriptResult, write_script

log = logging.getLogger("tasks.script")

SCRIPTS = "scripts"
# 2: the other host gives the rundown; 3: no LLM line asks for a take; 4: both hosts tell the
# news, conversation mode
SCRIPT_VERSION = "4"


@task(name="write-script", cache_policy=NO_CACHE)
def write_script_task(
    newsletter: Newsletter, show: ShowConfig, llm: LLMClient, history: list[PastEpisode], mode: str
) -> ScriptResult:
    return write_script(newsletter, show, llm, history, mode)


def script_mode(show: ShowConfig, settings: Settings) -> str:
    """The show's `script.mode`; auto: a conversation written by an API model when one is
    configured, the code-owned skeleton for the small embedded model."""
    if show.script.mode != "auto":
        return show.script.mode
    return "conversation" if settings.llm_base_url else "skeleton"


def script_stage_key(
    issue: Newsletter, show: ShowConfig, settings: Settings, history: Sequence[PastEpisode] = ()
) -> str:
    """Everything that shapes the script: source, prompts, hosts, script settings, the LLM, and
    the show's recent history (the draft prompt carries it)."""
    llm = (settings.llm_base_url or "embedded", settings.llm_model)
    told = [s.model_dump() for s in issue.sections]  # what the selection chose to tell
    parts = [
        issue.source_sha256,
        told,
        prompts_sha256(),
        show.hosts,
        show.script,
        show.language,
        llm,
    ]
    parts += [list(history)] if history else []
    return content_key(parts, SCRIPT_VERSION)


def script_stage(
    issue: Newsletter, show: ShowConfig, clients: Clients, store: Store, episode_dir: Path,
    force: bool = False, script_file: str | None = None, history: list[PastEpisode] | None = None,
) -> tuple[Script, ScriptResult | None]:  # fmt: skip
    """The episode's script: an edited script file when given (no LLM, no result), else the stored
    one when its inputs are unchanged, else a new one from the LLM."""
    if script_file:
        return load_script(Path(script_file), show), None
    history = history or []
    key = script_stage_key(issue, show, clients.settings, history)
    saved = None if force else store.get_model(SCRIPTS, key, ScriptResult)
    if saved is not None:
        log.info("script: inputs unchanged since the last run; reusing it (force_script redoes it)")
        return saved.script, saved.model_copy(update={"reused": True})
    mode = script_mode(show, clients.settings)
    log.info("script: %s mode", mode)
    result = write_script_task(issue, show, clients.llm, history, mode)
    store.put_model(SCRIPTS, key, result)
    save_script_reports(result, episode_dir)
    return result.script, result
