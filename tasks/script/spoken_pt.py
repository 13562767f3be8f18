"""Brazilian Portuguese spoken forms of numbers, money, dates, times, units, URLs and e-mails.

The tables (currencies, scales, units, months, URL words) are in prompts/speech-rules/pt-BR.yaml;
this module holds the Portuguese conventions that use them:
- thousands with a dot, decimals with a comma: "1.500" -> "mil e quinhentos", "2,5" -> "dois
  vírgula cinco" (decimal digits read one by one, trailing zeros dropped, as the clip check reads
  them back); a dot not followed by groups of three digits is read "ponto" ("versão 2.5");
- money: "R$ 1.500,00" -> "mil e quinhentos reais", "R$ 2,50" -> "dois reais e cinquenta
  centavos", "US$ 3 bi" -> "três bilhões de dólares";
- "%" -> "por cento"; "1º"/"2ª" -> "primeiro"/"segunda"; "15/03/2026" and "2026-03-15" ->
  "quinze de março de dois mil e vinte e seis" (day 1 is "primeiro"); a d/m pair needs two digits
  each or a year, else it is a fraction ("3/4" -> "três quartos"); "14h30"/"14:30" -> "catorze horas e trinta minutos";
- units after a number: "10 km" -> "dez quilômetros", "1 t" -> "uma tonelada";
- gender: a number before a feminine noun is feminine ("2 pessoas" -> "duas pessoas", "200
  empresas" -> "duzentas empresas", "2 mil vagas" -> "duas mil vagas"); millions stay masculine.
  The noun's gender is guessed from its ending with a list of exceptions: a limit;
- URLs and e-mails: "contato@exemplo.com.br" -> "contato arroba exemplo ponto com ponto br",
  "https://www.exemplo.com.br/planos" -> "exemplo ponto com ponto br barra planos".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml
from num2words import num2words
from pydantic import BaseModel, ConfigDict

from castwright.core.paths import PROMPTS_DIR

_TABLE = PROMPTS_DIR / "speech-rules" / "pt-BR.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Word(_Strict):
    one: str
    many: str
    feminine: bool = False

    def said(self, value: float) -> str:
        return self.one if abs(value) < 2 else self.many


class Currency(Word):
    sign: str


class Unit(Word):
    symbol: str
    attached: bool = False  # only right after the digits ("3x"), never after a space


class UrlWords(_Strict):
    dot: str
    at: str
    slash: str
    underscore: str
    hyphen: str


class Table(_Strict):
    currencies: tuple[Currency, ...]
    cents: Word
    scales: dict[str, Word]
    units: tuple[Unit, ...]
    months: tuple[str, ...]
    url: UrlWords


@cache
def load_table(path: Path = _TABLE) -> Table:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Table.model_validate({k: v for k, v in data.items() if k not in ("language", "rules")})


# --- numbers ----------------------------------------------------------------------------------

#: "1.500.000,25" | "2.5.1" (a version) | "2,5" | "40"
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.]\d)|\d+(?:\.\d+)+|\d+(?:,\d+)?"
_START = r"(?<![\w.,/:])"
_BIG = ("milhão", "milhões", "bilhão", "bilhões", "trilhão", "trilhões")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FEMININE_FORMS = {"um": "uma", "dois": "duas"}
_MASCULINE_A = _word_set(
    "dia dias problema problemas sistema sistemas programa programas tema temas mapa mapas planeta "
    "planetas idioma idiomas clima esquema esquemas cinema cinemas poema poemas dilema dilemas "
    "drama dramas telefonema telefonemas atleta atletas"
)
_FEMININE = _word_set(
    "vez vezes mulher mulheres mãe mães lei leis rede redes fonte fontes parte partes tarde tardes "
    "noite noites nuvem nuvens imagem imagens viagem viagens mensagem mensagens ordem ordens "
    "startup startups chave chaves classe classes"
)


def feminine_noun(word: str) -> bool:
    """A guess from the ending ("pessoas", "empresas", "ações", "cidades"), with exceptions."""
    w = word.lower()
    if w in _MASCULINE_A:
        return False
    return w in _FEMININE or w.endswith(
        ("a", "as", "ção", "ções", "são", "sões", "dade", "dades", "agem", "agens")
    )


def cardinal(value: int, feminine: bool = False) -> str:
    """'2' -> 'dois' (feminine 'duas'); the millions of a feminine number stay masculine."""
    words = str(num2words(value, lang="pt_BR")).split()
    if feminine:
        start = max((i + 1 for i, w in enumerate(words) if w in _BIG), default=0)
        words[start:] = [_feminine(w) for w in words[start:]]
    return " ".join(words)


def _feminine(word: str) -> str:
    if word.endswith("entos") and word != "cento":
        return word[:-2] + "as"
    return _FEMININE_FORMS.get(word, word)


def number_words(written: str, feminine: bool = False) -> str:
    """A number as written in Portuguese text ("1.500", "2,5", "2.5.1") in words."""
    if "," not in written and re.fullmatch(r"\d+(?:\.\d+)+", written) and not _thousands(written):
        return " ponto ".join(cardinal(int(part)) for part in written.split("."))
    whole, _, decimals = written.replace(".", "").partition(",")
    words = cardinal(int(whole), feminine)
    decimals = decimals.rstrip("0")
    if decimals:
        words += " vírgula " + " ".join(cardinal(int(d)) for d in decimals)
    return words


def _thousands(written: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(?:\.\d{3})+", written))


def value_of(written: str) -> float:
    if "," not in written and not _thousands(written) and "." in written:
        return float(written.split(".")[0])
    return float(written.replace(".", "").replace(",", "."))


# --- passes -----------------------------------------------------------------------------------


def _scale_words(table: Table) -> str:
    return "|".join(sorted(map(re.escape, table.scales), key=len, reverse=True))


def _money(table: Table) -> tuple[re.Pattern[str], Callable[[re.Match[str]], str]]:
    signs = {c.sign: c for c in table.currencies}
    alternatives = "|".join(re.escape(s) for s in sorted(signs, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w$])({alternatives})\s?({NUM})(?:\s?({_scale_words(table)})\b)?")

    def speak(m: re.Match[str]) -> str:
        currency, written, scale = signs[m.group(1)], m.group(2), m.group(3)
        value = value_of(written)
        if scale:
            big = table.scales[scale]
            amount = f"{number_words(written, currency.feminine and big.one == 'mil')} "
            amount += big.said(value) + ("" if big.one == "mil" else " de")
            return f"{amount} {currency.many}"
        whole, _, decimals = written.replace(".", "").partition(",")
        units, cents = int(whole), int((decimals + "00")[:2]) if decimals else 0
        parts = []
        if units or not cents:
            said = cardinal(units, currency.feminine)
            joiner = " de " if said.split()[-1] in _BIG else " "
            parts.append(said + joiner + currency.said(units))
        if cents:
            parts.append(f"{cardinal(cents)} {table.cents.said(cents)}")
        return " e ".join(parts)

    return pattern, speak


def _date(table: Table, day: str, month: str, year: str | None) -> str | None:
    d, m = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    said = f"{'primeiro' if d == 1 else cardinal(d)} de {table.months[m - 1]}"
    return said + (f" de {cardinal(int(year))}" if year else "")


def speak_dates_and_times(text: str, table: Table) -> str:
    def iso(m: re.Match[str]) -> str:
        return _date(table, m.group(3), m.group(2), m.group(1)) or m.group(0)

    def dmy(m: re.Match[str]) -> str:
        day, month, year = m.group(1), m.group(2), m.group(3)
        if year is None and (len(day) < 2 or len(month) < 2):
            return _fraction(int(day), int(month))  # "3/4" is a fraction, not a date
        if year is not None and len(year) == 2:
            year = f"20{year}"
        return _date(table, day, month, year) or m.group(0)

    def clock(m: re.Match[str]) -> str:
        hours, minutes = int(m.group(1)), int(m.group(2) or 0)
        if hours > 24 or minutes > 59:
            return m.group(0)
        said = f"{cardinal(hours, feminine=True)} {'hora' if hours == 1 else 'horas'}"
        if minutes:
            said += f" e {cardinal(minutes)} {'minuto' if minutes == 1 else 'minutos'}"
        return said

    text = re.sub(r"(?<![\w/-])(\d{4})-(\d{2})-(\d{2})(?![\w/-])", iso, text)
    text = re.sub(r"(?<![\w/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\w/])", dmy, text)
    text = re.sub(r"(?<![\w:])(\d{1,2})h(\d{2})?(?!\w)", clock, text)
    return re.sub(r"(?<![\w:])(\d{1,2}):(\d{2})(?![\w:])", clock, text)


#: words ending like feminine nouns that are not nouns: never make the number before them feminine
_NOT_NOUNS = _word_set(
    "a as da das na nas pela pelas para contra agora ainda cada entre sobre numa nenhuma toda "
    "todas essa essas esta estas aquela aquelas outra outras uma umas"
)


def _next_word_feminine(rest: str) -> bool:
    """Whether the word right after a number (after "mil") is a feminine noun."""
    m = re.match(r" (?:mil )?([^\W\d_]+)\b", rest)
    word = m.group(1).lower() if m else ""
    return word not in _NOT_NOUNS and feminine_noun(word) if word else False


_FRACTIONS = ("meio", "terço", "quarto", "quinto", "sexto", "sétimo", "oitavo", "nono", "décimo")


def _fraction(numerator: int, denominator: int) -> str:
    if 2 <= denominator <= 10:
        name = _FRACTIONS[denominator - 2]
        return f"{cardinal(numerator)} {name}{'s' if numerator > 1 else ''}"
    return f"{cardinal(numerator)} sobre {cardinal(denominator)}"


def speak_numbers_pt(text: str, table: Table) -> str:
    """Every number of a pt-BR text in words (money, dates and times first)."""
    pattern, speak = _money(table)
    text = pattern.sub(speak, text)
    text = speak_dates_and_times(text, table)
    text = re.sub(rf"{_START}[-−](?=\d)", "menos ", text)
    text = re.sub(r"(?<=\d)\s?[-–]\s?(?=\d)", " a ", text)
    text = re.sub(rf"{_START}({NUM})\s?%", lambda m: f"{number_words(m.group(1))} por cento", text)
    text = re.sub(rf"{_START}(\d+)\.?([ºª])", _ordinal, text)
    abbreviations = {k: v for k, v in table.scales.items() if k not in (v.one, v.many)}
    for short, big in abbreviations.items():
        text = re.sub(
            rf"{_START}({NUM})\s?{short}\b",
            lambda m, b=big: f"{m.group(1)} {b.said(value_of(m.group(1)))}",  # type: ignore[misc]
            text,
        )
    for unit in sorted(table.units, key=lambda u: len(u.symbol), reverse=True):
        space = "" if unit.attached else r"\s?"
        text = re.sub(
            rf"{_START}({NUM}){space}{re.escape(unit.symbol)}(?![\w/²³])",
            lambda m, u=unit: _with_unit(m.group(1), u),  # type: ignore[misc]
            text,
        )
    return re.sub(
        rf"{_START}({NUM})(?![\w])",
        lambda m: number_words(m.group(1), _next_word_feminine(m.string[m.end() :])),
        text,
    )


def _with_unit(written: str, unit: Unit) -> str:
    return f"{number_words(written, unit.feminine)} {unit.said(value_of(written))}"


def _ordinal(m: re.Match[str]) -> str:
    words = str(num2words(int(m.group(1)), lang="pt_BR", to="ordinal"))
    if m.group(2) == "ª":
        words = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in words.split())
    return words


# --- addresses --------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_URL = re.compile(r"\bhttps?://(?:www\.)?([^\s/?#)]+)([^\s?#)]*)[^\s)]*", re.I)
_TLDS = "com|org|net|gov|edu|io|ai|dev|app|br|pt"
_DOMAIN = re.compile(
    rf"(?<![\w@.-])(?:www\.)?((?:[a-z0-9-]+\.)+(?:{_TLDS}))((?:/[\w-]+)*)/?(?![\w.-]*\w)", re.I
)


def _spell_part(part: str, words: UrlWords) -> str:
    out = part.replace(".", f" {words.dot} ").replace("_", f" {words.underscore} ")
    return " ".join(out.replace("-", f" {words.hyphen} ").split())


def _address(domain: str, path: str, words: UrlWords) -> str:
    said = _spell_part(domain.rstrip(".").lower(), words)
    segments = [s for s in path.split("/") if s]
    if segments and len(segments) <= 3 and all(re.fullmatch(r"[\w-]+", s) for s in segments):
        said += "".join(f" {words.slash} {_spell_part(s, words)}" for s in segments)
    return said


def speak_addresses(text: str, found: list[tuple[str, str]], table: Table) -> str:
    """E-mails and URLs (with or without http) spoken with "arroba", "ponto" and "barra"."""
    words = table.url

    def email(m: re.Match[str]) -> str:
        return f"{_spell_part(m.group(1), words)} {words.at} {_spell_part(m.group(2), words)}"

    def url(m: re.Match[str]) -> str:
        domain = m.group(1)
        return _address(domain[4:] if domain.lower().startswith("www.") else domain,
                        m.group(2), words)  # fmt: skip

    for pattern, speak in ((_EMAIL, email), (_URL, url), (_DOMAIN, url)):

        def replace(m: re.Match[str], speak: Callable[[re.Match[str]], str] = speak) -> str:
            said = speak(m)
            found.append((m.group(0), said))
            return said

        text = pattern.sub(replace, text)
    return text
