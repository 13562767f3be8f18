"""The opinion check: does each host still say their own comment, with the same stance?

For every comment in the newsletter, the turns of the same section are searched for the span of
one to three consecutive turns by one speaker that best carries it.

How the score is computed (0-100): the share of the comment's content words (Unicode words,
lower-cased, accents folded, the show language's stop words dropped, Snowball-stemmed) that
appear in the span, so it measures *substance kept*, not wording. The word lists per language
(stop words, negations, hedges, judgement words) are in tasks/script/lexicon.py. A comment is then:
- `kept`:        its host's best span scores >= KEPT (60) and nothing below applies;
- `wrong-host`:  the other host's best span scores >= KEPT and beats the host's own;
- `flipped`:     claim by claim (each sentence of the comment against the span's sentence that
                 carries it best), the span negates what the comment asserts, or asserts what it
                 negates ("not/never/no/n't/...", "não/nunca/jamais/nem/..."; an interjected
                 "no," / "não," as in a self-correction does not count); or it adds a bare
                 negation ("Or not."), or the opposite judgement to the comment's clear one
                 ("bobagem" -> "méritos"). Sentences the span adds around the claims (fillers,
                 an example, a self-correction) are delivery, not a flip;
- `weakened`:    the span scores between MISSING and KEPT, or adds hedges ("maybe", "perhaps",
                 "talvez", "de certa forma", "pode ser", ...) the comment did not have;
- `missing`:     no span of the host scores >= MISSING (30).

Limits: it is lexical. A faithful paraphrase with all-new words scores low (flagged as weakened
or missing: a false alarm a reader clears in seconds); a stance change without negation words
is caught only through the short judgement-word lists ("great" -> "terrible" is, "a win" ->
"a setback" is not). It is a tripwire for an LLM that drops, softens or
swaps opinions, not a judge of meaning.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from castwright.core.models import Comment, Newsletter, Script, Turn
from castwright.core.text import markdown_escape, sentences
from tasks.script.facts import stem
from tasks.script.lexicon import fold, lexicon

KEPT = 60.0
MISSING = 30.0
MAX_SPAN = 3

Status = Literal["kept", "weakened", "flipped", "wrong-host", "missing"]


class OpinionRow(BaseModel):
    section: str
    host: str
    comment: str
    status: Status
    score: float
    best_turns: list[str]
    other_host_score: float


def _words(text: str, language: str = "en") -> list[str]:
    """Unicode-aware words, lower-cased with accents folded ("Não" -> "nao")."""
    text = fold(text)
    if language == "en":
        text = text.replace("n't", " not")
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", text)


def _stem(word: str, language: str = "en") -> str:
    return stem(word, language)


def content_words(text: str, language: str = "en") -> set[str]:
    """Content words, stemmed before their accents are folded (the Portuguese stemmer needs them:
    "regulação" and "regulações" both stem to "regul")."""
    lex = lexicon(language)
    lowered = text.lower().replace("’", "'")
    if language == "en":
        lowered = lowered.replace("n't", " not")
    return {
        fold(_stem(w, language))
        for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", lowered)
        if fold(w) not in lex.stop_words and fold(w) not in lex.negation_words and len(w) > 1
    }


def negations(text: str, language: str = "en") -> int:
    """Negations asserted in a text; an interjected "no," / "não," does not count."""
    return len(lexicon(language).negation.findall(fold(text)))


def adds_hedge(original: str, said: str, language: str = "en") -> bool:
    """Whether `said` hedges ("maybe", "talvez", ...) where `original` did not."""
    before, after = fold(original), fold(said)
    return any(h.search(after) and not h.search(before) for h in lexicon(language).hedges)


def _polarity(words: set[str], language: str) -> tuple[set[str], set[str]]:
    lex = lexicon(language)
    return words & lex.positive, words & lex.negative


def reverses_judgement(original: str, said: str, language: str = "en") -> bool:
    """Whether `said` adds the opposite judgement to `original`'s clear one
    ("Isso é bobagem" -> "... tem seus méritos")."""
    pos, neg = _polarity(set(_words(original, language)), language)
    said_pos, said_neg = _polarity(set(_words(said, language)), language)
    if neg and not pos:
        return bool(said_pos - pos)
    if pos and not neg:
        return bool(said_neg - neg)
    return False


def stance_changed(comment: str, said: str, language: str = "en") -> bool:
    """Whether `said` asserts the opposite of `comment`, claim by claim: each sentence of the
    comment is compared with the statements of `said` that carry it (the best one, and any that
    carries most of it; a question asks, it asserts nothing), and a claim negated on one side
    only is a flip ("they still invent facts" -> "they don't invent facts"). Sentences
    `said` adds around the claims (an example, a self-correction "I once found, well, no, a client
    found ...") are delivery, unless one is a bare negation ("Or not.", "Not really."). An added
    opposite judgement ("nonsense" -> "merits") is a flip too."""
    spoken = sentences(said)
    if not spoken or reverses_judgement(comment, said, language):
        return bool(spoken)
    matched = set()
    statements = [i for i, s in enumerate(spoken) if not s.rstrip().endswith("?")]
    for claim in sentences(comment):
        if not content_words(claim, language) or not statements:
            continue
        scores = {i: coverage(claim, spoken[i], language) for i in statements}
        best = max(statements, key=lambda i: scores[i])
        if scores[best] < MISSING:
            continue  # not said in one place: the substance score judges it
        negated = negations(claim, language) > 0
        carriers = {best} | {i for i in statements if scores[i] >= KEPT}
        matched |= carriers
        if any((negations(spoken[i], language) > 0) != negated for i in carriers):
            return True  # a carrier of the claim asserts its opposite
    return any(
        i not in matched and negations(s, language) and not content_words(s, language)
        for i, s in enumerate(spoken)
    )


def coverage(comment: str, text: str, language: str = "en") -> float:
    wanted = content_words(comment, language)
    return 100.0 * len(wanted & content_words(text, language)) / len(wanted) if wanted else 100.0


def _spans(turns: list[Turn], speaker: str) -> list[list[Turn]]:
    mine = [i for i, t in enumerate(turns) if t.speaker == speaker]
    spans: list[list[Turn]] = []
    for start in mine:
        span = [turns[start]]
        for j in range(start + 1, min(len(turns), start + 2 * MAX_SPAN)):
            if len(span) == MAX_SPAN:
                break
            if turns[j].speaker == speaker:
                span.append(turns[j])
        spans.extend(span[:k] for k in range(1, len(span) + 1))
    return spans


def best_span(
    comment: str, turns: list[Turn], speaker: str, language: str = "en"
) -> tuple[float, list[Turn]]:
    scored = [
        (coverage(comment, " ".join(t.text for t in s), language), s)
        for s in _spans(turns, speaker)
    ]
    if not scored:
        return 0.0, []
    best = max(scored, key=lambda pair: (pair[0], -len(pair[1])))
    return best


def judge(
    comment: Comment, section_id: str, turns: list[Turn], other_host: str, language: str = "en"
) -> OpinionRow:
    score, span = best_span(comment.text, turns, comment.host, language)
    other, _ = best_span(comment.text, turns, other_host, language)
    said = " ".join(t.text for t in span)
    status: Status
    if other >= KEPT and other > score:
        status = "wrong-host"
    elif score < MISSING:
        status = "missing"
    elif stance_changed(comment.text, said, language):
        status = "flipped"
    elif score < KEPT or adds_hedge(comment.text, said, language):
        status = "weakened"
    else:
        status = "kept"
    return OpinionRow(
        section=section_id, host=comment.host, comment=comment.text, status=status,
        score=round(score, 1), best_turns=[t.id for t in span], other_host_score=round(other, 1),
    )  # fmt: skip


def check_section(
    comments: list[Comment],
    section_id: str,
    turns: list[Turn],
    hosts: list[str],
    language: str = "en",
) -> list[OpinionRow]:
    here = [t for t in turns if t.section == section_id]
    return [
        judge(c, section_id, here, next(h for h in hosts if h != c.host), language)
        for c in comments
    ]


def check_opinions(
    newsletter: Newsletter, script: Script, hosts: list[str], language: str = "en"
) -> list[OpinionRow]:
    """One row per host comment in the newsletter."""
    return [
        row
        for s in newsletter.sections
        for row in check_section(s.comments, s.id, script.turns, hosts, language)
    ]


def feedback(rows: list[OpinionRow]) -> list[str]:
    """Lines for the refine prompt, one per flagged comment."""
    advice = {
        "weakened": "say it as strongly and completely as the original",
        "flipped": "the stance was reversed; keep the original stance",
        "wrong-host": "this is the other host's opinion; give it back to its owner",
        "missing": "it is missing; include it",
    }
    return [
        f'{r.host}\'s opinion "{r.comment}": {advice[r.status]}.'
        for r in rows
        if r.status != "kept"
    ]


def report_markdown(rows: list[OpinionRow]) -> str:
    lines = [
        "| section | host | status | score | best turns | comment |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        comment = markdown_escape(r.comment)
        lines.append(
            f"| {r.section} | {r.host} | {r.status} | {r.score:.0f} | {', '.join(r.best_turns)} | {comment} |"
        )
    return "\n".join(lines)
