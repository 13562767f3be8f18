"""Splitting spoken text into pieces at natural boundaries: sentences, then clauses, then words."""

from __future__ import annotations

import re
from collections.abc import Callable

# control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(value: object) -> object:
    """`value` with control characters removed when it is text (a Jinja `finalize`, too)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
#: where a sentence starts (a pattern to end with what follows): the text's start, or after a
#: ".", "!" or "?" and its space (not after "e.g."), before any opening quote or parenthesis
SENTENCE_START = r"(?:^|(?<!\.\w)[.!?]\s+)[\"'“(]*"


def sentences(text: str) -> list[str]:
    """`text`'s sentences, each ending at its ".", "!" or "?", whitespace collapsed."""
    return [s for s in _SENTENCE_BREAK.split(" ".join(text.split())) if s]


#: English month abbreviations and their month numbers ("May" is a word of its own)
EN_MONTH_ABBREVIATIONS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8,
                          "Sep": 9, "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12}  # fmt: skip


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def split_camel_case(name: str) -> str:
    """'PodGroupPostFilter' -> 'Pod Group Post Filter', 'maxTokens' -> 'max Tokens'."""
    return _CAMEL_BOUNDARY.sub(" ", name)


#: syllables per word of the English the voices' speaking rates were measured on (go-testing-time.md's
#: episode: 1.53 in Ada's turns, 1.46 in Marvin's)
EN_SYLLABLES_PER_WORD = 1.5
_EN_VOWELS = re.compile(r"[aeiouy]+")
_EN_WORD = re.compile(r"[a-z]+")


def en_syllables(word: str) -> int:
    """Syllables of an English word by its vowel groups, a final silent "e" aside."""
    groups = len(_EN_VOWELS.findall(word))
    if word.endswith("e") and groups > 1 and not word.endswith(("le", "ee")):
        groups -= 1
    return max(1, groups)


def speech_words(text: str, language: str) -> float:
    """How long `text` takes to say, in words of average length. English is counted by its
    syllables: names, versions and jargon ("Graceful Node Shutdown In Progress", "KEP five
    thousand and fifty-five") run near two syllables a word, and an episode of them came out a
    third longer than its word count said (LWKD, 2026-12-05: 1.84 and 2.07 syllables a word,
    while each voice kept its syllables a minute: 192 and 281, against 196 and 269 on
    go-testing-time.md). Other languages are counted by their words."""
    if language.split("-")[0].lower() != "en":
        return float(len(text.split()))
    syllables = sum(en_syllables(w) for w in _EN_WORD.findall(text.lower()))
    return syllables / EN_SYLLABLES_PER_WORD


#: no piece is longer than this many characters (the worker refuses text over 2,000): a word
#: longer than this (a URL, a hash, a run of letters) is cut into pieces of this size
MAX_CHUNK_CHARS = 1000


def _by_chars(words: list[str], max_chars: int) -> list[str]:
    """Words joined into pieces of at most `max_chars` characters, over-long words hard-split."""
    pieces: list[str] = []
    for word in words:
        for part in (word[i : i + max_chars] for i in range(0, len(word), max_chars)):
            if pieces and len(pieces[-1]) + 1 + len(part) <= max_chars:
                pieces[-1] = f"{pieces[-1]} {part}"
            else:
                pieces.append(part)
    return pieces


_SPELLED_END = re.compile(r"\b(?:[A-Z]\.){2,}$")  # "A.P.I.", "G.N.U."


def spoken_sentences(text: str) -> list[str]:
    """`sentences`, but a spelled acronym's stop before a lower-case word ends none: "the A.P.I.
    server" and "the G.N.U. target will ..." are voiced whole, not cut after the acronym."""
    joined: list[str] = []
    for sentence in sentences(text):
        if joined and sentence[:1].islower() and _SPELLED_END.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def speech_units(text: str, hard_max: int, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Sentences, with any sentence over `hard_max` words cut at clause marks, then between words;
    any unit over `max_chars` characters cut between words, and inside a word if it must."""
    units: list[str] = []
    for sentence in spoken_sentences(text):
        if len(sentence.split()) <= hard_max:
            units.append(sentence)
            continue
        for clause in re.split(r"(?<=[,;:])\s+", sentence):
            words = clause.split()
            units += [" ".join(words[i : i + hard_max]) for i in range(0, len(words), hard_max)]
    return [
        p
        for u in units
        if u
        for p in ([u] if len(u) <= max_chars else _by_chars(u.split(), max_chars))
    ]


#: a sentence this short is voiced (and checked) with its neighbour: alone, one misheard word
#: is a third of '"make perf" fixes.', and Git's release notes failed on "make puff fixes"
SHORT_SENTENCE_WORDS = 8


def with_short_joined(
    units: list[str], hard_max: int, min_words: int = SHORT_SENTENCE_WORDS,
    max_chars: int = MAX_CHUNK_CHARS,
) -> list[str]:  # fmt: skip
    """`units` with each one of fewer than `min_words` words joined to the one before it (the
    first to the one after it), while the joined piece stays within `hard_max` words and
    `max_chars` characters."""
    pieces: list[str] = []
    for unit in units:
        short = len(unit.split()) < min_words or (pieces and len(pieces[-1].split()) < min_words)
        joined = f"{pieces[-1]} {unit}" if pieces else unit
        if pieces and short and len(joined.split()) <= hard_max and len(joined) <= max_chars:
            pieces[-1] = joined
        else:
            pieces.append(unit)
    return pieces


def pack(
    units: list[str], limit: Callable[[int], int], max_chars: int = MAX_CHUNK_CHARS
) -> list[str]:
    """Join consecutive units while piece number i stays within limit(i) words and `max_chars`."""
    pieces: list[str] = []
    for unit in units:
        words_fit = pieces and len(pieces[-1].split()) + len(unit.split()) <= limit(len(pieces) - 1)
        if words_fit and len(pieces[-1]) + 1 + len(unit) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {unit}"
        else:
            pieces.append(unit)
    return pieces


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # inline marks; text never starts a line


def markdown_escape(text: str) -> str:
    """`text` shown as itself in markdown (Prefect artifacts, reports): one line, every markdown
    mark backslash-escaped, no HTML tag (LLM output or a newsletter could carry a link or a
    script)."""
    one_line = " ".join(text.split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)
    return escaped.replace("&", "&amp;").replace("<", "&lt;")
