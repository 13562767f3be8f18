"""The show's memory: what an episode leaves in the catalog, and the repeat check."""

from __future__ import annotations

import datetime as dt

from castwright.core.models import PastEpisode, PastTopic
from tasks.newsletter.stage import parse_newsletter
from tasks.publish.catalog import Catalog, EpisodeRecord, episode_topics, show_history
from tasks.script.history import repeated_topics

HOSTS = ["Ada", "Marvin"]
EARLIER = PastEpisode(title="Week 1", date=dt.date(2026, 11, 16), topics=[
    PastTopic(title="Solar glass", summary="Windows that make electricity passed a field test."),
    PastTopic(title="Chip tariffs", summary="New tariffs on imported chips start in March."),
])  # fmt: skip


def issue(title: str, news: str) -> str:
    return f"---\ntitle: Week 2\ndate: 2026-11-23\n---\n## {title}\n{news}\n\n**Ada:** Yes.\n"


def test_a_continued_story_is_flagged_and_a_new_one_is_not() -> None:
    repeated = parse_newsletter(
        issue("Solar windows, again", "Windows that make electricity passed a second field test."),
        HOSTS,
    )
    (found,) = repeated_topics(repeated, [EARLIER])
    assert found.earlier_topic == "Solar glass" and found.earlier_episode == "Week 1"
    fresh = parse_newsletter(
        issue("Battery week", "A new chemistry doubles phone battery life."), HOSTS
    )
    assert repeated_topics(fresh, [EARLIER]) == []
    same_title = parse_newsletter(issue("Chip tariffs", "Officials delayed them again."), HOSTS)
    assert [r.earlier_topic for r in repeated_topics(same_title, [EARLIER])] == ["Chip tariffs"]


def test_the_catalog_keeps_topics_and_stances_and_recalls_the_newest_first() -> None:
    text = ("---\ntitle: Week 1\ndate: 2026-11-16\n---\n## Solar glass\nWindows make power. "
            "A second sentence.\n\n**Ada:** Every tower is a plant.\n\n**Marvin:** Only if clean.\n")  # fmt: skip
    (topic,) = episode_topics(parse_newsletter(text, HOSTS))
    assert topic.summary == "Windows make power."
    assert topic.stances == {"Ada": "Every tower is a plant.", "Marvin": "Only if clean."}
    now = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)

    def record(n: int, slug: str) -> EpisodeRecord:
        return EpisodeRecord(guid=slug, slug=slug, number=n, title=slug, notes=[], audio_key="a",
                             audio_bytes=1, audio_sha256="x", duration_s=1.0, topics=[topic],
                             pub_date=now + dt.timedelta(days=7 * n), created_at=now, updated_at=now)  # fmt: skip

    catalog = Catalog(show_guid="00000000-0000-0000-0000-000000000000",
                      episodes=[record(n, f"ep-{n}") for n in range(1, 7)])  # fmt: skip
    history = show_history(catalog, "ep-6")
    assert [e.title for e in history] == ["ep-5", "ep-4", "ep-3", "ep-2"]  # not itself; 4 newest
    assert show_history(None, "ep-1") == []
