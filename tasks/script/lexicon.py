"""Per-language word lists of the lexical checks (opinions, facts, line checks).

- stop words: dropped before comparing content words;
- negations: a comment and its spoken span must assert the same number of them (a "flip");
  an interjected "no," / "não," (a self-correction or an answer) does not count;
- hedges: softeners a span may not add ("maybe", "talvez", "de certa forma", ...);
- stance words: clearly positive or negative judgements ("nonsense", "bobagem" / "merits",
  "méritos"); a span that adds the opposite judgement to its comment's is a flip too.

Words are compared lower-cased with accents folded ("não" == "nao"), so a model that drops an
accent still matches. Adding a language: one more `Lexicon` in LEXICONS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def fold(text: str) -> str:
    """Lower case, accents removed, curly apostrophes straightened."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(text).split())


@dataclass(frozen=True)
class Lexicon:
    stop_words: frozenset[str]
    negation_words: frozenset[str]
    negation: re.Pattern[str]  # on folded text
    hedges: tuple[re.Pattern[str], ...]  # on folded text
    positive: frozenset[str]
    negative: frozenset[str]


def _hedges(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"\b{p}\b") for p in patterns)


ENGLISH = Lexicon(
    stop_words=_words(
        "a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that these those there here i you he she we they me him her us them my your our their his hers do does did have has had will would can could should shall just very really about into than too also what which who whom when where how all any some more most such only own same other up out over again once one e um uh well hmm like mean know yeah oh okay"
    ),
    negation_words=_words(
        "not no never nothing nobody none neither nor cannot without hardly barely scarcely"
    ),
    negation=re.compile(
        r"\b(?:not|never|nothing|nobody|none|neither|nor|cannot|without|hardly|barely|scarcely)\b"
        r"|n't\b"
        r"|\bno\b(?!\s*[,.!?;])"
    ),
    hedges=_hedges(
        "maybe",
        "perhaps",
        "might",
        "possibly",
        "some would say",
        "on the other hand",
        "arguably",
        "to be fair",
        "it depends",
        "in some ways",
    ),  # fmt: skip
    positive=_words("great excellent useful brilliant merit merits"),
    negative=_words("nonsense bad terrible useless dangerous mistake overhyped"),
)

PORTUGUESE = Lexicon(
    stop_words=_words(
        "a o as os um uma uns umas e ou mas se entao de do da dos das em no na nos nas num numa "
        "por pelo pela pelos pelas para pra com como que qual quais quem quando onde ao aos "
        "isso isto esse essa esses essas este esta estes estas aquele aquela aquilo ele ela eles "
        "elas eu voce voces nos me te lhe seu sua seus suas meu minha meus minhas nosso nossa "
        "e eh foi era sao ser ter tem tinha ha vai vao esta estao estava muito muita mais menos "
        "tambem ja so ainda bem tipo ne ai olha sim ok entao assim tao sobre entre ate"
    ),
    negation_words=_words("não nunca jamais nem nada ninguém nenhum nenhuma sem"),
    negation=re.compile(
        r"\b(?:nunca|jamais|nem|nada|ninguem|nenhum|nenhuma|sem)\b|\bnao\b(?!\s*[,.!?;])"
    ),
    hedges=_hedges(
        "talvez",
        "de certa forma",
        "de certo modo",
        "pode ser",
        "possivelmente",
        "provavelmente",
        "quem sabe",
        "em parte",
        "ate certo ponto",
        "por outro lado",
        "depende",
        "de alguma forma",
        "alguns diriam",
        "e possivel que",
        "me parece",
        "acho que",
        "tem (?:seus|suas) meritos",
        "nao e bem assim",
    ),  # fmt: skip
    positive=_words("ótimo ótima excelente mérito méritos útil brilhante sucesso genial"),
    negative=_words(
        "bobagem besteira ruim péssimo péssima errado errada inútil perigoso perigosa "
        "fracasso exagero absurdo absurda furada"
    ),
)

LEXICONS = {"en": ENGLISH, "pt-BR": PORTUGUESE}

#: every language's stop words: never a key fact, whatever the show's language
ALL_STOP_WORDS = frozenset().union(*(lex.stop_words for lex in LEXICONS.values()))


def lexicon(language: str) -> Lexicon:
    return LEXICONS.get(language, ENGLISH)
