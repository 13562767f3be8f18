"""What Apple Podcasts and Spotify would reject in a published feed, each with its fix.

Checked on the published XML and the files it points at (read back from storage), the way a
directory checks a submitted feed: RSS 2.0 with a self link; show title, description, language,
itunes:author, owner, explicit and a category from Apple's list; artwork that is a JPEG or PNG,
square, 1400 to 3000 px, in RGB; at least one episode, each with a title, a unique GUID (the one
the catalog gave it: a GUID that changes makes every app download the episode again), an RFC 2822
date with a time zone, an audio/mpeg enclosure whose length is the stored file's size, an
itunes:duration, and transcripts and chapters of the Podcasting 2.0 types that exist in storage.

`check_feed` returns the problems; an empty list is a feed a directory would take.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from castwright.clients.storage import Storage, normalize_base_url
from castwright.core.categories import category_problem
from tasks.publish.artwork import image_info
from tasks.publish.catalog import Catalog
from tasks.publish.feed import FEED_KEY, ITUNES_NS, PODCAST_NS

ATOM_NS = "http://www.w3.org/2005/Atom"
NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}
MIN_PX, MAX_PX = 1400, 3000
EXPLICIT = {"true", "false", "yes", "no", "clean"}
TRANSCRIPT_TYPES = {".vtt": {"text/vtt"}, ".srt": {"application/x-subrip", "application/srt"},
                    ".json": {"application/json"}, ".html": {"text/html"},
                    ".txt": {"text/plain"}}  # fmt: skip
CHAPTERS_TYPE = "application/json+chapters"
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
_DURATION = re.compile(r"^(\d+|(\d+:)?[0-5]?\d:[0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REBUILD = "then run `castwright feed rebuild`"
RUN_REBUILD = "run `castwright feed rebuild`"


@dataclass(frozen=True)
class Problem:
    """One thing a directory would reject: where in the feed, what is wrong, how to fix it."""

    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}; fix: {self.fix}"


@dataclass(frozen=True)
class Published:
    """What the check reads: the feed, the storage that holds its files, their public base URL,
    and the catalog (the GUIDs the episodes were given), when there is one."""

    xml: bytes
    storage: Storage
    base_url: str
    catalog: Catalog | None = None

    def stored_size(self, url: str) -> int | None:
        base = normalize_base_url(self.base_url)
        return self.storage.size(url.removeprefix(base)) if url.startswith(base) else None

    def stored_bytes(self, url: str) -> bytes | None:
        base = normalize_base_url(self.base_url)
        return self.storage.get_bytes(url.removeprefix(base)) if url.startswith(base) else None


Check = Callable[[etree._Element, Published], Iterator[Problem]]


def check_feed(published: Published) -> list[Problem]:
    """Every problem a directory would reject the feed for (empty: none)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(published.xml, parser)
    except etree.XMLSyntaxError as exc:
        return [Problem("feed.xml", f"is not well-formed XML ({exc})", RUN_REBUILD)]
    if root.tag != "rss" or root.get("version") != "2.0" or root.find("channel") is None:
        return [Problem("feed.xml", "is not an RSS 2.0 feed (<rss version=\"2.0\"><channel>)",
                        f"publish with castwright, {REBUILD}")]  # fmt: skip
    return [p for check in CHECKS for p in check(root, published)]


# --- the show (channel) ----------------------------------------------------------------------


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def channel_text(root: etree._Element, _: Published) -> Iterator[Problem]:
    ch = root.find("channel")
    fields = [("title", "title"), ("description", "description"), ("link", "website"),
              ("itunes:author", "author")]  # fmt: skip
    for tag, setting in fields:
        if not _text(ch, tag):
            yield Problem(f"<{tag}>", "is missing or empty",
                          f"set `{setting}:` in the show file, {REBUILD}")  # fmt: skip
    language = _text(ch, "language")
    if not _LANGUAGE.match(language):
        yield Problem("<language>", f"{language or 'missing'!r} is not a language code (ISO 639)",
                      f"set `language:` in the show file (en, pt-BR), {REBUILD}")  # fmt: skip
    explicit = _text(ch, "itunes:explicit").lower()
    if explicit not in EXPLICIT:
        yield Problem("<itunes:explicit>", f"{explicit or 'missing'!r} is not true or false",
                      f"set `explicit: true|false` in the show file, {REBUILD}")  # fmt: skip


def owner(root: etree._Element, _: Published) -> Iterator[Problem]:
    ch = root.find("channel")
    name, mail = _text(ch, "itunes:owner/itunes:name"), _text(ch, "itunes:owner/itunes:email")
    if not name:
        yield Problem("<itunes:owner>", "has no <itunes:name>",
                      f"set `owner.name:` in the show file, {REBUILD}")  # fmt: skip
    if not _EMAIL.match(mail):
        yield Problem("<itunes:owner>", f"e-mail {mail or 'missing'!r} is not an address "
                      "(Apple and Spotify send the ownership check there)",
                      f"set `owner.email:` in the show file, {REBUILD}")  # fmt: skip


def category(root: etree._Element, _: Published) -> Iterator[Problem]:
    found = root.findall("channel/itunes:category", NS)
    if not found:
        yield Problem("<itunes:category>", "is missing",
                      f"set `category:` in the show file, {REBUILD}")  # fmt: skip
    for cat in found:
        subs = [s.get("text", "") for s in cat.findall("itunes:category", NS)] or [""]
        for sub in subs:
            problem = category_problem(cat.get("text", ""), sub)
            if problem:
                yield Problem("<itunes:category>", problem,
                              f"set `category:` in the show file to one of them, {REBUILD}")  # fmt: skip


def self_link(root: etree._Element, published: Published) -> Iterator[Problem]:
    expected = normalize_base_url(published.base_url) + FEED_KEY
    links = [a for a in root.findall("channel/atom:link", NS) if a.get("rel") == "self"]
    if not links:
        yield Problem('<atom:link rel="self">', "is missing", f"publish with castwright, {REBUILD}")
    elif links[0].get("href") != expected or links[0].get("type") != "application/rss+xml":
        yield Problem("<atom:link rel=\"self\">",
                      f"points at {links[0].get('href')!r} ({links[0].get('type')}), not the "
                      f"feed's address {expected!r} (application/rss+xml)",
                      "set CASTWRIGHT_PUBLIC_BASE_URL to where the folder or bucket is served, "
                      f"{REBUILD}")  # fmt: skip


def artwork(root: etree._Element, published: Published) -> Iterator[Problem]:
    image = root.find("channel/itunes:image", NS)
    href = image.get("href", "") if image is not None else ""
    fix = f"set `cover:` in the show file to a square RGB JPEG or PNG of {MIN_PX}-{MAX_PX} px, {REBUILD}"
    if not href:
        yield Problem("<itunes:image>", "is missing", fix)
        return
    data = published.stored_bytes(href)
    info = image_info(data) if data is not None else None
    if data is None:
        yield Problem("<itunes:image>", f"{href} is not in storage", fix)
    elif info is None:
        yield Problem("<itunes:image>", f"{href} is not a JPEG or PNG", fix)
    else:
        for what in _artwork_faults(href, info.kind, info.width, info.height, info.rgb):
            yield Problem("<itunes:image>", what, fix)


def _artwork_faults(href: str, kind: str, width: int, height: int, rgb: bool) -> Iterator[str]:
    extensions = {"png": (".png",), "jpg": (".jpg", ".jpeg")}[kind]
    if not href.lower().endswith(extensions):
        yield f"{href} is a {kind.upper()} but its name does not end in {extensions[0]}"
    if width != height:
        yield f"{href} is {width}x{height} px, not square"
    if min(width, height) < MIN_PX or max(width, height) > MAX_PX:
        yield f"{href} is {width}x{height} px, outside {MIN_PX} to {MAX_PX} px"
    if not rgb:
        yield f"{href} is not in the RGB colour space (greyscale, palette or CMYK)"


# --- the episodes (items) --------------------------------------------------------------------


def _items(root: etree._Element) -> list[tuple[str, etree._Element]]:
    return [
        (f"item {_text(i, 'title') or n}", i)
        for n, i in enumerate(root.iterfind("channel/item"), 1)
    ]


def has_episodes(root: etree._Element, _: Published) -> Iterator[Problem]:
    if not _items(root):
        yield Problem("<channel>", "has no episode (<item>): directories refuse an empty feed",
                      "publish an episode first: castwright run")  # fmt: skip


def item_basics(root: etree._Element, _: Published) -> Iterator[Problem]:
    for where, item in _items(root):
        if not _text(item, "title"):
            yield Problem(where, "has no <title>", f"give the issue a title, {REBUILD}")
        duration = _text(item, "itunes:duration")
        if not _DURATION.match(duration) or not any(c in "123456789" for c in duration):
            yield Problem(where, f"<itunes:duration> {duration or 'missing'!r} is not a duration "
                          "(seconds or HH:MM:SS)", RUN_REBUILD)  # fmt: skip
        for tag in ("pubDate",):
            yield from _rfc2822(where, f"<{tag}>", _text(item, tag))
    ch = root.find("channel")
    if ch.find("lastBuildDate") is not None:
        yield from _rfc2822("<channel>", "<lastBuildDate>", _text(ch, "lastBuildDate"))


def _rfc2822(where: str, tag: str, value: str) -> Iterator[Problem]:
    parsed = email.utils.parsedate_tz(value) if value else None
    if parsed is None or parsed[9] is None or not re.search(r"[+-]\d{4}$|[A-Z]{2,3}$", value):
        yield Problem(where, f"{tag} {value or 'missing'!r} is not an RFC 2822 date with a time "
                      "zone (e.g. Mon, 16 Nov 2026 07:00:00 +0000)", RUN_REBUILD)  # fmt: skip


def guids(root: etree._Element, published: Published) -> Iterator[Problem]:
    seen: set[str] = set()
    given = {ep.slug: ep.guid for ep in published.catalog.episodes} if published.catalog else {}
    for where, item in _items(root):
        guid = _text(item, "guid")
        if not guid:
            yield Problem(where, "has no <guid>", RUN_REBUILD)
            continue
        if guid in seen:
            yield Problem(where, f"<guid> {guid} is used by another episode too",
                          "give each episode its own GUID (the catalog does), " + REBUILD)  # fmt: skip
        seen.add(guid)
        slug = (item.findtext("link") or "").rpartition("#")[2]
        if slug in given and given[slug] != guid:
            yield Problem(where, f"<guid> {guid} is not the GUID the episode was published with "
                          f"({given[slug]}): apps would download it again as a new episode",
                          f"keep the catalog's GUID: {RUN_REBUILD}")  # fmt: skip


def enclosures(root: etree._Element, published: Published) -> Iterator[Problem]:
    for where, item in _items(root):
        found = item.findall("enclosure")
        if len(found) != 1:
            yield Problem(where, f"has {len(found)} <enclosure> elements, not one",
                          "republish the episode: castwright run")  # fmt: skip
            continue
        url, kind, length = (found[0].get(a, "") for a in ("url", "type", "length"))
        if kind != "audio/mpeg" or not url.lower().endswith(".mp3"):
            yield Problem(where, f"<enclosure> {url} has type {kind!r}, not an audio/mpeg .mp3",
                          "republish the episode (castwright masters MP3): castwright run")  # fmt: skip
        size = published.stored_size(url)
        if size is None:
            yield Problem(where, f"<enclosure> {url} is not in storage",
                          "republish the episode (castwright run), or remove it: castwright "
                          "episodes remove ID")  # fmt: skip
        elif not length.isdigit() or int(length) != size:
            yield Problem(where, f"<enclosure> length {length!r} is not the file's size ({size} "
                          "bytes)", RUN_REBUILD)  # fmt: skip


def podcast_files(root: etree._Element, published: Published) -> Iterator[Problem]:
    for where, item in _items(root):
        for node in item.findall("podcast:transcript", NS):
            url, kind = node.get("url", ""), node.get("type", "")
            ext = "." + url.rsplit(".", 1)[-1].lower() if "." in url else ""
            if kind not in TRANSCRIPT_TYPES.get(ext, set()):
                yield Problem(where, f"<podcast:transcript> {url} has type {kind!r}, not "
                              f"{' or '.join(sorted(TRANSCRIPT_TYPES.get(ext, {'a transcript type'})))}",
                              RUN_REBUILD)  # fmt: skip
            yield from _stored(where, "<podcast:transcript>", url, published)
        for node in item.findall("podcast:chapters", NS):
            url, kind = node.get("url", ""), node.get("type", "")
            if kind != CHAPTERS_TYPE:
                yield Problem(where, f"<podcast:chapters> {url} has type {kind!r}, not "
                              f"{CHAPTERS_TYPE}", RUN_REBUILD)  # fmt: skip
            yield from _chapters_file(where, url, published)


def _stored(where: str, tag: str, url: str, published: Published) -> Iterator[Problem]:
    if published.stored_size(url) is None:
        yield Problem(where, f"{tag} {url} is not in storage",
                      "republish the episode: castwright run")  # fmt: skip


def _chapters_file(where: str, url: str, published: Published) -> Iterator[Problem]:
    data = published.stored_bytes(url)
    if data is None:
        yield from _stored(where, "<podcast:chapters>", url, published)
        return
    try:
        chapters = json.loads(data)
        valid = isinstance(chapters.get("version"), str) and isinstance(chapters["chapters"], list)
    except (ValueError, KeyError, AttributeError):
        valid = False
    if not valid:
        yield Problem(where, f"<podcast:chapters> {url} is not a JSON chapters file (version, "
                      "chapters)", "republish the episode: castwright run")  # fmt: skip


CHECKS: tuple[Check, ...] = (channel_text, owner, category, self_link, artwork, has_episodes,
                             item_basics, guids, enclosures, podcast_files)  # fmt: skip
