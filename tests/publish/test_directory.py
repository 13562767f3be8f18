"""Directory readiness: a published feed passes what Apple Podcasts and Spotify check, and each
requirement, broken once (in the XML or in the files it points at), is reported with its fix."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from castwright.clients.storage import LocalStorage
from castwright.core.config import ShowConfig
from tasks.publish.catalog import read_catalog
from tasks.publish.directory import NS, Published, check_feed
from tasks.publish.stage import publish_episode
from tests.publish.conftest import BASE_URL, ffmpeg, make_mastered, make_newsletter

Ready = tuple[etree._Element, LocalStorage, Path]


@pytest.fixture
def ready(
    show: ShowConfig, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> Ready:
    """Two episodes published the way a run publishes them: (feed root, storage, its folder)."""
    for n, (slug, hertz) in enumerate([("2026-11-09-first", 440), ("2026-11-16-second", 660)]):
        mastered = make_mastered(make_mp3(3.0, hertz), tmp_path / f"work{n}")
        publish_episode(show, make_newsletter(title=f"Issue {41 + n}"), mastered, storage,
                        BASE_URL, slug)  # fmt: skip
    return etree.fromstring(storage.get_bytes("feed.xml") or b""), storage, tmp_path / "public"


def problems_of(root: etree._Element, storage: LocalStorage) -> list[str]:
    published = Published(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), storage,
                          BASE_URL, read_catalog(storage))  # fmt: skip
    return [str(p) for p in check_feed(published)]


def test_the_published_feed_has_nothing_a_directory_would_reject(ready: Ready) -> None:
    root, storage, _ = ready
    assert problems_of(root, storage) == []


def test_existing_items_are_unchanged_when_an_episode_is_added(
    show: ShowConfig, storage: LocalStorage, make_mp3: Callable[..., Path], tmp_path: Path
) -> None:
    def items() -> dict[str, bytes]:
        root = etree.fromstring(storage.get_bytes("feed.xml") or b"")
        return {i.findtext("guid"): etree.tostring(i, method="c14n") for i in root.iter("item")}

    first = make_mastered(make_mp3(3.0, 440), tmp_path / "w1")
    publish_episode(show, make_newsletter(title="Issue 41"), first, storage, BASE_URL, "first")
    before = items()
    second = make_mastered(make_mp3(4.0, 550), tmp_path / "w2")
    publish_episode(show, make_newsletter(title="Issue 42"), second, storage, BASE_URL, "second")
    after = items()
    assert len(before) == 1 and len(after) == 2
    (guid,) = before
    assert after[guid] == before[guid]  # byte for byte: GUID, date, enclosure, number, tags


# --- each requirement broken once --------------------------------------------------------------


def _channel(root: etree._Element) -> etree._Element:
    return root.find("channel")


def _item(root: etree._Element, n: int = 0) -> etree._Element:
    return root.findall("channel/item")[n]


def _drop(node: etree._Element, path: str) -> None:
    found = node.find(path, NS)
    found.getparent().remove(found)


def _set(node: etree._Element, path: str, text: str) -> None:
    node.find(path, NS).text = text


def _attr(node: etree._Element, path: str, name: str, value: str) -> None:
    node.find(path, NS).set(name, value)


def _file(root: etree._Element, folder: Path, path: str, attr: str) -> Path:
    return folder / _item(root).find(path, NS).get(attr).removeprefix(BASE_URL)


def _cover(root: etree._Element, folder: Path) -> Path:
    return folder / _channel(root).find("itunes:image", NS).get("href").removeprefix(BASE_URL)


def _image(size: str, *extra: str) -> Callable[[etree._Element, Path], None]:
    def replace(root: etree._Element, folder: Path) -> None:
        made = folder.parent / f"made-{size}.png"
        ffmpeg("-f", "lavfi", "-i", f"color=c=red:s={size}", "-frames:v", "1", *extra, str(made))
        _cover(root, folder).write_bytes(made.read_bytes())

    return replace


def _duplicate_guid(root: etree._Element, _: Path) -> None:
    _set(_item(root, 1), "guid", _item(root, 0).findtext("guid"))


def _subcategory(root: etree._Element, _: Path) -> None:
    etree.SubElement(_channel(root).find("itunes:category", NS), f"{{{NS['itunes']}}}category",
                     text="Tech News")  # fmt: skip


def _no_items(root: etree._Element, _: Path) -> None:
    for item in root.findall("channel/item"):
        _channel(root).remove(item)


Break = Callable[[etree._Element, Path], None]
BROKEN: dict[str, tuple[Break, list[str]]] = {
    "artwork not square": (_image("1400x1500"), ["is 1400x1500 px, not square"]),
    "artwork too small": (_image("1000x1000"), ["is 1000x1000 px, outside 1400 to 3000 px"]),
    "artwork too large": (_image("3200x3200"), ["is 3200x3200 px, outside 1400 to 3000 px"]),
    "artwork not RGB": (_image("1400x1400", "-pix_fmt", "gray"), ["not in the RGB colour space"]),
    "artwork not JPEG/PNG": (lambda r, f: _cover(r, f).write_bytes(b"GIF89a" + b"\0" * 64),
                             ["is not a JPEG or PNG"]),
    "artwork missing": (lambda r, f: _cover(r, f).unlink(), [".png is not in storage"]),
    "category not Apple's": (lambda r, f: _attr(_channel(r), "itunes:category", "text", "Tech"),
                             ["'Tech' is not one of Apple's categories; use one of: Arts"]),
    "subcategory not Apple's": (_subcategory, ["'Tech News' is not a subcategory of 'Technology'"]),
    "explicit missing": (lambda r, f: _drop(_channel(r), "itunes:explicit"),
                         ["<itunes:explicit>: 'missing' is not true or false"]),
    "author missing": (lambda r, f: _set(_channel(r), "itunes:author", ""),
                       ["<itunes:author>: is missing or empty; fix: set `author:`"]),
    "owner e-mail missing": (lambda r, f: _drop(_channel(r), "itunes:owner/itunes:email"),
                             ["<itunes:owner>: e-mail 'missing' is not an address"]),
    "language not a code": (lambda r, f: _set(_channel(r), "language", "English (UK)"),
                            ["<language>: 'English (UK)' is not a language code"]),
    "self link missing": (lambda r, f: _drop(_channel(r), "atom:link[@rel='self']"),
                          ['<atom:link rel="self">: is missing']),
    "self link elsewhere": (lambda r, f: _attr(_channel(r), "atom:link[@rel='self']", "href",
                                               "http://old.example.com/feed.xml"),
                            ["points at 'http://old.example.com/feed.xml'"]),
    "no episode": (_no_items, ["has no episode (<item>)"]),
    "episode title missing": (lambda r, f: _set(_item(r), "title", ""), ["has no <title>"]),
    "enclosure length wrong": (lambda r, f: _attr(_item(r), "enclosure", "length", "1234"),
                               ["<enclosure> length '1234' is not the file's size"]),
    "enclosure type wrong": (lambda r, f: _attr(_item(r), "enclosure", "type", "audio/wav"),
                             ["has type 'audio/wav', not an audio/mpeg .mp3"]),
    "enclosure file missing": (lambda r, f: _file(r, f, "enclosure", "url").unlink(),
                               [".mp3 is not in storage"]),
    "guid missing": (lambda r, f: _drop(_item(r), "guid"), ["has no <guid>"]),
    "guid duplicated": (_duplicate_guid, ["is used by another episode too",
                                          "is not the GUID the episode was published with"]),
    "guid changed": (lambda r, f: _set(_item(r), "guid", "a-new-guid"),
                     ["<guid> a-new-guid is not the GUID the episode was published with"]),
    "date not RFC 2822": (lambda r, f: _set(_item(r), "pubDate", "2026-11-16T07:00:00Z"),
                          ["<pubDate> '2026-11-16T07:00:00Z' is not an RFC 2822 date"]),
    "date without a time zone": (lambda r, f: _set(_item(r), "pubDate", "Mon, 16 Nov 2026 07:00:00"),
                                 ["is not an RFC 2822 date with a time zone"]),
    "duration missing": (lambda r, f: _drop(_item(r), "itunes:duration"),
                         ["<itunes:duration> 'missing' is not a duration"]),
    "duration not a duration": (lambda r, f: _set(_item(r), "itunes:duration", "3 minutes"),
                                ["<itunes:duration> '3 minutes' is not a duration"]),
    "transcript type wrong": (lambda r, f: _attr(_item(r), "podcast:transcript[@type='text/vtt']",
                                                 "type", "text/plain"),
                              ["has type 'text/plain', not text/vtt"]),
    "transcript file missing": (lambda r, f: _file(r, f, "podcast:transcript", "url").unlink(),
                                ["<podcast:transcript>", "is not in storage"]),
    "chapters type wrong": (lambda r, f: _attr(_item(r), "podcast:chapters", "type",
                                               "application/json"),
                            ["has type 'application/json', not application/json+chapters"]),
    "chapters not a chapters file": (
        lambda r, f: _file(r, f, "podcast:chapters", "url").write_text("[1, 2]"),
        ["is not a JSON chapters file"]),
}  # fmt: skip


@pytest.mark.parametrize("requirement", list(BROKEN))
def test_each_broken_requirement_is_reported_with_its_fix(requirement: str, ready: Ready) -> None:
    root, storage, folder = ready
    root = copy.deepcopy(root)
    breaker, expected = BROKEN[requirement]
    breaker(root, folder)
    problems = problems_of(root, storage)
    assert problems, f"{requirement}: not reported"
    if requirement == "guid duplicated":  # the copy is also not the one the catalog gave it
        assert len(problems) == 2 and all(any(e in p for p in problems) for e in expected)
    else:
        assert len(problems) == 1, problems
        assert all(e in problems[0] for e in expected), problems[0]
    assert all("; fix: " in p for p in problems)


def test_a_feed_that_is_not_xml_is_one_problem(ready: Ready) -> None:
    _, storage, _ = ready
    problems = check_feed(Published(b"<rss><channel>", storage, BASE_URL))
    assert [p.where for p in problems] == ["feed.xml"] and "not well-formed" in problems[0].what


def test_the_show_file_refuses_a_category_apple_does_not_list(cover: Path) -> None:
    from pydantic import ValidationError

    from tests.publish.conftest import make_show

    assert make_show(cover, category="News > Tech News").category == "News > Tech News"
    with pytest.raises(ValidationError, match="'Tech' is not one of Apple's categories"):
        make_show(cover, category="Tech")


def test_castwright_feed_check_prints_each_problem_with_its_fix(
    ready: Ready, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from castwright.cli import main

    root, _, folder = ready
    monkeypatch.setenv("CASTWRIGHT_PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.delenv("CASTWRIGHT_S3_BUCKET", raising=False)
    assert main(["feed", "check", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok      {BASE_URL}feed.xml: nothing Apple Podcasts or Spotify would")

    _file(root, folder, "enclosure", "url").unlink()  # the newest episode's MP3 is gone
    assert main(["feed", "--check", "--out", str(folder)]) == 1  # the same command
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PROBLEM item Issue 42: <enclosure> http://127.0.0.1:8000/")
    assert "is not in storage; fix: republish the episode (castwright run)" in lines[0]
    assert lines[-1] == f"{BASE_URL}feed.xml: 1 problem(s) Apple Podcasts or Spotify would reject"


def test_castwright_feed_check_without_a_feed_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from castwright.cli import main

    assert main(["feed", "check", "--out", str(tmp_path)]) == 1
    assert "no feed.xml in LocalStorage" in capsys.readouterr().err
    assert main(["feed"]) == 1
    assert "`castwright feed rebuild` or `castwright feed check`" in capsys.readouterr().err


def test_publishing_refuses_a_cover_that_is_not_rgb(
    tmp_path: Path, storage: LocalStorage, make_mp3: Callable[..., Path]
) -> None:
    from castwright.core.errors import PublishError
    from tests.publish.conftest import make_show

    grey = tmp_path / "grey.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=1400x1400", "-frames:v", "1", "-pix_fmt", "gray",
           str(grey))  # fmt: skip
    mastered = make_mastered(make_mp3(3.0, 440), tmp_path / "work")
    with pytest.raises(PublishError, match="not in the RGB colour space"):
        publish_episode(make_show(grey), make_newsletter(), mastered, storage, BASE_URL, "x")
    assert storage.list() == []  # refused before anything was uploaded
