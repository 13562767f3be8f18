"""Rephrase one line the voice cannot say (every clip failed the worker's check), once.

The new wording must keep the line's own key facts (tasks.script.facts) and pass the same checks
as any LLM-written line (tasks.script.checks); it is normalized for speech like the rest of the
script. Anything else returns None, and the turn fails as it would have.
"""

from __future__ import annotations

import logging

from castwright.clients.llm import LLMClient
from castwright.core.config import ShowConfig
from castwright.core.models import Section, Turn
from castwright.core.prompts import render
from tasks.script import checks
from tasks.script.facts import is_told, key_facts, tokens
from tasks.script.normalize import load_rules, normalize_text
from tasks.script.replies import ask_for_turns

log = logging.getLogger("tasks.script")


def rephrase_turn(llm: LLMClient, show: ShowConfig, turn: Turn, heard: str) -> str | None:
    rules = load_rules(show.language)
    messages = [
        {"role": "system", "content": render("refine.system.j2", show=show, hosts=show.hosts, rules=rules)},
        {"role": "user", "content": render("rephrase.user.j2", turn=turn, heard=heard)},
    ]  # fmt: skip
    replies, _ = ask_for_turns(llm, messages, show.host_names, show.script.refine)
    raw = next((r.text for r in replies if r.speaker == turn.speaker), "")
    text = normalize_text(checks.without_labels(raw, turn.speaker, show.host_names), rules,
                          show.language)[0]  # fmt: skip
    own = Section(id=turn.section, title="", body=turn.text)
    facts = key_facts(own, show.language)
    spoken = tokens(text, show.language)
    if not text or text == turn.text:
        return None
    problem = checks.line_problem(text, turn.speaker, own, show.host_names, show.language)
    if problem or not all(is_told(f, spoken, show.language) for f in facts):
        log.warning(
            "voices: the rephrasing of %s was not usable (%s)", turn.id, problem or "lost a fact"
        )
        return None
    log.info("voices: %s rephrased for the voice: %r", turn.id, text)
    return text
