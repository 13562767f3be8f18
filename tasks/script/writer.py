"""The script writer: draft and refine every section, check the opinions, normalize for speech.

Draft decides who says what and in which order (content unchanged); refine makes it sound like a
conversation, per host persona. Each pass sees the speech rules; the final script is normalized
again in code (tasks.script.normalize).
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field

from castwright.clients.llm import LLMClient, Usage
from castwright.core.config import ShowConfig
from castwright.core.models import Newsletter, Script, Section, Turn
from castwright.core.prompts import render
from castwright.core.text import pack, speech_units
from tasks.script.normalize import Replacement, load_rules, normalize_script
from tasks.script.opinions import OpinionRow, check_opinions, check_section, feedback
from tasks.script.replies import ReplyTurn, ask_for_turns

log = logging.getLogger("tasks.script")

OPINION_RETRIES = 1
CONTEXT_TURNS = 4
MAX_TURN_WORDS = 60
MIN_SECTION_WORDS = 40


class ScriptResult(BaseModel):
    script: Script
    draft_usage: Usage
    refine_usage: Usage
    replacements: list[Replacement] = Field(default_factory=list)
    opinions: list[OpinionRow] = Field(default_factory=list)
    restored_opinions: list[str] = Field(default_factory=list, description="Said verbatim by code")
    estimated_minutes: float
    reused: bool = False


def word_budgets(newsletter: Newsletter, target_words: int) -> list[int]:
    """Share the episode's word budget among sections in proportion to their source length."""
    sizes = [
        len(s.body.split()) + sum(len(c.text.split()) for c in s.comments)
        for s in newsletter.sections
    ]
    total = sum(sizes) or 1
    return [max(MIN_SECTION_WORDS, round(target_words * n / total)) for n in sizes]


def _system(name: str, show: ShowConfig) -> dict[str, str]:
    rules = load_rules(show.language)
    return {"role": "system", "content": render(name, show=show, hosts=show.hosts, rules=rules)}


def draft_section(
    llm: LLMClient, show: ShowConfig, section: Section, position: int, count: int,
    previous: list[Turn], target_words: int,
) -> tuple[list[ReplyTurn], Usage]:  # fmt: skip
    user = render(
        "draft.user.j2", section=section, position=position, section_count=count,
        previous=previous[-CONTEXT_TURNS:], target_words=target_words,
    )  # fmt: skip
    messages = [_system("draft.system.j2", show), {"role": "user", "content": user}]
    return ask_for_turns(llm, messages, show.host_names, show.script.draft, section.comments)


def refine_section(
    llm: LLMClient,
    show: ShowConfig,
    section: Section,
    turns: list[Turn],
    feedback: list[str] | None = None,
) -> tuple[list[ReplyTurn], Usage]:
    user = render("refine.user.j2", section=section, turns=turns, feedback=feedback or [])
    messages = [_system("refine.system.j2", show), {"role": "user", "content": user}]
    return ask_for_turns(llm, messages, show.host_names, show.script.refine, section.comments)


def split_sentences(text: str, max_words: int = MAX_TURN_WORDS) -> list[str]:
    """Split a long turn at sentence ends (then clauses) so no piece exceeds max_words."""
    return pack(speech_units(text, max_words), lambda _: max_words)


def number_turns(section_turns: list[tuple[str, list[ReplyTurn]]]) -> Script:
    turns: list[Turn] = []
    for section_id, replies in section_turns:
        for reply in replies:
            for piece in split_sentences(reply.text):
                turns.append(
                    Turn(
                        id=f"t{len(turns) + 1:03d}",
                        speaker=reply.speaker,
                        text=piece,
                        section=section_id,
                    )
                )
    return Script(turns=turns)


def refine_checked(
    llm: LLMClient, show: ShowConfig, section: Section, draft: list[Turn]
) -> tuple[list[ReplyTurn], Usage]:
    """Refine a section; when an opinion is flagged, refine again with that feedback (bounded)."""
    replies, usage = refine_section(llm, show, section, draft)
    flagged = _flags(section, replies, show)
    for _ in range(OPINION_RETRIES):
        if not flagged:
            break
        log.info(
            "script: %d opinion(s) flagged in %r; refining again with feedback",
            len(flagged),
            section.title,
        )
        retry, used = refine_section(llm, show, section, draft, feedback(flagged))
        usage += used
        retry_flagged = _flags(section, retry, show)
        if len(retry_flagged) < len(flagged):
            replies, flagged = retry, retry_flagged
    return replies, usage


def _flags(section: Section, replies: list[ReplyTurn], show: ShowConfig) -> list[OpinionRow]:
    turns = number_turns([(section.id, replies)]).turns
    rows = check_section(section.comments, section.id, turns, show.host_names)
    return [r for r in rows if r.status != "kept"]


def restore_missing_opinions(
    section: Section, replies: list[ReplyTurn], show: ShowConfig
) -> tuple[list[ReplyTurn], list[str]]:
    """The last line of the opinion rule: a comment the LLM still dropped is said verbatim by its
    host at the end of the section, and reported."""
    missing = [r for r in _flags(section, replies, show) if r.status == "missing"]
    for row in missing:
        log.warning(
            "script: restoring %s's dropped opinion verbatim in %r", row.host, section.title
        )
    restored = [ReplyTurn(speaker=r.host, text=r.comment) for r in missing]
    return replies + restored, [f"{r.host}: {r.comment}" for r in missing]


def write_script(newsletter: Newsletter, show: ShowConfig, llm: LLMClient) -> ScriptResult:
    """Draft and refine every section, then normalize the final script for speech."""
    budgets = word_budgets(
        newsletter, round(show.script.target_minutes * show.script.words_per_minute)
    )
    count = len(newsletter.sections)
    draft_usage = refine_usage = Usage()
    drafted: list[Turn] = []
    refined: list[tuple[str, list[ReplyTurn]]] = []
    restored: list[str] = []
    for i, (section, budget) in enumerate(zip(newsletter.sections, budgets, strict=True), 1):
        log.info("script: section %d/%d %r (draft, ~%d words)", i, count, section.title, budget)
        replies, used = draft_section(llm, show, section, i, count, drafted, budget)
        draft_usage += used
        replies, _ = restore_missing_opinions(section, replies, show)
        section_draft = number_turns([(section.id, replies)]).turns
        drafted += section_draft
        log.info("script: section %d/%d (refine)", i, count)
        replies, used = refine_checked(llm, show, section, section_draft)
        refine_usage += used
        replies, put_back = restore_missing_opinions(section, replies, show)
        restored += put_back
        refined.append((section.id, replies))
    script, replacements = normalize_script(number_turns(refined), show.language)
    opinions = check_opinions(newsletter, script, show.host_names)
    minutes = script.words() / show.script.words_per_minute
    log.info("script: %d turns, %d words, about %.1f minutes (target %.1f)",
             len(script.turns), script.words(), minutes, show.script.target_minutes)  # fmt: skip
    for row in opinions:
        level = logging.INFO if row.status == "kept" else logging.WARNING
        log.log(
            level, "opinion %-10s %3.0f  %s: %s", row.status, row.score, row.host, row.comment[:70]
        )
    return ScriptResult(
        script=script, draft_usage=draft_usage, refine_usage=refine_usage,
        replacements=replacements, opinions=opinions, restored_opinions=restored,
        estimated_minutes=round(minutes, 2),
    )  # fmt: skip
