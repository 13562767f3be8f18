"""Text cut for streaming: a short first chunk, then longer ones, always at word boundaries.

Within each chunk's character budget the cut goes at the last sentence end, else the last clause
mark (, ; : and dashes), else the last space, preferring a stronger break only when it falls in
the second half of the budget (a chunk of two words sounds worse than one cut mid-clause). A word
longer than the budget is a chunk of its own; no word is ever split.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"[.!?…][\"')\]]*\s")
_CLAUSE = re.compile(r"[,;:)\u2013\u2014]\s|\s-\s")


def _cut(text: str, budget: int) -> int:
    """Where to end the chunk that starts `text` (an index into it)."""
    if len(text) <= budget:
        return len(text)
    window = text[: budget + 1]
    for pattern in (_SENTENCE, _CLAUSE):
        ends = [m.end() for m in pattern.finditer(window)]
        if ends and ends[-1] >= budget // 2:
            return ends[-1]
    space = window.rfind(" ")
    if space > 0:
        return space + 1
    following = text.find(" ")  # one word over budget: keep it whole
    return len(text) if following < 0 else following + 1


def stream_chunks(text: str, first_chars: int, next_chars: int) -> list[str]:
    """`text` in chunks of at most `first_chars`, then `next_chars` characters (a longer
    single word excepted), whitespace normalized."""
    rest = " ".join(text.split())
    chunks: list[str] = []
    while rest:
        end = _cut(rest, first_chars if not chunks else next_chars)
        chunks.append(rest[:end].strip())
        rest = rest[end:].lstrip()
    return chunks
