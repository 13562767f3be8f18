"""Text normalization for comparing a script line with its transcript.

Lowercase, Unicode-folded, punctuation stripped, and a light number normalization: integers
and decimals written as digits become English words on both sides, so "26" and "twenty six"
compare equal. Years are read as cardinals ("2026" -> "two thousand twenty six") on both sides,
which is enough when both the text and the transcript use digits.
"""

from __future__ import annotations

import re
import unicodedata

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "@": " at "}
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
_ORDINAL_SUFFIX_RE = re.compile(r"(?<=\d)(st|nd|rd|th)\b")
_KEEP_RE = re.compile(r"[^\w\s]")


def _under_thousand(value: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(value, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens])
        if ones:
            words.append(_ONES[ones])
    elif rest or not words:
        words.append(_ONES[rest])
    return words


def integer_words(value: int) -> list[str]:
    if value < 1000:
        return _under_thousand(value)
    for scale, name in _SCALES:
        if value >= scale:
            head, rest = divmod(value, scale)
            return integer_words(head) + [name] + (integer_words(rest) if rest else [])
    return _under_thousand(value)


def number_words(token: str) -> str:
    whole, _, fraction = token.partition(".")
    words = integer_words(int(whole)) if len(whole) <= 15 else list(whole)
    if fraction:
        words += ["point"] + [_ONES[int(d)] for d in fraction]
    return " ".join(words)


def normalize_text(text: str) -> str:
    """Lowercase words separated by single spaces, without punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = folded.replace("’", "'").replace("‘", "'")
    for symbol, word in _SYMBOLS.items():
        folded = folded.replace(symbol, word)
    folded = _THOUSANDS_RE.sub("", folded)
    folded = _ORDINAL_SUFFIX_RE.sub("", folded)
    folded = _NUMBER_RE.sub(lambda m: f" {number_words(m.group())} ", folded)
    folded = folded.replace("'", "")
    folded = _KEEP_RE.sub(" ", folded).replace("_", " ")
    return " ".join(folded.split())


def words(text: str) -> list[str]:
    return normalize_text(text).split()
