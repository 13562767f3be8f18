"""Markdown -> blocks with markdown-it-py (CommonMark, plus GFM tables and strikethrough).

Headings at every level and both forms (`#` and setext underlines) are headings; a `#` line
inside a code block is code. Inline marks are dropped, links keep their text (and their URL in
the block's links), inline code is made speakable (tasks.newsletter.blocks.speakable_code),
images keep only their alt text as a left-out part, inline HTML tags are dropped. A table row
becomes a sentence ("Model: Qwen, VRAM: 6 GB."). A paragraph that is only a link is a bare link
(kept out of the news; a list of links is read as a list of titles).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from castwright.core.models import Link
from tasks.newsletter.blocks import Block, sentence, speakable_code

#: a link CommonMark refuses (`javascript:`, `data:`...) stays text: only its label is kept
_UNSAFE_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*\)")
_CONTAINERS = {"blockquote_open": "quote", "list_item_open": "item"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _inline(
    token: Token, language: str, raw_code: bool = False
) -> tuple[str, list[Link], list[str], bool]:
    """(text, links, image alt texts, only-a-link) of an inline token; a title keeps its inline
    code as written (`raw_code`), prose makes it speakable."""
    parts: list[str] = []
    links: list[Link] = []
    images: list[str] = []
    href: str | None = None
    label: list[str] = []
    outside = 0  # words outside any link
    for child in token.children or []:
        kind = child.type
        if kind == "link_open":
            href, label = str(child.attrs.get("href", "")), []
        elif kind == "link_close":
            text = "".join(label).strip()
            if text and href and href.startswith(("http://", "https://")):
                links.append(Link(text=" ".join(text.split()), url=href))
            parts.append("".join(label))
            href = None
        elif kind == "image":
            images.append(child.content or "")
        else:
            piece = {"text": _UNSAFE_LINK.sub(r"\1", child.content), "softbreak": "\n", "hardbreak": "\n",
                     "code_inline": child.content if raw_code
                     else speakable_code(child.content, language)}.get(kind, "")  # fmt: skip
            (label if href is not None else parts).append(piece)
            outside += len(piece.split()) if href is None else 0
    only_link = bool(links) and outside == 0
    return "".join(parts).strip(), links, images, only_link


def _table_rows(tokens: list[Token], start: int, language: str) -> tuple[list[Block], int]:
    """Sentences for a table's body rows, each cell named by its header; and the end index."""
    header: list[str] = []
    row: list[str] = []
    rows: list[Block] = []
    i = start
    while tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "inline":
            row.append(_inline(token, language)[0])
        elif token.type == "tr_close":
            if not header:
                header = row
            elif any(row):
                cells = [f"{h}: {c}" if h else c for h, c in zip(header, row, strict=False) if c]
                rows.append(Block("row", sentence(", ".join(cells))))
            row = []
        i += 1
    return rows, i


def _code(token: Token) -> Block:
    info = token.info.strip().split()[0] if token.info.strip() else ""
    return Block("code", token.content.strip(), level=len(token.content.splitlines()),
                 links=[Link(text=info, url="")] if info else [])  # fmt: skip


def markdown_blocks(text: str, language: str = "en") -> list[Block]:
    """The document's blocks in order."""
    return list(_walk(_parser().parse(text), language))


def _walk(tokens: list[Token], language: str) -> Iterator[Block]:
    stack: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind in _CONTAINERS:
            stack.append(_CONTAINERS[kind])
        elif kind in ("blockquote_close", "list_item_close"):
            stack.pop()
        elif kind == "heading_open" and stack:  # a heading quoted or in a list is its text
            text = _inline(tokens[i + 1], language)[0]
            yield Block(stack[-1], text)  # type: ignore[arg-type]
            i += 2
        elif kind == "heading_open":
            text = _inline(tokens[i + 1], language, raw_code=True)[0]
            yield Block("heading", " ".join(text.split()), level=int(token.tag[1]))
            i += 2
        elif kind == "inline":
            yield from _paragraph(token, stack, language)
        elif kind in ("fence", "code_block"):
            yield _code(token)
        elif kind == "html_block":
            yield Block("html", token.content.strip())
        elif kind == "table_open":
            rows, i = _table_rows(tokens, i, language)
            yield from rows
        i += 1


def _paragraph(token: Token, stack: list[str], language: str) -> Iterator[Block]:
    text, links, images, only_link = _inline(token, language)
    for alt in images:
        yield Block("image", alt)
    if not text:
        return
    container = stack[-1] if stack else "text"
    if only_link and container != "item":
        yield Block("link", text, links=links)
    else:
        yield Block(container, text, links=links)  # type: ignore[arg-type]
