"""The weekly run finds its issue at the show's source (a feed served over HTTP, a folder): it
voices the newest one, then says "nothing new" and changes nothing until a newer issue appears.
The real flow runs against the fake OpenAI and RunPod endpoints, on issues of one short section."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from prefect.states import State

from flows.episode import episode_flow
from tests.fakes.http import FakeServer, Reply, Request, serve
from tests.flows.conftest import Services, lenient_show

ISSUES = [  # oldest first: (guid, title, date, news, Ada's comment, Marvin's comment)
    ("issue-41", "Quiet week", "2026-11-09", "A small library reached version two.",
     "Version numbers are overrated.", "Still, two beats one."),
    ("issue-42", "Solar glass", "2026-11-16", "Windows that make electricity passed a field test.",
     "Every office tower becomes a power plant.", "Only if the glass survives the cleaners."),
    ("issue-43", "Battery week", "2026-11-23", "A new battery chemistry doubles phone battery life.",
     "Finally a hardware story for everyone.", "I will believe it when my phone lasts a weekend."),
]  # fmt: skip


def issue_html(title: str, news: str, ada: str, marvin: str) -> str:
    return (f"<h2>{title}</h2><p>{news}</p>"
            f"<p><strong>Ada:</strong> {ada}</p><p><strong>Marvin:</strong> {marvin}</p>")  # fmt: skip


def rss(issues: list[tuple[str, ...]]) -> bytes:
    """An RSS 2.0 feed as Substack and Ghost publish it: the full issue in content:encoded."""
    items = "".join(
        f'<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>'
        f"<link>https://news.example.com/p/{guid}</link>"
        f"<pubDate>{_rfc822(date)}</pubDate>"
        f"<content:encoded><![CDATA[{issue_html(title, news, ada, marvin)}]]></content:encoded></item>"
        for guid, title, date, news, ada, marvin in reversed(issues)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>The Newsletter</title><link>https://news.example.com/</link>{items}"
            "</channel></rss>").encode()  # fmt: skip


def _rfc822(date: str) -> str:
    import datetime as dt
    from email.utils import format_datetime

    return format_datetime(dt.datetime.fromisoformat(date).replace(hour=7, tzinfo=dt.UTC))


def markdown(issue: tuple[str, ...]) -> str:
    _, title, date, news, ada, marvin = issue
    return (f"---\ntitle: {title}\ndate: {date}\n---\n## {title}\n{news}\n\n"
            f"**Ada:** {ada}\n\n**Marvin:** {marvin}\n")  # fmt: skip


def show_with(folder: Path, source: dict[str, Any]) -> Path:
    path = lenient_show(folder)
    show = yaml.safe_load(path.read_text(encoding="utf-8"))
    show["source"] = source
    show["script"]["target_minutes"] = 0.5
    path.write_text(yaml.safe_dump(show, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def feed_server() -> Iterator[tuple[FakeServer, list[tuple[str, ...]]]]:
    served = list(ISSUES[:2])

    def route(request: Request) -> Reply:
        if request.path == "/feed":
            return Reply(200, raw=rss(served))
        return Reply(404, {"error": "not found"})

    with serve(route) as server:
        yield server, served


def weekly_run(services: Services, show: Path) -> State[Any]:
    return episode_flow(show=str(show), out=str(services.out), return_state=True)  # type: ignore[no-any-return]


def published(services: Services) -> list[str]:
    feed = feedparser.parse((services.out / "feed.xml").read_bytes())
    return sorted(entry.title for entry in feed.entries)


def snapshot(services: Services) -> dict[str, bytes]:
    files = [services.out / "catalog.json", services.out / "feed.xml", services.out / "index.html"]
    return {p.name: p.read_bytes() for p in files}


def check_weekly(services: Services, show: Path, add_third: Callable[[], None]) -> None:
    first = weekly_run(services, show)
    assert first.is_completed()
    assert published(services) == ["Solar glass"]  # the newest of the two, not the older one
    catalog = json.loads((services.out / "catalog.json").read_text())
    assert [e["source_id"] for e in catalog["episodes"]] == [_id(show, ISSUES[1])]
    resolved = json.loads(Path(first.result()["manifest"]).read_text())["configuration"]
    assert resolved["origins"]["show_file"] == "flag"  # the flow's `show` parameter
    assert resolved["origins"]["show.script.target_minutes"] == "show file"
    assert resolved["show"]["script"]["target_minutes"] == 0.5

    before, llm_calls = snapshot(services), len(services.llm_server.requests)
    services.runpod.jobs.clear()
    second = weekly_run(services, show)
    assert second.is_completed() and second.message and "nothing new" in second.message
    assert second.result()["nothing_new"] is True
    assert snapshot(services) == before  # nothing changed
    assert services.runpod.jobs == {} and len(services.llm_server.requests) == llm_calls

    add_third()
    third = weekly_run(services, show)
    assert third.is_completed()
    assert published(services) == ["Battery week", "Solar glass"]
    catalog = json.loads((services.out / "catalog.json").read_text())
    assert sorted(e["source_id"] for e in catalog["episodes"]) == sorted(
        _id(show, i) for i in ISSUES[1:]
    )


def _id(show: Path, issue: tuple[str, ...]) -> str:
    source = yaml.safe_load(show.read_text())["source"]
    return issue[0] if "feed" in source else f"{issue[0]}.md"


def test_weekly_run_from_a_feed_publishes_each_new_issue_once(
    prefect_harness: None, services: Services, feed_server: tuple[FakeServer, list[Any]]
) -> None:
    server, served = feed_server
    source = {"feed": f"{server.base_url}/feed", "allow_hosts": ["127.0.0.1"]}  # a private host
    show = show_with(services.work.parent, source)
    check_weekly(services, show, lambda: served.append(ISSUES[2]))


def test_weekly_run_from_a_folder_publishes_each_new_issue_once(
    prefect_harness: None, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issues = tmp_path / "issues"
    issues.mkdir()
    for issue in ISSUES[:2]:
        (issues / f"{issue[0]}.md").write_text(markdown(issue), encoding="utf-8")

    def add_third() -> None:
        (issues / f"{ISSUES[2][0]}.md").write_text(markdown(ISSUES[2]), encoding="utf-8")

    show = show_with(services.work.parent, {"folder": "issues"})  # relative to the show file
    check_weekly(services, show, add_third)

    from castwright.cli import main  # the command line, with no issue named: the same choice

    assert main(["run", "--show", str(show), "--out", str(services.out)]) == 0
    assert "nothing new: the newest issue at" in capsys.readouterr().out


def test_the_next_draft_prompt_remembers_earlier_topics_and_a_repeat_is_flagged(
    prefect_harness: None, services: Services, tmp_path: Path
) -> None:
    issues = tmp_path / "issues"
    issues.mkdir()
    (issues / "issue-42.md").write_text(markdown(ISSUES[1]), encoding="utf-8")
    show = show_with(services.work.parent, {"folder": "issues"})
    assert weekly_run(services, show).is_completed()
    first_prompts = [r.body["messages"][0]["content"] for r in services.llm_server.requests]
    assert not any("Earlier episodes" in p for p in first_prompts)

    again = ("issue-43", "Solar glass again", "2026-11-23",
             "Windows that make electricity passed a second field test in Oslo.",
             "Told you: power plants.", "The cleaners are still undefeated.")  # fmt: skip
    (issues / "issue-43.md").write_text(markdown(again), encoding="utf-8")
    calls = len(services.llm_server.requests)
    second = weekly_run(services, show)
    assert second.is_completed()
    drafts = [r.body["messages"][0]["content"] for r in services.llm_server.requests[calls:]]
    memory = [p for p in drafts if "Earlier episodes of the show" in p]
    assert memory, "the draft prompt carries no history"
    assert (
        '"Solar glass":\n  - Solar glass: Windows that make electricity passed a field test.'
        in memory[0]
    )
    assert "Ada's stance: Every office tower becomes a power plant." in memory[0]
    manifest = json.loads(Path(second.result()["manifest"]).read_text())
    (repeat,) = manifest["history"]["repeated_topics"]
    assert repeat["title"] == "Solar glass again" and repeat["earlier_topic"] == "Solar glass"
    assert {"electr", "solar", "window"} <= set(repeat["shared_words"])  # Snowball stems


def test_the_example_show_as_shipped_voices_its_newest_issue_then_nothing_new(
    prefect_harness: None, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weekly deployment as the README deploys it: no issue and no show named, so the
    example show (the default CASTWRIGHT_SHOW) and its `source`, examples/issues/, give the
    issue: the newest, the one `make demo` voices; the next run has nothing new."""
    monkeypatch.delenv("CASTWRIGHT_SHOW", raising=False)
    first = episode_flow(out=str(services.out), return_state=True)
    assert first.is_completed(), first.message
    assert published(services) == ["The Weekly Signal #42: small models, big bills"]
    catalog = json.loads((services.out / "catalog.json").read_text())
    assert [e["source_id"] for e in catalog["episodes"]] == ["2026-11-16-weekly-signal-42.md"]

    before = snapshot(services)
    second = episode_flow(out=str(services.out), return_state=True)
    assert second.is_completed() and second.message
    assert second.message.startswith("nothing new: the newest issue at ")
    assert second.message.endswith("examples/issues is already published")
    assert snapshot(services) == before


def test_the_example_source_holds_the_demo_issue_as_its_newest() -> None:
    """`make demo` voices examples/newsletter.md; the weekly run's newest example issue is the
    same text, so both make the same episode (same slug, same script inputs)."""
    from castwright.core.config import load_show
    from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
    from tasks.newsletter.source import list_issues, load_source_issue
    from tasks.newsletter.stage import episode_slug, load_newsletter

    show = load_show(DEFAULT_SHOW)
    assert show.source is not None
    issues = list_issues(show.source)
    assert [i.id for i in issues] == ["2026-11-16-weekly-signal-42.md",
                                      "2026-11-09-weekly-signal-41.md"]  # fmt: skip
    newest = load_source_issue(issues[0], show.host_names)
    demo = load_newsletter(DEFAULT_NEWSLETTER, show.host_names)
    assert newest.model_dump(exclude={"source_id"}) == demo.model_dump(exclude={"source_id"})
    assert (
        episode_slug(newest)
        == episode_slug(demo)
        == "2026-11-16-the-weekly-signal-42-small-models-big-bills"
    )
    older = load_source_issue(issues[1], show.host_names)
    assert older.date is not None and demo.date is not None and older.date < demo.date
    assert older.comment_count == 6
