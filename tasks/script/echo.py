"""Words one host picks up from the other: what makes the embedded skeleton sound like two people.

A listener hears a conversation when the other host reacts to *what was just said*: "Forty
percent?" after a number, "The deadline?" after a comment that blames it. These helpers pick
those words from the text itself, so a reaction is built from the news, never invented:
- `number_echo`: the number of a piece of news worth asking about, with what it counts ("forty
  percent", "two hundred startups");
- `key_span`: a short phrase that carries a comment's point ("the deadline", "a confident wrong
  answer"): a short first sentence ("Good rules."), else the noun phrase after a determiner with
  the longest words, never from a sentence with a negation (echoing "not" into another turn would
  change what is asserted, and "is not a winter" is no point to pick up "a winter" from);
- `continue_sentence`: a sentence lower-cased at its start so a lead-in can go before it ("And
  storage ...") while names ("Europe", "OpenAI") keep their capitals; `with_marker` puts a
  persona's lead-in before it, and `opens_with_link` says when none fits ("But why ...").
"""

from __future__ import annotations

import calendar
import re

from castwright.core.text import EN_MONTH_ABBREVIATIONS, sentences
from tasks.script.facts import NUMBER_WORDS
from tasks.script.lexicon import ALL_STOP_WORDS, fold, lexicon
from tasks.script.normalize import speak_numbers

MAX_SPAN_WORDS = 4


def _set(words: str) -> set[str]:
    return set(words.split())


_DETERMINERS = {
    "en": {"the", "a", "an", "your", "their", "this", "that", "these", "those", "most", "every"},
    "pt-BR": {"o", "a", "os", "as", "um", "uma", "seu", "sua", "seus", "suas", "esse", "essa",
              "este", "esta", "nosso", "nossa", "todo", "toda"},
}  # fmt: skip
#: words that end a noun phrase (verbs, prepositions, conjunctions, adverbs, question words)
_BREAKS = {
    "en": _set(
        "is are was were be been and or but of to in on at by for with from like that which who "
        "whom whose when where why how as than right now still even just always never often also "
        "only already really can will would should must may might has have had do does did it its "
        "take takes took make makes made get gets got go goes went need needs want wants pay pays "
        "paid say says said see sees show shows cost costs run runs stay stays keep keeps find "
        "finds found work works become becomes after before during since until ago against "
        "across into onto over under about through via per including between among without "
        "within toward towards upon"
    ),
    "pt-BR": _set(
        "é são foi era ser e ou mas de do da dos das em no na nos nas por para pra com como que "
        "quem quando onde ainda já só sempre nunca também pode vai tem faz fazem precisa precisam "
        "custa custam"
    ),
}
#: words a noun phrase may run after its determiner ("a confident wrong answer"; in Portuguese the
#: adjective follows the noun and a verb comes soon: "seu notebook", not "seu notebook continua")
_FOLLOWING = {"en": 3, "pt-BR": 2}
#: a span with one of these is the speaker talking about themself: the other host cannot echo it
_FIRST_PERSON = {"i", "me", "my", "mine", "we", "us", "our", "i'm", "i've", "i'd", "i'll",
                 "eu", "meu", "minha", "nós", "nosso", "nossa", "comigo"}  # fmt: skip
#: what makes a number worth asking about: a share or a large amount
_SALIENT = {"percent", "cento", "hundred", "thousand", "million", "billion", "trillion", "mil",
            "milhão", "milhões", "bilhão", "bilhões"}  # fmt: skip
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_POSSESSIVE = re.compile(r"['’]s$")
#: a first word in a pair of capitals ("John Darrington"); not before the pronoun ("Today I
#: want" is no name) nor a verb's "-ing" form ("Having NixOS already ...")
_NAME_PAIR = re.compile(r"[A-Z](?![^\s,;:]*ing\s)[^\s,;:]*\s+(?!I\b|I['’])[A-Z]")
#: a noun phrase ends at a clause mark: "the core API, including ..." echoes "the core API"
_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _counted(word: str, breaks: set[str]) -> bool:
    low = word.lower()
    return low not in ALL_STOP_WORDS and low not in breaks and not low.endswith("ed")


#: a date's day and year: "27 Feb 2017", "March 22, 2017", "27 de fevereiro de 2017"
_MONTH = (
    r"(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_MONTH_NAMES = set(EN_MONTH_ABBREVIATIONS) | set(calendar.month_name[1:])  # "Mar 22" stays
_PT_MONTH = (
    "janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
)
#: numbers that name, not count: "P4", "KEP-5055", "x86", "1.90.0", "#1234", "PR 139993",
#: "139993: Introduce ...", "tier 2", a date; and a decimal that counts nothing ("Go 1.25"; "3.5
#: million" counts)
_NAMING_NUMBER = re.compile(
    r"\b[A-Za-z]+-?\d+\w*|\d+(?:\.\d+){2,}|#\d+|\b(?:PR|issue|pull request)\s+\d+|\b\d{4,}(?=:)"
    r"|\b(?:tier|level|phase|stage|step|part|chapter|type|class|version|nível|fase|etapa|parte"
    r"|capítulo|versão)\s+(?:\d+(?:\.\d+)*|one|two|three|four|five|six|seven|eight|nine|ten)\b"
    rf"|\b\d{{1,2}}\.?\s+{_MONTH}(?:\s+\d{{4}})?|\b{_MONTH}\s+\d{{1,2}}\b(?:,\s*\d{{4}})?"
    rf"|\b\d{{1,2}}\s+de\s+(?:{_PT_MONTH})(?:\s+de\s+\d{{4}})?"
    r"|\b\d+[.,](?!\d{3}\b)\d+\b(?!\s*(?:%|percent|por cento|thousand|[mbtr]illion|mil\b|milh|bilh|trilh))",
    re.I,
)
#: what ends the words a number counts: a clause's punctuation ("two. Last year" is no echo)
_DECIMAL_POINT = {"point", "ponto", "vírgula"}  # "three point five million"
_CLAUSE_END = re.compile(r"[,.;:!?](?=\s|$)|[()\[\]\"“”]")


def number_echo(text: str, language: str) -> str | None:
    """A number in `text` with what it counts ("forty percent", "two large apps"), spoken: a
    percentage or a large number first, else the first; None when `text` has no number worth
    echoing. A number that names something ("P4", "1.90.0", "#1234") is no count, and what is
    counted never runs past the clause ("there are two. Last year" counts nothing)."""
    percent_word = " por cento" if language.startswith("pt") else " percent"
    counts = _NAMING_NUMBER.sub(" ", text).replace("%", percent_word)
    clauses = [speak_numbers(c, language).replace("-", " ") for c in _CLAUSE_END.split(counts)]
    spans = [span for clause in clauses for span in _number_spans(_words(clause), language)]
    numeric = NUMBER_WORDS.get(language, NUMBER_WORDS["en"])
    good = [[w.lower() if w.lower() in numeric else w for w in s] for s in spans
            if any(w.lower() not in numeric for w in s) or s[-1].lower() in {"percent", "cento"}]  # fmt: skip
    good = [s for s in good if s[0] not in {"one", "um", "uma"} or len(s) > 2]
    salient = [s for s in good if _SALIENT & set(s)]
    return " ".join((salient or good)[0]) if good else None


def _number_spans(words: list[str], language: str) -> list[list[str]]:
    """The number phrases of one clause, each with up to two words of what it counts."""
    numeric = NUMBER_WORDS.get(language, NUMBER_WORDS["en"])
    spans, i = [], 0
    while i < len(words):
        if words[i].lower() not in numeric:
            i += 1
            continue
        j = i
        while j < len(words) and (
            words[j].lower() in numeric or words[j].lower() in {"and", "e"}
            or (words[j].lower() in _DECIMAL_POINT and words[j + 1 : j + 2] != []
                and words[j + 1].lower() in numeric)
        ):  # fmt: skip
            j += 1
        end, breaks = j, _BREAKS.get(language, _BREAKS["en"])
        while (
            end < min(len(words), j + 2)
            and _counted(words[end], breaks)
            and (words[end].lower() not in numeric)
        ):
            end += 1  # what is counted: "two large apps", "eight gigabytes"
        spans.append(words[i:end])
        i = j
    return spans


def _echoable(words: list[str], language: str) -> bool:
    """No negation (echoing "not" into another turn would change what is asserted) and no "I"
    (the other host cannot say the speaker's "I am less excited")."""
    return not _negated(words, language) and not {w.lower() for w in words} & _FIRST_PERSON


def _negated(words: list[str], language: str) -> bool:
    return any(w in lexicon(language).negation_words for w in map(fold, words)) or any(
        fold(w).endswith("n't") for w in words
    )


def key_span(comment: str, language: str, loose: bool = False) -> str | None:
    """A short phrase that carries the point of `comment`, as written there (`loose`: else its
    longest word); None when none can be picked safely."""
    first = (sentences(comment) or [""])[0].rstrip(".!?")
    if 2 <= len(_words(first)) <= MAX_SPAN_WORDS and _echoable(_words(first), language):
        return first
    affirmed = [s for s in sentences(comment) if not _negated(_words(s), language)]
    clauses = [_words(c) for s in affirmed for c in _CLAUSE_BREAK.split(s)]
    words = [w for clause in clauses for w in clause]
    determiners = _DETERMINERS.get(language, _DETERMINERS["en"])
    breaks = _BREAKS.get(language, _BREAKS["en"])
    best, best_score = None, 0
    for clause, i, word in ((c, i, w) for c in clauses for i, w in enumerate(c)):
        if word.lower() not in determiners:
            continue
        phrase = [word]
        for following in clause[i + 1 : i + 1 + _FOLLOWING.get(language, 3)]:
            if following.lower() in breaks or following.lower() in determiners:
                break
            phrase.append(following)
        content = [w for w in phrase[1:] if w.lower() not in ALL_STOP_WORDS]
        score = sum(len(w) for w in content)
        if content and score > best_score and _echoable(phrase, language):
            best, best_score = " ".join(phrase), score
    return best or (_longest_word(words, language) if loose else None)


def _longest_word(words: list[str], language: str) -> str | None:
    """The comment's longest word of at least 6 letters that is no stop or first-person word."""
    candidates = [w for w in words if len(w) >= 6 and w.isalpha()
                  and w.lower() not in ALL_STOP_WORDS and _echoable([w], language)]  # fmt: skip
    return max(candidates, key=len) if candidates else None


def continue_sentence(sentence: str, names: set[str]) -> str:
    """`sentence` with its first word lower-cased unless it is a name or an acronym (`names`:
    `section_names` of the issue)."""
    first = sentence.split(" ", 1)[0]
    root = _POSSESSIVE.sub("", first.rstrip(",.;:!?"))  # "Google's" is "Google"
    if (root in names or root in _MONTH_NAMES or (len(root) > 1 and root.isupper())
            or re.match(r"I(?:$|['’])", first)):  # fmt: skip
        return sentence
    return sentence[:1].lower() + sentence[1:]


def section_names(texts: list[str]) -> set[str]:
    """The names of `texts`: capitalized words that stand inside a sentence, and those that start
    one before another capitalized word and are never written in lower case ("John Darrington
    will give a talk"; not "Fundamentally, Go must be open").
    A function word is none ("Com" after a colon in Portuguese is still "com")."""
    inside: set[str] = set()
    first: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for sentence in sentences(text):
            words = _words(sentence)
            lower.update(w for w in words if w.islower())
            for k, word in enumerate(words):
                if word[:1].isupper() and word.lower() not in ALL_STOP_WORDS:
                    (inside if k else first).add(_POSSESSIVE.sub("", word))
            if not _NAME_PAIR.match(sentence):  # "Fundamentally, Go ..." is no name
                first -= {_POSSESSIVE.sub("", words[0])} if words else set()
    return inside | {w for w in first if w.lower() not in lower}


#: words that link a sentence to the one before it: no lead-in goes in front of them
_LINKS = {
    "en": _set("and but so or plus also however still then because"),
    "pt-BR": _set("e mas então ou porém contudo também entretanto depois porque"),
}


def opens_with_link(sentence: str, language: str) -> bool:
    """Whether `sentence` opens with a word that links it to what came before ("But why ...")."""
    return _first_word(sentence) in _LINKS.get(language, _LINKS["en"])  # "So-called" is none


def _first_word(sentence: str) -> str:
    return sentence.split(" ", 1)[0].rstrip(",;:").lower()


#: the verbs a release note's line opens with as a command ("Fix lockfile contention ...",
#: "Teach git send-email to ..."): no "I read that" goes before one
_COMMANDS = {
    "en": _set(
        "add allow avoid bump clean correct deprecate disable document drop enable ensure fix "
        "implement improve introduce let make move optimize prepare reduce refactor remove "
        "rename replace revert rewrite simplify speed stop support teach tweak update upgrade use"
    ),
    "pt-BR": _set("adicione corrija remova atualize melhore use evite permita"),
}


def lead_ins_for(news: str, lead_ins: list[str], language: str) -> list[str]:
    """The `lead_ins` that fit before `news`: none before news that opens with its own link
    ("But why open source Go?" takes no "What's more,"); before a command ("Fix lockfile
    contention in reftable code"), only those that end in a colon ("There's more: fix ..."),
    never "I read that fix ..."."""
    if opens_with_link(news, language):
        return ["{news}"]
    command = _first_word(news) in _COMMANDS.get(language, _COMMANDS["en"])
    fitting = [t for t in lead_ins if t.endswith(": {news}")] if command else lead_ins
    return fitting or ["{news}"]


def with_byline(title: str, byline: str) -> str:
    """`title` and its by-line (", by Russ Cox"); after a title that is a question or an
    exclamation, a sentence of its own ("What is new in Go? By Russ Cox")."""
    if byline and title.endswith(("?", "!")):
        return f"{title} {capital(byline.lstrip(', '))}"
    return title + byline


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def with_marker(text: str, marker: str, names: set[str]) -> str:
    """`text` opened by a persona marker: "Well," and "Here is the thing:" lead into it, "Right."
    stands before it, a bare "I mean" is followed by a comma."""
    if marker.endswith((".", "!", "?")):
        return f"{capital(marker)} {text}"
    lead = marker if marker.endswith((",", ":", ";")) else f"{marker},"
    return f"{capital(lead)} {continue_sentence(text, names)}"
