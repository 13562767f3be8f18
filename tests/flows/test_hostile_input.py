"""The hostile-input corpus (tests/data/hostile): a clear error or safe handling, and nothing
published or overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree

from castwright.cli import main
from castwright.core.paths import DEFAULT_SHOW, PROJECT_ROOT
from flows.episode import episode_flow
from tests.flows.conftest import Services

CORPUS = PROJECT_ROOT / "tests" / "data" / "hostile"


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """An output folder that already holds a feed, which nothing here may touch."""
    out = tmp_path / "public"
    out.mkdir()
    (out / "feed.xml").write_text("<rss><channel><title>earlier</title></channel></rss>")
    return out


def _unchanged(out: Path) -> bool:
    files = sorted(p.name for p in out.rglob("*"))
    return files == ["feed.xml"] and "earlier" in (out / "feed.xml").read_text()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.md", "the file is empty"),
        ("whitespace.md", "the file is empty"),
        ("binary.md", "binary file"),
        ("latin1.md", "not UTF-8 text (byte 6)"),
        ("no-text.md", "no sections with text"),
        ("bad-front-matter.md", "front matter is invalid"),
        ("missing.md", "file not found"),
    ],
)
def test_bad_newsletters_get_a_clear_error(
    name: str, message: str, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(CORPUS / name), "--out", str(published)]) == 1
    assert message in capsys.readouterr().err
    assert _unchanged(published)


def test_huge_newsletter_is_refused(
    tmp_path: Path, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.md"
    huge.write_text("## Big\n" + "word " * 300_000)
    assert main(["run", str(huge), "--out", str(published)]) == 1
    assert "over the 1,000,000-byte limit" in capsys.readouterr().err
    assert _unchanged(published)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"script": {"target_minutes": -5}}, "script.target_minutes"),
        ({"tts": {"concurrency": 100000}}, "tts.concurrency"),
        ({"audio": {"target_lufs": 40}}, "audio.target_lufs"),
        (
            {
                "hosts": [
                    {"name": "Ada", "persona": "x" * 30, "voice": "../../etc/passwd"},
                    {"name": "Bob", "persona": "y" * 30, "voice": "joe"},
                ]
            },
            "hosts.0.voice",
        ),
        ({"hosts": [{"name": "Ada", "persona": "x" * 30, "voice": "joe"}] * 2}, "different names"),
        ({"owner": {"name": "x", "email": "not-an-email"}}, "owner.email"),
    ],
)
def test_absurd_show_settings_name_the_field(
    change: dict[str, object],
    field: str,
    tmp_path: Path,
    published: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    show = yaml.safe_load(DEFAULT_SHOW.read_text()) | change
    show["cover"] = str(DEFAULT_SHOW.parent / "cover.png")
    path = tmp_path / "show.yaml"
    path.write_text(yaml.safe_dump(show))
    assert (
        main(["run", str(CORPUS / "injection.md"), "--show", str(path), "--out", str(published)])
        == 1
    )
    err = capsys.readouterr().err
    assert str(path) in err and field in err
    assert _unchanged(published)


def test_absurd_length_is_refused_by_cli_and_flow(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["run", str(CORPUS / "injection.md"), "--minutes", "-3", "--out", str(published)])
    assert "between 0 and 180" in capsys.readouterr().err
    with pytest.raises(Exception, match="target_minutes"):
        episode_flow(newsletter=str(CORPUS / "injection.md"), target_minutes=10_000)
    assert _unchanged(published)


def test_injection_is_escaped_and_treated_as_data(
    prefect_harness: None, services: Services
) -> None:
    episode_flow(newsletter=str(CORPUS / "injection.md"), out=str(services.out), target_minutes=3)
    feed_bytes = (services.out / "feed.xml").read_bytes()
    etree.fromstring(feed_bytes)  # well-formed despite ]]> and markup in titles
    feed = feedparser.parse(feed_bytes)
    assert not feed.bozo and len(feed.entries) == 1
    assert feed.entries[0].title.startswith("<script>alert('feed')</script>")  # text, not markup
    page = (services.out / "index.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "javascript:" not in page
    # every file stays inside the output folder, under a safe slug
    slugs = {p.relative_to(services.out).parts[1] for p in services.out.rglob("*.mp3")}
    assert slugs == {"2026-11-30-script-alert-feed-script-quoted-etc-passwd"}
    # the injected instructions reach the LLM only inside the user message, as newsletter text
    requests = [r.body["messages"] for r in services.llm_server.requests]
    assert all("Ignore all previous instructions" not in m[0]["content"] for m in requests)
    assert any("Ignore all previous instructions" in m[-1]["content"] for m in requests)
    manifest = json.loads(next(services.work.glob("episodes/*/manifest.json")).read_text())
    assert {row["speaker"] for row in manifest["turns"]} <= {"Ada", "Marvin"}
