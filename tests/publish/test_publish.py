"""publish_episode end to end on local storage: reruns, ordering, safety, removal, rebuild."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from prefect.states import Failed

from castwright.clients.storage import LocalStorage, StorageUnavailable
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from tasks.publish.stage import (
    list_episodes,
    publish_episode,
    publish_episode_task,
    rebuild_feed,
    remove_episode,
)
from tests.publish.conftest import BASE_URL, make_mastered, make_newsletter

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
FIRST, SECOND = "2026-11-09-the-weekly-signal", "2026-11-16-the-weekly-signal"
MakeMp3 = Callable[..., Path]


def items(storage: LocalStorage) -> list[etree._Element]:
    return list(etree.fromstring(storage.get_bytes("feed.xml") or b"").iterfind("channel/item"))


def test_same_issue_twice_is_one_episode(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "w")
    first = publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, FIRST)
    feed_before = storage.get_bytes("feed.xml")
    again = publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, FIRST)
    assert again == first
    (item,) = items(storage)
    assert item.findtext("guid") == first.guid
    assert item.findtext("itunes:episode", namespaces=NS) == "1"
    # same inputs, same catalog: only the catalog's updated_at (and lastBuildDate) moved
    assert [e.slug for e in list_episodes(storage)] == [FIRST]
    assert feed_before is not None and b"<item>" in feed_before


def test_remastered_rerun_updates_in_place_and_drops_the_old_file(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    old_mp3, new_mp3 = make_mp3(3.0, 440), make_mp3(4.0, 550)
    first = publish_episode(
        show, make_newsletter(), make_mastered(old_mp3, tmp_path / "a"), storage, BASE_URL, FIRST
    )
    (before,) = list_episodes(storage)
    second = publish_episode(
        show,
        make_newsletter(title="Issue 42, fixed"),
        make_mastered(new_mp3, tmp_path / "b"),
        storage,
        BASE_URL,
        FIRST,
    )
    (after,) = list_episodes(storage)
    assert (second.guid, second.number) == (first.guid, first.number)
    assert after.pub_date == before.pub_date and after.created_at == before.created_at
    assert after.title == "Issue 42, fixed" and after.audio_bytes == new_mp3.stat().st_size
    assert second.episode_url != first.episode_url
    (item,) = items(storage)
    assert item.find("enclosure").get("length") == str(new_mp3.stat().st_size)
    assert not storage.exists(before.audio_key)  # the old version is gone...
    assert storage.get_bytes(after.audio_key) == new_mp3.read_bytes()  # ...the new one is there
    assert set(storage.list("episodes/")) == set(after.keys)


def test_second_issue_is_a_second_episode_newest_first(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    first = publish_episode(
        show,
        make_newsletter("Issue 1"),
        make_mastered(make_mp3(3.0, 440), tmp_path / "a"),
        storage,
        BASE_URL,
        FIRST,
    )
    second = publish_episode(
        show,
        make_newsletter("Issue 2"),
        make_mastered(make_mp3(4.0, 550), tmp_path / "b"),
        storage,
        BASE_URL,
        SECOND,
    )
    assert (first.number, second.number) == (1, 2) and first.guid != second.guid
    feed = items(storage)
    assert [i.findtext("guid") for i in feed] == [second.guid, first.guid]
    assert [i.findtext("title") for i in feed] == ["Issue 2", "Issue 1"]
    assert [i.findtext("itunes:episode", namespaces=NS) for i in feed] == ["2", "1"]
    dates = [
        feedparser.parse(storage.get_bytes("feed.xml")).entries[i].published_parsed for i in (0, 1)
    ]
    assert dates[0] >= dates[1]
    assert [e.slug for e in list_episodes(storage)] == [SECOND, FIRST]
    page = (storage.get_bytes("index.html") or b"").decode()
    assert page.index("Issue 2") < page.index("Issue 1")


def test_explicit_pub_dates_order_the_feed(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    late = dt.datetime(2026, 11, 16, 6, tzinfo=dt.UTC)
    early = dt.datetime(2026, 11, 9, 6, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    publish_episode(show, make_newsletter("Late"), mastered, storage, BASE_URL, SECOND, late)
    publish_episode(show, make_newsletter("Early"), mastered, storage, BASE_URL, FIRST, early)
    feed = items(storage)
    assert [i.findtext("title") for i in feed] == ["Late", "Early"]
    assert feed[1].findtext("pubDate") == "Mon, 09 Nov 2026 06:00:00 -0300"
    with pytest.raises(PublishError, match="time zone"):
        publish_episode(
            show, make_newsletter(), mastered, storage, BASE_URL, FIRST, dt.datetime(2026, 11, 9)
        )


class LosingStorage(LocalStorage):
    """Storage that acknowledges MP3 uploads but keeps a truncated file: a broken upload."""

    def put_file(
        self, key: str, path: Path, content_type: str, cache_control: str | None = None
    ) -> None:
        if key.endswith(".mp3"):
            self.put_bytes(key, path.read_bytes()[:1000], content_type)
        else:
            super().put_file(key, path, content_type, cache_control)


def test_a_feed_that_fails_validation_replaces_nothing(
    show: ShowConfig, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    good = LocalStorage(tmp_path / "public")
    publish_episode(
        show,
        make_newsletter("Issue 1"),
        make_mastered(make_mp3(3.0, 440), tmp_path / "a"),
        good,
        BASE_URL,
        FIRST,
    )
    before = {k: good.get_bytes(k) for k in ("feed.xml", "catalog.json", "index.html")}
    broken = LosingStorage(tmp_path / "public")
    with pytest.raises(PublishError, match="storage holds 1000"):
        publish_episode(
            show,
            make_newsletter("Issue 2"),
            make_mastered(make_mp3(4.0, 550), tmp_path / "b"),
            broken,
            BASE_URL,
            SECOND,
        )
    assert {k: good.get_bytes(k) for k in before} == before
    assert [e.slug for e in list_episodes(good)] == [FIRST]


def test_bad_slug_and_missing_files_fail_before_anything_is_written(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    for slug in ["../x", "Upper-Case", "a--b", "-a", "spa ce", ""]:
        with pytest.raises(PublishError, match="slug"):
            publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, slug)
    not_mp3 = tmp_path / "noise.mp3"
    not_mp3.write_bytes(b"this is no mp3" * 100)
    with pytest.raises(PublishError, match="not a readable MP3"):
        publish_episode(
            show,
            make_newsletter(),
            mastered.model_copy(update={"mp3": not_mp3}),
            storage,
            BASE_URL,
            FIRST,
        )
    gone = mastered.model_copy(update={"transcript_vtt": tmp_path / "gone.vtt"})
    with pytest.raises(PublishError, match="gone.vtt"):
        publish_episode(show, make_newsletter(), gone, storage, BASE_URL, FIRST)
    assert storage.get_bytes("feed.xml") is None and storage.get_bytes("catalog.json") is None


def test_damaged_catalog_stops_publishing_and_keeps_the_feed(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, FIRST)
    feed = storage.get_bytes("feed.xml")
    storage.put_bytes("catalog.json", b'{"format": 1, "episodes": "oops"}', "application/json")
    with pytest.raises(PublishError, match="catalog.json .* is damaged.*Do not delete it"):
        publish_episode(show, make_newsletter(), mastered, storage, BASE_URL, SECOND)
    assert storage.get_bytes("feed.xml") == feed


def test_remove_episode_and_numbers_are_never_reused(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    one = publish_episode(show, make_newsletter("Ep One"), mastered, storage, BASE_URL, FIRST)
    two = publish_episode(show, make_newsletter("Ep Two"), mastered, storage, BASE_URL, SECOND)
    removed = remove_episode(show, storage, BASE_URL, two.guid)
    assert removed.slug == SECOND
    assert [i.findtext("guid") for i in items(storage)] == [one.guid]
    assert storage.list(f"episodes/{SECOND}/") == []
    assert storage.list(f"episodes/{FIRST}/") != []
    assert "Ep Two" not in (storage.get_bytes("index.html") or b"").decode()
    three = publish_episode(show, make_newsletter("Three"), mastered, storage, BASE_URL, "third")
    assert three.number == 3
    remove_episode(show, storage, BASE_URL, FIRST)  # by slug
    with pytest.raises(PublishError, match="no published episode 'nope'; published: third"):
        remove_episode(show, storage, BASE_URL, "nope")
    remove_episode(show, storage, BASE_URL, "third")  # the last one: an empty, valid feed
    parsed = feedparser.parse(storage.get_bytes("feed.xml"))
    assert not parsed.bozo and parsed.entries == [] and parsed.feed.title == show.title
    assert storage.list("episodes/") == []


def test_rebuild_feed_regenerates_the_same_feed_and_page(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    assert list_episodes(storage) == []
    publish_episode(
        show,
        make_newsletter(),
        make_mastered(make_mp3(3.0, 440), tmp_path / "a"),
        storage,
        BASE_URL,
        FIRST,
    )
    feed, page = storage.get_bytes("feed.xml"), storage.get_bytes("index.html")
    storage.delete("feed.xml")
    storage.delete("index.html")
    assert rebuild_feed(show, storage, BASE_URL) == BASE_URL + "feed.xml"
    assert storage.get_bytes("feed.xml") == feed
    assert storage.get_bytes("index.html") == page
    renamed = show.model_copy(update={"title": "The Weekly Signal, renamed"})
    rebuild_feed(renamed, storage, BASE_URL)
    assert b"renamed" in (storage.get_bytes("feed.xml") or b"")


def test_prefect_task_wraps_the_function_and_retries_only_storage_outages(
    show: ShowConfig, storage: LocalStorage, make_mp3: MakeMp3, tmp_path: Path
) -> None:
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "a")
    result = publish_episode_task.fn(show, make_newsletter(), mastered, storage, BASE_URL, FIRST)
    assert result.number == 1 and storage.exists("feed.xml")
    assert publish_episode_task.retries == 3
    is_transient = publish_episode_task.retry_condition_fn
    assert is_transient is not None
    assert is_transient(publish_episode_task, None, Failed(data=StorageUnavailable("503")))  # type: ignore[arg-type]
    assert not is_transient(publish_episode_task, None, Failed(data=PublishError("bad")))  # type: ignore[arg-type]
