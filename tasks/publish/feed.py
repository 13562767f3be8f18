"""feed.xml: RSS 2.0 with iTunes and Podcasting 2.0 tags, built from the catalog and checked.

Built with feedgen (`podcast` extension for iTunes tags) plus a small extension for the
Podcasting 2.0 namespace. All text goes through lxml, which escapes it; show notes are HTML
built from escaped parts, then escaped again as the description's text, as RSS expects.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import feedparser
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from castwright.clients.storage import Storage, normalize_base_url, public_url
from castwright.core.categories import split_category
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from tasks.publish.catalog import Catalog, EpisodeRecord, NoteSection

FEED_KEY = "feed.xml"
PAGE_KEY = "index.html"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_XML_ILLEGAL = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedLinks:
    """The public addresses a feed refers to."""

    base_url: str
    cover_key: str

    @property
    def feed_url(self) -> str:
        return public_url(self.base_url, FEED_KEY)

    @property
    def page_url(self) -> str:
        return public_url(self.base_url, PAGE_KEY)

    def url(self, key: str) -> str:
        return public_url(self.base_url, key)


# --- the Podcasting 2.0 extension ------------------------------------------------------------


class PodcastIndexExtension(BaseExtension):
    """Channel tags: <podcast:guid> and <podcast:locked>."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: tuple[bool, str] | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        if self.guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        if self.locked:
            locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel, owner=self.locked[1])
            locked.text = "yes" if self.locked[0] else "no"
        return rss_feed


@dataclass
class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item tags: <podcast:transcript> (any number) and <podcast:chapters>."""

    transcripts: list[dict[str, str]] = field(default_factory=list)
    chapters_url: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: etree._Element) -> etree._Element:
        for attrs in self.transcripts:
            xml_elem(f"{{{PODCAST_NS}}}transcript", item, **attrs)
        if self.chapters_url:
            xml_elem(f"{{{PODCAST_NS}}}chapters", item, url=self.chapters_url,
                     type="application/json+chapters")  # fmt: skip
        return item


# --- building --------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control codes), which lxml would refuse."""
    return _XML_ILLEGAL.sub("", text)


def notes_html(title: str, notes: list[NoteSection]) -> str:
    """Show notes as the small HTML subset podcast apps render: p, ul, li, a."""
    esc = html.escape
    parts = [f"<p>{esc(clean(title))}</p>"]
    for section in notes:
        parts.append(f"<p>{esc(clean(section.title))}</p>")
        if section.links:
            items = "".join(
                f'<li><a href="{esc(clean(k.url))}">{esc(clean(k.text))}</a></li>'
                for k in section.links
            )
            parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def itunes_duration(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _category(fg: FeedGenerator, category: str) -> None:
    """'Technology' or 'Society & Culture > Documentary' (Apple's category names)."""
    cat, sub = split_category(category)
    fg.podcast.itunes_category({"cat": cat, "sub": sub} if sub else {"cat": cat})


def _channel(show: ShowConfig, catalog: Catalog, links: FeedLinks) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    fg.title(clean(show.title))
    fg.description(clean(show.description))
    fg.link(href=links.feed_url, rel="self", type="application/rss+xml")  # first: see facts.md
    fg.link(href=str(show.website) if show.website else links.page_url, rel="alternate")
    fg.language(show.language)
    fg.generator("castwright")
    fg.image(url=links.url(links.cover_key), title=clean(show.title), link=links.page_url)
    fg.podcast.itunes_author(clean(show.author))
    fg.podcast.itunes_owner(name=clean(show.owner.name), email=show.owner.email)
    fg.podcast.itunes_image(links.url(links.cover_key))
    _category(fg, show.category)
    fg.podcast.itunes_explicit("yes" if show.explicit else "no")
    fg.podcast.itunes_type("episodic")
    fg.podcastindex.guid = catalog.show_guid
    fg.podcastindex.locked = (False, show.owner.email)
    if catalog.episodes:
        fg.lastBuildDate(max(e.updated_at for e in catalog.episodes))
    return fg


def _item(fg: FeedGenerator, show: ShowConfig, ep: EpisodeRecord, links: FeedLinks) -> None:
    fe = fg.add_entry(order="append")
    fe.id(ep.guid)  # <guid isPermaLink="false">
    fe.title(clean(ep.title))
    fe.link(href=f"{links.page_url}#{ep.slug}")
    fe.description(notes_html(ep.title, ep.notes))
    fe.enclosure(links.url(ep.audio_key), str(ep.audio_bytes), "audio/mpeg")
    fe.pubDate(ep.pub_date)
    fe.podcast.itunes_duration(itunes_duration(ep.duration_s))
    fe.podcast.itunes_episode(ep.number)
    fe.podcast.itunes_episode_type("full")
    lang = show.language
    if ep.transcript_vtt_key:
        fe.podcastindex.transcripts.append({"url": links.url(ep.transcript_vtt_key),
            "type": "text/vtt", "language": lang, "rel": "captions"})  # fmt: skip
    if ep.transcript_srt_key:
        fe.podcastindex.transcripts.append({"url": links.url(ep.transcript_srt_key),
            "type": "application/x-subrip", "language": lang, "rel": "captions"})  # fmt: skip
    if ep.chapters_key:
        fe.podcastindex.chapters_url = links.url(ep.chapters_key)


def build_feed(show: ShowConfig, catalog: Catalog, base_url: str, cover_key: str) -> bytes:
    """The whole feed.xml, newest episode first."""
    links = FeedLinks(normalize_base_url(base_url), cover_key)
    fg = _channel(show, catalog, links)
    for ep in catalog.newest_first():
        _item(fg, show, ep, links)
    try:
        return bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))
    except ValueError as exc:
        raise PublishError(f"cannot write feed.xml: {exc}; check the show file fields") from exc


# --- checking --------------------------------------------------------------------------------


def validate_feed(xml: bytes, catalog: Catalog, storage: Storage, base_url: str) -> None:
    """Refuse a feed that does not parse or points at files storage does not hold as stated."""
    parsed = feedparser.parse(xml)
    if parsed.bozo:
        raise PublishError(f"the new feed.xml does not parse ({parsed.bozo_exception}); "
                           "the published feed was left as it was")  # fmt: skip
    guids = [e.get("id") for e in parsed.entries]
    expected = [e.guid for e in catalog.newest_first()]
    if guids != expected:
        raise PublishError(f"the new feed.xml lists GUIDs {guids}, the catalog {expected}; "
                           "the published feed was left as it was")  # fmt: skip
    for url, length in _referenced_files(xml):
        _check_stored(storage, base_url, url, length)


def _referenced_files(xml: bytes) -> list[tuple[str, int | None]]:
    root = etree.fromstring(xml)
    ns = {"podcast": PODCAST_NS, "itunes": ITUNES_NS}
    files: list[tuple[str, int | None]] = [
        (e.get("url"), int(e.get("length"))) for e in root.iterfind("channel/item/enclosure")
    ]
    for path in ("channel/item/podcast:transcript", "channel/item/podcast:chapters"):
        files += [(e.get("url"), None) for e in root.iterfind(path, ns)]
    files += [(e.get("href"), None) for e in root.iterfind("channel/itunes:image", ns)]
    return files


def _check_stored(storage: Storage, base_url: str, url: str, length: int | None) -> None:
    base = normalize_base_url(base_url)
    if not url.startswith(base):
        raise PublishError(f"feed.xml refers to {url}, outside the base URL {base}")
    size = storage.size(url.removeprefix(base))
    if size is None:
        raise PublishError(f"feed.xml refers to {url}, which is not in {storage!r}; "
                           "the published feed was left as it was")  # fmt: skip
    if length is not None and size != length:
        raise PublishError(f"feed.xml says {url} is {length} bytes, storage holds {size}; "
                           "the published feed was left as it was")  # fmt: skip
