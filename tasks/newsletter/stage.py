"""Stage 1: read an issue (markdown, HTML or plain text) into sections and each host's comments.

The format is the file's (`.md`/`.markdown`, `.html`/`.htm`, `.txt`) or, for a URL or another
name, what the text looks like. Metadata comes from YAML or TOML front matter or a `Title:` /
`Date:` header block (tasks.newsletter.frontmatter); the structure from the document's own
headings (tasks.newsletter.sections), read by real parsers: markdown-it-py for markdown, a
readability extractor for HTML pages (then the markdown path), paragraphs and heading-like
lines for plain text. Code, HTML comments, images and bare links are never a title; they are
left out and listed (`Newsletter.left_out`); tables are read row by row as sentences.

Supported comment shapes (host names are the show's configured hosts, case-insensitive):

    **Ada:** I think this changes everything.          (bold name, on its own paragraph)
    > Marvin: Not so fast.                              (quoted line)
    Comments:                                           (a list under the section)
    - Ada: ...
    - **Marvin**: ...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from pathlib import Path

from prefect import task

from castwright.core.errors import NewsletterError
from castwright.core.models import Newsletter
from castwright.core.netguard import redact_url
from castwright.core.text import strip_controls
from tasks.newsletter.blocks import Block, first_words
from tasks.newsletter.fetch import download
from tasks.newsletter.frontmatter import split_front_matter
from tasks.newsletter.html import html_to_markdown
from tasks.newsletter.markdown import markdown_blocks
from tasks.newsletter.plain import text_blocks
from tasks.newsletter.sections import MAX_SECTIONS, build_sections, check_count, to_section

log = logging.getLogger(__name__)

__all__ = ["MAX_SECTIONS", "split_front_matter"]

MAX_BYTES = 1_000_000
MAX_TITLE_CHARS = 300
#: parsed sections holding less than this share of the document's words (code aside) is said
#: loudly: something in the document's shape was not understood
MIN_PARSED_SHARE = 0.8
_MARKDOWN_SIGNS = re.compile(r"^(#{1,6} \S|```|~~~|\s*[-*] \[)|\]\(https?://|^\*\*\w", re.M)
_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
               ".html": "html", ".htm": "html", ".txt": "text", ".text": "text"}  # fmt: skip


def read_text(path: Path) -> str:
    """Read a newsletter file, refusing what cannot be a newsletter with a clear reason."""
    if not path.is_file():
        raise NewsletterError(f"{path}: file not found")
    data = path.read_bytes()
    _check_bytes(data, str(path))
    return _decode(data, str(path))


def _check_bytes(data: bytes, name: str) -> None:
    if len(data) > MAX_BYTES:
        raise NewsletterError(
            f"{name}: {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit for one issue; "
            "split the issue or trim it"
        )
    if not data.strip():
        raise NewsletterError(f"{name}: the file is empty")
    if b"\x00" in data:
        raise NewsletterError(f"{name}: this is a binary file, not a markdown newsletter")


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NewsletterError(
            f"{name}: not UTF-8 text (byte {exc.start}); re-save the file as UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _ascii(text: str) -> str:
    """Accents folded for URL-safe names: "Edição" -> "edicao", not "edi-o"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Slugs:
    """Unique section ids: `base`, `base-2`, `base-3`... in linear time (each base remembers
    its next number, so 8,000 same-titled sections do not rescan 8,000 taken ids each)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.next: dict[str, int] = {}

    def __call__(self, text: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", _ascii(text)).strip("-")[:48] or "section"
        n = self.next.get(base, 1)
        slug = base if n == 1 else f"{base}-{n}"
        while slug in self.taken:
            n += 1
            slug = f"{base}-{n}"
        self.next[base] = n + 1
        self.taken.add(slug)
        return slug


def detect_format(text: str, name: str = "") -> str:
    """markdown, html or text: by the file's extension, else by what the text looks like."""
    suffix = Path(name.split("?")[0]).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if text.lstrip()[:200].lower().startswith(("<!doctype html", "<html")):
        return "html"
    meta, body = split_front_matter(text)
    return "markdown" if meta or _MARKDOWN_SIGNS.search(body) else "text"


def _blocks(body: str, fmt: str, language: str) -> list[Block]:
    if fmt == "html":
        return markdown_blocks(html_to_markdown(body), language)
    return text_blocks(body) if fmt == "text" else markdown_blocks(body, language)


def _doc_title(meta: dict[str, object], blocks: list[Block]) -> tuple[str, bool]:
    """(title, whether it is the document's lone leading `#` heading): the metadata's title,
    else that heading, else the first heading, else the first words of the text."""
    headings = [b for b in blocks if b.kind == "heading"]
    lone_h1 = bool(headings) and headings[0].level == 1 and sum(h.level == 1 for h in headings) == 1
    leading = lone_h1 and blocks.index(headings[0]) == next(
        i for i, b in enumerate(blocks) if b.kind in ("heading", "text", "item", "quote", "row")
    )
    title = _title(meta.get("title"))
    if title:
        return title, leading
    first = next((b for b in blocks if b.kind in ("heading", "text")), None)
    if first is not None and first.kind == "heading":
        return first.text, leading
    opening = re.split(r"(?<=[.!?])\s", first.text.split("\n")[0])[0] if first else ""
    return first_words(opening, 12).removesuffix(" ..."), False


def parse_newsletter(
    text: str, hosts: list[str], source_name: str = "newsletter", language: str = "en",
    fmt: str | None = None,
) -> Newsletter:  # fmt: skip
    """Parse an issue's text into a Newsletter. `hosts` are the show's host names."""
    text = str(strip_controls(text))
    fmt = fmt or detect_format(text, source_name)
    meta, body = split_front_matter(text) if fmt != "html" else ({}, text)
    blocks = _blocks(body, fmt, language)
    title, title_h1 = _doc_title(meta, blocks)
    drafts, left_out = build_sections(blocks, title, hosts, title_h1, language)
    check_count(drafts, source_name)
    if not drafts:
        raise NewsletterError(
            f"{source_name}: no sections with text found; start each news item with a '## Title' line"
        )
    if len(title) > MAX_TITLE_CHARS:
        raise NewsletterError(
            f"{source_name}: the title is {len(title):,} characters; the limit is "
            f"{MAX_TITLE_CHARS}: shorten it (front matter 'title' or the '#' heading)"
        )
    slugs = Slugs()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    newsletter = Newsletter(
        title=" ".join(title.split()), date=_date(meta.get("date")), authors=_authors(meta),
        source_sha256=digest,
        sections=[to_section(d, slugs(d.title)) for d in drafts], format=fmt, left_out=left_out,
    )  # fmt: skip
    newsletter.warnings.extend(_prose_warnings(newsletter, body, fmt, source_name))
    if newsletter.comment_count == 0:
        log.warning(
            "%s: no host comments found (expected lines like '**%s:** ...'); the hosts will "
            "discuss the content and there are no opinions to preserve",
            source_name,
            hosts[0],
        )
    return newsletter


def _rough_words(body: str, fmt: str) -> int:
    """The document's words by a rough count, code, comments, tags and URLs aside."""
    text = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    if fmt != "text":
        text = re.sub(r"^(```|~~~).*?^(```|~~~)", " ", text, flags=re.S | re.M)
        text = re.sub(r"<[^>]+>|\]\([^)]*\)|https?://\S+", " ", text)
    lines = [ln for ln in text.split("\n") if not ln.startswith(("    ", "\t"))]
    return len(re.findall(r"[^\W_]+", " ".join(lines)))


def _prose_warnings(issue: Newsletter, body: str, fmt: str, name: str) -> list[str]:
    if fmt == "html":
        return []
    parsed = sum(len(re.findall(r"[^\W_]+", f"{s.title} {s.body} " + " ".join(c.text for c in s.comments)))
                 for s in issue.sections) + sum(o.words for o in issue.left_out if o.kind != "code block")  # fmt: skip
    rough = _rough_words(body, fmt)
    if rough and parsed < MIN_PARSED_SHARE * rough:
        message = (f"{name}: the sections hold {parsed:,} of the document's ~{rough:,} words "
                   f"({parsed / rough:.0%}); part of the text was not understood as prose")  # fmt: skip
        log.warning("%s", message)
        return [message]
    return []


def _title(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise NewsletterError('the front matter title must be text, e.g. title: "Issue 42"')
    return str(strip_controls(str(value)))


#: the longest author name kept: a by-line, not a biography
MAX_AUTHOR_CHARS = 80


def _authors(meta: dict[str, object]) -> list[str]:
    """The front matter's author, authors or by (a name, a list of names, or `{name: ...}`
    entries), as text, without an email address ("Russ Cox <rsc@golang.org>")."""
    value = next((meta[k] for k in ("authors", "author", "by") if meta.get(k)), [])
    entries = value if isinstance(value, list) else [value]
    names = (e.get("name") if isinstance(e, dict) else e for e in entries)
    cleaned = (
        " ".join(re.sub(r"<[^>]*>", "", str(strip_controls(n))).split())
        for n in names
        if isinstance(n, str)
    )
    return list(dict.fromkeys(n for n in cleaned if n and len(n) <= MAX_AUTHOR_CHARS))


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10] if text[10:11] in ("T", " ") else text)
    except ValueError as exc:
        raise NewsletterError(f"front matter date {value!r} is not YYYY-MM-DD") from exc


def fetch_text(url: str, allow_hosts: frozenset[str] = frozenset()) -> str:
    """Download an issue published as markdown or HTML (production input), with the same limits
    (tasks/newsletter/fetch.py: public addresses only, unless a host is in `allow_hosts`)."""
    data, content_type = download(url, MAX_BYTES, allow_hosts=allow_hosts)
    shown = redact_url(url)
    _check_bytes(data, shown)
    text = _decode(data, shown)
    if "html" in content_type or text.lstrip().lower().startswith(("<!doctype", "<html")):
        return html_to_markdown(text)  # then parsed as markdown
    return text


def load_newsletter(
    source: Path | str, hosts: list[str], allow_hosts: frozenset[str] = frozenset(),
    language: str = "en",
) -> Newsletter:  # fmt: skip
    """Read an issue from a file path or an http(s) URL."""
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        text = fetch_text(source, allow_hosts)
        fmt = "markdown" if detect_format(text, source) == "html" else None  # converted
        return parse_newsletter(text, hosts, redact_url(source), language, fmt)
    path = Path(source)
    return parse_newsletter(read_text(path), hosts, source_name=str(path), language=language)


@task(name="parse-newsletter")
def parse_newsletter_task(source: str, hosts: list[str], language: str = "en") -> Newsletter:
    return load_newsletter(source, hosts, language=language)


def episode_slug(newsletter: Newsletter) -> str:
    """A stable, URL-safe name for the episode, the same on every rerun of the same issue.

    Dated issues: `2026-11-16-small-models`; undated ones add a hash of the source instead.
    """
    words = re.sub(r"[^a-z0-9]+", "-", _ascii(newsletter.title)).strip("-")[:60].rstrip("-")
    if newsletter.date:
        return f"{newsletter.date.isoformat()}-{words}".rstrip("-")
    return f"{words}-{newsletter.source_sha256[:8]}".lstrip("-")
