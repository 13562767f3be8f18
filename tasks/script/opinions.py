"""The opinion check: does each host still say their own comment, with the same stance?

For every comment in the newsletter, the turns of the same section are searched for the span of
one to three consecutive turns by one speaker that best carries it.

How the score is computed (0-100): the share of the comment's content words (lower-cased, stop
words dropped, light suffix stemming) that appear in the span, so it measures *substance kept*, not
wording. A comment is then:
- `kept`:        its host's best span scores >= KEPT (60) and nothing below applies;
- `wrong-host`:  the other host's best span scores >= KEPT and beats the host's own;
- `flipped`:     the span negates what the comment asserts, or asserts what it negates (it has a
                 different number of negations "not/never/no/n't/..."; an interjected "no," as in
                 a self-correction does not count);
- `weakened`:    the span scores between MISSING and KEPT, or adds hedges ("maybe", "perhaps",
                 "some would say", ...) the comment did not have;
- `missing`:     no span of the host scores >= MISSING (30).

Limits: it is lexical. A faithful paraphrase with all-new words scores low (flagged as weakened
or missing: a false alarm a reader clears in seconds); a stance change without negation words
("great" -> "terrible") is not caught as a flip. It is a tripwire for an LLM that drops, softens or
swaps opinions, not a judge of meaning.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from castwright.core.models import Comment, Newsletter, Script, Turn
from castwright.core.text import markdown_escape

KEPT = 60.0
MISSING = 30.0
MAX_SPAN = 3

Status = Literal["kept", "weakened", "flipped", "wrong-host", "missing"]

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "his",
        "hers",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "just",
        "very",
        "really",
        "about",
        "into",
        "than",
        "too",
        "also",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "how",
        "all",
        "any",
        "some",
        "more",
        "most",
        "such",
        "only",
        "own",
        "same",
        "other",
        "up",
        "out",
        "over",
        "again",
        "once",
        "one",
        "e",
        "um",
        "uh",
        "well",
        "hmm",
        "like",
        "mean",
        "know",
        "yeah",
        "oh",
        "okay",
    ]
)
_NEGATIONS = {
    "not",
    "no",
    "never",
    "nothing",
    "nobody",
    "none",
    "neither",
    "nor",
    "cannot",
    "without",
}
_HEDGES = ("maybe", "perhaps", "might", "possibly", "some would say", "on the other hand", "arguably",
           "to be fair", "it depends", "in some ways")  # fmt: skip


class OpinionRow(BaseModel):
    section: str
    host: str
    comment: str
    status: Status
    score: float
    best_turns: list[str]
    other_host_score: float


def _words(text: str) -> list[str]:
    text = text.lower().replace("n't", " not").replace("’", "'")
    return re.findall(r"[a-z0-9']+", text)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {
        _stem(w) for w in _words(text) if w not in STOP_WORDS and w not in _NEGATIONS and len(w) > 1
    }


_NEGATION = re.compile(
    r"\b(?:not|never|nothing|nobody|none|neither|nor|cannot|without)\b|n't\b|\bno\b(?!\s*[,.!?;])",
    re.I,
)


def negations(text: str) -> int:
    """Negations asserted in a text; an interjected "no," (a self-correction) does not count."""
    return len(_NEGATION.findall(text.replace("’", "'")))


def adds_hedge(original: str, said: str) -> bool:
    """Whether `said` hedges ("maybe", "perhaps", ...) where `original` did not."""
    return any(h in said.lower() and h not in original.lower() for h in _HEDGES)


def coverage(comment: str, text: str) -> float:
    wanted = content_words(comment)
    return 100.0 * len(wanted & content_words(text)) / len(wanted) if wanted else 100.0


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


def best_span(comment: str, turns: list[Turn], speaker: str) -> tuple[float, list[Turn]]:
    scored = [(coverage(comment, " ".join(t.text for t in s)), s) for s in _spans(turns, speaker)]
    if not scored:
        return 0.0, []
    best = max(scored, key=lambda pair: (pair[0], -len(pair[1])))
    return best


def judge(comment: Comment, section_id: str, turns: list[Turn], other_host: str) -> OpinionRow:
    score, span = best_span(comment.text, turns, comment.host)
    other, _ = best_span(comment.text, turns, other_host)
    said = " ".join(t.text for t in span).lower()
    status: Status
    if other >= KEPT and other > score:
        status = "wrong-host"
    elif score < MISSING:
        status = "missing"
    elif negations(comment.text) != negations(said):
        status = "flipped"
    elif score < KEPT or adds_hedge(comment.text, said):
        status = "weakened"
    else:
        status = "kept"
    return OpinionRow(
        section=section_id, host=comment.host, comment=comment.text, status=status,
        score=round(score, 1), best_turns=[t.id for t in span], other_host_score=round(other, 1),
    )  # fmt: skip


def check_section(
    comments: list[Comment], section_id: str, turns: list[Turn], hosts: list[str]
) -> list[OpinionRow]:
    here = [t for t in turns if t.section == section_id]
    return [judge(c, section_id, here, next(h for h in hosts if h != c.host)) for c in comments]


def check_opinions(newsletter: Newsletter, script: Script, hosts: list[str]) -> list[OpinionRow]:
    """One row per host comment in the newsletter."""
    return [
        row
        for s in newsletter.sections
        for row in check_section(s.comments, s.id, script.turns, hosts)
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
