"""Splitting spoken text into pieces at natural boundaries: sentences, then clauses, then words."""

from __future__ import annotations

import re
from collections.abc import Callable


def speech_units(text: str, hard_max: int) -> list[str]:
    """Sentences, with any sentence over `hard_max` words cut at clause marks, then between words."""
    units: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        if len(sentence.split()) <= hard_max:
            units.append(sentence)
            continue
        for clause in re.split(r"(?<=[,;:])\s+", sentence):
            words = clause.split()
            units += [" ".join(words[i : i + hard_max]) for i in range(0, len(words), hard_max)]
    return [u for u in units if u]


def pack(units: list[str], limit: Callable[[int], int]) -> list[str]:
    """Join consecutive units while piece number i stays within limit(i) words."""
    pieces: list[str] = []
    for unit in units:
        if pieces and len(pieces[-1].split()) + len(unit.split()) <= limit(len(pieces) - 1):
            pieces[-1] = f"{pieces[-1]} {unit}"
        else:
            pieces.append(unit)
    return pieces
