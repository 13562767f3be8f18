"""Rephrase one line the voice cannot say (every clip failed the worker's check), once.

The new wording must keep the line's numbers and names (tasks.script.facts), its stance (no
negation added or dropped, no new hedge) and pass the same checks as any LLM-written line
(tasks.script.checks); it is normalized for speech like the rest of the script. Anything else
returns None, and the turn fails as it would have.
"""

from __future__ import annotations

import logging

from castwright.clients.llm import LLMClient
from castwright.core.config import ShowConfig
from castwright.core.models import Section, Turn
from castwright.core.prompts import render
from tasks.script import checks
from tasks.script.facts import NUMBER_WORDS, is_told, key_facts, tokens
from tasks.script.normalize import load_rules, normalize_text
from tasks.script.opinions import adds_hedge, coverage, negations
from tasks.script.replies import ask_for_turns

log = logging.getLogger("tasks.script")

SAME_WORDS = 50.0  # % of the line's content words a rephrasing keeps (it says the same thing)


def _hard_facts(turn: Turn, language: str) -> list[str]:
    """The facts a rephrasing must keep: numbers, and names written inside a sentence (a capital
    that only starts a sentence is no name); key terms may change words."""
    facts = key_facts(Section(id=turn.section, title="", body=turn.text), language)
    words = NUMBER_WORDS[language]
    starts = {s.split()[0].strip("\"'") for s in checks.sentences(turn.text) if s.split()}
    return [f for f in facts if any(w.lower() in words for w in f.split())
            or (f[:1].isupper() and f.split()[0] not in starts)]  # fmt: skip


def _problem(text: str, turn: Turn, show: ShowConfig) -> str | None:
    own = Section(id=turn.section, title="", body=turn.text)
    problem = checks.line_problem(text, turn.speaker, own, show.host_names, show.language,
                                  own=turn.text, each_sentence=False)  # fmt: skip
    if problem:
        return problem
    spoken = tokens(text, show.language)
    if not all(is_told(f, spoken, show.language) for f in _hard_facts(turn, show.language)):
        return "lost a number or a name"
    language = show.language
    if negations(text, language) != negations(turn.text, language) or adds_hedge(
        turn.text, text, language
    ):
        return "changed the stance"
    if coverage(turn.text, text, language) < SAME_WORDS:
        return "says something else"
    return None


def rephrase_turn(llm: LLMClient, show: ShowConfig, turn: Turn, heard: str) -> str | None:
    rules = load_rules(show.language)
    system = render("refine.system.j2", show=show, hosts=show.hosts, rules=rules)
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": render("rephrase.user.j2", turn=turn, heard=heard)},
    ]
    replies, _ = ask_for_turns(llm, messages, show.host_names, show.script.refine)
    raw = next((r.text for r in replies if r.speaker == turn.speaker), "")
    own = checks.without_labels(raw, turn.speaker, show.host_names)
    text = normalize_text(own, rules, show.language)[0]
    if not text or text == turn.text:
        return None
    problem = _problem(text, turn, show)
    if problem:
        log.warning("voices: the rephrasing of %s was not usable (%s)", turn.id, problem)
        return None
    log.info("voices: %s rephrased for the voice: %r", turn.id, text)
    return text
