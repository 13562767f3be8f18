"""Number words back to digits, per language, so "twenty twenty-six", "two thousand and
twenty-six" and "2026" all become the token "2026" (and "dois mil e vinte e seis" too).

Works on lowercase word tokens (hyphens already split). Each language is a small lexicon:
simple values (units, teens, tens, pt hundreds), a "hundred" multiplier, scales (thousand,
million, ...), the connector ("and", "e"), the decimal word and ordinal words. A number ends at
the first word that cannot extend it, so "one two three" stays three numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")
_EN_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
EN_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()  # noqa: SIM905
)
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_ORDINAL_UNITS = [
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
    "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
    "sixteenth", "seventeenth", "eighteenth", "nineteenth",
]  # fmt: skip
_EN_ORDINAL_TENS = [
    "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth",
    "ninetieth",
]  # fmt: skip
_PT_UNITS = [
    "zero", "um", "dois", "tres", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez",
    "onze", "doze", "treze", "catorze", "quinze", "dezesseis", "dezessete", "dezoito", "dezenove",
]  # fmt: skip
_PT_TENS = ["vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa"]
_PT_HUNDREDS = [
    "cento", "duzentos", "trezentos", "quatrocentos", "quinhentos", "seiscentos", "setecentos",
    "oitocentos", "novecentos",
]  # fmt: skip


_PT_ORDINAL_UNITS = [
    "primeiro", "segundo", "terceiro", "quarto", "quinto", "sexto", "setimo", "oitavo", "nono",
    "decimo",
]  # fmt: skip
_PT_ORDINAL_TENS = [
    "vigesimo", "trigesimo", "quadragesimo", "quinquagesimo", "sexagesimo", "septuagesimo",
    "octogesimo", "nonagesimo",
]  # fmt: skip


@dataclass(frozen=True)
class Lexicon:
    simple: dict[str, int]
    hundred: frozenset[str] = frozenset()  # multiplies the group: "nineteen hundred"
    scales: dict[str, int] = field(default_factory=dict)
    connector: str = ""
    decimal: str = ""
    ordinals: dict[str, int] = field(default_factory=dict)  # added to the group: "twenty-first"
    ordinal_scales: dict[str, int] = field(default_factory=dict)  # "hundredth", "thousandth"
    article: str = ""  # "a hundred" == "one hundred"
    years: bool = False  # "nineteen ninety-nine" == 1999, "twenty oh five" == 2005
    connected_units: bool = False  # the connector joins units to tens too: "vinte e três"
    version_point: str = ""  # "one point ninety point zero" == "1.90.0"


def _english() -> Lexicon:
    simple = {w: i for i, w in enumerate(_EN_UNITS)}
    simple |= {w: 20 + 10 * i for i, w in enumerate(_EN_TENS)}
    ordinals = {w: i for i, w in enumerate(_EN_ORDINAL_UNITS) if i}
    ordinals |= {w: 20 + 10 * i for i, w in enumerate(_EN_ORDINAL_TENS)}
    scales = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
    return Lexicon(
        simple=simple,
        hundred=frozenset({"hundred"}),
        scales=scales,
        connector="and",
        decimal="point",
        ordinals=ordinals,
        ordinal_scales={"hundredth": 100, "thousandth": 10**3, "millionth": 10**6},
        article="a",
        years=True,
        version_point="point",
    )


def _portuguese() -> Lexicon:
    """Brazilian Portuguese, on accent-folded words ("três" -> "tres", "milhões" -> "milhoes")."""
    simple = {w: i for i, w in enumerate(_PT_UNITS)}
    simple |= {"uma": 1, "duas": 2, "quatorze": 14, "dezasseis": 16, "dezanove": 19}
    simple |= {w: 20 + 10 * i for i, w in enumerate(_PT_TENS)}
    simple |= {w: 100 * (i + 1) for i, w in enumerate(_PT_HUNDREDS)}
    simple |= {w[:-2] + "as": 100 * (i + 2) for i, w in enumerate(_PT_HUNDREDS[1:])}
    simple["cem"] = 100
    scales = {"mil": 10**3, "milhao": 10**6, "milhoes": 10**6, "bilhao": 10**9}
    scales |= {"bilhoes": 10**9, "trilhao": 10**12, "trilhoes": 10**12}
    scales |= {"mi": 10**6, "bi": 10**9, "tri": 10**12}  # "R$ 3 bi": written short
    ordinals = {w: i + 1 for i, w in enumerate(_PT_ORDINAL_UNITS)}
    ordinals |= {w: 10 * (i + 2) for i, w in enumerate(_PT_ORDINAL_TENS)}
    ordinals |= {w[:-1] + "a": v for w, v in ordinals.items()}  # primeira, segunda, ...
    return Lexicon(
        simple=simple, scales=scales, connector="e", decimal="virgula", ordinals=ordinals,
        connected_units=True, version_point="ponto",
    )  # fmt: skip


LEXICONS: dict[str, Lexicon] = {"en": _english(), "pt": _portuguese()}


def lexicon(language: str) -> Lexicon | None:
    return LEXICONS.get(language.split("-")[0].lower())


def _place(value: int) -> int:
    """What may follow a part: after 200 anything < 100, after 20 a unit, after 7 nothing."""
    if value >= 100:
        return 100
    if value >= 20 and value % 10 == 0:
        return 10
    return 0


@dataclass
class _Number:
    """One number being read: total (from scales) + group (below the last scale)."""

    total: int = 0
    group: int = 0
    room: int = 10**15  # simple values below this may still join the group
    last_scale: int = 10**16
    started: bool = False

    def copy(self) -> _Number:
        return _Number(self.total, self.group, self.room, self.last_scale, self.started)

    def take(self, word: str, lex: Lexicon) -> bool:
        """Extend the number with `word`; False (and unchanged) when it cannot."""
        if word in lex.simple:
            return self.take_simple(lex.simple[word])
        if word in lex.hundred:
            if self.group >= 100:
                return False
            self.group, self.room, self.started = (self.group or 1) * 100, 100, True
            return True
        if word in lex.scales:
            scale = lex.scales[word]
            if scale >= self.last_scale:
                return False
            self.total += (self.group or 1) * scale
            self.group, self.last_scale, self.room, self.started = 0, scale, 1000, True
            return True
        return False

    def take_simple(self, value: int) -> bool:
        if value >= self.room or (self.started and self.room == 0):
            return False
        self.group += value
        self.room, self.started = _place(value), True
        return True

    @property
    def value(self) -> int:
        return self.total + self.group


def _decimal_digits(words: list[str], start: int, lex: Lexicon) -> str:
    digits = ""
    for word in words[start:]:
        value = lex.simple.get(word, -1)
        if not 0 <= value <= 9:
            break
        digits += str(value)
    return digits


def _extends(number: _Number, word: str, lex: Lexicon) -> bool:
    if word in lex.ordinals:
        return number.copy().take_simple(lex.ordinals[word])
    return number.copy().take(word, lex)


def read_number(words: list[str], start: int, lex: Lexicon) -> tuple[str, int] | None:
    """The number spelled at words[start:], as (digit token, words consumed), or None."""
    number, i, n = _Number(), start, len(words)
    after_point = start > 0 and words[start - 1] == lex.version_point != ""  # a version's part
    if _DIGITS_RE.fullmatch(words[i]):
        if i + 1 < n and words[i + 1] in lex.scales:  # "5 million", "1.5 billion"
            value = float(words[i]) * lex.scales[words[i + 1]]
            return (str(round(value)) if value == round(value) else str(value)), 2
        return None
    if (
        words[i] == lex.article
        and i + 1 < n
        and (words[i + 1] in lex.hundred or words[i + 1] in lex.scales)
    ):
        i += 1
    while i < n:
        word = words[i]
        following = words[i + 1] if i + 1 < n else ""
        if word == lex.connector and number.started and _extends(number, following, lex):
            i += 1
            continue
        if word == lex.decimal and number.started and not after_point:
            digits = _decimal_digits(words, i + 1, lex)
            end = i + 1 + len(digits)
            if digits and end < n and words[end] in lex.scales:  # "two point five million"
                value = float(f"{number.value}.{digits}") * lex.scales[words[end]]
                return (str(round(value)) if value == round(value) else str(value)), end + 1 - start
            if digits:
                return f"{number.value}.{digits}", end - start
            break
        if word in lex.ordinals and number.copy().take_simple(lex.ordinals[word]):
            number.take_simple(lex.ordinals[word])
            return f"{number.value}th", i + 1 - start
        if word in lex.ordinal_scales:
            value = number.total + (number.group or 1) * lex.ordinal_scales[word]
            return f"{value}th", i + 1 - start
        if not number.take(word, lex):
            break
        i += 1
    if not number.started:
        return None
    return str(number.value), i - start


def _merge_years(tokens: list[str], from_words: list[bool]) -> list[str]:
    """English years read in pairs: 'nineteen ninety-nine' (19 99) -> 1999, '20 oh 5' -> 2005."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        a = tokens[i]
        after_month = i > 0 and tokens[i - 1] in EN_MONTHS  # "July twelve, twenty twenty-six"
        if from_words[i] and a.isdigit() and 10 <= int(a) <= 20 and not after_month:
            if i + 1 < len(tokens) and from_words[i + 1] and tokens[i + 1].isdigit():
                b = int(tokens[i + 1])
                if 10 <= b <= 99:
                    out.append(str(int(a) * 100 + b))
                    i += 2
                    continue
            if i + 2 < len(tokens) and tokens[i + 1] == "oh" and tokens[i + 2].isdigit():
                b = int(tokens[i + 2])
                if from_words[i + 2] and 1 <= b <= 9:
                    out.append(str(int(a) * 100 + b))
                    i += 3
                    continue
        out.append(a)
        i += 1
    return out


def _merge_versions(
    tokens: list[str], from_words: list[bool], lex: Lexicon
) -> tuple[list[str], list[bool]]:
    """Versions said part by part: "one point ninety point zero" -> "1.90.0", "one point
    twenty-five" -> "1.25" (a single digit after "point" is already read as a decimal)."""
    if not lex.version_point:
        return tokens, from_words
    out: list[str] = []
    spoken: list[bool] = []
    for token, said in zip(tokens, from_words, strict=True):
        joinable = len(out) >= 2 and out[-1] == lex.version_point and token.isdigit()
        if joinable and re.fullmatch(r"\d+(?:\.\d+)*", out[-2]) and (said or spoken[-2]):
            out[-2:] = [f"{out[-2]}.{token}"]
            spoken[-2:] = [True]
            continue
        out.append(token)
        spoken.append(said)
    return out, spoken


def words_to_numbers(words: list[str], language: str) -> list[str]:
    """Replace runs of number words with digit tokens ("3.14", "2026", ordinals as "21th")."""
    lex = lexicon(language)
    if lex is None:
        return list(words)
    out: list[str] = []
    from_words: list[bool] = []
    i = 0
    while i < len(words):
        found = read_number(words, i, lex)
        if found is None:
            out.append(words[i])
            i += 1
        else:
            out.append(found[0])
            i += found[1]
        from_words.append(found is not None)
    out, from_words = _merge_versions(out, from_words, lex)
    out = _merge_years(out, from_words) if lex.years else out
    return _merge_connected(out, lex)


def _round_place(value: int, lex: Lexicon) -> int:
    """The largest place `value` is round at, that a connected smaller number can fill."""
    for place in (1000, 100, 10):
        if value >= place and value % place == 0 and (place > 10 or lex.connected_units):
            return place
    return 0


def _merge_connected(tokens: list[str], lex: Lexicon) -> list[str]:
    """A transcript mixing digits and words: "2000 e 27" -> 2027, "1000 and 500" -> 1500, in
    Portuguese "120 e 5" -> 125 (a round number, the connector, and a number that fits below its
    last round place)."""
    out: list[str] = []
    for token in tokens:
        if len(out) >= 2 and out[-1] == lex.connector and out[-2].isdigit() and token.isdigit():
            place = _round_place(int(out[-2]), lex)
            if place and int(token) < place:  # and again: "100 e 20 e 5" -> 120 e 5 -> 125
                out[-2:] = [str(int(out[-2]) + int(token))]
                continue
        out.append(token)
    return out
