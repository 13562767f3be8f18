"""Newsletter sources: feeds (RSS and Atom, full content or a link), folders and globs, and the
choice of this week's issue."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from castwright.core.config import ShowConfig
from castwright.core.errors import NewsletterError
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.source import NewsletterSource
from tasks.newsletter.source import (
    SourceIssue,
    feed_issues,
    find_new_issue,
    folder_issues,
    list_issues,
    load_source_issue,
    newest_unpublished,
)
from tests.fakes.http import Reply, Request, serve

HOSTS = ["Ada", "Marvin"]

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Buttondown</title><id>urn:x</id>
<updated>2026-11-16T07:00:00Z</updated>
<entry><title>Older</title><id>urn:older</id><updated>2026-11-09T07:00:00Z</updated>
  <content type="html">&lt;h2&gt;Old news&lt;/h2&gt;&lt;p&gt;Something old happened.&lt;/p&gt;</content></entry>
<entry><title>Newer issue</title><id>urn:newer</id><updated>2026-11-16T07:00:00Z</updated>
  <content type="html">&lt;h2&gt;Solar glass&lt;/h2&gt;&lt;p&gt;Windows make power.&lt;/p&gt;
  &lt;p&gt;&lt;b&gt;Ada:&lt;/b&gt; Every tower is a power plant.&lt;/p&gt;</content></entry>
</feed>"""


def test_an_atom_feed_lists_entries_newest_first_with_their_ids() -> None:
    issues = feed_issues(ATOM, "atom")
    assert [i.id for i in issues] == ["urn:newer", "urn:older"]
    assert issues[0].published == dt.datetime(2026, 11, 16, 7, tzinfo=dt.UTC)
    assert issues[0].text is not None and "## Solar glass" in issues[0].text


def test_the_issue_takes_the_feed_entrys_title_and_date() -> None:
    issue = newest_unpublished(feed_issues(ATOM, "atom"), set())
    assert issue is not None
    newsletter = load_source_issue(issue, HOSTS)
    assert newsletter.title == "Newer issue" and newsletter.date == dt.date(2026, 11, 16)
    assert newsletter.source_id == "urn:newer"
    assert newsletter.sections[0].comments[0].host == "Ada"


def test_a_feed_entry_without_content_is_read_from_its_link() -> None:
    def route(request: Request) -> Reply:
        if request.path == "/feed":
            item = (f"<item><title>Linked</title><link>{base}/p/linked</link>"
                    "<pubDate>Mon, 16 Nov 2026 07:00:00 GMT</pubDate></item>")  # fmt: skip
            return Reply(
                200,
                raw=f"<rss version='2.0'><channel><title>x</title>{item}</channel></rss>".encode(),
            )
        page = (
            "<html><body><h2>The story</h2><p>A thing happened.</p><p>Ada: Good.</p></body></html>"
        )
        return Reply(200, raw=page.encode())

    with serve(route) as server:
        base = server.base_url
        source = NewsletterSource(feed=f"{base}/feed", allow_hosts=["127.0.0.1"])
        newsletter = find_new_issue(source, set(), HOSTS)
        with pytest.raises(NewsletterError, match="127.0.0.1"):  # a private address, not allowed
            find_new_issue(NewsletterSource(feed=f"{base}/feed"), set(), HOSTS)
    assert newsletter is not None and newsletter.source_id == f"{base}/p/linked"
    assert newsletter.title == "Linked" and newsletter.sections[0].body == "A thing happened."


def test_a_feed_entry_may_not_point_at_a_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "notes.md"
    secret.write_text("# Private\n\n## Notes\nNot for the feed.\n\n**Ada:** Mine.\n")
    issue = SourceIssue(id="x", title="x", published=None, link=str(secret), from_feed=True)
    with pytest.raises(NewsletterError, match="not an http"):
        load_source_issue(issue, HOSTS)
    folder_issue = SourceIssue(id="notes.md", title="x", published=None, link=str(secret))
    assert load_source_issue(folder_issue, HOSTS).title == "Private"  # a folder source may


def test_a_feed_link_is_named_without_its_token() -> None:
    issue = SourceIssue(id="x", title="x", published=None, text="<img src=x.png>",
                        link="https://news.example/p/1?token=s3cret", from_feed=True)  # fmt: skip
    with pytest.raises(NewsletterError, match="news.example") as error:
        load_source_issue(issue, HOSTS)
    assert "s3cret" not in str(error.value)


def test_the_newest_issue_is_new_only_when_the_catalog_lacks_it() -> None:
    issues = [SourceIssue(id=n, title=n, published=None) for n in ("c", "b", "a")]
    assert newest_unpublished(issues, set()) == issues[0]  # the back catalogue is not voiced
    assert newest_unpublished(issues, {"a"}) == issues[0]
    assert newest_unpublished(issues, {"c"}) is None
    assert newest_unpublished([], set()) is None


def test_a_folder_is_ordered_by_front_matter_date_else_modification_time(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("---\ndate: 2026-11-16\n---\n## A\nText.\n")
    (tmp_path / "a.md").write_text("---\ndate: 2026-11-23\n---\n## A\nText.\n")
    undated = tmp_path / "z.md"
    undated.write_text("## A\nText.\n")
    os.utime(undated, (1_000_000_000, 1_000_000_000))  # 2001
    (tmp_path / "notes.txt").write_text("not an issue")
    assert [i.id for i in folder_issues(str(tmp_path))] == ["a.md", "b.md", "z.md"]
    assert [i.id for i in folder_issues(str(tmp_path / "*.md"))] == ["a.md", "b.md", "z.md"]
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "c.md").write_text("---\ndate: 2026-11-30\n---\n## A\nText.\n")
    assert folder_issues(str(tmp_path / "*" / "*.md"))[0].id == "2026/c.md"  # id: below the glob


def test_a_missing_folder_or_feed_says_so(tmp_path: Path) -> None:
    with pytest.raises(NewsletterError, match="no such folder"):
        folder_issues(str(tmp_path / "nowhere"))
    with pytest.raises(NewsletterError, match="file not found"):
        list_issues(NewsletterSource(feed=str(tmp_path / "feed.xml")))
    (tmp_path / "feed.xml").write_text("this is not xml at all {")
    with pytest.raises(NewsletterError, match="not an RSS or Atom feed"):
        list_issues(NewsletterSource(feed=str(tmp_path / "feed.xml")))


def test_the_show_file_takes_exactly_one_source_and_resolves_paths(tmp_path: Path) -> None:
    from castwright.core.config import load_show
    from castwright.core.errors import ConfigError

    data = yaml.safe_load(DEFAULT_SHOW.read_text())
    data["cover"] = str((DEFAULT_SHOW.parent / data["cover"]).resolve())
    data["source"] = {"folder": "issues"}
    path = tmp_path / "show.yaml"
    path.write_text(yaml.safe_dump(data))
    show: ShowConfig = load_show(path)
    assert show.source is not None and show.source.folder == str(tmp_path.resolve() / "issues")
    data["source"] = {"folder": "issues", "feed": "https://example.com/feed"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="source: .*exactly one of feed, folder or issue"):
        load_show(path)


def test_the_front_matter_date_beats_the_modification_time(tmp_path: Path) -> None:
    """A fresh clone gives every file the same arbitrary modification time: the issues' own
    dates must decide (the front matter keeps them as text, '2026-11-16')."""
    (tmp_path / "newer.md").write_text("---\ndate: 2026-11-16\n---\n## A\nText.\n")
    (tmp_path / "older.md").write_text('---\ndate: "2026-11-09"\n---\n## A\nText.\n')
    os.utime(tmp_path / "newer.md", (1_000_000_000, 1_000_000_000))  # touched long before
    assert [i.id for i in folder_issues(str(tmp_path))] == ["newer.md", "older.md"]
    assert folder_issues(str(tmp_path))[0].published == dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
