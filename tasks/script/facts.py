"""Key facts of a section, and whether a script still tells them (the coverage check).

How the key facts of a section body are picked (link texts are not news and are left out):
- **numbers**: every number, written in digits ("40%", "2026", "1,200") or in words ("two
  hundred", "forty percent"), with the word after it when that word says what is counted
  ("two hundred startups"); digits are first spoken the way the script speaks them, so "40%" and
  "forty percent" are the same fact;
- **names**: capitalized words that are not common words ("Europe", "OpenAI"), runs of them kept
  together ("Hugging Face");
- **key terms**: per sentence, the two longest content words of at least six letters that are
  not already part of a number or a name ("parameters", "renegotiate").

A fact is a short phrase; it is *told* when its words appear, in order and next to each other,
in the section's turns after both sides are normalized the same way (lower case, punctuation and
hyphens dropped, numbers spoken, words stemmed by the Snowball stemmer of the show's language, so
"summarizing" tells "summarize"). Coverage is the share of a section's
facts that are told. Limits: lexical, like the opinion check: a faithful paraphrase with other
words ("graphics card" -> "GPU") counts as missing, which errs on the side of telling the news.
"""

from __future__ import annotations

import functools
import re

import snowballstemmer
from pydantic import BaseModel

from castwright.core.models import Section, Turn
from castwright.core.text import sentences
from tasks.script.lexicon import ALL_STOP_WORDS
from tasks.script.normalize import load_rules, normalize_text, speak_numbers

MIN_TERM_LETTERS = 6
TERMS_PER_SENTENCE = 2

_NUMBER_WORDS_LISTS = {
    "en": [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "percent",
        "half",
        "dozen",
    ],
    "pt-BR": [
        "zero",
        "um",
        "uma",
        "dois",
        "duas",
        "três",
        "quatro",
        "cinco",
        "seis",
        "sete",
        "oito",
        "nove",
        "dez",
        "onze",
        "doze",
        "treze",
        "catorze",
        "quatorze",
        "quinze",
        "dezesseis",
        "dezessete",
        "dezoito",
        "dezenove",
        "vinte",
        "trinta",
        "quarenta",
        "cinquenta",
        "sessenta",
        "setenta",
        "oitenta",
        "noventa",
        "cem",
        "cento",
        "duzentos",
        "trezentos",
        "quatrocentos",
        "quinhentos",
        "mil",
        "milhão",
        "milhões",
        "bilhão",
        "bilhões",
        "por",
        "cento",
        "meio",
        "metade",
    ],
}
NUMBER_WORDS = {lang: frozenset(words) for lang, words in _NUMBER_WORDS_LISTS.items()}
#: number words too common to be a fact on their own ("the one thing", "half the time")
COMMON_NUMBER_WORDS = frozenset({"one", "um", "uma", "half", "meio", "metade"})
_JOINERS = {"en": {"and", "point"}, "pt-BR": {"e", "vírgula"}}
#: words that are never a key fact: the opinion check's stop words and a few more
_COMMON = ALL_STOP_WORDS | frozenset(
    "not no yes why less many much few may might must after before under down new last next week year month day today early late read listening".split()  # noqa: SIM905
)


class SectionCoverage(BaseModel):
    section: str
    facts: list[str]
    missing: list[str]

    @property
    def percent(self) -> float:
        return 100.0 * (1 - len(self.missing) / len(self.facts)) if self.facts else 100.0


#: the Snowball stemmer of each show language ("summarizing", "summarize" -> "summar")
_STEMMERS = {"en": "english", "pt-BR": "portuguese"}


@functools.cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMERS.get(language, "english"))


@functools.cache
def stem(word: str, language: str = "en") -> str:
    """`word` (lower case) stemmed by the Snowball stemmer of `language`."""
    return str(_stemmer(language).stemWord(word))


def tokens(text: str, language: str, stemmed: bool = True) -> list[str]:
    """Lower-cased, stemmed words of `text` spoken as the script speaks it (the speech rules'
    acronyms expanded: the fact "BC" is told by "Banco Central"), as both sides are compared.
    Unstemmed for number words: the Portuguese stemmer makes "nove" and "nova" both "nov"."""
    spoken = normalize_text(text, load_rules(language), language)[0]
    spoken = speak_numbers(spoken, language).replace("%", " percent").lower()
    words = re.findall(r"[^\W_]+", spoken.replace("-", " "))
    return [stem(w, language) for w in words] if stemmed else words


def news_sentences(section: Section) -> list[str]:
    """The body's sentences, without the lines that are only link texts."""
    links = {link.text.strip().casefold() for link in section.links}
    lines = [ln for ln in section.body.splitlines()
             if ln.strip().rstrip(".").casefold() not in links]  # fmt: skip
    return sentences(" ".join(lines))


def _numbers(words: list[str], language: str) -> list[tuple[int, int]]:
    """(start, end) spans of number phrases, extended by the counted word after them."""
    numeric, joiners = NUMBER_WORDS[language], _JOINERS[language]
    spans, i = [], 0
    while i < len(words):
        if words[i].lower() not in numeric:
            i += 1
            continue
        j = i + 1
        while j < len(words) and (
            words[j].lower() in numeric
            or (
                words[j].lower() in joiners
                and j + 1 < len(words)
                and words[j + 1].lower() in numeric
            )
        ):
            j += 1
        if j < len(words) and words[j].lower() not in _COMMON and words[j].isalpha():
            j += 1  # "two hundred startups": what is counted is part of the fact
        spans.append((i, j))
        i = j
    return spans


def _names(raw: list[str], taken: set[int]) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(raw):
        word = raw[i]
        if i not in taken and word[:1].isupper() and word.lower() not in _COMMON:
            j = i + 1
            while j < len(raw) and raw[j][:1].isupper() and j not in taken:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def _sentence_facts(sentence: str, language: str) -> list[str]:
    raw = re.findall(
        r"[^\W_]+(?:['’][^\W_]+)?", speak_numbers(sentence, language).replace("-", " ")
    )
    spans = _numbers(raw, language)
    taken = {k for a, b in spans for k in range(a, b)}
    names = _names(raw, taken)
    taken |= {k for a, b in names for k in range(a, b)}
    terms = sorted(
        (k for k, w in enumerate(raw) if k not in taken and len(w) >= MIN_TERM_LETTERS
         and w.lower() not in _COMMON),
        key=lambda k: -len(raw[k]),
    )[:TERMS_PER_SENTENCE]  # fmt: skip
    picked = sorted(spans + names + [(k, k + 1) for k in terms])
    return [" ".join(raw[a:b]) for a, b in picked]


def key_facts(section: Section, language: str = "en") -> list[str]:
    """The facts a listener must hear for this section's news to count as told (no duplicates)."""
    facts: list[str] = []
    for sentence in news_sentences(section):
        for fact in _sentence_facts(sentence, language):
            if fact.lower() not in {f.lower() for f in facts}:
                facts.append(fact)
    return facts


def is_told(fact: str, spoken: list[str], language: str = "en") -> bool:
    """Whether the words of `fact` appear in order, next to each other, in `spoken` tokens."""
    wanted = tokens(fact, language)
    n = len(wanted)
    return n > 0 and any(spoken[i : i + n] == wanted for i in range(len(spoken) - n + 1))


def section_coverage(
    section: Section, turns: list[Turn], language: str = "en", facts: list[str] | None = None
) -> SectionCoverage:
    facts = key_facts(section, language) if facts is None else facts
    spoken = tokens(" ".join(t.text for t in turns if t.section == section.id), language)
    missing = [f for f in facts if not is_told(f, spoken, language)]
    return SectionCoverage(section=section.id, facts=facts, missing=missing)


#: a sentence or two per news line, so the other host can come in
GROUP_WORDS = 32


def news_groups(section: Section, max_words: int = GROUP_WORDS) -> list[str]:
    """The body's sentences, packed into groups of at most `max_words` (one sentence may exceed)."""
    groups: list[str] = []
    for sentence in news_sentences(section):
        if groups and len(groups[-1].split()) + len(sentence.split()) <= max_words:
            groups[-1] = f"{groups[-1]} {sentence}"
        else:
            groups.append(sentence)
    return groups


def section_texts(section: Section) -> list[str]:
    """The sentences a section's lines are built from: its news and its comments."""
    return news_sentences(section) + [c.text for c in section.comments]


def sentence_key(sentence: str) -> str:
    """What two sentences are compared by: their words, case-folded, without punctuation."""
    return re.sub(r"\W+", " ", sentence).strip().casefold()


def without_title(groups: list[str], title: str) -> list[str]:
    """The news without a first sentence that only repeats its title, which the transition says
    (Haskell Weekly's first line, "Welcome to another issue of Haskell Weekly!", is both)."""
    first, *rest = sentences(groups[0]) if groups else [""]
    if not first or sentence_key(first) != sentence_key(title):
        return groups
    return [" ".join(rest), *groups[1:]] if rest else groups[1:]
