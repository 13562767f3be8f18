"""Script-quality figures for the script bench: coverage of a section's key facts, speaker labels
spoken as text, repeated sentences. Pure functions on castwright's own types; nothing here calls a
model, so the main agent can move this module into tasks/ as it is.

Key facts of a section body (`key_facts`), three kinds:
- `number`: a run of number words ("two hundred", "forty percent", "three point five"), found
  after digits are spelled out the way the script stage's speech normalization does it, so "40%"
  in a source and "forty percent" in a script are the same fact;
- `name`: a named entity: a run of two or more capitalized words ("Weekly Signal"), or one
  capitalized word that does not start a sentence ("September", "Europe");
- `phrase`: two content words next to each other in the body (neither a stop word nor a very
  common word; light stemming): "graphics card", "cloud spending", "data transfer".

`coverage(section, turns)` is the share of those facts that appear in the section's own turns,
compared on normalized words: lower case, digits spelled out, stop words dropped, the stemming of
tasks.opinions. A number or name must appear as the same word run; a phrase's two content words
must be adjacent once stop words are dropped ("spending on the cloud" does not count, "cloud
spending" and "the cloud's spending" do). Lexical, like the opinion check: a faithful paraphrase in
new words scores low. It measures facts kept, not how well they are said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from castwright.models import Section, Turn
from tasks.normalize import speak_numbers
from tasks.opinions import _STOP, _stem

FactKind = Literal["number", "name", "phrase"]

_NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "trillion", "point", "half", "percent",
    "first", "second", "third", "fourth", "fifth", "tenth", "twice", "double", "dozen",
}  # fmt: skip
_NUMBER_JOINERS = {"and", "a"}  # "two hundred and five", "a hundred"
_NOT_NUMBERS = {
    "one",
    "a",
    "first",
    "second",
    "point",
    "half",
    "percent",
    "and",
}  # alone: no figure
# Words too common to make a pair a key phrase (on top of the opinion check's stop words).
_PHRASE_STOP = _STOP | {
    "not", "no", "never", "without", "under", "per", "must", "while", "after", "before", "almost",
    "few", "last", "next", "first", "new", "most", "many", "much", "each", "every", "even", "still",
    "yet", "ever", "made", "make", "used", "use", "found", "show", "shows", "run", "runs", "read",
    "write", "grew", "agreed", "apply", "gained", "lost", "said", "says", "week", "year", "years",
    "month", "today", "people", "thing", "things", "way", "lot", "less",
}  # fmt: skip
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")  # a markdown link's label is no fact
_CLAUSE = re.compile(r"[,;:()\u2014]|\s-\s")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_LABEL_WORDS = r"host|speaker(?:\s*\d+)?|narrator|guest|interviewer|interviewee|[ab]"


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    text: str  # as written in the source (for reports)
    key: tuple[str, ...]  # normalized words that must appear together


def _tokens(text: str) -> list[str]:
    """Words of a text, digits spelled out ('40%' -> 'forty percent'), lower-cased, hyphens split."""
    spoken = speak_numbers(text.replace("%", " percent"), "en")
    words = [w.lower().replace("’", "'").removesuffix("'s") for w in _WORD.findall(spoken)]
    return [part for w in words for part in w.split("-") if part]


def _norm(word: str) -> str:
    return _stem(word.removesuffix("'s").strip("'"))


def _content(tokens: Iterable[str]) -> list[str]:
    return [_norm(t) for t in tokens if t not in _PHRASE_STOP and len(t) > 1]


def _numbers(tokens: list[str]) -> list[tuple[str, ...]]:
    runs: list[tuple[str, ...]] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if token in _NUMBER_WORDS or (run and token in _NUMBER_JOINERS):
            run.append(token)
            continue
        while run and run[-1] in _NUMBER_JOINERS:
            run.pop()
        if run and not (len(run) == 1 and run[0] in _NOT_NUMBERS):
            runs.append(tuple(run))
        run = []
    return runs


def _name_runs(words: list[str], exclude: set[str]) -> list[tuple[int, list[str]]]:
    """Runs of consecutive capitalized words, with the index where each starts."""
    runs: list[tuple[int, list[str]]] = []
    for i, word in enumerate(words):
        if not (word[:1].isupper() and word.lower() not in exclude):
            continue
        if runs and runs[-1][0] + len(runs[-1][1]) == i:
            runs[-1][1].append(word)
        else:
            runs.append((i, [word]))
    return runs


def _names(text: str, exclude: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Named entities: a capitalized run not at a sentence start, or one of 2+ words that is (a
    leading stop word such as "The" dropped). A lone sentence-initial capital is not a name."""
    names: list[tuple[str, tuple[str, ...]]] = []
    for sentence in _SENTENCE.split(text):
        for start, run in _name_runs(_WORD.findall(sentence), exclude):
            if start == 0:
                if run[0].lower() in _STOP:
                    run = run[1:]
                elif len(run) < 2:
                    continue
            if run and not (len(run) == 1 and run[0].lower() in _STOP):
                names.append((" ".join(run), tuple(w.lower() for w in run)))
    return names


def key_facts(body: str, exclude: Iterable[str] = ()) -> list[Fact]:
    """The key facts of a section body: numbers, named entities and content-word pairs, each once.

    `exclude` names words that are never a name (the hosts' names)."""
    skip = {w.lower() for w in exclude} | {"i"}
    body = _LINK.sub(" ", body)
    facts: dict[tuple[FactKind, tuple[str, ...]], Fact] = {}
    for run in _numbers(_tokens(body)):
        facts.setdefault(("number", run), Fact("number", " ".join(run), run))
    for text, words in _names(body, skip):
        key = tuple(_tokens(" ".join(words)))
        facts.setdefault(("name", key), Fact("name", text, key))
    named = {w for f in facts.values() for w in f.key}
    for clause in (c for s in _SENTENCE.split(body) for c in _CLAUSE.split(s)):
        tokens = _tokens(clause)  # adjacent in the source: no word between
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a in _PHRASE_STOP or b in _PHRASE_STOP or len(a) < 2 or len(b) < 2:
                continue
            key = (_norm(a), _norm(b))
            if a == b or {a, b} <= named or a in _NUMBER_WORDS or b in _NUMBER_WORDS:
                continue
            facts.setdefault(("phrase", key), Fact("phrase", f"{a} {b}", key))
    return list(facts.values())


def _has_run(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


def fact_found(fact: Fact, text: str) -> bool:
    tokens = _tokens(text)
    if fact.kind == "phrase":
        return _has_run(_content(tokens), fact.key)
    return _has_run(tokens, fact.key)


@dataclass(frozen=True)
class Coverage:
    section: str
    found: list[Fact]
    missing: list[Fact]

    @property
    def share(self) -> float:
        total = len(self.found) + len(self.missing)
        return len(self.found) / total if total else 1.0


def coverage(section: Section, turns: list[Turn], exclude: Iterable[str] = ()) -> Coverage:
    """Which of the section body's key facts its own turns (turn.section == section.id) carry."""
    said = " ".join(t.text for t in turns if t.section == section.id)
    body = section.body
    for link in section.links:  # the parser leaves a link's label in the body: no fact
        body = body.replace(link.text, " ")
    found: list[Fact] = []
    missing: list[Fact] = []
    for fact in key_facts(body, exclude):
        (found if fact_found(fact, said) else missing).append(fact)
    return Coverage(section.id, found, missing)


def label_turns(turns: list[Turn], hosts: Iterable[str]) -> list[str]:
    """Ids of turns whose text speaks a speaker label ("Ada:", "Host 2:", "Speaker:")."""
    names = "|".join(re.escape(h) for h in hosts)
    label = re.compile(rf"(?:^|[\s\"'(*])(?:{names}|{_LABEL_WORDS})\s*\**\s*:", re.I)
    return [t.id for t in turns if label.search(t.text)]


def repeated_sentences(turns: list[Turn], min_words: int = 3) -> dict[str, int]:
    """Sentences said more than once anywhere in the script, with how many times (normalized
    words; sentences under `min_words` words, like "Fair.", are allowed to recur)."""
    counts: dict[str, int] = {}
    for turn in turns:
        for sentence in re.split(r"(?<=[.!?])\s+", turn.text):
            words = _tokens(sentence)
            if len(words) >= min_words:
                key = " ".join(words)
                counts[key] = counts.get(key, 0) + 1
    return {s: n for s, n in counts.items() if n > 1}
