"""The conversation report: does the script sound like two people talking about the news, or like
the newsletter read aloud with a form around it?

Measured on every script (written by the LLM, by the skeleton, or edited by hand):
- **stock turns**: turns that share no content word with their section (title, news, comments;
  for the first section also the issue's title, which the welcome names) and carry no comment:
  "Go on, what else is there?", "Fair enough, that is clear.";
- **most repeated phrase**: the sentence said most often in the episode, host names masked
  ("Ada, your thoughts?" and "Marvin, your thoughts?" are one phrase); a sentence that is only one
  of a persona's markers ("Fair.") is delivery, counted below, not here;
- **hand-over share**: comments said right after the other host asked a question: a form asks
  before every comment, a conversation often just goes on;
- **verbatim share**: the news sentences said word for word (as spoken tokens) in their section;
- **delivery**: per host, the persona's markers (the short phrases its persona text quotes, outside
  a sentence that forbids them: "never uses fillers like "um"" quotes what not to say) per 100
  words, and the sections where that host has MARKER_TURNS or more turns and uses none;
- **longest run**: the most words one host says in consecutive turns.

The show's `script.gate` sets bars for each (tasks/script/gate.py).
"""

from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel, Field

from castwright.core.models import Newsletter, Script, Turn
from tasks.script.checks import sentence_key, sentences
from tasks.script.facts import news_sentences, tokens
from tasks.script.lexicon import fold
from tasks.script.opinions import OpinionRow, content_words
from tasks.script.persona import persona_markers

MARKER_TURNS = 3  # a host with this many turns in a section should show its delivery there


class HostDelivery(BaseModel):
    host: str
    markers: list[str]
    words: int
    marker_count: int
    per_100_words: float
    sections_without: list[str] = Field(
        default_factory=list,
        description=f"Sections where the host has {MARKER_TURNS}+ turns and uses no marker",
    )


class SectionMode(BaseModel):
    """How a section's dialogue was written, and why a conversation fell back to the skeleton."""

    section: str
    mode: str
    fallback_reason: str = ""


class ConversationReport(BaseModel):
    turns: int
    stock_turns: list[str]
    stock_share: float
    top_phrase: str
    top_phrase_count: int
    comments: int
    after_handover: int
    handover_share: float
    news_sentences: int
    verbatim_sentences: int
    verbatim_share: float
    delivery: list[HostDelivery]
    longest_run_words: int
    longest_run_host: str
    sections: list[SectionMode] = Field(default_factory=list)


def _marker_pattern(marker: str) -> re.Pattern[str]:
    """A marker where it opens the line, a sentence or a clause ("Well, ...", "..., you know")."""
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", fold(marker))
    return re.compile(r"(?:^|(?<=[.!?,;:])\s+)" + r"\W+".join(map(re.escape, words)) + r"(?![\w'])")


def count_markers(text: str, markers: tuple[str, ...]) -> int:
    folded = fold(text)
    return sum(len(_marker_pattern(m).findall(folded)) for m in markers if re.search(r"\w", m))


def _mask_hosts(sentence: str, hosts: list[str]) -> str:
    for host in hosts:
        sentence = re.sub(rf"\b{re.escape(host)}\b", "{host}", sentence, flags=re.I)
    return sentence_key(sentence)


def _is_marker(sentence: str, markers: set[str]) -> bool:
    return sentence_key(sentence) in markers


def phrase_counts(script: Script, hosts: list[str], markers: set[str]) -> Counter[str]:
    """Each sentence of the script (host names masked), counted; persona markers left out."""
    return Counter(
        _mask_hosts(s, hosts)
        for turn in script.turns
        for s in sentences(turn.text)
        if not _is_marker(s, markers) and sentence_key(s)
    )


def _section_words(newsletter: Newsletter, hosts: list[str], language: str) -> dict[str, set[str]]:
    """Each section's content words; the first section's include the issue's title, which the
    welcome names."""
    names = content_words(" ".join(hosts), language)
    words = {
        s.id: content_words(" ".join([s.title, s.body, *(c.text for c in s.comments)]), language)
        - names
        for s in newsletter.sections
    }
    if newsletter.sections:
        words[newsletter.sections[0].id] |= content_words(newsletter.title, language) - names
    return words


def stock_turns(
    newsletter: Newsletter, script: Script, rows: list[OpinionRow], language: str = "en"
) -> list[str]:
    hosts = sorted({t.speaker for t in script.turns})
    words = _section_words(newsletter, hosts, language)
    carrying = {t for row in rows for t in row.best_turns}
    return [
        t.id
        for t in script.turns
        if t.id not in carrying
        and not content_words(t.text, language) & words.get(t.section, set())
    ]


def _handovers(script: Script, rows: list[OpinionRow]) -> int:
    """Comments whose span comes right after a hand-over by the other host: a question, or a
    short line that names the commenting host."""
    index = {t.id: i for i, t in enumerate(script.turns)}
    count = 0
    for row in rows:
        if not row.best_turns or row.status == "missing":
            continue
        i = index[row.best_turns[0]]
        before = script.turns[i - 1] if i else None
        if before and before.speaker != row.host and _hands_over(before.text, row.host):
            count += 1
    return count


def _hands_over(text: str, host: str, short: int = 8) -> bool:
    """A question, or a short line that names the host who speaks next ("Go ahead, Ada.")."""
    named = re.search(rf"\b{re.escape(host)}\b", text) is not None
    return text.rstrip().endswith("?") or (named and len(text.split()) <= short)


def verbatim(newsletter: Newsletter, script: Script, language: str) -> tuple[int, int]:
    """(news sentences said word for word in their section, news sentences)."""
    said, total = 0, 0
    for section in newsletter.sections:
        spoken = " " + " ".join(tokens(_text(script.turns, section.id), language)) + " "
        for sentence in news_sentences(section):
            wanted = " ".join(tokens(sentence, language))
            if wanted:
                total += 1
                said += f" {wanted} " in spoken
    return said, total


def _text(turns: list[Turn], section_id: str) -> str:
    return " ".join(t.text for t in turns if t.section == section_id)


def longest_run(script: Script) -> tuple[int, str]:
    best, host, run, last = 0, "", 0, None
    for turn in script.turns:
        run = run + turn.words() if turn.speaker == last else turn.words()
        last = turn.speaker
        if run > best:
            best, host = run, turn.speaker
    return best, host


def delivery(script: Script, personas: dict[str, str]) -> list[HostDelivery]:
    rows = []
    for host, persona in personas.items():
        markers = persona_markers(persona)
        mine = [t for t in script.turns if t.speaker == host]
        words = sum(t.words() for t in mine)
        count = sum(count_markers(t.text, markers) for t in mine)
        by_section: dict[str, list[Turn]] = {}
        for turn in mine:
            by_section.setdefault(turn.section, []).append(turn)
        without = [
            sid
            for sid, turns in by_section.items()
            if markers
            and len(turns) >= MARKER_TURNS
            and not any(count_markers(t.text, markers) for t in turns)
        ]
        rows.append(HostDelivery(
            host=host, markers=list(markers), words=words, marker_count=count,
            per_100_words=round(100 * count / words, 1) if words else 0.0, sections_without=without,
        ))  # fmt: skip
    return rows


def conversation_report(
    newsletter: Newsletter, script: Script, personas: dict[str, str], rows: list[OpinionRow],
    language: str, modes: list[SectionMode] | None = None,
) -> ConversationReport:  # fmt: skip
    """Measure how much `script` sounds like a conversation (`rows`: its opinion check)."""
    hosts = list(personas)
    markers = {sentence_key(m) for p in personas.values() for m in persona_markers(p)}
    stock = stock_turns(newsletter, script, rows, language)
    top = phrase_counts(script, hosts, markers).most_common(1)
    comments = sum(1 for r in rows)
    handed = _handovers(script, rows)
    said, total = verbatim(newsletter, script, language)
    run, run_host = longest_run(script)
    n = len(script.turns)
    return ConversationReport(
        turns=n, stock_turns=stock, stock_share=round(len(stock) / n, 3) if n else 0.0,
        top_phrase=top[0][0] if top else "", top_phrase_count=top[0][1] if top else 0,
        comments=comments, after_handover=handed,
        handover_share=round(handed / comments, 3) if comments else 0.0,
        news_sentences=total, verbatim_sentences=said,
        verbatim_share=round(said / total, 3) if total else 0.0,
        delivery=delivery(script, personas), longest_run_words=run, longest_run_host=run_host,
        sections=list(modes or []),
    )  # fmt: skip


def summary(report: ConversationReport) -> str:
    marks = ", ".join(f"{d.host} {d.per_100_words:g}/100 words" for d in report.delivery)
    return (
        f"stock turns {report.stock_share:.0%}, most repeated phrase x{report.top_phrase_count}, "
        f"comments after a hand-over {report.handover_share:.0%}, news word for word "
        f"{report.verbatim_share:.0%}, markers {marks}, longest run {report.longest_run_words} "
        "words"
    )


def markdown(report: ConversationReport) -> str:
    rows = "\n".join(
        f"| {d.host} | {', '.join(d.markers) or '-'} | {d.marker_count} | {d.per_100_words:g} | "
        f"{', '.join(d.sections_without) or '-'} |"
        for d in report.delivery
    )
    modes = "".join(
        f"- {m.section}: {m.mode}{f' (fell back: {m.fallback_reason})' if m.fallback_reason else ''}\n"
        for m in report.sections
    )
    return (
        "## Conversation\n\n"
        f"- stock turns (no word of their section, no comment): {len(report.stock_turns)} of "
        f"{report.turns} ({report.stock_share:.0%}){': ' + ', '.join(report.stock_turns) if report.stock_turns else ''}\n"
        f'- most repeated phrase: "{report.top_phrase}" x{report.top_phrase_count}\n'
        f"- comments right after a hand-over question: {report.after_handover} of "
        f"{report.comments} ({report.handover_share:.0%})\n"
        f"- news sentences said word for word: {report.verbatim_sentences} of "
        f"{report.news_sentences} ({report.verbatim_share:.0%})\n"
        f"- longest run by one host: {report.longest_run_words} words ({report.longest_run_host})\n\n"
        "| host | persona's markers | used | per 100 words | sections with 3+ turns and none |\n"
        f"|---|---|---|---|---|\n{rows}\n"
        + (f"\nHow each section was written:\n{modes}" if modes else "")
    )
