"""Checks of a line the LLM wrote, before it may enter the script, and their repairs.

- speaker labels inside a turn ("... Marvin: They still invent facts") are cut: the text after
  another host's label is that host's line, not this one's;
- a sentence already said in the episode is dropped (a looping model repeats itself);
- a line must be grounded in its section: it shares a content word with the section's title,
  news or comments, or is a short reaction (at most REACTION_WORDS words); a number the section
  does not contain is an invented fact, and the line is rejected;
- a line must not carry the other host's comment (that would give an opinion to the wrong host);
- a line must not tell what the other host says or thinks ("Marvin also says that ..."): the
  hosts' views are their comments, nothing a model invents for them;
- a line must not copy RUN_WORDS words in a row from the news or a comment (a small model parrots
  the story back in the first person: "I will give you a week of training paid for by ..."), and in
  a line of several sentences each sentence must be grounded or a short reaction (a small model
  drifts: "You should be able to do this yourself. I'm not sure what you're talking about").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from castwright.core.models import Section, Turn
from castwright.core.text import sentences
from tasks.script.facts import (
    COMMON_NUMBER_WORDS,
    NUMBER_WORDS,
    key_facts,
    news_sentences,
    sentence_key,
    tokens,
)
from tasks.script.opinions import KEPT, content_words, coverage
from tasks.script.skeleton import load_phrases

REACTION_WORDS = 5
MAX_LINE_WORDS = 60
RUN_WORDS = 8
CUT_WORDS = 3  # fewer words that start a news sentence are a reaction ("European education")
REPEAT_WORDS = 3


def _label_pattern(hosts: list[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(h) for h in hosts)
    return re.compile(rf"(?:\*\*|\b)({names})\s*(?:\*\*)?\s*:\s*(?:\*\*)?", re.I)


def has_label(text: str, hosts: list[str]) -> bool:
    return bool(_label_pattern(hosts).search(text))


def without_labels(text: str, speaker: str, hosts: list[str]) -> str:
    """The part of `text` that is `speaker`'s own: own labels removed, and everything from another
    host's label on cut off."""
    kept, owner = [], speaker
    position = 0
    for match in _label_pattern(hosts).finditer(text):
        if owner.casefold() == speaker.casefold():
            kept.append(text[position : match.start()])
        owner, position = match.group(1), match.end()
    if owner.casefold() == speaker.casefold():
        kept.append(text[position:])
    return " ".join(" ".join(kept).split())


class Said:
    """Every sentence said so far in the episode, to keep repeats out."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def add(self, text: str) -> None:
        self.keys.update(k for k in map(sentence_key, sentences(text)) if k)

    def fresh(self, text: str) -> str:
        """`text` without the sentences already said (and without repeats inside it)."""
        kept, seen = [], set(self.keys)
        for sentence in sentences(text):
            key = sentence_key(sentence)
            if key and key not in seen:
                seen.add(key)
                kept.append(sentence)
        return " ".join(kept)


def _section_text(section: Section) -> str:
    return " ".join([section.title, section.body, *(c.text for c in section.comments)])


def invented_numbers(text: str, section: Section, language: str) -> bool:
    """A number in `text` that the section never mentions (digits or words, compared spoken)."""
    numeric = NUMBER_WORDS[language] - COMMON_NUMBER_WORDS
    known = {w for w in tokens(_section_text(section), language, stemmed=False) if w in numeric}
    return bool({w for w in tokens(text, language, stemmed=False) if w in numeric} - known)


#: words of the prompts themselves: sharing only these with a section is no sign of grounding
_SCAFFOLD_WORDS = content_words(
    "news story stories section fact facts detail example line lines question answer host hosts "
    "gap opinion podcast episode show talk talking say said today week"
)
#: a line that reads the instructions aloud
_SCAFFOLD = re.compile(
    r"\b(?:this|the) (?:news|section|gap|line)\b|\bdetail or an example\b|\bfact of\b|\bGAP\b", re.I
)


def names_the_section(text: str, section: Section, language: str = "en") -> bool:
    """Whether `text` shares a content word with the section's title, news or comments."""
    known = content_words(_section_text(section), language) - _SCAFFOLD_WORDS
    return bool(content_words(text, language) & known)


def grounded(text: str, section: Section, language: str = "en") -> bool:
    """A short reaction, or a line that names one of the section's key facts (a number, a name,
    a key term: tasks.script.facts) or a word of its title."""
    if len(text.split()) <= REACTION_WORDS:
        return True
    facts = content_words(" ".join([*key_facts(section, language), section.title]), language)
    return bool((content_words(text, language) & facts) - _SCAFFOLD_WORDS)


def restates(text: str, section: Section, own: str = "", language: str = "en") -> bool:
    """Whether `text` says again a comment or a sentence of the news (in other words or not),
    other than `own` (the line it rewrites)."""
    said = [c.text for c in section.comments] + news_sentences(section)
    others = [line for line in said if line not in own]
    return any(coverage(line, text, language) >= KEPT for line in others)


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN_WORDS]) for i in range(len(words) - RUN_WORDS + 1)}


def copies_a_run(text: str, section: Section, language: str, own: str = "") -> bool:
    """Whether `text` copies RUN_WORDS words in a row from the news or a comment (other than
    `own`, the line it rewrites), compared as spoken, stemmed words."""
    said = [c.text for c in section.comments] + news_sentences(section)
    known = set().union(*(_runs(tokens(line, language)) for line in said if line not in own))
    return bool(_runs(tokens(text, language)) & known)


def cut_short(text: str, section: Section) -> bool:
    """Whether `text` is an unfinished start of a sentence of the news or a comment ("We call
    that state being", a small model's copy cut off before "durably blocked"). A line that ends
    its sentence ("The rules apply?", "Europe.") is whole."""
    words = re.findall(r"\w+", text.casefold())
    if len(words) < CUT_WORDS or re.search(r"[.!?…][\"'”’)]*$", text.strip()):
        return False
    said = [p for c in section.comments for p in sentences(c.text)] + news_sentences(section)
    return any(len(words) < len(full) and full[: len(words)] == words
               for full in (re.findall(r"\w+", line.casefold()) for line in said))  # fmt: skip


def drifts(text: str, section: Section, language: str = "en") -> bool:
    """A line of several sentences with one that is neither a short reaction nor grounded."""
    parts = sentences(text)
    return len(parts) > 1 and not all(grounded(part, section, language) for part in parts)


#: verbs that report what someone says or thinks, per primary language
_REPORTING = {
    "en": "says|said|thinks|thought|believes|claims|claimed|told|agrees|argues",
    "pt": "diz|disse|acha|achou|pensa|pensou|afirma|afirmou|acredita|concorda|concordou",
}


def reports_other_host(text: str, speaker: str, hosts: list[str], language: str = "en") -> bool:
    """A line that tells what the other host says or thinks ("Marvin also says that ..."): words
    put in their mouth that the newsletter never gave them."""
    others = "|".join(re.escape(h) for h in hosts if h.casefold() != speaker.casefold())
    verbs = "(?:" + _REPORTING.get(language.split("-")[0].lower(), _REPORTING["en"]) + ")"
    return bool(others) and bool(re.search(rf"\b(?:{others})\b(?:\s+\w+)?\s+{verbs}\b", text, re.I))


def reads_instructions(text: str) -> bool:
    return bool(_SCAFFOLD.search(text))


def carries_other_opinion(text: str, speaker: str, section: Section, language: str = "en") -> bool:
    return any(
        c.host != speaker and coverage(c.text, text, language) >= KEPT for c in section.comments
    )


def asks_for_a_take(text: str, hosts: list[str], language: str) -> bool:
    """Whether a line is one of the skeleton's questions for a host's opinion. The code asks once,
    right before each comment; an LLM line asking it anywhere else asks for what was just said
    ("What's your take?" after Marvin gave his, SmolLM2 in a real run)."""

    def key(line: str) -> str:
        return sentence_key(re.sub("|".join(re.escape(h) for h in hosts), " ", line))

    asks = {key(ask.replace("{host}", "")) for ask in load_phrases(language).ask}
    return bool(text) and key(text) in asks


#: "number number number": a word of three letters or more three times running, no comma between
#: (a small model's loop; "No, no, no" and "very, very, very" are how people talk)
_STUTTER = re.compile(r"\b([^\W\d_]{3,})(?:\s+\1\b){2,}", re.I)


def line_problem(
    text: str,
    speaker: str,
    section: Section,
    hosts: list[str],
    language: str,
    own: str = "",
    each_sentence: bool = True,
) -> str | None:
    """Why an LLM-written line cannot go into the script, or None when it can. Without
    `each_sentence` a sentence of it need not be grounded on its own (a rephrasing may split a
    line into simpler sentences; its facts are checked by the caller)."""
    if not text:
        return "empty, or only repeats"
    if not set(re.findall(r"[^\W\d_]+", text.casefold())) - {h.casefold() for h in hosts}:
        return "only a name"
    if len(text.split()) > MAX_LINE_WORDS:
        return f"longer than {MAX_LINE_WORDS} words"
    if _STUTTER.search(text):
        return "a word three times in a row (a small model's loop)"
    if cut_short(text, section):
        return "only the start of a sentence of the news"
    if copies_a_run(text, section, language, own):
        return f"copies {RUN_WORDS} words in a row from the news or a comment"
    if each_sentence and drifts(text, section, language):
        return "a sentence in it is not about this section's news"
    if reports_other_host(text, speaker, hosts, language):
        return "tells what the other host says"
    if asks_for_a_take(text, hosts, language) and not asks_for_a_take(own, hosts, language):
        return "asks for a host's take (the script asks once, before each comment)"
    if reads_instructions(text) or text.startswith(("...", "…")):
        return "reads the instructions aloud, or goes on from nothing"
    if restates(text, section, own, language):
        return "says again what the news or a comment already says"
    if not grounded(text, section, language):
        return "not about this section's news"
    if invented_numbers(text, section, language):
        return "a number the news does not contain"
    if carries_other_opinion(text, speaker, section, language):
        return "the other host's opinion"
    return None


def repeated_sentences(turns: list[Turn], markers: Iterable[str] = ()) -> list[str]:
    """Sentences said more than once in the whole script (the gate's repetition rule, which
    catches a looping model); a sentence that is only one of the personas' `markers` ("Right.")
    is delivery the persona asks for, and one of fewer than REPEAT_WORDS words ("Never?" and
    "Never.") is how people talk."""
    seen: set[str] = set()
    repeats: list[str] = []
    delivery = {sentence_key(m) for m in markers}
    for turn in turns:
        for sentence in sentences(turn.text):
            key = sentence_key(sentence)
            if key in delivery or len(key.split()) < REPEAT_WORDS:
                continue
            if key in seen and sentence not in repeats:
                repeats.append(sentence)
            seen.add(key)
    return repeats


def labelled_turns(turns: list[Turn], hosts: list[str]) -> list[str]:
    return [t.id for t in turns if has_label(t.text, hosts)]
