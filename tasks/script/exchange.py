"""Conversation mode: a capable model writes each section's whole exchange; the code verifies it.

Per section, the *draft* pass (prompts/conversation.*.j2) writes the exchange: the news retold
between both hosts in their own words, each comment by its own host. The *refine* pass
(prompts/conversation-refine.*.j2) adds each persona's delivery and may add, split or merge
turns. Then the code verifies the section (`problems`):
- facts told: every number of the news, and its key facts (numbers, names, key terms;
  tasks.script.facts, matched after the Snowball stemmer of the show's language) at the gate's
  minimum coverage;
- grounding: no number and no name that the section does not contain;
- condensing: when the selection (tasks/newsletter/select.py) told only part of a section, the
  model sees the section as written and the part chosen for the episode; coverage is measured on
  the chosen facts, grounding on the whole section, and the budget keeps it to its share;
- opinions: each comment kept by its own host, substance and stance (tasks.script.opinions);
- length: within BUDGET_TOLERANCE of the section's word budget;
- no speaker label read aloud, no sentence said twice (in the section, or already in an earlier
  one: the gate checks the whole script);
- the frame: the first section opens with the welcome, the last ends with a goodbye.
On a miss, up to FEEDBACK_ROUNDS more refine calls name exactly what is missing or wrong; still
failing, that section alone is written the skeleton's way (tasks.script.skeleton) and the report
says which and why.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from castwright.core.config import ShowConfig, mean_rate
from castwright.core.models import Newsletter, Section, Turn
from castwright.core.prompts import render
from tasks.script import checks
from tasks.script.conversation import SectionMode
from tasks.script.facts import (
    COMMON_NUMBER_WORDS,
    NUMBER_WORDS,
    section_coverage,
    stem,
    tokens,
)
from tasks.script.normalize import spoken_title
from tasks.script.opinions import check_section, feedback
from tasks.script.person import speaks_as_author
from tasks.script.persona import persona_markers
from tasks.script.skeleton import Line, load_phrases

if TYPE_CHECKING:
    from tasks.script.writer import Writer

log = logging.getLogger("tasks.script")

FEEDBACK_ROUNDS = 2
BUDGET_TOLERANCE = 0.25  # the gate's default length tolerance, per section
SPOKEN_SHARE = 0.9  # of a section's minutes spent on words (the rest: the pauses between turns)
#: capitalized words a host may say mid-sentence that name nothing
_NOT_NAMES = {"I", "OK", "Okay", "Oh", "Yes", "No", "Well", "Hmm", "Right", "Sure", "Look", "Sim",
              "Não", "Olha", "Certo", "Claro", "Veja", "Hum", "Tá", "Né"}  # fmt: skip


def section_budget(section: Section, newsletter: Newsletter, show: ShowConfig) -> int:
    """The section's share of the episode's words: its share of the newsletter's words."""
    size = _words(section)
    total = sum(_words(s) for s in newsletter.sections) or 1
    words = show.script.target_minutes * mean_rate(show) * SPOKEN_SHARE
    return max(40, round(words * size / total))


def _words(section: Section) -> int:
    return len(section.body.split()) + sum(len(c.text.split()) for c in section.comments)


def invented_names(text: str, section: Section, show: ShowConfig, context: str = "") -> list[str]:
    """Capitalized words inside a sentence of `text` that name nothing the section, the show, its
    hosts or the `context` (the issue's title and topics) name ("Spotify" in a story that never
    mentions it)."""
    known_text = " ".join([section.title, section.body, *(c.text for c in section.comments),
                           show.title, *show.host_names, context])  # fmt: skip
    known = set(tokens(known_text, show.language))
    written = {w.casefold() for w in re.findall(r"[^\W_]+", known_text)}  # "EU", "GPUs", "TSMC"
    invented = []
    for sentence in checks.sentences(text):
        for word in re.findall(r"[^\W_]+", sentence)[1:]:
            if not word[:1].isupper() or word in _NOT_NAMES or word.casefold() in written:
                continue
            if not _known(stem(word.lower(), show.language), known) and word not in invented:
                invented.append(word)
    return invented


def _has_number(fact: str, language: str) -> bool:
    numeric = NUMBER_WORDS.get(language, NUMBER_WORDS["en"]) - COMMON_NUMBER_WORDS
    return any(w.lower() in numeric for w in fact.split())


def _known(word: str, known: set[str]) -> bool:
    return word in known or any(
        len(k) >= 4 and len(word) >= 4 and (k.startswith(word) or word.startswith(k)) for k in known
    )


def problems(
    section: Section, turns: list[Turn], show: ShowConfig, budget: int, context: str = "",
    said: checks.Said | None = None, frame: dict[str, str] | None = None,
) -> list[str]:  # fmt: skip
    """What is missing or wrong in a section's exchange, each said so the model can fix it
    (`context`: the issue's title and topics, which the opening may name; `said`: the sentences
    of the sections before, which the gate would find repeated)."""
    found: list[str] = []
    whole = section.model_copy(update={"body": section.full_body}) if section.full_body else section
    cov = section_coverage(section, turns, show.language)  # the facts chosen for the episode
    numbers = [f for f in cov.missing if _has_number(f, show.language)]
    if cov.percent < show.script.gate.min_coverage or numbers:  # every number must be told
        found.append(f"these facts of the news are not told: {', '.join(cov.missing)}; tell each")
    text = " ".join(t.text for t in turns)
    if checks.invented_numbers(text, whole, show.language):  # grounded in the section as written
        found.append("it says a number the news does not contain; use only the news's numbers")
    if names := invented_names(text, whole, show, context):
        found.append(f"these names are not in the news: {', '.join(names)}; take them out")
    rows = check_section(section.comments, section.id, turns, show.host_names, show.language)
    found += feedback([r for r in rows if r.status != "kept"])
    words = sum(t.words() for t in turns)
    if abs(words - budget) > BUDGET_TOLERANCE * budget:
        found.append(f"it is {words} words long; the budget is about {budget} words")
    if first := next(
        (s for t in turns if (s := speaks_as_author(t.text, section, show.language))), None
    ):
        found.append(f"a host says the author's words as their own: {first!r}; retell it ('they')")
    if labelled := checks.labelled_turns(turns, show.host_names):
        found.append(f"speaker labels are read aloud in turn(s) {', '.join(labelled)}")
    markers = [m for h in show.hosts for m in persona_markers(h.persona)]
    if repeats := checks.repeated_sentences(turns, markers):
        found.append(f"a sentence is said twice: {repeats[0]!r}")
    if said and (earlier := _said_before(text, said, markers)):
        found.append(f"an earlier section already says: {earlier!r}; say it differently")
    return found + _frame_problems(turns, show, frame or {})


def _frame_problems(turns: list[Turn], show: ShowConfig, frame: dict[str, str]) -> list[str]:
    """The first section must open with the welcome (the show's name in its first two turns),
    the last must end with a goodbye (the show's name or a goodbye phrase in its last two)."""
    found = []
    fold = str.casefold
    if frame.get("opening") and fold(show.title) not in fold(" ".join(t.text for t in turns[:2])):
        found.append(f"the welcome is missing: {frame['opening']}")
    if frame.get("closing"):
        end = fold(" ".join(t.text for t in turns[-2:])).replace("’", "'")
        cues = [fold(show.title), *load_phrases(show.language).goodbye_cues]
        if not any(cue in end for cue in cues):
            found.append(f"the goodbye is missing: {frame['closing']}")
    return found


def _said_before(text: str, said: checks.Said, markers: list[str]) -> str | None:
    delivery = {checks.sentence_key(m) for m in markers}
    for sentence in checks.sentences(text):
        key = checks.sentence_key(sentence)
        if len(key.split()) >= checks.REPEAT_WORDS and key not in delivery and key in said.keys:
            return sentence
    return None


def _turns(section: Section, replies: list[tuple[str, str]]) -> list[Turn]:
    return [
        Turn(id=f"c{i:03d}", speaker=speaker, text=text, section=section.id)
        for i, (speaker, text) in enumerate(replies, 1)
        if text.strip()
    ]


def _frame(show: ShowConfig, issue_title: str, topics: list[str], position: int, count: int) -> dict[str, str]:  # fmt: skip
    """What the first and the last section must also say: the welcome, the goodbye."""
    phrases = load_phrases(show.language)
    opening = closing = ""
    if position == 1:
        opening = (f"{show.host_names[0]} welcomes the listeners to {show.title} "
                   f"({issue_title}) and the hosts name today's topics: {', '.join(topics)}.")  # fmt: skip
    if position == count:
        closing = ("after the comments, " + show.host_names[0] + " says goodbye, e.g. "
                   + phrases.goodbye[0].format(show=show.title))  # fmt: skip
    return {"opening": opening, "closing": closing}


def write_exchange(
    writer: Writer, newsletter: Newsletter, section: Section, position: int
) -> tuple[list[Line] | None, SectionMode]:
    """The section as a conversation the model wrote and the code verified, or None (and why)
    when it still fails after the feedback rounds."""
    show, count = writer.show, len(newsletter.sections)
    budget = section_budget(section, newsletter, show)
    topics = [spoken_title(s.title) for s in newsletter.sections]  # as the hosts say them
    frame = _frame(show, spoken_title(newsletter.title), topics, position, count)
    context = " ".join([newsletter.title, *topics])
    log.info("script: section %d/%d %r (conversation draft)", position, count, section.title)
    user = render("conversation.user.j2", section=section, position=position, count=count,
                  budget=budget, feedback=[], opening=frame["opening"],
                  closing=frame["closing"])  # fmt: skip
    draft = writer.ask_turns("conversation.system.j2", user, "draft")
    turns, found = _turns(section, draft), ["the model wrote nothing usable"]
    for attempt in range(1 + FEEDBACK_ROUNDS):
        if not turns:
            break
        notes = found if attempt else []
        user = render("conversation-refine.user.j2", section=section, turns=turns, budget=budget,
                      feedback=notes)  # fmt: skip
        refined = _turns(section, writer.ask_turns("conversation-refine.system.j2", user, "refine"))
        turns = refined or turns
        found = problems(section, turns, show, budget, context, writer.said, frame)
        if not found:
            lines = [Line(speaker=t.speaker, kind="discuss", text=t.text, original=t.text)
                     for t in turns]  # fmt: skip
            return lines, SectionMode(section=section.id, mode="conversation")
        log.info("script: %r: %s (feedback round %d)", section.title, "; ".join(found),
                 attempt + 1)  # fmt: skip
    reason = "; ".join(found)
    log.warning("script: %r falls back to the skeleton: %s", section.title, reason)
    return None, SectionMode(section=section.id, mode="skeleton", fallback_reason=reason)
