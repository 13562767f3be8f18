"""Find this week's issue at the show's newsletter source: a feed, a folder, or one issue.

A source lists its issues newest first, each with the source's own id: a feed entry's GUID (else
its link), a file's name inside the folder, or the issue's path or URL. The weekly run voices the
newest issue unless the catalog already holds its id; then there is nothing new. Older issues
that were never published (the back catalogue when a show starts, a missed week) are not voiced:
only what is newer than the last published issue counts as new.

Feeds are read the way Substack, Ghost, Buttondown and Beehiiv publish them (RSS 2.0 or Atom):
the issue is the entry's full HTML (`content:encoded` / Atom `content`), else the post at its link.
"""

from __future__ import annotations

import calendar
import datetime as dt
import glob
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import feedparser
import yaml
from prefect import task
from prefect.cache_policies import NO_CACHE

from castwright.core.errors import NewsletterError
from castwright.core.models import Newsletter
from castwright.core.netguard import redact_url
from castwright.core.source import NewsletterSource, is_url
from tasks.newsletter.fetch import download
from tasks.newsletter.html import html_to_markdown
from tasks.newsletter.stage import (
    MAX_BYTES,
    fetch_text,
    parse_newsletter,
    read_text,
    split_front_matter,
)

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 20_000_000  # a feed carries many issues' full HTML


@dataclass(frozen=True)
class SourceIssue:
    """One issue as its source lists it; `text` is markdown, or None when it lives at `link`
    (a URL or a file). A feed entry's title and date become the issue's when it names none."""

    id: str
    title: str
    published: dt.datetime | None
    text: str | None = None
    link: str | None = None
    from_feed: bool = False


def list_issues(source: NewsletterSource) -> list[SourceIssue]:
    """Every issue the source holds, newest first."""
    if source.feed:
        return feed_issues(read_feed(source.feed, source.allowed), source.feed)
    if source.folder:
        return folder_issues(source.folder, source.root)
    return [SourceIssue(id=source.location, title="", published=None, link=source.location)]


def read_feed(location: str, allow_hosts: frozenset[str] = frozenset()) -> bytes:
    """The feed's bytes: a file, or a URL fetched under the newsletter fetch rules
    (tasks/newsletter/fetch.py: public addresses only unless `source.allow_hosts` names one)."""
    if not is_url(location):
        path = Path(location)
        if not path.is_file():
            raise NewsletterError(f"source.feed: {path}: file not found")
        _check_size(path, MAX_FEED_BYTES, "source.feed")
        return path.read_bytes()
    data, _ = download(location, MAX_FEED_BYTES, allow_hosts=allow_hosts)
    return data


def feed_issues(data: bytes, location: str) -> list[SourceIssue]:
    """The feed's entries, newest first (by published/updated date, else in feed order)."""
    _refuse_entities(data, location)
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise NewsletterError(
            f"source.feed: {location} is not an RSS or Atom feed ({parsed.get('bozo_exception')})"
        )
    issues = [_entry_issue(entry, location) for entry in parsed.entries]
    return _newest_first(issues)


_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF", b"<RDF")


def _refuse_entities(data: bytes, location: str) -> None:
    """A feed that declares its own XML entities is refused before any parser sees it: no
    newsletter feed needs them, and they are how entity expansion ("billion laughs", quadratic
    blow-up) and external entities (XXE) attacks are built."""
    starts = [i for i in (data.find(r) for r in _ROOTS) if i >= 0]
    prolog = data[: min(starts)] if starts else data
    if b"<!ENTITY" in prolog:
        raise NewsletterError(
            f"source.feed: {redact_url(location)} declares XML entities (<!ENTITY> in its "
            "DOCTYPE), which newsletter feeds never need; refused (entity expansion). Use the "
            "newsletter's own RSS or Atom feed"
        )


def _entry_issue(entry: feedparser.FeedParserDict, location: str) -> SourceIssue:
    ident = entry.get("id") or entry.get("link")
    if not ident:
        raise NewsletterError(
            f"source.feed: {location}: an entry ({entry.get('title', 'untitled')!r}) has neither "
            "a guid/id nor a link, so it cannot be told apart from the others"
        )
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.UTC) if stamp else None
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    html = max(contents, key=len) if contents else None
    return SourceIssue(id=str(ident), title=str(entry.get("title", "")), published=published,
                       text=html_to_markdown(html) if html else None, link=entry.get("link"),
                       from_feed=True)  # fmt: skip


def folder_issues(pattern: str, inside: Path | None = None) -> list[SourceIssue]:
    """Markdown files in a folder (or matching a glob), newest first: by front-matter `date`,
    else by modification time; the id is the file's path relative to the folder. With `inside`
    (the show file's folder), a file that leads out of it (a symbolic link, `..` in a match) is
    skipped with a warning: the weekly run reads nothing the show's folder does not hold."""
    root = Path(pattern)
    if root.is_dir():
        files, base = sorted(root.glob("*.md")), root
    else:
        files = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
        base = _static_root(root)
    files = [f for f in files if f.is_file() and _stays_inside(f, inside)]
    if not files and not root.is_dir() and not _has_magic(pattern):
        raise NewsletterError(f"source.folder: {pattern}: no such folder")
    issues = [SourceIssue(id=_relative(f, base), title="", published=_file_date(f), link=str(f))
              for f in files]  # fmt: skip
    return _newest_first(issues)


def _stays_inside(path: Path, inside: Path | None) -> bool:
    if inside is None:
        return True
    real, root = path.resolve(), inside.resolve()
    if root in real.parents:
        return True
    log.warning("source.folder: skipped %s: it leads outside the show file's folder %s (to %s)",
                path, root, real)  # fmt: skip
    return False


def _check_size(path: Path, limit: int, field: str) -> None:
    """Refuse a file over `limit` bytes before reading it (a huge file is never loaded)."""
    size = path.stat().st_size
    if size > limit:
        raise NewsletterError(f"{field}: {path}: {size:,} bytes is over the {limit:,}-byte "
                              "limit; split or trim it")  # fmt: skip


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _static_root(pattern: Path) -> Path:
    """The folder a glob starts from: its leading parts without wildcards."""
    parts = list(itertools.takewhile(lambda p: not _has_magic(p), pattern.parts))
    return Path(*parts) if len(parts) < len(pattern.parts) else pattern.parent


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name


def _file_date(path: Path) -> dt.datetime:
    _check_size(path, MAX_BYTES, "source.folder")  # read_text would load it whole first
    meta, _ = split_front_matter(read_text(path))
    date = _as_date(meta.get("date"))
    if isinstance(date, dt.datetime):
        return date if date.tzinfo else date.replace(tzinfo=dt.UTC)
    if isinstance(date, dt.date):
        return dt.datetime.combine(date, dt.time(), dt.UTC)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def _as_date(value: object) -> object:
    """The front matter keeps dates as text ('2026-11-16'): read them as dates (a value that is
    not one is left as it is, and the file's modification time decides)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    return value


def _newest_first(issues: list[SourceIssue]) -> list[SourceIssue]:
    """Stable: issues without a date keep their listed order, after the dated ones."""
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(issues, key=lambda i: i.published or oldest, reverse=True)


def newest_unpublished(issues: list[SourceIssue], published: set[str]) -> SourceIssue | None:
    """The newest issue when the catalog does not hold it yet; None: nothing new."""
    if not issues or issues[0].id in published:
        return None
    skipped = next((n for n, i in enumerate(issues) if i.id in published), len(issues)) - 1
    if skipped:
        log.info("source: %d older issue(s) never published are left out", skipped)
    return issues[0]


def load_source_issue(
    issue: SourceIssue, hosts: list[str], allow_hosts: frozenset[str] = frozenset(),
    language: str = "en",
) -> Newsletter:  # fmt: skip
    """Parse the issue (reading its link when the source held no text), tagged with its id."""
    if issue.text is not None:
        text = issue.text
        if len(text.encode("utf-8")) > MAX_BYTES:  # a feed entry's own HTML, not a download
            raise NewsletterError(
                f"feed entry {issue.id!r}: {len(text.encode('utf-8')):,} bytes of text is over "
                f"the {MAX_BYTES:,}-byte limit for one issue; publish a shorter issue"
            )
    elif issue.link is None:
        raise NewsletterError(f"source issue {issue.id!r} has no text and no link to read")
    elif issue.from_feed and not is_url(issue.link):  # a feed may not point at local files
        raise NewsletterError(
            f"feed entry {issue.id!r} links to {issue.link!r}, not an http(s) URL; a feed's "
            "entries are read from the web only (use a folder source for local files)"
        )
    else:
        text = (fetch_text(issue.link, allow_hosts) if is_url(issue.link)
                else read_text(Path(issue.link)))  # fmt: skip
    if issue.from_feed:
        text = with_front_matter(issue, text)
    name = redact_url(issue.link) if issue.link and is_url(issue.link) else issue.link or issue.id
    # a feed entry's HTML and a fetched page are markdown by now; a file is read by its name
    converted = issue.text is not None or bool(issue.link and is_url(issue.link))
    fmt = "markdown" if converted else None
    newsletter = parse_newsletter(text, hosts, source_name=name, language=language, fmt=fmt)
    return newsletter.model_copy(update={"source_id": issue.id})


def with_front_matter(issue: SourceIssue, text: str) -> str:
    """The issue's markdown, with its feed title and date as front matter when it has none."""
    meta, _ = split_front_matter(text)
    if meta:
        return text
    header = {"title": issue.title or None,
              "date": issue.published.date().isoformat() if issue.published else None}  # fmt: skip
    header = {k: v for k, v in header.items() if v}
    return f"---\n{yaml.safe_dump(header)}---\n{text}" if header else text


def find_new_issue(
    source: NewsletterSource, published: set[str], hosts: list[str], language: str = "en"
) -> Newsletter | None:
    """The newest issue at the source that is not published yet, parsed; None: nothing new."""
    issue = newest_unpublished(list_issues(source), published)
    if issue is None:
        return None
    log.info("source: new issue %r (%s)", issue.title or issue.id, issue.id)
    return load_source_issue(issue, hosts, source.allowed, language)


@task(name="find-new-issue", cache_policy=NO_CACHE)
def find_new_issue_task(
    source: NewsletterSource, published: set[str], hosts: list[str], language: str = "en"
) -> Newsletter | None:
    return find_new_issue(source, published, hosts, language)
