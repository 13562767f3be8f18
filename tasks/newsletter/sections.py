"""Sections from what the document has: every heading, at whatever levels it uses, starts a
section (titled by that heading); when that makes more than MAX_SECTIONS, the deepest level is
folded into its parent (its title becomes a line of the parent's news), and so on. A lone `#`
heading at the top is the document's title, not a section. Prose before the first heading is a
section of its own, titled with the document's title, so no part of the text is lost.

Host comments are found in any prose block: a line that starts with a host's name and a colon
("**Ada:** ...", "> Marvin: ...", "- Ada: ...") begins that host's comment, which runs to the end
of its block or to the next such line. A "Comments:" line is a label, never news.

What is not prose (code, HTML, images, bare links) is listed as left out, with its section; so
are the references a host never reads aloud (merge notes with a commit hash, "(#1234)") and the
lines of news in another language than the show's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from castwright.core.errors import NewsletterError
from castwright.core.models import Comment, LeftOut, Link, Section
from tasks.newsletter.blocks import (
    PROSE,
    Block,
    first_words,
    sentence,
    without_day_dots,
    without_references,
)
from tasks.newsletter.language import foreign_language

MAX_SECTIONS = 40
_COMMENTS_LABEL = re.compile(r"^\s*(comments|opinions|comentários|opiniões)\s*:?\s*$", re.I)
_ALNUM = re.compile(r"[^\W_]")
_ALNUM_RUN = re.compile(r"[^\W_]+")
#: prose taken out of the news as it is read: references and lines in another language
UNSAID_REFERENCES, UNSAID_LANGUAGE = "references", "another language"
UNSAID_PROSE = (UNSAID_REFERENCES, UNSAID_LANGUAGE)
_LEFT_KIND = {"code": "code block", "html": "html", "image": "image", "link": "bare link"}


@dataclass
class Draft:
    title: str
    level: int
    lines: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    parent: str = ""  # the enclosing heading's title
    references: list[str] = field(default_factory=list)  # merge notes, issue numbers: unsaid
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (language, line): unsaid


def comment_pattern(hosts: list[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(h) for h in sorted(hosts, key=len, reverse=True))
    return re.compile(rf"^\s*({names})\s*:\s*(.+)$", re.I)


def _canonical(name: str, hosts: list[str]) -> str:
    return next(h for h in hosts if h.casefold() == name.casefold())


def _add_prose(
    draft: Draft, block: Block, pattern: re.Pattern[str], hosts: list[str], language: str
) -> None:
    """The block's lines into the draft's news, or into a host's comment; a block of news in
    another language than the show's is kept aside (tasks.newsletter.language)."""
    in_comment = False
    told = len(draft.lines)
    lines = (
        [" ".join(block.text.split())] if block.kind in ("item", "row") else block.text.split("\n")
    )
    if not any(pattern.match(line) for line in lines):  # a host's comment is always kept
        other = foreign_language(block.text, language)
        if other is not None:
            draft.foreign.append((other, " ".join(block.text.split())))
            return
    for line in lines:
        line, references = without_references(without_day_dots(line))
        draft.references += references
        match = pattern.match(line)
        if match:
            text = match.group(2).strip()
            draft.comments.append(Comment(host=_canonical(match.group(1), hosts), text=text))
            in_comment = True
        elif in_comment and line.strip():
            last = draft.comments[-1]
            draft.comments[-1] = Comment(host=last.host, text=f"{last.text} {line.strip()}")
        elif _ALNUM.search(line) and not _COMMENTS_LABEL.match(line):
            draft.lines.append(sentence(line) if block.kind in ("item", "row") else line.strip())
    if len(draft.lines) > told:  # a paragraph's end ends its sentence ("... is going to happen")
        draft.lines[-1] = sentence(draft.lines[-1])
    if block.kind != "item" or not in_comment:
        draft.links += block.links


def split_level(blocks: list[Block], title_h1: bool) -> int:
    """The deepest heading level that keeps the sections within MAX_SECTIONS."""
    levels = sorted({b.level for b in blocks if b.kind == "heading"})
    for depth in reversed(levels):
        count = sum(1 for b in blocks if b.kind == "heading" and b.level <= depth)
        if count - (1 if title_h1 else 0) <= MAX_SECTIONS:
            return depth
    return levels[0] if levels else 0


def build_sections(
    blocks: list[Block], title: str, hosts: list[str], title_h1: bool, language: str = "en"
) -> tuple[list[Draft], list[LeftOut]]:
    """Drafts of the sections in order (empty ones dropped) and the parts left out."""
    depth = split_level(blocks, title_h1)
    pattern = comment_pattern(hosts)
    drafts = [Draft(title=title, level=0)]
    left: list[LeftOut] = []
    skip_title = title_h1
    above: dict[int, str] = {}
    for block in blocks:
        current = drafts[-1]
        if block.kind == "heading" and skip_title and block.level == 1:
            skip_title = False  # the document's title, not a section
        elif block.kind == "heading" and block.level <= depth:
            above = {lvl: t for lvl, t in above.items() if lvl < block.level}
            parent = above[max(above)] if above else ""
            drafts.append(Draft(title=block.text, level=block.level, parent=parent))
            above[block.level] = block.text
        elif block.kind == "heading":
            current.lines.append(sentence(block.text))  # a folded sub-heading: a line of news
        elif block.kind in PROSE:
            _add_prose(current, block, pattern, hosts, language)
        elif block.text.strip() or block.kind == "image":
            left.append(_left_out(block, current.title))
    kept = [d for d in drafts if d.lines or d.comments]
    left += [_references_left_out(d) for d in drafts if d.references]
    left += [LeftOut(kind=UNSAID_LANGUAGE, section=d.title, first_words=f"({other}) {first_words(line)}",
                     words=len(_ALNUM_RUN.findall(line))) for d in drafts for other, line in d.foreign]  # fmt: skip
    return _qualified(kept), left


def _qualified(drafts: list[Draft]) -> list[Draft]:
    """A sub-section whose title is not unique ("Cargo" under two parents) is named with its
    parent heading's title too: "Calls for Testing: Cargo"."""
    counts: dict[str, int] = {}
    for d in drafts:
        counts[d.title] = counts.get(d.title, 0) + 1
    for d in drafts:
        if counts[d.title] > 1 and d.parent:
            d.title = f"{d.parent}: {d.title}"
    return drafts


def _left_out(block: Block, section: str) -> LeftOut:
    kind = _LEFT_KIND.get(block.kind, block.kind)
    if block.kind == "html" and block.text.startswith("<!--"):
        kind = "html comment"
    text = block.text or "(no alt text)"
    return LeftOut(kind=kind, section=section, first_words=first_words(text), words=block.words)


def _references_left_out(draft: Draft) -> LeftOut:
    """A section's merge notes and issue numbers, listed once: "(merge 08f612ba70 ...) and 11 more"."""
    more = len(draft.references) - 1
    first = first_words(draft.references[0]) + (f" and {more} more" if more else "")
    words = sum(len(_ALNUM_RUN.findall(r)) for r in draft.references)
    return LeftOut(kind=UNSAID_REFERENCES, section=draft.title, first_words=first, words=words)


def check_count(drafts: list[Draft], source_name: str) -> None:
    if len(drafts) > MAX_SECTIONS:
        raise NewsletterError(
            f"{source_name}: {len(drafts):,} sections; the limit is {MAX_SECTIONS} per issue "
            "(each one is written and voiced): split the issue"
        )


def to_section(draft: Draft, section_id: str) -> Section:
    body = "\n".join(draft.lines)
    return Section(id=section_id, title=draft.title, body=body, links=draft.links,
                   comments=draft.comments)  # fmt: skip
