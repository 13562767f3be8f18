"""Hostile inputs on the weekly run's source paths (the show's `source`: a feed or a folder): each
is a one-line error naming what to change, or a safe skip, and nothing is read from or written
outside where it belongs. (Hostile newsletters themselves: tests/flows/test_hostile_input.py;
hostile URLs of one issue: test_fetch.py.)"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml

from castwright.core.config import load_show
from castwright.core.errors import ConfigError, NewsletterError
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.source import NewsletterSource
from tasks.newsletter.source import (
    MAX_FEED_BYTES,
    SourceIssue,
    find_new_issue,
    folder_issues,
    list_issues,
    load_source_issue,
)
from tasks.newsletter.stage import episode_slug
from tests.fakes.raw_http import send, serve_routes
from tests.newsletter.test_fetch import gzip_of_zeros

HOSTS = ["Ada", "Marvin"]
LOOPBACK = ["127.0.0.1"]


def rss(items: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{prolog}<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>News'
            f"</title>{items}</channel></rss>").encode()  # fmt: skip


def item(title: str, guid: str = "g1", link: str = "", content: str | None = None) -> str:
    body = f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else ""
    return (f"<item><title>{title}</title><guid>{guid}</guid><link>{link}</link>"
            f"<pubDate>Mon, 16 Nov 2026 07:00:00 GMT</pubDate>{body}</item>")  # fmt: skip


def feed_file(tmp_path: Path, data: bytes) -> NewsletterSource:
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    return NewsletterSource(feed=str(path))


LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)  # each level ten of the one below: 10^9 "lol"s
ENTITY_FEEDS = {
    "billion laughs": (f'<!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>', "&lol9;"),
    "quadratic blow-up": (f'<!DOCTYPE rss [<!ENTITY a "{"A" * 100_000}">]>', "&a;" * 20_000),
    "external entity": ('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
}


@pytest.mark.parametrize("kind", sorted(ENTITY_FEEDS))
def test_a_feed_that_declares_entities_is_refused_before_parsing(kind: str, tmp_path: Path) -> None:
    prolog, use = ENTITY_FEEDS[kind]
    html = f"<h2>News</h2><p>{use}</p>"
    source = feed_file(tmp_path, rss(item(use, content=html), prolog))
    with pytest.raises(NewsletterError, match=r"declares XML entities \(<!ENTITY> in its DOCTYPE"):
        list_issues(source)


def test_entity_text_inside_an_issue_is_not_a_declaration(tmp_path: Path) -> None:
    """An issue about XML may show `<!ENTITY ...>` in its text: only the prolog counts."""
    html = "<h2>XML</h2><p>Never accept &lt;!ENTITY&gt; from strangers: <!ENTITY x 'y'></p>"
    source = feed_file(tmp_path, rss(item("XML week", content=html)))
    assert [i.id for i in list_issues(source)] == ["g1"]


def test_a_huge_feed_file_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    with path.open("wb") as out:  # sparse: 30 MB on paper, nothing on disk
        out.truncate(30_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(NewsletterError, match="over the 20,000,000-byte limit"):
            list_issues(NewsletterSource(feed=str(path)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_FEED_BYTES // 10, f"held {peak / 2**20:.0f} MiB before refusing"


def test_a_gzip_bombed_feed_url_stops_at_the_feed_cap() -> None:
    bomb = gzip_of_zeros(200 << 20)  # 200 MiB once inflated, ~200 KB on the wire
    with serve_routes({"/feed": send(200, bomb, Content_Encoding="gzip"),
                       "*": send(404)}) as (port, _hits):  # fmt: skip
        source = NewsletterSource(feed=f"http://127.0.0.1:{port}/feed", allow_hosts=LOOPBACK)
        with pytest.raises(NewsletterError, match="over the 20,000,000-byte limit"):
            list_issues(source)


def test_one_huge_feed_entry_is_refused_like_a_huge_issue(tmp_path: Path) -> None:
    """A feed may be 20 MB (many issues' full HTML); one issue may not be over 1 MB."""
    html = "<h2>Big</h2><p>" + "word " * 300_000 + "</p>"
    source = feed_file(tmp_path, rss(item("Big issue", content=html)))
    with pytest.raises(
        NewsletterError, match="'g1': 1,500,0.. bytes of text is over the 1,000,000"
    ):
        find_new_issue(source, set(), HOSTS)


@pytest.mark.parametrize(
    "link",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/issue",
     "http://[::ffff:127.0.0.1]:9/x", "http://localhost:4200/api/"],
)  # fmt: skip
def test_a_feed_item_linking_to_a_private_address_is_refused(link: str, tmp_path: Path) -> None:
    source = feed_file(tmp_path, rss(item("Linked", link=link)))  # no content: read the link
    with pytest.raises(NewsletterError, match="resolves to a non-public address"):
        find_new_issue(source, set(), HOSTS)


def test_a_feed_item_redirecting_to_a_private_address_is_refused() -> None:
    """The feed's host is allowed (an intranet feed); its item redirects to another private
    host, which is not: the redirect is checked like the first hop, and never followed."""
    with serve_routes({"*": send(200, b"## Secret\nInternal only.\n")}) as (inner, inner_hits):
        routes = {"/p/1": send(302, Location=f"http://localhost:{inner}/secret"), "*": send(404)}
        with serve_routes(routes) as (port, _hits):
            base = f"http://127.0.0.1:{port}"
            routes["/feed"] = send(200, rss(item("Moved", link=f"{base}/p/1")))  # read per request
            source = NewsletterSource(feed=f"{base}/feed", allow_hosts=LOOPBACK)
            with pytest.raises(NewsletterError, match="'localhost' resolves to a non-public"):
                find_new_issue(source, set(), HOSTS)
    assert inner_hits == []


def show_with_folder(folder: Path, source: str) -> Path:
    data = yaml.safe_load(DEFAULT_SHOW.read_text(encoding="utf-8"))
    data["cover"] = str((DEFAULT_SHOW.parent / data["cover"]).resolve())
    data["source"] = {"folder": source}
    path = folder / "show.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "folder", ["..", "../*.md", "issues/../../*", "/etc", "/etc/**/*.md", "issues/../../issues"]
)
def test_a_folder_source_escaping_the_show_folder_is_refused(folder: str, tmp_path: Path) -> None:
    show_dir = tmp_path / "show"
    (show_dir / "issues").mkdir(parents=True)
    with pytest.raises(ConfigError, match="source: folder .* leads outside the show file's folder"):
        load_show(show_with_folder(show_dir, folder))


def test_a_symlinked_source_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    show_dir = tmp_path / "show"
    show_dir.mkdir()
    (show_dir / "issues").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="leads outside the show file's folder"):
        load_show(show_with_folder(show_dir, "issues"))


def test_links_out_of_the_show_folder_are_skipped(tmp_path: Path) -> None:
    """Inside an accepted folder, a link to a file or folder elsewhere is never read."""
    secret = tmp_path / "private"
    secret.mkdir()
    (secret / "diary.md").write_text("---\ndate: 2030-01-01\n---\n## Diary\nPrivate.\n")
    show_dir = tmp_path / "show"
    issues = show_dir / "issues"
    issues.mkdir(parents=True)
    (issues / "real.md").write_text("---\ndate: 2026-11-16\n---\n## News\nPublic.\n")
    (issues / "newest.md").symlink_to(secret / "diary.md")
    (issues / "more").symlink_to(secret)
    for pattern in ("issues", "issues/**/*.md"):
        source = load_show(show_with_folder(show_dir, pattern)).source
        assert source is not None
        assert [i.id for i in list_issues(source)] == ["real.md"]
    assert sorted(i.id for i in folder_issues(str(issues))) == ["newest.md", "real.md"]  # unguarded


def test_an_oversized_file_in_the_folder_is_refused_without_being_read(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    issues.mkdir()
    with (issues / "huge.md").open("wb") as out:
        out.truncate(200_000_000)  # sparse: 200 MB on paper, nothing on disk
    tracemalloc.start()
    try:
        with pytest.raises(NewsletterError, match="huge.md: 200,000,000 bytes is over the 1,000,"):
            folder_issues(str(issues))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"read {peak / 2**20:.0f} MiB of it before refusing"


@pytest.mark.parametrize(
    ("title", "dated", "slug"),
    [("../../../../etc/cron.d/evil", True, "2026-11-16-etc-cron-d-evil"),
     ("..\\..\\windows\\system32", True, "2026-11-16-windows-system32"),
     ("../..", False, None), ("/", False, None)],
)  # fmt: skip
def test_a_title_built_to_traverse_paths_gives_a_plain_slug(
    title: str, dated: bool, slug: str | None
) -> None:
    import datetime as dt

    html = "<h2>News</h2><p>Something happened.</p><p><b>Ada:</b> Fine.</p>"
    issue = SourceIssue(id="x", title=title, from_feed=True, text=_markdown(html),
                        published=dt.datetime(2026, 11, 16, tzinfo=dt.UTC) if dated else None)  # fmt: skip
    made = episode_slug(load_source_issue(issue, HOSTS))
    assert "/" not in made and "\\" not in made and ".." not in made and made
    if slug:
        assert made == slug
    else:  # nothing left of the title: the slug is the issue's hash alone
        assert len(made) == 8 and made.isalnum()


def _markdown(html: str) -> str:
    from tasks.newsletter.html import html_to_markdown

    return html_to_markdown(html)
