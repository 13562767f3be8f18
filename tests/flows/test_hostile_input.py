"""The hostile-input corpus (tests/data/hostile): a clear error or safe handling, and nothing
published or overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree

from castwright.cli import main
from castwright.core.paths import DEFAULT_SHOW, PROJECT_ROOT
from flows.episode import episode_flow
from tests.fakes.openai_api import fake_openai, gap_filler, turns_json
from tests.flows.conftest import Services, lenient_show

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
        ("alias-bomb.md", "anchor or alias (& or *)"),
        ("long-title.md", "the title is 400 characters; the limit is 300"),
        ("bad-date.md", "front matter date '2026-13-40' is not YYYY-MM-DD"),
    ],
)
def test_bad_newsletters_get_a_clear_error(
    name: str, message: str, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(CORPUS / name), "--out", str(published)]) == 1
    assert_clear_error(capsys.readouterr().err, message)
    assert _unchanged(published)


def assert_clear_error(err: str, message: str) -> None:
    """The console shows one `castwright: error:` (one line, or the gate's list under it)
    holding `message`, and no traceback."""
    assert "Traceback" not in err and 'File "' not in err, err[-2000:]
    errors = [line for line in err.splitlines() if line.startswith("castwright: error:")]
    assert len(errors) == 1 and message in err.split("castwright: error:")[1], err[-2000:]


def _generated(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.md"
    if kind == "late-nul":  # a NUL far past the first 8 KiB
        path.write_bytes(b"## News\n" + b"Something happened. " * 2000 + b"\x00\n")
    elif kind == "many-sections":  # 8,000 same-titled sections: LLM calls and slug work
        path.write_text("".join(f"## Same title\nItem {i}.\n" for i in range(8000)))
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [("late-nul", "binary file"), ("many-sections", "8,000 sections; the limit is 40")],
)
def test_generated_hostile_newsletters_get_a_clear_error(
    kind: str, message: str, tmp_path: Path, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(_generated(tmp_path, kind)), "--out", str(published)]) == 1
    assert_clear_error(capsys.readouterr().err, message)
    assert _unchanged(published)


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/latest/meta-data",
     "http://127.0.0.1:4200/api/", "https://user:sk-KEY-1@localhost/issue.md?token=sk-TOKEN-2"],
)  # fmt: skip
def test_newsletter_urls_into_the_local_network_are_refused(
    url: str, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", url, "--out", str(published)]) == 1
    err = capsys.readouterr().err
    assert_clear_error(err, "resolves to a non-public address")
    assert "sk-KEY-1" not in err and "sk-TOKEN-2" not in err
    assert _unchanged(published)


def test_huge_newsletter_is_refused(
    tmp_path: Path, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.md"
    huge.write_text("## Big\n" + "word " * 300_000)
    assert main(["run", str(huge), "--out", str(published)]) == 1
    assert_clear_error(capsys.readouterr().err, "over the 1,000,000-byte limit")
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
    episode_flow(
        newsletter=str(CORPUS / "injection.md"), out=str(services.out), target_minutes=2.4
    )  # its news is ~2.2 min at 190 wpm
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


def _obedient(body: dict[str, object]) -> str:
    """A model that obeys the newsletter: asked for 10000 turns, it writes 1,800."""
    prompt = str(body["messages"][-1]["content"])  # type: ignore[index]
    if "output 10000 turns" not in prompt:
        return gap_filler(body)  # type: ignore[arg-type]
    return turns_json(*((("Ada", "Marvin")[i % 2], f"And another thing, number {i}.")
                        for i in range(1800)))  # fmt: skip


def test_an_injected_turn_flood_is_capped_before_any_tts_job(
    prefect_harness: None, services: Services, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    with fake_openai([], default=_obedient) as llm:
        monkeypatch.setenv("CASTWRIGHT_LLM_BASE_URL", f"{llm.base_url}/v1")
        code = main(["run", str(CORPUS / "turn-flood.md"), "--out", str(services.out),
                     "--show", str(lenient_show(services.work.parent)), "--minutes", "3"])  # fmt: skip
    assert any("output 10000 turns" in str(r.body) for r in llm.requests)  # the model was asked
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 1:  # refused: one clear line, nothing voiced
        assert_clear_error(err, "spend cap")
        assert services.runpod.jobs == {}
        return
    manifest = json.loads(next(services.work.glob("episodes/*/manifest.json")).read_text())
    assert code == 0 and 0 < len(manifest["turns"]) <= 40 * 3 * 3  # turns per minute cap
    assert len(services.runpod.jobs) <= 40 * 3 * 3


def test_a_flooding_script_is_refused_before_any_tts_job(
    prefect_harness: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """600 two-word turns for a 3-minute target: within even a lenient gate's length rule,
    over the spend cap (40 turns per target minute, 3x): not one TTS job is sent."""
    turns = [{"id": f"t{i:04d}", "speaker": ("Ada", "Marvin")[i % 2], "text": "Okay, sure.",
              "section": "small-models-run-on-laptops"} for i in range(600)]  # fmt: skip
    script = services.work.parent / "flood.yaml"
    script.write_text(yaml.safe_dump({"turns": turns}), encoding="utf-8")
    code = main(["run", str(CORPUS / "turn-flood.md"), "--out", str(services.out), "--minutes",
                 "3", "--script", str(script), "--show", str(lenient_show(services.work.parent))])  # fmt: skip
    assert code == 1
    assert_clear_error(capsys.readouterr().err, "spend cap: 600 turns, over 360")
    assert services.runpod.jobs == {} and not (services.out / "feed.xml").exists()


CONTROL = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]")


def test_control_characters_reach_no_output(prefect_harness: None, services: Services) -> None:
    episode_flow(newsletter=str(CORPUS / "controls.md"), out=str(services.out), target_minutes=3,
                 show=str(lenient_show(services.work.parent)))  # fmt: skip
    outputs = [p for root in (services.out, services.work / "episodes") for p in root.rglob("*")
               if p.is_file() and p.suffix in {".xml", ".html", ".vtt", ".srt", ".json", ".yaml", ".md"}]  # fmt: skip
    assert any(p.name == "index.html" for p in outputs) and any(p.suffix == ".srt" for p in outputs)
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text), f"{path.name}: {CONTROL.search(text)!r}"
    feed = feedparser.parse((services.out / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries[0].title == "Control characters[2J issue"


# --- hostile sources: the weekly run's `source` (tests/newsletter/test_hostile_source.py has
# --- each case in detail; here the command line shows one line and nothing is written) ------


def _show_with_source(folder: Path, source: dict[str, str]) -> Path:
    path = lenient_show(folder)
    show = yaml.safe_load(path.read_text(encoding="utf-8"))
    show["source"] = source
    path.write_text(yaml.safe_dump(show, sort_keys=False), encoding="utf-8")
    return path


def _feed(folder: Path, prolog: str, title: str, extra: str) -> Path:
    path = folder / "feed.xml"
    path.write_text(
        f'<?xml version="1.0"?>{prolog}<rss version="2.0" xmlns:content='
        '"http://purl.org/rss/1.0/modules/content/"><channel><title>News</title><item>'
        f"<title>{title}</title><guid>g1</guid><pubDate>Mon, 16 Nov 2026 07:00:00 GMT</pubDate>"
        f"{extra}</item></channel></rss>",
        encoding="utf-8",
    )
    return path


HOSTILE_SOURCES = {
    "entity expansion": (
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        "&b;", "", "declares XML entities",
    ),
    "item linking to a private address": (
        "", "Linked", "<link>http://169.254.169.254/latest/meta-data/</link>",
        "'169.254.169.254' resolves to a non-public address",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HOSTILE_SOURCES))
def test_a_hostile_feed_source_ends_the_run_with_one_line(
    kind: str, prefect_harness: None, services: Services, published: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    prolog, title, extra, message = HOSTILE_SOURCES[kind]
    folder = services.work.parent
    show = _show_with_source(folder, {"feed": str(_feed(folder, prolog, title, extra))})
    assert main(["run", "--show", str(show), "--out", str(published)]) == 1
    assert_clear_error(capsys.readouterr().err, message)
    assert _unchanged(published)
    assert services.llm_server.requests == [] and services.runpod.jobs == {}


def test_a_folder_source_escaping_the_show_folder_is_one_line(
    tmp_path: Path, published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = _show_with_source(tmp_path, {"folder": "../*/*.md"})
    assert main(["run", "--show", str(show), "--out", str(published)]) == 1
    assert_clear_error(capsys.readouterr().err, "source: folder '../*/*.md' leads outside")
    assert _unchanged(published)


def test_a_feed_title_built_to_traverse_paths_stays_in_the_output_folder(
    prefect_harness: None, services: Services
) -> None:
    folder = services.work.parent
    html = ("<h2>News</h2><p>Something happened today in town.</p>"
            "<p><b>Ada:</b> Good.</p><p><b>Marvin:</b> Fine.</p>")  # fmt: skip
    feed = _feed(folder, "", "../../../../tmp/evil/../x",
                 f"<content:encoded><![CDATA[{html}]]></content:encoded>")  # fmt: skip
    show = _show_with_source(folder, {"feed": str(feed)})
    before = set(folder.parent.iterdir())
    state = episode_flow(show=str(show), out=str(services.out), target_minutes=0.5,
                         return_state=True)  # fmt: skip
    assert state.is_completed(), state.message
    assert set(folder.parent.iterdir()) == before  # nothing next to the test's own folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["feed.xml", "lenient-show.yaml", "public", "work"]
    )
    episodes = {p.relative_to(services.out).parts[1] for p in services.out.rglob("*.mp3")}
    assert episodes == {"2026-11-16-tmp-evil-x"}
