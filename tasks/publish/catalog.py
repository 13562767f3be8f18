"""The episode catalog: catalog.json in storage, the source of truth for every published episode.

The feed and the show page are regenerated from it on every publish (feedgen cannot read a feed
back). Episode identity is stable: the GUID is a UUIDv5 of the show's GUID and the episode slug,
and an episode keeps its number and first publication date when its issue is published again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from castwright.clients.storage import REVALIDATE, Storage
from castwright.core.errors import PublishError
from castwright.core.models import Chapter, Newsletter, PastEpisode, PastTopic

CATALOG_KEY = "catalog.json"
# Podcasting 2.0 <podcast:guid> namespace: uuid5(this, feed URL without scheme).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Slug = Annotated[str, Field(pattern=_SLUG.pattern, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteLink(Strict):
    text: str
    url: str


class NoteSection(Strict):
    """One newsletter section as it appears in the show notes: its title and its links."""

    title: str
    links: list[NoteLink] = Field(default_factory=list)


class EpisodeRecord(Strict):
    guid: str
    slug: Slug
    number: int = Field(ge=1)
    title: str
    pub_date: AwareDatetime
    notes: list[NoteSection]
    audio_key: str
    audio_bytes: int = Field(gt=0)
    audio_sha256: str
    duration_s: float = Field(gt=0)
    transcript_vtt_key: str | None = None
    transcript_srt_key: str | None = None
    chapters_key: str | None = None
    chapters: list[Chapter] = Field(default_factory=list)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    #: the issue's id at its newsletter source (feed GUID or link, file name); None: named by hand
    source_id: str | None = None
    #: the show's memory of this episode: each section's topic and the hosts' stances on it
    topics: list[PastTopic] = Field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """Every storage key this episode's published files live at."""
        optional = [self.transcript_vtt_key, self.transcript_srt_key, self.chapters_key]
        return [self.audio_key, *(k for k in optional if k)]


class Catalog(Strict):
    format: Literal[1] = 1
    show_guid: str
    next_number: int = Field(
        default=1, ge=1, description="Numbers are never reused, even after removal."
    )
    episodes: list[EpisodeRecord] = Field(default_factory=list)
    cover_key: str | None = Field(default=None, description="The cover the feed points at.")

    @property
    def keys(self) -> set[str]:
        """Every storage key this catalog records: only these may ever be swept."""
        keys = {k for ep in self.episodes for k in ep.keys}
        return keys | {self.cover_key} if self.cover_key else keys

    def newest_first(self) -> list[EpisodeRecord]:
        return sorted(self.episodes, key=lambda e: (e.pub_date, e.number), reverse=True)

    def find(self, guid_or_slug: str) -> EpisodeRecord | None:
        return next((e for e in self.episodes if guid_or_slug in (e.guid, e.slug)), None)

    def episode_guid(self, slug: str) -> str:
        """Stable per show and slug: UUIDv5 of the show GUID and the slug."""
        return str(uuid.uuid5(uuid.UUID(self.show_guid), validate_slug(slug)))


def validate_slug(slug: str) -> str:
    if len(slug) > 100 or not _SLUG.fullmatch(slug):
        raise PublishError(
            f"episode slug {slug!r} is not allowed: use lowercase letters, digits and single "
            "dashes, e.g. '2026-11-16-the-weekly-signal' (at most 100 characters)"
        )
    return slug


def show_guid(feed_url: str) -> str:
    """The Podcasting 2.0 show GUID, from the feed URL without scheme or trailing slash."""
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", feed_url, flags=re.I).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def show_notes(newsletter: Newsletter) -> list[NoteSection]:
    """Section titles and their web links (only http/https: nothing a reader's app could run)."""
    return [
        NoteSection(
            title=s.title,
            links=[NoteLink(text=k.text, url=k.url) for k in s.links if _is_web_url(k.url)],
        )
        for s in newsletter.sections
    ]


def _is_web_url(url: str) -> bool:
    return re.match(r"^https?://[^\s<>\"']+$", url, flags=re.I) is not None


def load_catalog(storage: Storage, feed_url: str, feed_key: str) -> tuple[Catalog, str | None]:
    """The catalog in storage and its version tag, or a new empty one (tag None) the first time
    a show is published; never a new one over a published feed (its episodes would vanish)."""
    catalog, tag = read_tagged(storage)
    if catalog is not None:
        return catalog, tag
    if storage.exists(feed_key):
        raise PublishError(
            f"{storage!r} holds {feed_key} but no {CATALOG_KEY}: publishing now would start a new "
            f"catalog and drop every published episode from the feed. Restore {CATALOG_KEY} from "
            f"a backup, or move {feed_key} away to start a new show there"
        )
    return Catalog(show_guid=show_guid(feed_url)), None


def read_catalog(storage: Storage) -> Catalog | None:
    return read_tagged(storage)[0]


def read_tagged(storage: Storage) -> tuple[Catalog | None, str | None]:
    found = storage.get_tagged(CATALOG_KEY)
    if found is None:
        return None, None
    try:
        return Catalog.model_validate_json(found[0]), found[1]
    except ValidationError as exc:
        raise PublishError(
            f"{CATALOG_KEY} in {storage!r} is damaged ({exc.error_count()} problems, first: "
            f"{exc.errors()[0]['msg']}); restore it from a backup or fix it by hand. Do not "
            "delete it: a feed rebuilt without it would drop every published episode"
        ) from exc


def save_catalog(storage: Storage, catalog: Catalog, tag: str | None) -> None:
    """Replace the catalog only if it is still the version `tag` that was read (a conditional
    write: on S3 If-Match / If-None-Match), so no writer's episodes are ever overwritten."""
    data = json.dumps(catalog.model_dump(mode="json"), indent=2, ensure_ascii=False)
    storage.put_if(CATALOG_KEY, data.encode(), "application/json", tag, REVALIDATE)


def upsert(catalog: Catalog, record: EpisodeRecord) -> tuple[Catalog, EpisodeRecord]:
    """Add `record`, or update the episode with its slug in place (same GUID, number, date)."""
    old = catalog.find(record.slug)
    if old is None:
        record = record.model_copy(update={"number": catalog.next_number})
        episodes = [*catalog.episodes, record]
        next_number = catalog.next_number + 1
    else:
        keep = {"guid": old.guid, "number": old.number, "pub_date": old.pub_date,
                "created_at": old.created_at}  # fmt: skip
        keep["source_id"] = record.source_id or old.source_id  # a rerun by hand keeps it
        record = record.model_copy(update=keep)
        episodes = [record if e.slug == record.slug else e for e in catalog.episodes]
        next_number = catalog.next_number
    updated = catalog.model_copy(update={"episodes": episodes, "next_number": next_number})
    return updated, record


def remove(catalog: Catalog, guid_or_slug: str) -> tuple[Catalog, EpisodeRecord]:
    found = catalog.find(guid_or_slug)
    if found is None:
        known = ", ".join(e.slug for e in catalog.newest_first()) or "none"
        raise PublishError(f"no published episode {guid_or_slug!r}; published: {known}")
    episodes = [e for e in catalog.episodes if e.guid != found.guid]
    return catalog.model_copy(update={"episodes": episodes}), found


def published_source_ids(catalog: Catalog | None) -> set[str]:
    """The source ids of every published issue (what the weekly run must not publish again)."""
    return {e.source_id for e in catalog.episodes if e.source_id} if catalog else set()


MEMORY_CHARS = 240  # of a summary or a stance: enough to call back to it, short in a prompt


def episode_topics(newsletter: Newsletter) -> list[PastTopic]:
    """What the show's history keeps of an issue: per section, its title, the news's first
    sentence and each host's comment (their stance)."""
    return [PastTopic(title=s.title, summary=_clip(re.split(r"(?<=[.!?])\s", s.body, maxsplit=1)[0]),
                      stances={h: _clip(" ".join(c.text for c in s.comments if c.host == h))
                               for h in dict.fromkeys(c.host for c in s.comments)})
            for s in newsletter.sections]  # fmt: skip


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MEMORY_CHARS else text[: MEMORY_CHARS - 1].rstrip() + "…"


def show_history(catalog: Catalog | None, slug: str, limit: int = 4) -> list[PastEpisode]:
    """The most recent earlier episodes (not `slug` itself), newest first, with their topics."""
    if catalog is None:
        return []
    earlier = [e for e in catalog.newest_first() if e.slug != slug and e.topics]
    return [PastEpisode(title=e.title, date=e.pub_date.date(), topics=e.topics)
            for e in earlier[:limit]]  # fmt: skip


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
