"""Text normalization for comparing a script line with Whisper's transcript of its clip.

Both sides go through the same steps, per language, so that different spellings of the same
speech compare equal:

- case, Unicode forms, punctuation, hyphens and accents are folded ("Open-source" == "open source");
- dotted acronyms lose their dots ("A.I." == "AI", "A.P.I.s" == "APIs", "U.S." == "US");
- English contractions are expanded ("don't" == "do not"; the ambiguous "'s" is kept);
- symbols become words ("%" -> percent, "&" -> and, "$5" -> 5 dollars);
- numbers become digit tokens, whether written as digits or as words, per language:
  "twenty twenty-six" == "two thousand and twenty-six" == "2026", "forty percent" == "40%",
  "three point five" == "3.5", "1,500" == "fifteen hundred", "21st" == "twenty-first";
  pt: "dois mil e vinte e seis" == "2026", "três vírgula cinco" == "3,5", "1.500" == "1500".

A spoken word split differently on each side ("e mail" / "email", "A I" / "AI") is joined by
`join_compounds`, which looks at both sides together.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from num2words import num2words

from worker.numwords import EN_MONTHS, words_to_numbers

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_DOTTED_ACRONYM_RE = re.compile(r"(?<![\w.])[a-z](?:\.[a-z](?![a-z]))+\.?")
_TOKEN_RE = re.compile(r"\d+(?:\.\d+)*(?:th)?|[^\W\d_]+")

_EN_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
    (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"\bain't\b"), "is not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'d\b"), " would"),
)


class _Language:
    """What differs per language: symbols, currencies, number punctuation, word equivalents."""

    def __init__(
        self,
        symbols: dict[str, str],
        currencies: dict[str, str],
        thousands: str,
        decimal: str,
        equivalents: dict[str, str],
        ordinal_suffix: str,
        cents: str = "",
        scale_joiner: str = "",
    ) -> None:
        self.symbols = symbols
        self.currencies = currencies
        sep, dec = re.escape(thousands), re.escape(decimal)
        self.thousands_re = re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:{sep}\d{{3}})+)(?![\d]|{dec}\d)")
        self.thousands = thousands
        self.decimal = decimal
        self.decimal_re = re.compile(rf"(?<=\d){dec}(?=\d)")
        self.equivalents = equivalents
        self.cents = cents  # "R$ 2,50" is said "dois reais e cinquenta centavos"
        self.scale_joiner = scale_joiner  # "R$ 2 bilhões" is said "dois bilhões de reais"
        self.ordinal_re = re.compile(rf"(?<=\d)(?:{ordinal_suffix})\b")
        self.currency_re = re.compile(
            r"(" + "|".join(re.escape(c) for c in sorted(currencies, key=len, reverse=True)) + r")"
            r"\s?(\d[\d.,]*)(\s*(?:thousand|[mbt]illion|mil|[mbt]ilh(?:ao|oes|ão|ões)|mi|bi|tri)\b)?"
        )


LANGUAGES: dict[str, _Language] = {
    "en": _Language(
        symbols={"%": " percent ", "&": " and ", "+": " plus ", "@": " at ", "=": " equals "},
        currencies={"$": "dollars", "€": "euros", "£": "pounds"},
        thousands=",",
        decimal=".",
        equivalents={
            "per cent": "percent",
            "mr": "mister",
            "mrs": "missus",
            "dr": "doctor",
            "vs": "versus",
            "ok": "okay",
            "etc": "etcetera",
            "dollar": "dollars",  # "$5 million" is said "five million dollars" or "dollar"
            "euro": "euros",
            "pound": "pounds",
        },
        ordinal_suffix="st|nd|rd|th",
    ),
    "pt": _Language(
        symbols={"%": " percent ", "&": " e ", "+": " mais ", "@": " arroba ", "=": " igual a "},
        currencies={"r$": "reais", "us$": "dolares", "$": "dolares", "€": "euros", "£": "libras"},
        thousands=".",
        decimal=",",
        equivalents={
            "por cento": "percent",
            "sr": "senhor",
            "sra": "senhora",
            "dr": "doutor",
            "dra": "doutora",
        }
        | {"real": "reais", "dolar": "dolares", "euro": "euros"}
        | {"km": "quilometros", "kg": "quilos", "cm": "centimetros", "kwh": "quilowatts hora"}
        | {"gb": "gigabytes", "mb": "megabytes", "tb": "terabytes", "quilometro": "quilometros"},
        ordinal_suffix="º|ª|o|a",
        cents="centavos",
        scale_joiner="de",
    ),
}


#: a sentence that opens with "Hum," / "Um," (h is silent in Portuguese): a filler, never "1"
_PT_FILLER = re.compile(r"(?:^|(?<=[.!?…]\s))h?um+(?=,(?!\s*(?:dois|duas|tr[eê]s|2)\b))")


def _language(language: str) -> tuple[str, _Language]:
    primary = language.split("-")[0].lower()
    return primary, LANGUAGES.get(primary, LANGUAGES["en"])


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _digits(text: str, lang: _Language) -> str:
    """Digit punctuation to one canonical form: no thousands separator, '.' for decimals,
    'th' for every ordinal suffix ("1st" -> "1th", pt "1º" -> "1th")."""
    text = lang.thousands_re.sub(lambda m: m.group(1).replace(lang.thousands, ""), text)
    text = lang.decimal_re.sub("\x00", text)  # protect decimal marks from the punctuation pass
    return lang.ordinal_re.sub("th", text)


def _currencies(text: str, lang: _Language) -> str:
    """'$5 million' -> '5 million dollars', as it is spoken."""

    def spoken(m: re.Match[str]) -> str:
        amount, scale, name = m.group(2).rstrip(".,"), m.group(3) or "", lang.currencies[m.group(1)]
        whole, mark, cents = amount.rpartition(lang.decimal)
        if lang.cents and not scale and mark and len(cents) == 2 and cents.isdigit():
            if cents == "00":
                return f" {whole} {name} "
            said = f" {whole} {name} e " if whole.strip("0") else " "
            return f"{said}{int(cents)} {lang.cents} "
        if scale.strip() not in ("", "mil", "thousand") and lang.scale_joiner:
            return f" {amount} {scale.strip()} {lang.scale_joiner} {name} "
        return f" {amount}{scale} {name} "

    return lang.currency_re.sub(spoken, text)


@cache
def _equivalent_res(primary: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    lang = LANGUAGES.get(primary, LANGUAGES["en"])
    return tuple((re.compile(rf"\b{re.escape(k)}\b"), v) for k, v in lang.equivalents.items())


def normalize_words(text: str, language: str = "en") -> list[str]:
    """The comparable words of `text`: lowercase, no punctuation, numbers as digit tokens."""
    primary, lang = _language(language)
    folded = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    folded = _DOTTED_ACRONYM_RE.sub(lambda m: m.group().replace(".", ""), folded)
    if primary == "en":
        for pattern, replacement in _EN_CONTRACTIONS:
            folded = pattern.sub(replacement, folded)
    if primary == "pt":  # "Hum, então" is heard "Um, então": the filler, not the number one
        folded = _PT_FILLER.sub("hum", folded)
    folded = _currencies(folded, lang)
    for symbol, word in lang.symbols.items():
        folded = folded.replace(symbol, word)
    folded = _digits(folded, lang).replace("'", "")
    folded = _fold_accents(folded)
    for pattern, replacement in _equivalent_res(primary):
        folded = pattern.sub(replacement, folded)
    tokens = _TOKEN_RE.findall(folded.replace("\x00", "."))
    words = [_canonical_number(t) for t in words_to_numbers(tokens, primary)]
    return _plain_dates(words) if primary == "en" else words


def _plain_dates(words: list[str]) -> list[str]:
    """A day after a month as a plain number: "November tenth" == "November 10" (Whisper's way)."""
    return [
        w.removesuffix("th") if i and words[i - 1] in EN_MONTHS and w[0].isdigit() else w
        for i, w in enumerate(words)
    ]


def _canonical_number(token: str) -> str:
    """'3.50' -> '3.5', '2.0' -> '2' (spoken "three point five", "two"); a version ('1.90.0')
    stays as it is."""
    if token.count(".") == 1 and token[0].isdigit():
        return token.rstrip("0").rstrip(".")
    return token


def normalize_text(text: str, language: str = "en") -> str:
    """`normalize_words` joined by single spaces."""
    return " ".join(normalize_words(text, language))


def _join_runs(words: list[str], other: frozenset[str], max_run: int = 4) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(max_run, len(words) - i), 1, -1):
            run = words[i : i + size]
            joined = "".join(run)
            if joined in other and _joinable(run):
                out.append(joined)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _joinable(run: list[str]) -> bool:
    """Words, or numbers of two digits or more each: "x 86 64" is "x8664" as Whisper writes
    "x86_64" said "x eighty-six sixty-four"; "1 500" never becomes "1500" (another number)."""
    numbers = [w for w in run if w[0].isdigit()]
    return not numbers or (len(numbers) == len(run) and all(len(w) >= 2 for w in numbers))


def join_compounds(reference: list[str], hypothesis: list[str]) -> tuple[list[str], list[str]]:
    """Join adjacent words on one side that the other side writes as one word:
    ("e", "mail") vs "email", ("open", "source") vs "opensource", ("a", "i") vs "ai"."""
    ref_vocab, hyp_vocab = frozenset(reference), frozenset(hypothesis)
    return _join_runs(reference, hyp_vocab), _join_runs(hypothesis, ref_vocab)


#: English spellings of one sound, applied to both sides before scoring: a clip check hears
#: audio, and "cell" / "sell", "cite" / "site", "knight" / "night" sound the same (Whisper
#: heard "out cell" for a correct "outsell"). Vowels and double letters are kept, so words that
#: sound different ("bill" / "ball", "diner" / "dinner") still differ.
_SAME_SOUND = (
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c"), "k"),
    (re.compile(r"^kn"), "n"),
    (re.compile(r"^wr"), "r"),
    (re.compile(r"nts$"), "nse"),  # "assistants" / "assistance", "patients" / "patience"
)


def sound_alike(words: list[str], language: str = "en") -> list[str]:
    """Each English word spelled by its sound (see _SAME_SOUND); other languages unchanged."""
    if language.split("-")[0].lower() != "en":
        return words
    out = []
    for word in words:
        if not word[0].isdigit():
            for pattern, repl in _SAME_SOUND:
                word = pattern.sub(repl, word)
        out.append(word)
    return out


_NUM2WORDS_LANG = {"en": "en", "pt": "pt_BR"}


def spoken_word_count(words: list[str], language: str = "en") -> int:
    """How many words the normalized `words` take to say: "2026" counts as its spoken words."""
    lang = _NUM2WORDS_LANG.get(language.split("-")[0].lower(), "en")
    count = 0
    for word in words:
        if not word[0].isdigit():
            count += 1
            continue
        number = word.removesuffix("th")
        parts = number.split(".") if number.count(".") > 1 else [number]  # a version: 1.90.0
        count += len(parts) - 1  # each "point" between a version's parts
        for part in parts:
            value: float = float(part) if "." in part else int(part)
            spoken = str(num2words(value, lang=lang)) if value < 10**15 else part
            count += len(re.findall(r"[^\W\d_]+", spoken))
    return count
