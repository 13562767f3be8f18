"""Speech normalization: make the final script speakable, whatever the LLM wrote.

The per-language rule tables in prompts/speech-rules/ are shown to BOTH LLM passes and enforced
again here on the final script, on whole words, case-aware, with a report of every replacement.
URLs and e-mail addresses become speakable, symbols become words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from num2words import num2words
from pydantic import BaseModel, ConfigDict

from castwright.core.errors import ConfigError
from castwright.core.models import Script, Turn
from castwright.core.paths import PROMPTS_DIR
from castwright.core.text import EN_MONTH_ABBREVIATIONS, SENTENCE_START, split_camel_case
from tasks.script import spoken_pt

RULES_DIR = PROMPTS_DIR / "speech-rules"


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    term: str
    spoken: str
    case: Literal["exact", "any"] = "any"
    #: an abbreviation whose period may also end the sentence ("etc."; never "Dr." before a name)
    ends_sentence: bool = False


class Replacement(BaseModel):
    turn_id: str
    found: str
    spoken: str


_SYMBOLS: dict[str, dict[str, str]] = {
    "en": {
        "%": " percent",
        "&": " and ",
        "+": " plus ",
        "=": " equals ",
        "@": " at ",
        "#": "number ",
    },
    "pt-BR": {
        "%": " por cento",
        "&": " e ",
        "+": " mais ",
        "=": " igual a ",
        "@": " arroba ",
        "#": "número ",
    },
}
_CURRENCY = {
    "en": {"$": "dollars", "€": "euros", "£": "pounds"},
}
_URL = re.compile(r"\bhttps?://(?:www\.)?([^\s/]+)\S*", re.I)
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")


@cache
def load_rules(language: str, rules_dir: Path = RULES_DIR) -> tuple[Rule, ...]:
    path = rules_dir / f"{language}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in rules_dir.glob("*.yaml")))
        raise ConfigError(f"no speech rules for language {language!r} ({path}); known: {known}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = tuple(Rule.model_validate(r) for r in data["rules"])
    return tuple(sorted(rules, key=lambda r: len(r.term), reverse=True))


def _term_pattern(rule: Rule) -> re.Pattern[str]:
    flags = 0 if rule.case == "exact" else re.I
    return re.compile(rf"(?<![\w.]){re.escape(rule.term)}(?![\w])", flags)


def _speak_url(match: re.Match[str]) -> str:
    return match.group(1).replace(".", " dot ")


def _speak_email(match: re.Match[str]) -> str:
    return f"{match.group(1)} at {match.group(2).replace('.', ' dot ')}"


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(st|nd|rd|th|º|ª)?(?![\w])")
_NUM2WORDS_LANG = {"en": "en", "pt-BR": "pt_BR"}


_VERSION = re.compile(r"(?<![\w.])([vV]?)(\d+(?:\.\d+){2,})(?![\w]|\.\d)")
_CUED_VERSION = re.compile(
    r"\b((?:[Vv]ersion|[Vv]ersão|[Rr]elease|Rust|Go|Python|Git|Node|Java|Kotlin|Swift|Ruby|PHP|"
    r"Postgre(?:SQL|s)|Linux|Ubuntu|Debian|Fedora|macOS|iOS|Android|Emacs|GHC)\s+[vV]?)(\d+\.\d+)(?![\w]|\.\d)"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_POINT_WORD = {"en": "point", "pt-BR": "ponto"}
_SNAKE = re.compile(r"\b\w+(?:_\w+)+\b")
#: a code name of three or more lower-case parts joined by hyphens, the first with a digit or
#: an underscore (Rust's target triples; not "covid-19-related", "utf-8-encoded"), said part by
#: part: "x86_64-unknown-linux-gnu" -> "x 86 64, unknown, linux, G.N.U.". Run together, Whisper
#: heard "x8664 no Linux can do" (76.9); without the pauses, "x8664 and on Linux GNU" (68.4);
#: with them, 94.7 (Piper joe, 2026-12-05)
_HYPHENED_CODE = re.compile(r"\b[a-z]+[\d_][a-z0-9_]*(?:-[a-z0-9_]+){2,}\b")
_LETTERS_DIGITS = re.compile(r"\b([A-Za-z]+)(\d+)(?=[\s\-.,;:!?)]|$)")
#: a code name of three or more joined words ("PodGroupPostFilter"), or of two long ones
#: ("MaintenancePlanned", which Whisper hears as "maintenance plan"); "GitHub", "JavaScript" stay
_CAMEL_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[A-Z][a-z]+){2,}\b|\b[A-Z][a-z]{4,}[A-Z][a-z]{4,}\b")
_ANY_MINOR = re.compile(r"\b(\d+(?:\.\d+)*)\.x\b")  # "LTS 8.x": any 8 release
_BARE_SCHEME = re.compile(r"\b([A-Za-z][A-Za-z0-9+]*)://(?=[\s.,;:!?)]|$)")  # "s3:// URIs"


def _spoken_version(version: str, language: str) -> str:
    """'1.90.0' -> 'one point ninety point zero' (each part a whole number, as people say it)."""
    lang = _NUM2WORDS_LANG.get(language, "en")
    point = f" {_POINT_WORD.get(language, 'point')} "
    return point.join(str(num2words(int(part), lang=lang)) for part in version.split("."))


_ISO_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "pt-BR": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}


def _spoken_date(match: re.Match[str], language: str) -> str:
    """'2026-08-25' -> 'August 25th, 2026' / '25 de agosto de 2026' (its numbers spoken next)."""
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    name = _MONTHS.get(language, _MONTHS["en"]).split()[month - 1]
    if language == "pt-BR":
        return f"{'1º' if day == 1 else day} de {name} de {year}"
    return f"{name} {num2words(day, to='ordinal')}, {year}"


_MONTH_ABBR = EN_MONTH_ABBREVIATIONS
_EN_MONTH = _MONTHS["en"].split()
_MONTH_WORD = "|".join([*_MONTH_ABBR, *_EN_MONTH])
#: "Feb 24–26, 2017", "July 12, 2026", "Sep 3": a month, then a day or a range of days (English);
#: a month's full name only before a year or as a range ("In March 15 people joined" is a count)
_MONTH_DAY = re.compile(
    rf"\b(?:({'|'.join(_MONTH_ABBR)})\.?\s+(\d{{1,2}})(?:\s*[–-]\s*(\d{{1,2}}))?"
    rf"|({'|'.join(_EN_MONTH)})\s+(\d{{1,2}})(?:\s*[–-]\s*(\d{{1,2}})|(?=,?\s+\d{{4}}\b)))"
    r"\b(?![.,]\d)"
)
#: "27. Feb 2017", "3 March 2026": a day before its month (English text written the European way)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_WORD})\.?(?=\s+\d{{4}}\b)")


def _month(name: str) -> str:
    return _EN_MONTH[_MONTH_ABBR[name] - 1] if name in _MONTH_ABBR else name


def _spoken_month_day(match: re.Match[str]) -> str:
    """'Feb 24–26' -> 'February twenty-fourth to twenty-sixth'; 'Sep 3' -> 'September third'."""
    month = match.group(1) or match.group(4)
    first, last = int(match.group(2) or match.group(5)), match.group(3) or match.group(6)
    if not 1 <= first <= 31 or (last and not 1 <= int(last) <= 31):
        return match.group(0)
    days = str(num2words(first, to="ordinal"))
    days += f" to {num2words(int(last), to='ordinal')}" if last else ""
    return f"{_month(month)} {days}"


_MONTH_YEAR = re.compile(rf"\b({'|'.join(_MONTH_ABBR)})\.?(?=\s+\d{{4}}\b)")


def _english_dates(text: str) -> str:
    text = _DAY_MONTH.sub(lambda m: f"{_month(m.group(2))} {m.group(1)},", text)
    text = _MONTH_YEAR.sub(lambda m: _month(m.group(1)), text)  # "Aug 2025" -> "August 2025"
    return _MONTH_DAY.sub(_spoken_month_day, text)


def speak_identifiers(text: str, language: str) -> str:
    """What people say for dates, versions and code names: '2026-08-25' -> 'August 25th, 2026',
    'Rust 1.90.0' -> 'Rust one point ninety point zero', 'Go 1.25' -> 'Go one point
    twenty-five', 'GENERATION_TIMEOUT' -> 'generation timeout', 'x86_64' -> 'x 86 64', 'H100' ->
    'H 100', 'PodGroupPostFilter' -> 'Pod Group Post Filter' (the remaining digits are spoken
    next, by `speak_numbers`)."""
    text = _ISO_DATE.sub(lambda m: _spoken_date(m, language), text)
    text = _english_dates(text) if language == "en" else text
    text = _VERSION.sub(lambda m: _version(m, language), text)
    text = _CUED_VERSION.sub(lambda m: _cued(m, language), text)
    text = _SNAKE.sub(lambda m: _snake_words(m.group(0)), text)
    text = _ANY_MINOR.sub(lambda m: f"{m.group(1)} {_POINT_WORD.get(language, 'point')} x", text)
    text = _BARE_SCHEME.sub(r"\1", text)
    text = _CAMEL_RUN.sub(lambda m: split_camel_case(m.group(0)), text)
    return _LETTERS_DIGITS.sub(r"\1 \2", text)


def _cued(match: re.Match[str], language: str) -> str:
    """'Go 1.25' -> 'Go one point twenty-five'; 'Git v2.50' -> 'Git version two point fifty'."""
    cue = match.group(1)
    if cue[-1:] in "vV":
        cue = cue[:-1] + ("versão " if language == "pt-BR" else "version ")
    return cue + _spoken_version(match.group(2), language)


def _version(match: re.Match[str], language: str) -> str:
    if _THOUSANDS.fullmatch(match.group(2)) and not match.group(1):  # "1.000.000" in pt-BR
        return match.group(0)
    said = ("versão " if language == "pt-BR" else "version ") if match.group(1) else ""
    return said + _spoken_version(match.group(2), language)


def _snake_words(name: str) -> str:
    words = name.replace("_", " ").split()
    return " ".join(w.lower() if w.isupper() and len(w) > 1 else w for w in words)


def _speak_number(match: re.Match[str], language: str) -> str:
    whole, decimals, ordinal = match.group(1).replace(",", ""), match.group(2), match.group(3)
    lang = _NUM2WORDS_LANG.get(language, "en")
    value = int(whole)
    if ordinal:
        return str(num2words(value, lang=lang, to="ordinal"))
    if decimals is not None:  # digit by digit, so that "1.90" keeps its zero
        digits = " ".join(str(num2words(int(d), lang=lang)) for d in decimals)
        return f"{num2words(value, lang=lang)} {_POINT_WORD.get(language, 'point')} {digits}"
    if language == "en" and len(whole) == 4 and 1100 <= value <= 2099 and "," not in match.group(1):
        return str(num2words(value, lang=lang, to="year"))
    # no comma: "six thousand, one hundred" makes the voice pause and Whisper write "6000, 161"
    return str(num2words(value, lang=lang)).replace(", ", " ")


def speak_numbers(text: str, language: str) -> str:
    """Digits to words: '40' -> 'forty', '3.5' -> 'three point five', '2026' -> 'twenty twenty-six';
    pt-BR: '1.500' -> 'mil e quinhentos', '2,5%' -> 'dois vírgula cinco por cento' (spoken_pt)."""
    text = speak_identifiers(text, language)  # "Go 1.25", "x86": as the script says them
    if language == "pt-BR":
        return spoken_pt.speak_numbers_pt(text, spoken_pt.load_table())
    return _NUMBER.sub(lambda m: _speak_number(m, language), text)


def _speak_symbols(text: str, language: str) -> str:
    if language == "pt-BR":
        text = speak_numbers(text, language)
    currency = _CURRENCY.get(language, {})  # pt-BR money is spoken by spoken_pt
    for sign, word in sorted(currency.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"{re.escape(sign)}\s?(\d+(?:[.,]\d+)*)", rf"\1 {word}", text)
    for sign, word in _SYMBOLS.get(language, _SYMBOLS["en"]).items():
        text = text.replace(sign, word)
    text = speak_numbers(text, language)
    text = re.sub(r"[*_`~<>\[\]{}|\\]", "", text)
    text = re.sub(r"(?<=[^\W\d_])\.\.(?=\s|$)", ".", text)  # Git's "has been corrected.."
    return re.sub(r"\s{2,}", " ", text).strip()


def normalize_text(
    text: str, rules: tuple[Rule, ...], language: str
) -> tuple[str, list[tuple[str, str]]]:
    """Return the speakable text and the (found, spoken) pairs that were replaced."""
    found: list[tuple[str, str]] = []
    if language == "pt-BR":
        text = spoken_pt.speak_addresses(text, found, spoken_pt.load_table())
    text = _sub_recording(_EMAIL, _speak_email, text, found)
    text = _sub_recording(_URL, _speak_url, text, found)
    text = _HYPHENED_CODE.sub(lambda m: m.group(0).replace("-", ", "), text)  # before "GNU"
    for rule in rules:
        text = _sub_recording(_term_pattern(rule), _spoken(rule), text, found)
    return _speak_symbols(text, language), found


_SENTENCE_OPENS = re.compile(f"{SENTENCE_START}$")


def _spoken(rule: Rule) -> Callable[[re.Match[str]], str]:
    """The rule's words; a term that may end a sentence and did ("... and tools etc. A handful")
    keeps its period, so the voice does not run into the next sentence. A sentence's own stop
    after a spoken form that ends in one is not doubled; at a sentence's start the spoken form
    has its capital ("GPU serverless ..." -> "Placa de vídeo serverless ...")."""

    def speak(match: re.Match[str]) -> str:
        opens = _SENTENCE_OPENS.search(match.string[: match.start()])
        return said(match, rule.spoken[:1].upper() + rule.spoken[1:] if opens else rule.spoken)

    def said(match: re.Match[str], spoken: str) -> str:
        rest = match.string[match.end() :]
        after = re.match(r"[\"'”’)]*\s+(\S)", rest)  # what starts after it ("etc.\" É ...")
        ends = rule.ends_sentence and (not rest.strip() or (after and after.group(1).isupper()))
        if rest.startswith(".") and spoken.endswith("."):
            return spoken[:-1]  # "the core API." -> "the core A.P.I.", not "A.P.I.."
        return spoken + ("." if ends else "")

    return speak


def _sub_recording(
    pattern: re.Pattern[str],
    speak: Callable[[re.Match[str]], str],
    text: str,
    found: list[tuple[str, str]],
) -> str:
    def replace(match: re.Match[str]) -> str:
        spoken = speak(match)
        found.append((match.group(0), spoken))
        return spoken

    return pattern.sub(replace, text)


#: the number a heading starts with that no host says: "140333: Update etcd", "#03 - Better Late"
_TITLE_REFERENCE = re.compile(
    r"^\s*(?:#\d+|(?:PR|pull request|issue)\s*#?\d+|\d{5,})\s*[:\-–—]\s+(?=\w)", re.I
)
_ONE_STOP = re.compile(r"([?!])\.")


def spoken_title(title: str) -> str:
    """A section's title as a host says it: no trailing period, no leading issue or PR number
    ("140333: Update etcd to v3.7.0" -> "Update etcd to v3.7.0")."""
    return _TITLE_REFERENCE.sub("", title).rstrip(".")


def one_stop(line: str) -> str:
    """'First up: Why Go?.' -> 'First up: Why Go?' (a title that ends in '?' or '!')."""
    return _ONE_STOP.sub(r"\1", line)


def normalize_script(script: Script, language: str) -> tuple[Script, list[Replacement]]:
    rules = load_rules(language)
    turns: list[Turn] = []
    report: list[Replacement] = []
    for turn in script.turns:
        text, found = normalize_text(turn.text, rules, language)
        report += [Replacement(turn_id=turn.id, found=f, spoken=s) for f, s in found]
        turns.append(turn.model_copy(update={"text": text}))
    return Script(turns=turns), report


def surviving_terms(script: Script, language: str) -> list[str]:
    """Rule terms still present in a script: empty after `normalize_script`."""
    rules = load_rules(language)
    return [r.term for t in script.turns for r in rules if _term_pattern(r).search(t.text)]
