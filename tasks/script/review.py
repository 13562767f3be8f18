"""The optional review gate: pause after the script for a person to approve, edit or reject it.

With `review=True` the flow pauses (Prefect's pause with an input form in the UI). The reviewer
answers with a decision and, for `edit`, the whole script as YAML (the same format as
script.yaml). Rejecting stops the run before any TTS money is spent.
"""

from __future__ import annotations

import logging
from typing import Literal

import yaml
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field, ValidationError

from castwright.core.config import ShowConfig
from castwright.core.errors import ScriptError
from castwright.core.models import Script
from tasks.report.artifacts import script_markdown

log = logging.getLogger(__name__)

REVIEW_TIMEOUT_S = 7 * 24 * 3600


class ReviewDecision(RunInput):
    decision: Literal["approve", "edit", "reject"] = Field(description="approve, edit or reject")
    script_yaml: str | None = Field(None, description="For edit: the whole script as YAML")
    note: str | None = Field(None, description="Why (kept in the log)")


def apply_review(script: Script, answer: ReviewDecision, show: ShowConfig) -> Script:
    if answer.decision == "reject":
        raise ScriptError(f"the script was rejected in review: {answer.note or 'no reason given'}")
    if answer.decision == "approve":
        return script
    try:
        edited = Script.model_validate(yaml.safe_load(answer.script_yaml or ""))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ScriptError(f"the edited script is not valid: {exc}") from exc
    unknown = {t.speaker for t in edited.turns} - set(show.host_names)
    if unknown or not edited.turns:
        raise ScriptError(
            f"the edited script needs turns by {show.host_names} only; found {sorted(unknown)}"
        )
    return edited


def review_script(script: Script, show: ShowConfig) -> Script:
    """Pause the flow run until a reviewer answers; return the script to voice."""
    create_markdown_artifact(key="script-for-review", markdown=script_markdown(script))
    log.info("review: waiting for a decision (approve / edit / reject) on the flow run")
    answer = pause_flow_run(wait_for_input=ReviewDecision, timeout=REVIEW_TIMEOUT_S)
    log.info("review: %s%s", answer.decision, f" ({answer.note})" if answer.note else "")
    return apply_review(script, answer, show)
