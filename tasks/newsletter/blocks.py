"""A document as a flat list of blocks, whatever its format: headings, paragraphs, list items,
quotes and table rows (the prose), and the parts that are never spoken as they are (code,
HTML, images, bare links). Markdown (markdown-it-py, CommonMark + tables), HTML (through
markdown) and plain text are all read into this shape; tasks.newsletter.sections builds the
sections from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from castwright.core.models import Link
from castwright.core.text import EN_MONTH_ABBREVIATIONS, split_camel_case

Kind = Literal["heading", "text", "item", "quote", "row", "code", "html", "image", "link"]
#: blocks that are prose: spoken (they may also carry a host's comment)
PROSE: frozenset[Kind] = frozenset({"text", "item", "quote", "row"})

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[_.-][A-Za-z0-9]+)+$")
_ASSIGNMENT = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)\s*[=:]\s*([\w.,%-]+)$")
_PATH = re.compile(r"^(?=.*[A-Za-z])(?=.*(?:::|[{}<>]))[\w:{}<>&.,\[\]-]+$")
_CAMEL_WORD = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]+)+$")
_OF = {"en": "of", "pt-BR": "de"}
#: what a reader skips and a host never says: a merge note with its commit hash ("(merge
#: 08f612ba70 tb/fix later to maint)"), a bare commit hash or issue number in brackets ("(#1234)")
_REFERENCE = re.compile(
    r"\s*\((?:merge\s+(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b[^()]*"
    r"|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40})\)"
    r"|\s*\((?:(?:PR|pull request|issue)\s*)?#\d{2,}(?:,\s*#\d+)*\)",
    re.I,
)
_NOTE_AFTER_END = re.compile(rf"(?<=[.!?])(?:{_REFERENCE.pattern})\.", re.I)


@dataclass
class Block:
    kind: Kind
    text: str
    level: int = 0  # a heading's level (1-6)
    links: list[Link] = field(default_factory=list)

    @property
    def words(self) -> int:
        return len(self.text.split())


def identifier_words(name: str) -> str:
    """`GENERATION_TIMEOUT` -> "generation timeout", `maxTokens` -> "max tokens"."""
    spaced = split_camel_case(name)
    return " ".join(w.lower() for w in re.split(r"[_.\-\s]+", spaced) if w)


def speakable_code(code: str, language: str) -> str:
    """Inline code as a listener can hear it: a config assignment (`GENERATION_TIMEOUT=180`)
    as "generation timeout of 180" (numbers are spoken later, in the show's language), an
    identifier as its words; anything else as written, without the backticks."""
    text = code.strip()
    assignment = _ASSIGNMENT.match(text)
    if assignment:
        of = _OF.get(language, "of")
        return f"{identifier_words(assignment.group(1))} {of} {assignment.group(2)}"
    if (_IDENTIFIER.match(text) or _CAMEL_WORD.match(text)) and not re.search(r"\d[._]\d", text):
        return identifier_words(text)
    if _PATH.match(text):  # `u{n}::checked_sub_signed`, `Vec<T>::new`: its words
        return " ".join(identifier_words(w) for w in re.split(r"[^A-Za-z0-9]+", text) if w)
    return text


def sentence(text: str) -> str:
    """One line of text that ends like a sentence (a list item, a table row or a paragraph read
    aloud must not run into the next one)."""
    line = " ".join(text.split())
    return line if not line or line[-1] in ".!?:;…" else f"{line}."


def without_references(line: str) -> tuple[str, list[str]]:
    """`line` without its merge notes and bracketed issue numbers, and what was taken out (a
    note after a sentence's end takes its own period along: "corrected. (merge ...).")."""
    found: list[str] = []

    def drop(match: re.Match[str]) -> str:
        found.append(match.group(0).strip().rstrip("."))
        return ""

    return _REFERENCE.sub(drop, _NOTE_AFTER_END.sub(drop, line)), found


#: a day written the European way before its month: "27. Feb 2017" (no sentence ends there)
_DAY_DOT = re.compile(
    rf"\b(\d{{1,2}})\.(?=\s+(?:{'|'.join(EN_MONTH_ABBREVIATIONS)})\b\.?\s+\d{{4}}\b)"
)


def without_day_dots(line: str) -> str:
    """'27. Feb 2017' -> '27 Feb 2017': the day's dot would read as the end of a sentence."""
    return _DAY_DOT.sub(r"\1", line)


def first_words(text: str, n: int = 8) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")
