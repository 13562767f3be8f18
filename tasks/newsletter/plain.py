"""Plain text -> blocks: paragraphs are separated by blank lines; a heading is a line underlined
with `===` / `---`, or a short line standing alone before a paragraph ("Problem 1: the cache",
"Fixes since v2.49") that does not end like a sentence; bulleted lines (`*`, `-`, `+`, `•`,
`1.`) are list items, their indented continuation lines included; a paragraph whose every line
is indented (4 spaces or a tab) is code.
"""

from __future__ import annotations

import re

from tasks.newsletter.blocks import Block

_UNDERLINE = re.compile(r"^\s*(=+|-+|~+|\^+)\s*$")
_BULLET = re.compile(r"^\s*(?:[*+\-•]|\d{1,3}[.)])\s+(.*)$")
_URL = re.compile(r"^<?https?://\S+>?$")
MAX_HEADING_WORDS = 12


def _paragraphs(text: str) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= MAX_HEADING_WORDS
        and line.strip()[-1] not in ".,;!?…"
        and not _BULLET.match(line)
        and not _URL.match(line.strip())
        and not line.startswith((" ", "\t"))
    )


def _items(lines: list[str]) -> list[Block]:
    items: list[list[str]] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            items.append([bullet.group(1)])
        elif items:
            items[-1].append(line.strip())
        else:
            items.append([line.strip()])
    return [Block("item", " ".join(i)) for i in items]


def _block(lines: list[str], next_exists: bool) -> list[Block]:
    if len(lines) >= 2 and _UNDERLINE.match(lines[1]) and not _UNDERLINE.match(lines[0]):
        heading = Block("heading", lines[0].strip(), level=1 if "=" in lines[1] else 2)
        return [heading, *(_block(lines[2:], next_exists) if lines[2:] else [])]
    if all(ln.startswith(("    ", "\t")) for ln in lines) and not _BULLET.match(lines[0]):
        return [Block("code", "\n".join(lines), level=len(lines))]
    if any(_BULLET.match(ln) for ln in lines):
        return _items(lines)
    if len(lines) == 1 and next_exists and _looks_like_heading(lines[0]):
        return [Block("heading", lines[0].strip(), level=2)]
    return [Block("text", "\n".join(ln.strip() for ln in lines))]


def text_blocks(text: str) -> list[Block]:
    """The plain-text document's blocks in order."""
    groups = _paragraphs(text)
    blocks: list[Block] = []
    for n, lines in enumerate(groups):
        blocks += _block(lines, next_exists=n + 1 < len(groups))
    return blocks
