from pathlib import Path

import pytest

from castwright.core.errors import NewsletterError
from castwright.core.paths import DEFAULT_NEWSLETTER
from tasks.newsletter.stage import episode_slug, load_newsletter, parse_newsletter, read_text

HOSTS = ["Ada", "Marvin"]
LOOPBACK = frozenset({"127.0.0.1"})  # the test servers: allowed although not public

SHAPES = """---
title: Shapes
date: 2026-01-05
---
# Ignored H1

## Bold comments
Body with a [link](https://example.com/a) and ![img](pic.png).

**Ada:** First opinion.

**Marvin:** Second opinion
that goes on.

Trailing body paragraph.

## Quoted comments
```python
# not a heading
Ada: not a comment inside code
```
| a | b |
|---|---|
| 1 | 2 |

> Marvin: quoted take.
> Ada: quoted reply.

## List comments
Some news.

Comments:
- Ada: listed one.
- **Marvin**: listed two.
"""


def test_parses_all_comment_shapes_lists_code_and_reads_tables_as_sentences() -> None:
    nl = parse_newsletter(SHAPES, HOSTS)
    assert nl.title == "Shapes" and str(nl.date) == "2026-01-05"
    assert [s.title for s in nl.sections] == ["Bold comments", "Quoted comments", "List comments"]
    bold, quoted, listed = nl.sections
    assert [(c.host, c.text) for c in bold.comments] == [
        ("Ada", "First opinion."),
        ("Marvin", "Second opinion that goes on."),
    ]
    assert "Trailing body paragraph." in bold.body and "img" not in bold.body
    assert bold.links[0].url == "https://example.com/a"
    assert [(c.host, c.text) for c in quoted.comments] == [
        ("Marvin", "quoted take."),
        ("Ada", "quoted reply."),
    ]
    assert "not a comment" not in quoted.body and quoted.body == "a: 1, b: 2."
    code = [o for o in nl.left_out if o.kind == "code block"]
    assert [(o.section, o.first_words) for o in code] == [
        ("Quoted comments", "# not a heading Ada: not a comment ...")
    ]
    assert [(o.kind, o.first_words) for o in nl.left_out if o.kind == "image"] == [("image", "img")]
    assert [(c.host, c.text) for c in listed.comments] == [
        ("Ada", "listed one."),
        ("Marvin", "listed two."),
    ]
    assert "Comments" not in listed.body


def test_example_newsletter_has_both_hosts_on_every_section() -> None:
    nl = load_newsletter(DEFAULT_NEWSLETTER, HOSTS)
    assert 3 <= len(nl.sections) <= 5
    for section in nl.sections:
        assert {c.host for c in section.comments} == set(HOSTS)


def test_no_comments_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    nl = parse_newsletter("## News\nSomething happened.\n", HOSTS)
    assert nl.comment_count == 0
    assert "no host comments" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("## Caf\u00e9\ncr\u00e8me".encode("latin-1"), "not UTF-8"),
        (b"x" * 1_000_001, "limit"),
    ],
)
def test_unreadable_input_gets_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "issue.md"
    path.write_bytes(content)
    with pytest.raises(NewsletterError, match=message):
        read_text(path)


def test_text_without_sections_is_refused() -> None:
    with pytest.raises(NewsletterError, match="no sections"):
        parse_newsletter("---\ntitle: x\n---\n\n", HOSTS)


def test_slug_is_stable_and_safe() -> None:
    nl = parse_newsletter(
        "---\ntitle: '../../etc <script>'\ndate: 2026-02-03\n---\n## A\nb\n", HOSTS
    )
    assert episode_slug(nl) == "2026-02-03-etc-script"
    undated = parse_newsletter("# Hello World\n## A\nb\n", HOSTS)
    assert episode_slug(undated) == episode_slug(undated)
    assert episode_slug(undated).startswith("hello-world-")


HTML_ISSUE = """<!doctype html><html><head><title>x</title><style>p{}</style></head><body>
<nav>Home | About</nav><h1>Web Issue</h1>
<h2>Chips get cheaper</h2><p>Prices fell by a third. <a href="https://example.com/chips">Source</a></p>
<p><strong>Ada:</strong> Finally good news.</p>
<blockquote>Marvin: Wait for the next shortage.</blockquote>
<script>alert('x')</script></body></html>"""


def test_issue_from_an_html_url() -> None:
    from tasks.newsletter.stage import load_newsletter
    from tests.fakes.http import Reply, serve

    with serve(lambda request: Reply(200, raw=HTML_ISSUE.encode())) as server:
        nl = load_newsletter(f"{server.base_url}/issue.html", HOSTS, LOOPBACK)
    assert nl.title == "Web Issue"
    (section,) = nl.sections
    assert section.title == "Chips get cheaper" and "Prices fell by a third." in section.body
    assert section.links[0].url == "https://example.com/chips"
    assert [(c.host, c.text) for c in section.comments] == [
        ("Ada", "Finally good news."),
        ("Marvin", "Wait for the next shortage."),
    ]
    assert "alert" not in section.body and "Home" not in section.body


_PROSE = "The community met twice this week and agreed on the next release, after a long talk. "
NEWSLETTER_PAGE = f"""<!doctype html><html><head><title>Weekly</title></head><body>
<header class="site"><h1>Weekly</h1><p>Delivered to your inbox</p></header>
<article><section id="content"><header><h1>#07 - Spring</h1></header>
<p>{_PROSE * 3}</p>
<h2>News</h2><p>{_PROSE * 4}</p><p>{_PROSE * 2}</p>
<div id="reading"><h2>Reading</h2>
<ul><li><a href="https://example.com/a">Reproducible papers with Nix</a></li></ul>
<ul><li><a href="https://example.com/b">NixOS versus CoreOS</a></li></ul></div>
<h2>Editor's corner</h2><p>{_PROSE}</p></section></article></body></html>"""


def test_a_pages_link_lists_and_its_own_title_are_kept() -> None:
    """Readability finds the main content; its link lists (a newsletter's news) are kept as the
    page has them, and the title is the content's own h1, not the site's masthead."""
    nl = parse_newsletter(NEWSLETTER_PAGE, HOSTS, "issue.html")
    assert nl.title == "#07 - Spring"
    assert [s.title for s in nl.sections] == ["#07 - Spring", "News", "Reading", "Editor's corner"]
    reading = nl.sections[2]
    assert "Reproducible papers with Nix" in reading.body and len(reading.links) == 2


def test_url_errors_are_clear() -> None:
    from tasks.newsletter.stage import load_newsletter
    from tests.fakes.http import Reply, serve

    with (
        serve(lambda request: Reply(404, {"error": "nope"})) as server,
        pytest.raises(NewsletterError, match="404"),
    ):
        load_newsletter(f"{server.base_url}/missing.md", HOSTS, LOOPBACK)


def test_portuguese_titles_keep_their_letters_in_slugs() -> None:
    from castwright.core.models import Newsletter
    from tasks.newsletter.stage import episode_slug

    issue = Newsletter(title="Edição de Março: ações", source_sha256="0" * 64, sections=[])
    assert episode_slug(issue).startswith("edicao-de-marco-acoes-")
