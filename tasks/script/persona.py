"""A host's delivery markers: the short phrases the persona text quotes ("Well,", "Hmm, so,").

The persona is prose a person writes in the show file; its quotes are what the host says. Quotes in
a sentence that forbids them ("She never uses fillers like "um" or "you know"") are what the host
must NOT say, and are no markers; nor is a quote longer than MAX_MARKER_WORDS (an example of a
whole self-correction). The skeleton places the markers (tasks.script.skeleton), the conversation
report counts them (tasks.script.conversation).
"""

from __future__ import annotations

import re
from functools import cache

from castwright.core.text import sentences
from tasks.script.lexicon import fold

MAX_MARKER_WORDS = 4
#: a persona sentence with one of these quotes what the host must NOT say
_FORBIDS = re.compile(r"\b(?:never|no|not|avoid|avoids|without|nunca|jamais|nem|evita|sem)\b")
_QUOTED = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")


@cache
def marker_forms(persona: str) -> tuple[str, ...]:
    """The short phrases a persona quotes as that host's delivery, as written ("Well,", "Hmm,
    so,", "Right."), in order, split at sentence marks ("This matters. Here is why." is two);
    quotes in a sentence that forbids them ("never uses fillers like "um"") are not markers."""
    found: list[str] = []
    quotes = _QUOTED.findall(persona)
    masked = _QUOTED.sub(lambda m: f"\x00{quotes.index(m.group(1))}\x00", " ".join(persona.split()))
    for sentence in re.split(r"(?<=[.!?)\x00])\s+(?=[A-Z])", masked):
        if _FORBIDS.search(fold(re.sub("\x00\\d+\x00", "", sentence))):
            continue
        for quoted in (quotes[int(i)] for i in re.findall("\x00(\\d+)\x00", sentence)):
            for piece in sentences(quoted):
                if (re.search(r"[^\W\d_]", piece) and len(piece.split()) <= MAX_MARKER_WORDS
                        and piece not in found):  # fmt: skip
                    found.append(piece)
    return tuple(found)


@cache
def persona_markers(persona: str) -> tuple[str, ...]:
    """The persona's markers without their punctuation ("Hmm, so")."""
    return tuple(dict.fromkeys(m.rstrip(".,;:!?").strip() for m in marker_forms(persona)))
