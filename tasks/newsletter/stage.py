"""Stage 1: read a markdown newsletter into sections and each host's opinion comments.

Supported comment shapes (host names are the show's configured hosts, case-insensitive):

    **Ada:** I think this changes everything.          (bold name, on its own paragraph)
    > Marvin: Not so fast.                              (quoted line)
    Comments:                                           (a list under the section)
    - Ada: ...
    - **Marvin**: ...

Sections are `##` headings (or `#` headings when the issue has no `##`). YAML front matter may set
`title` and `date`. Fenced code blocks, images and tables never break parsing: code and tables stay
in the section body, images are dropped, and comment lines inside code fences are ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from pathlib import Path

import yaml
from prefect import task

from castwright.core.errors import NewsletterError
from castwright.core.models import Comment, Link, Newsletter, Section
from castwright.core.netguard import redact_url
from castwright.core.text import strip_controls
from tasks.newsletter.fetch import download
from tasks.newsletter.html import html_to_markdown

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000
MAX_TITLE_CHARS = 300
#: each section costs LLM calls and minutes of audio: more than this is not one weekly issue
MAX_SECTIONS = 40
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((https?://[^)\s]+)\)")
# any other link target (mailto:, javascript:, relative): only its text is kept, never spoken
_OTHER_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_COMMENTS_LABEL = re.compile(r"^\s*\**(comments|opinions)\**\s*:?\**\s*$", re.I)


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


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without anchors or aliases (a few bytes of aliases expand to megabytes) and
    without implicit timestamps (a date is read as text, then checked with a clear message)."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: object, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise NewsletterError(
                "the YAML front matter uses an anchor or alias (& or *); write the values out"
            )
        return super().compose_node(parent, index)  # type: ignore[arg-type]


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}  # noqa: S506 (safe)
    except yaml.YAMLError as exc:
        raise NewsletterError(f"the YAML front matter is invalid: {exc}") from exc
    if not isinstance(meta, dict):
        raise NewsletterError("the YAML front matter must be a mapping (key: value lines)")
    return meta, text[match.end() :]


def _comment_pattern(hosts: list[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(h) for h in sorted(hosts, key=len, reverse=True))
    return re.compile(
        rf"^\s*(?:>\s*|[-*+]\s+)?(?:\*\*|__)?({names})(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.+)$",
        re.I,
    )


def _canonical_host(name: str, hosts: list[str]) -> str:
    return next(h for h in hosts if h.casefold() == name.casefold())


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


def _plain(markdown: str) -> str:
    """Markdown to readable plain text: images dropped, links to their text, emphasis removed."""
    text = _IMAGE.sub("", markdown)
    text = _OTHER_LINK.sub(r"\1", _LINK.sub(r"\1", text))
    text = re.sub(r"(\*\*|__|\*|_|`)(\S.*?\S|\S)\1", r"\2", text)
    lines = [ln.strip() for ln in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _split_headings(body: str) -> list[tuple[int, str, list[str]]]:
    """Return (level, heading, lines) blocks; text before the first heading has level 0."""
    blocks: list[tuple[int, str, list[str]]] = [(0, "", [])]
    in_code = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading:
            blocks.append((len(heading.group(1)), heading.group(2).strip(), []))
        else:
            blocks[-1][2].append(line)
    return blocks


def _parse_section(title: str, lines: list[str], hosts: list[str], slugs: Slugs) -> Section:
    pattern = _comment_pattern(hosts)
    body: list[str] = []
    comments: list[Comment] = []
    in_code = in_comment = False
    for line in lines:
        if _FENCE.match(line):
            in_code = not in_code
        match = None if in_code else pattern.match(line)
        if match:
            host = _canonical_host(match.group(1), hosts)
            comments.append(Comment(host=host, text=_plain(match.group(2))))
            in_comment = True
        elif in_comment and line.strip() and not line.lstrip().startswith(("-", "*", "#")):
            last = comments[-1]  # the comment's paragraph goes on
            comments[-1] = Comment(host=last.host, text=f"{last.text} {_plain(line.lstrip('> '))}")
        else:
            in_comment = False
            if not _COMMENTS_LABEL.match(line):
                body.append(line)
    raw = "\n".join(body)
    links = [Link(text=_plain(t), url=u) for t, u in _LINK.findall(raw)]
    return Section(
        id=slugs(title),
        title=_plain(title),
        body=_plain(raw),
        links=links,
        comments=comments,
    )


def parse_newsletter(text: str, hosts: list[str], source_name: str = "newsletter") -> Newsletter:
    """Parse markdown text into a Newsletter. `hosts` are the show's host names."""
    text = str(strip_controls(text))
    meta, body = split_front_matter(text)
    blocks = _split_headings(body)
    levels = [lvl for lvl, _, _ in blocks if lvl > 0]
    section_level = 2 if 2 in levels else (min(levels) if levels else 0)
    title = _title(meta.get("title")) or next((h for lvl, h, _ in blocks if lvl == 1), "")
    slugs = Slugs()
    chosen = [(h, lines) for lvl, h, lines in blocks if lvl == section_level and section_level > 0]
    if len(chosen) > MAX_SECTIONS:
        raise NewsletterError(
            f"{source_name}: {len(chosen):,} sections; the limit is {MAX_SECTIONS} per issue "
            "(each one is written and voiced): split the issue"
        )
    sections = [_parse_section(h, lines, hosts, slugs) for h, lines in chosen]
    sections = [s for s in sections if s.body or s.comments]
    if not sections:
        raise NewsletterError(
            f"{source_name}: no sections with text found; start each news item with a '## Title' line"
        )
    if not title:
        title = sections[0].title
    if len(title) > MAX_TITLE_CHARS:
        raise NewsletterError(
            f"{source_name}: the title is {len(title):,} characters; the limit is "
            f"{MAX_TITLE_CHARS}: shorten it (front matter 'title' or the '#' heading)"
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    newsletter = Newsletter(
        title=_plain(title), date=_date(meta.get("date")), sections=sections, source_sha256=digest
    )
    if newsletter.comment_count == 0:
        log.warning(
            "%s: no host comments found (expected lines like '**%s:** ...'); the hosts will "
            "discuss the content and there are no opinions to preserve",
            source_name,
            hosts[0],
        )
    return newsletter


def _title(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise NewsletterError('the front matter title must be text, e.g. title: "Issue 42"')
    return str(strip_controls(str(value)))


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
        return html_to_markdown(text)
    return text


def load_newsletter(
    source: Path | str, hosts: list[str], allow_hosts: frozenset[str] = frozenset()
) -> Newsletter:
    """Read an issue from a file path or an http(s) URL."""
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        text = fetch_text(source, allow_hosts)
        return parse_newsletter(text, hosts, source_name=redact_url(source))
    path = Path(source)
    return parse_newsletter(read_text(path), hosts, source_name=str(path))


@task(name="parse-newsletter")
def parse_newsletter_task(source: str, hosts: list[str]) -> Newsletter:
    return load_newsletter(source, hosts)


def episode_slug(newsletter: Newsletter) -> str:
    """A stable, URL-safe name for the episode, the same on every rerun of the same issue.

    Dated issues: `2026-11-16-small-models`; undated ones add a hash of the source instead.
    """
    words = re.sub(r"[^a-z0-9]+", "-", _ascii(newsletter.title)).strip("-")[:60].rstrip("-")
    if newsletter.date:
        return f"{newsletter.date.isoformat()}-{words}".rstrip("-")
    return f"{words}-{newsletter.source_sha256[:8]}".lstrip("-")
