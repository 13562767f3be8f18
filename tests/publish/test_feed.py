"""feed.xml: parses with feedparser and podcastparser; every tag podcast apps need, by XPath."""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import uuid
from collections.abc import Callable
from pathlib import Path

import feedparser
import lxml.html
import podcastparser
import pytest
from lxml import etree

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from tasks.publish.artwork import image_size
from tasks.publish.stage import PublishedEpisode, publish_episode
from tests.publish.conftest import (
    BASE_URL,
    make_mastered,
    make_newsletter,
    make_show,
    probe_seconds,
)

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
SLUG = "2026-11-16-the-weekly-signal"


def xp(node: etree._Element, path: str) -> list[etree._Element]:
    return list(node.xpath(path, namespaces=NS))


def one(node: etree._Element, path: str) -> etree._Element:
    found = xp(node, path)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def text(node: etree._Element, path: str) -> str:
    return str(one(node, path).text)


@pytest.fixture
def published(
    show: ShowConfig, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> tuple[PublishedEpisode, bytes, Path]:
    mp3 = make_mp3(3.0, 440)
    mastered = make_mastered(mp3, tmp_path / "work")
    result = publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, SLUG)
    return result, storage.get_bytes("feed.xml") or b"", mp3


def test_feed_parses_with_feedparser_and_podcastparser(
    published: tuple[PublishedEpisode, bytes, Path],
) -> None:
    result, feed, mp3 = published
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "The Weekly Signal"
    assert [e.id for e in parsed.entries] == [result.guid]
    assert parsed.entries[0].enclosures[0].href == result.episode_url

    pod = podcastparser.parse(result.feed_url, io.BytesIO(feed))
    assert pod["title"] == "The Weekly Signal"
    assert pod["type"] == "episodic" and pod["explicit"] is False
    (episode,) = pod["episodes"]
    assert episode["guid"] == result.guid and episode["number"] == 1
    assert episode["enclosures"] == [
        {"url": result.episode_url, "mime_type": "audio/mpeg", "file_size": mp3.stat().st_size}
    ]
    assert episode["total_time"] == round(probe_seconds(mp3))


def test_channel_tags(
    published: tuple[PublishedEpisode, bytes, Path], storage: LocalStorage
) -> None:
    result, feed, _ = published
    root = etree.fromstring(feed)
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = one(root, "/rss/channel")
    assert text(ch, "title") == "The Weekly Signal"
    assert text(ch, "description") == "Two hosts read the week's newsletter to you."
    assert text(ch, "language") == "en"
    assert text(ch, "link") == "https://signal.example.com/"
    self_link = xp(ch, "atom:link")[0]  # the first atom:link is rel=self
    assert self_link.get("rel") == "self" and self_link.get("href") == result.feed_url
    assert self_link.get("type") == "application/rss+xml"
    assert text(ch, "itunes:author") == "Signal Editors"
    assert text(ch, "itunes:owner/itunes:name") == "Weekly Signal Editors"
    assert text(ch, "itunes:owner/itunes:email") == "editors@example.com"
    assert one(ch, "itunes:category").get("text") == "Technology"
    assert text(ch, "itunes:explicit") == "no"
    assert text(ch, "itunes:type") == "episodic"
    image = one(ch, "itunes:image").get("href")
    assert image.startswith(BASE_URL) and image.endswith((".png", ".jpg"))
    assert text(ch, "image/url") == image
    stored = storage.get_bytes(image.removeprefix(BASE_URL))
    assert stored is not None
    _, width, height = image_size(stored) or ("", 0, 0)
    assert width == height >= 1400
    feed_guid = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "127.0.0.1:8000/podcast/feed.xml"
    )
    assert text(ch, "podcast:guid") == str(feed_guid)
    locked = one(ch, "podcast:locked")
    assert locked.text == "no" and locked.get("owner") == "editors@example.com"


def test_item_tags(published: tuple[PublishedEpisode, bytes, Path], storage: LocalStorage) -> None:
    result, feed, mp3 = published
    item = one(etree.fromstring(feed), "/rss/channel/item")
    assert text(item, "title") == "Issue 42: Chips and Chatbots"
    guid = one(item, "guid")
    assert guid.text == result.guid and guid.get("isPermaLink") == "false"
    assert uuid.UUID(guid.text).version == 5
    pub = email.utils.parsedate_to_datetime(text(item, "pubDate"))
    assert pub.tzinfo is not None
    assert abs(pub - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    enclosure = one(item, "enclosure")
    url = enclosure.get("url")
    assert url == result.episode_url and url.startswith(BASE_URL) and url.endswith(".mp3")
    assert enclosure.get("type") == "audio/mpeg"
    assert int(enclosure.get("length")) == mp3.stat().st_size
    assert storage.get_bytes(url.removeprefix(BASE_URL)) == mp3.read_bytes()

    seconds = round(probe_seconds(mp3))
    assert text(item, "itunes:duration") == f"00:00:{seconds:02d}"
    assert text(item, "itunes:episode") == "1"
    assert text(item, "itunes:episodeType") == "full"

    notes = lxml.html.fromstring(f"<div>{text(item, 'description')}</div>")
    paragraphs = [p.text_content() for p in notes.iter("p")]
    assert "Chips get smaller" in paragraphs and "Chatbots & you" in paragraphs
    hrefs = [a.get("href") for a in notes.iter("a")]
    assert hrefs == ["https://news.example.com/chips?a=1&b=2", "https://papers.example.org/bots"]

    transcripts = {t.get("type"): t for t in xp(item, "podcast:transcript")}
    assert set(transcripts) == {"text/vtt", "application/x-subrip"}
    for t in transcripts.values():
        assert t.get("language") == "en" and t.get("rel") == "captions"
        assert storage.exists(t.get("url").removeprefix(BASE_URL))
    vtt = storage.get_bytes(transcripts["text/vtt"].get("url").removeprefix(BASE_URL)) or b""
    assert vtt.startswith(b"WEBVTT")
    chapters = one(item, "podcast:chapters")
    assert chapters.get("type") == "application/json+chapters"
    assert b'"Chips"' in (storage.get_bytes(chapters.get("url").removeprefix(BASE_URL)) or b"")


def test_markup_in_titles_is_escaped_in_the_feed(
    cover: Path, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    evil = 'Bad <script>alert("x")</script> & <![CDATA[ ]]> \x0b\x00title'
    show = make_show(cover, title=f"Show {evil}", description=f"About {evil}")
    newsletter = make_newsletter(title=f"Issue {evil}", tag=" <img src=x onerror=alert(1)>")
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "work")
    publish_episode(show, newsletter, mastered, storage, BASE_URL, "evil")
    feed = storage.get_bytes("feed.xml") or b""

    assert b"<script" not in feed and b"<img" not in feed and b"javascript:" not in feed
    assert not feedparser.parse(feed).bozo
    root = etree.fromstring(feed)
    clean = 'Bad <script>alert("x")</script> & <![CDATA[ ]]> title'
    assert text(root, "/rss/channel/title") == f"Show {clean}"
    assert text(root, "/rss/channel/item/title") == f"Issue {clean}"
    # the description is HTML: the injected markup must arrive there as text, not as elements
    notes = lxml.html.fromstring(f"<div>{text(root, '/rss/channel/item/description')}</div>")
    assert not list(notes.iter("script", "img"))
    assert "<img src=x onerror=alert(1)>" in notes.text_content()


@pytest.mark.parametrize(
    ("size", "message"), [("1000x1000", "1400 to 3000"), ("1400x1500", "square")]
)
def test_cover_podcast_apps_refuse_is_refused(
    size: str,
    message: str,
    tmp_path: Path,
    storage: LocalStorage,
    make_mp3: Callable[..., Path],
) -> None:
    from tests.publish.conftest import ffmpeg

    small = tmp_path / "small.jpg"
    ffmpeg("-f", "lavfi", "-i", f"color=c=red:s={size}", "-frames:v", "1", str(small))
    show = make_show(small)
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "work")
    with pytest.raises(PublishError, match=message):
        publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, "x")
    assert storage.list() == []  # refused before anything was uploaded


def test_jpeg_size_is_read(tmp_path: Path) -> None:
    from tests.publish.conftest import ffmpeg

    jpg = tmp_path / "c.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=1600x1600", "-frames:v", "1", str(jpg))
    assert image_size(jpg.read_bytes()) == ("jpg", 1600, 1600)
