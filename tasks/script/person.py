"""News retold in the third person: a post's "I" and "we" are its author's, never the host's.

A host who reads "I am the tech lead for the Go project" aloud claims to be Go's tech lead, and
Go's blog posts, release notes and newsletters' "I'm happy to announce" are written that way.
English news is retold with "they": its verbs keep their form ("we wanted" -> "they wanted"),
but for "am" and "was" ("I am" -> "they are"). Words in double quotes stay as written, and so
does a lone "I" that is no pronoun ("World War I", "Part I."). Other languages conjugate their
verbs by person ("eu fiz" / "ele fez"), so their news is told as written.

A capable model that writes the conversation is told the same (prompts/conversation.system.j2),
and `speaks_as_author` finds a line of its that still says the author's words as a host's own.
"""

from __future__ import annotations

import re

from castwright.core.models import Section
from castwright.core.text import SENTENCE_START, sentences
from tasks.script.facts import news_sentences, tokens
from tasks.script.lexicon import lexicon

#: first person -> third; a contraction keeps its own ending ("I've" -> "they've"). Not "mine":
#: it is a coal mine as often as a pronoun
_THIRD = {
    "i": "they", "me": "them", "my": "their", "myself": "themselves",
    "we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves",
}  # fmt: skip
_AGREEMENT = {"am": "are", "was": "were", "'m": "'re", "’m": "’re"}
_CONTRACTION = r"['’](?:m|re|ve|d|ll)\b"
#: "I" as a pronoun: before a lower-case word (not "is": "Part I is out") or a contraction; "us"
#: only in lower case (the US)
_FIRST_PERSON = re.compile(
    rf"(?<![\w'’-])(?:I(?=\s+(?!is\b|has\b|does\b)[a-z]|{_CONTRACTION})"
    rf"|(?:[Mm]e|[Mm]y|[Mm]yself|[Ww]e|us|[Oo]urs?|[Oo]urselves)"
    rf"(?={_CONTRACTION}|(?![\w'’-])))"
)
_VERB_AFTER = re.compile(r"\s+(am|was)\b|(['’]m)\b")
_START = SENTENCE_START
#: "Am I ...?", "Was I ...": the verb before the pronoun only where it opens a question
_VERB_BEFORE = re.compile(rf"{_START}([Aa]m|[Ww]as)\s+$")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_LET_US = re.compile(r"\b[Ll]et\s+$")
_NEXT_WORD = re.compile(r"[\w'’]+")
_OPENING = re.compile(rf"{_START}$")
_CAPITAL_OPENING = re.compile(rf"{_START}[A-Z][\w'’-]*\s+$")
#: a capitalized word just before: "Phase I trials", "World War I ended" (a numeral, no pronoun)
_AFTER_CAPITAL = re.compile(r"\b[A-Z][\w'’-]*\s+$")
_FULL_FORMS = {"'m": "am", "'re": "are", "'ve": "have", "'d": "would", "'ll": "will"}


def in_first_person(text: str) -> bool:
    """Whether `text` (English) speaks as I or we outside its quotes."""
    return any(_is_pronoun(text, m) for m in _FIRST_PERSON.finditer(text))


def retold(text: str, language: str) -> str:
    """`text` in the third person where it is English news in the first person."""
    if language.split("-")[0].lower() != "en":
        return text
    out: list[str] = []
    last = 0
    for match in (m for m in _FIRST_PERSON.finditer(text) if _is_pronoun(text, m)):
        word, before = match.group(0), text[last : match.start()]
        subject = word.lower() in ("i", "we")
        if subject and (verb := _VERB_BEFORE.search(before)):  # "am I" -> "are they"
            said = _AGREEMENT[verb.group(1).lower()]
            before = before[: verb.start(1)] + _cased(said, verb.group(1)) + before[verb.end(1) :]
        third = _THIRD[word.lower()]
        out.append(before + (third.capitalize() if _opens(text, match) else third))
        last = match.end()
        if subject and (verb := _VERB_AFTER.match(text, last)):  # "I am", "I'm": "they are"
            found = verb.group(1) or verb.group(2)
            out.append(text[last : verb.start(verb.lastindex or 1)] + _AGREEMENT[found])
            last = verb.end()
    return "".join(out) + text[last:]


def _opens(text: str, match: re.Match[str]) -> bool:
    return bool(_OPENING.search(text[: match.start()]))


def _is_pronoun(text: str, match: re.Match[str]) -> bool:
    """Not inside double quotes, not the "us" of "let us", not a numeral ("Phase I trials") and
    not part of a name ("Windows Me", "Our World in Data", "My Little Pony")."""
    word, before = match.group(0), text[: match.start()]
    if any(q.start() <= match.start() < q.end() for q in _QUOTED.finditer(text)):
        return False
    if word == "us" and _LET_US.search(before):
        return False
    if word == "I":
        return (
            _opens(text, match)
            or not _AFTER_CAPITAL.search(before)
            or bool(re.search(r"(?:^|[.!?]\s+)[\"“(]*[A-Z][\w'’-]*\s+$", before))
        )
    return not word[0].isupper() or _opens(text, match)


def _cased(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word


#: a clause of a line that holds this share of a first-person news clause's words retells it
SHARE = 0.7


def speaks_as_author(text: str, section: Section, language: str) -> str | None:
    """A sentence of `text` (a host's line) that says a first-person sentence of the news in the
    first person still ("I am the tech lead ..."), as if it were the host's own life or work;
    None when there is none. Clause by clause, so the pronoun must stand where the news is said:
    a host's own "I" ("They think so, and I think so too") is no such sentence."""
    if language.split("-")[0].lower() != "en":
        return None
    stop = lexicon(language).stop_words
    news = [
        (set(tokens(c, language)) - stop, _persons(c))
        for s in news_sentences(section)
        for c in _CLAUSES.split(s)
    ]
    for sentence in sentences(text):
        for clause in _CLAUSES.split(sentence):
            said, persons = set(tokens(clause, language)), _persons(clause)
            for words, own in news:
                if own & persons and len(words) >= 2 and len(words & said) >= SHARE * len(words):
                    return sentence
    return None


_CLAUSES = re.compile(r"[,;:]\s+(?=(?:and|but|so|or)\b)|;\s+|\s+[–—]\s+")


def _persons(text: str) -> set[str]:
    """The first-person pronouns of `text` with the word after each, contractions in full ("i
    am" for "I'm")."""
    pairs = set()
    for m in (m for m in _FIRST_PERSON.finditer(text) if _is_pronoun(text, m)):
        if after := _NEXT_WORD.search(text, m.end()):
            word = after.group(0).lower().replace("’", "'")
            pairs.add(f"{m.group(0).lower()} {_FULL_FORMS.get(word, word)}")
    return pairs
