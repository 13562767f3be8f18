"""Stage 5: publish an episode: files to storage, then the catalog, the show page and the feed.

One publish (or removal) at a time holds the storage's lock from upload to sweep, so runs that
overlap (two `castwright run`s, a run and `castwright episodes remove`) queue instead of
sweeping each other's files. The order keeps every published episode safe. Media files are content-addressed (their key holds
their hash), so uploading never overwrites a file the current feed points at. Then the new catalog
and feed are built and the feed is checked (it parses; every file it names is in storage with the
stated size) before anything the public reads is replaced: catalog, page, and feed.xml last.
A crash anywhere leaves the old feed and every earlier episode intact; rerunning the same issue
(same slug) updates its episode in place: same GUID, same number, never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp3 import MP3
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from pydantic import AwareDatetime, BaseModel, ConfigDict

from castwright.clients.storage import (
    IMMUTABLE,
    REVALIDATE,
    Storage,
    StorageUnavailable,
    normalize_base_url,
    public_url,
)
from castwright.core.config import ShowConfig
from castwright.core.errors import PublishError
from castwright.core.models import MasteredEpisode, Newsletter
from castwright.core.retry import retry_on
from castwright.core.store import file_sha256
from tasks.publish.artwork import check_cover
from tasks.publish.catalog import (
    Catalog,
    EpisodeRecord,
    episode_topics,
    load_catalog,
    read_catalog,
    remove,
    save_catalog,
    show_notes,
    upsert,
    utc_now,
    validate_slug,
)
from tasks.publish.directory import Problem, Published, check_feed
from tasks.publish.feed import FEED_KEY, PAGE_KEY, build_feed, validate_feed
from tasks.publish.page import render_page

log = logging.getLogger(__name__)

SIDECARS = {  # MasteredEpisode field -> (extension, content type)
    "transcript_vtt": ("vtt", "text/vtt; charset=utf-8"),
    "transcript_srt": ("srt", "application/x-subrip; charset=utf-8"),
    "chapters_json": ("chapters.json", "application/json+chapters"),
}


class PublishedEpisode(BaseModel):
    """Where a published episode can be found."""

    model_config = ConfigDict(extra="forbid")

    guid: str
    number: int
    episode_url: str  # the MP3
    page_url: str  # the episode on the show page
    feed_url: str


@dataclass(frozen=True)
class AudioFile:
    path: Path
    size: int
    sha256: str
    duration_s: float


def measure_audio(path: Path) -> AudioFile:
    """Size, hash and duration of the actual MP3 (never the duration the master stage reported)."""
    if not path.is_file():
        raise PublishError(f"cannot publish {path}: file not found; run the master stage again")
    try:
        info = MP3(path).info
    except MutagenError as exc:
        raise PublishError(f"{path} is not a readable MP3 ({exc}); re-run mastering") from exc
    duration = float(info.length) if info is not None else 0.0
    if duration <= 0:
        raise PublishError(f"{path} holds no audio; re-run the master stage")
    return AudioFile(path, path.stat().st_size, file_sha256(path), duration)


def upload_immutable(storage: Storage, key: str, path: Path, content_type: str) -> None:
    """Upload a content-addressed file unless it is already there (same key = same bytes)."""
    if storage.size(key) != path.stat().st_size:
        storage.put_file(key, path, content_type, IMMUTABLE)


def upload_episode_files(
    storage: Storage, slug: str, mastered: MasteredEpisode, audio: AudioFile
) -> dict[str, str]:
    """Audio, transcripts and chapters first; returns the storage key of each, by field name."""
    keys = {"mp3": f"episodes/{slug}/{slug}-{audio.sha256[:12]}.mp3"}
    upload_immutable(storage, keys["mp3"], audio.path, "audio/mpeg")
    for name, (ext, content_type) in SIDECARS.items():
        path: Path | None = getattr(mastered, name)
        if path is None:
            continue
        if not path.is_file():
            raise PublishError(f"cannot publish {path} ({name}): file not found")
        keys[name] = f"episodes/{slug}/{slug}-{file_sha256(path)[:12]}.{ext}"
        upload_immutable(storage, keys[name], path, content_type)
    return keys


def upload_cover(show: ShowConfig, storage: Storage) -> str:
    ext, data = check_cover(show.cover)
    key = f"artwork/cover-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
    if storage.size(key) != len(data):
        storage.put_bytes(key, data, "image/png" if ext == "png" else "image/jpeg", IMMUTABLE)
    return key


def episode_record(
    newsletter: Newsletter, slug: str, mastered: MasteredEpisode, audio: AudioFile,
    keys: dict[str, str], catalog: Catalog, pub_date: dt.datetime,
) -> EpisodeRecord:  # fmt: skip
    """A new record; `upsert` keeps GUID, number and first date when the slug is known."""
    now = utc_now()
    return EpisodeRecord(
        guid=catalog.episode_guid(slug), slug=slug, number=catalog.next_number,
        title=newsletter.title, pub_date=pub_date, notes=show_notes(newsletter),
        audio_key=keys["mp3"], audio_bytes=audio.size, audio_sha256=audio.sha256,
        duration_s=round(audio.duration_s, 3), chapters=mastered.chapters,
        transcript_vtt_key=keys.get("transcript_vtt"),
        transcript_srt_key=keys.get("transcript_srt"),
        chapters_key=keys.get("chapters_json"), created_at=now, updated_at=now,
        source_id=newsletter.source_id, topics=episode_topics(newsletter),
    )  # fmt: skip


def commit(
    show: ShowConfig, before: tuple[Catalog, str | None], catalog: Catalog, storage: Storage,
    base_url: str,
) -> None:  # fmt: skip
    """Check the new feed, then replace catalog, page and, last, feed.xml (under the lock)."""
    cover_key = upload_cover(show, storage)
    catalog = catalog.model_copy(update={"cover_key": cover_key})
    feed = build_feed(show, catalog, base_url, cover_key)
    validate_feed(feed, catalog, storage, base_url)
    page = render_page(show, catalog, storage, base_url, cover_key)
    save_catalog(storage, catalog, before[1])
    storage.put_bytes(PAGE_KEY, page, "text/html; charset=utf-8", REVALIDATE)
    storage.put_bytes(FEED_KEY, feed, "application/rss+xml; charset=utf-8", REVALIDATE)
    sweep(storage, before[0], catalog)


def sweep(storage: Storage, before: Catalog, after: Catalog) -> None:
    """Delete what the earlier catalog recorded and the new one no longer does (older versions,
    removed episodes, an old cover); nothing castwright did not record is ever deleted."""
    for key in sorted(before.keys - after.keys):
        storage.delete(key)
        log.info("deleted unreferenced %s", key)


def _catalog(storage: Storage, base_url: str) -> tuple[Catalog, str | None]:
    return load_catalog(storage, public_url(base_url, FEED_KEY), FEED_KEY)


def publish_episode(
    show: ShowConfig, newsletter: Newsletter, mastered: MasteredEpisode, storage: Storage,
    base_url: str, slug: str, pub_date: AwareDatetime | None = None,
) -> PublishedEpisode:  # fmt: skip
    """Publish one issue's episode; a rerun with the same slug updates it in place."""
    slug, base_url = validate_slug(slug), normalize_base_url(base_url)
    if pub_date is not None and pub_date.tzinfo is None:
        raise PublishError("pub_date needs a time zone, e.g. datetime(..., tzinfo=UTC)")
    check_cover(show.cover)  # fail before uploading anything
    audio = measure_audio(mastered.mp3)
    with storage.lock():  # upload to sweep: another run's sweep never sees a half-done publish
        keys = upload_episode_files(storage, slug, mastered, audio)
        before = _catalog(storage, base_url)
        record = episode_record(newsletter, slug, mastered, audio, keys, before[0],
                                pub_date or utc_now())  # fmt: skip
        catalog, record = upsert(before[0], record)
        commit(show, before, catalog, storage, base_url)
    log.info("published episode %d (%s) to %r", record.number, slug, storage)
    return PublishedEpisode(
        guid=record.guid,
        number=record.number,
        episode_url=public_url(base_url, record.audio_key),
        page_url=f"{public_url(base_url, PAGE_KEY)}#{slug}",
        feed_url=public_url(base_url, FEED_KEY),
    )


def rebuild_feed(show: ShowConfig, storage: Storage, base_url: str) -> str:
    """Regenerate page and feed from the catalog (e.g. after a show-file change); return its URL."""
    base_url = normalize_base_url(base_url)
    with storage.lock():
        before = _catalog(storage, base_url)
        commit(show, before, before[0], storage, base_url)
    return public_url(base_url, FEED_KEY)


def check_published(storage: Storage, base_url: str) -> list[Problem]:
    """What a podcast directory would reject in the published feed (tasks/publish/directory.py)."""
    xml = storage.get_bytes(FEED_KEY)
    if xml is None:
        raise PublishError(f"no {FEED_KEY} in {storage!r}: publish an episode first "
                           "(castwright run), or name the folder with --out")  # fmt: skip
    return check_feed(Published(xml, storage, base_url, read_catalog(storage)))


def list_episodes(storage: Storage) -> list[EpisodeRecord]:
    """Published episodes, newest first."""
    catalog = read_catalog(storage)
    return catalog.newest_first() if catalog else []


def remove_episode(
    show: ShowConfig, storage: Storage, base_url: str, guid_or_slug: str
) -> EpisodeRecord:
    """Take an episode out of catalog, page and feed, then delete its files."""
    base_url = normalize_base_url(base_url)
    with storage.lock():
        before = _catalog(storage, base_url)
        catalog, removed = remove(before[0], guid_or_slug)
        commit(show, before, catalog, storage, base_url)  # its files go in the sweep, last
    log.info("removed episode %d (%s)", removed.number, removed.slug)
    return removed


@task(
    name="publish-episode",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    retry_condition_fn=retry_on(StorageUnavailable),
    cache_policy=NO_CACHE,
)
def publish_episode_task(
    show: ShowConfig, newsletter: Newsletter, mastered: MasteredEpisode, storage: Storage,
    base_url: str, slug: str,
) -> PublishedEpisode:  # fmt: skip
    return publish_episode(show, newsletter, mastered, storage, base_url, slug)
