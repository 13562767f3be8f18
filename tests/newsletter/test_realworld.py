"""The real-world corpus (tests/fixtures/realworld, sources and licences in SOURCES.md): documents
nobody on the team wrote, as published. Per document: the sections are its own headings; the
sections hold at least 95% of its prose, counted independently of the parser; the title is a real
title; the selection for the 4-minute example show tells nothing silently (every sentence is
told or listed as left out) and fits the target (or the source is shorter, with a warning); and
the script stage's code (with the fake OpenAI-compatible server standing in for the model) writes
a script within the gate's length bounds that passes the gate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import openai
import pytest
import yaml
from markdown_it import MarkdownIt

from castwright.clients.llm import LLMClient
from castwright.core.config import ShowConfig, load_show
from castwright.core.models import Newsletter
from castwright.core.paths import PROJECT_ROOT
from tasks.newsletter.frontmatter import split_front_matter
from tasks.newsletter.sections import UNSAID_PROSE
from tasks.newsletter.select import Selection, select
from tasks.newsletter.stage import load_newsletter
from tasks.script.facts import news_sentences
from tasks.script.gate import check_script
from tasks.script.writer import write_script
from tests.fakes.openai_api import fake_openai, gap_filler

CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "realworld"
DOCUMENTS: list[dict[str, Any]] = yaml.safe_load((CORPUS / "sources.yaml").read_text())["documents"]
SHOWS = {"en": "examples/show.yaml", "pt-BR": "examples/show-pt.yaml"}
MIN_PROSE_SHARE = 0.95
LENGTH_TOLERANCE = 0.15
_PROSE_OUT = "//pre|//code|//table|//h1|//h2|//h3|//h4|//h5|//h6|//img|//script|//style"


def _filler(hosts: list[str]) -> Callable[[dict[str, Any]], str]:
    """The fake model's gap filler, for a show whose hosts have other names."""
    names = dict(zip(hosts, ("Ada", "Marvin"), strict=True))
    back = {v: k for k, v in names.items()}

    def fill(body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        for name, fake in names.items():
            prompt = re.sub(rf"\b{name}\b", fake, prompt)
        reply = gap_filler({**body, "messages": [*body["messages"][:-1], {"content": prompt}]})
        return re.sub(
            r'"speaker": "(Ada|Marvin)"', lambda m: f'"speaker": "{back[m.group(1)]}"', reply
        )

    return fill


def _show(language: str) -> ShowConfig:
    return load_show(PROJECT_ROOT / SHOWS[language])


def _words(text: str) -> int:
    return len(re.findall(r"[^\W_]+", text))


def _prose_of_html(root: lxml.html.HtmlElement) -> int:
    """Words of a page's paragraphs, list items and quotes: code, tables, headings and
    paragraphs that are only a link aside."""
    for el in root.xpath(_PROSE_OUT + "|//nav|//header|//footer"):
        el.drop_tree()
    for p in root.xpath("//p"):
        links = p.xpath(".//a")
        if len(links) == 1 and links[0].text_content().strip() == p.text_content().strip():
            p.drop_tree()
    return _words(" ".join(root.xpath("//body")[0].itertext()) if root.xpath("//body") else "")


def reference_prose_words(path: Path, fmt: str) -> int:
    """The document's prose words, counted without castwright's parser: markdown rendered by
    markdown-it's own HTML renderer, HTML read with lxml, plain text line by line."""
    text = path.read_text(encoding="utf-8")
    if fmt == "html":
        return _prose_of_html(lxml.html.document_fromstring(text))
    if fmt == "text":
        lines = [ln for ln in text.splitlines()
                 if not re.match(r"^\s*[=\-~^]+\s*$", ln) and not ln.startswith(("    ", "\t"))]  # fmt: skip
        underlined = [a for a, b in zip(text.splitlines(), text.splitlines()[1:], strict=False)
                      if re.match(r"^\s*[=\-]+\s*$", b)]  # fmt: skip
        return _words(" ".join(lines)) - _words(" ".join(underlined))
    body = split_front_matter(text)[1]
    html = MarkdownIt("commonmark").enable("table").render(body)
    return _prose_of_html(lxml.html.document_fromstring(f"<html><body>{html}</body></html>"))


def parsed_prose_words(issue: Newsletter) -> int:
    """The sections' words, and the prose taken out of them as it was read (merge notes, issue
    numbers, lines in another language): listed as left out, word count and all."""
    told = sum(_words(s.body) + sum(_words(c.text) for c in s.comments) for s in issue.sections)
    return told + sum(o.words for o in issue.left_out if o.kind in UNSAID_PROSE)


@pytest.fixture(scope="module", params=DOCUMENTS, ids=[d["file"] for d in DOCUMENTS])
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    doc = dict(request.param)
    show = _show(doc["language"])
    doc["show"] = show
    doc["issue"] = load_newsletter(CORPUS / doc["file"], show.host_names, language=show.language)
    doc["selection"] = select(doc["issue"], show)
    return doc


def test_sections_are_the_documents_own_headings(document: dict[str, Any]) -> None:
    issue: Newsletter = document["issue"]
    assert issue.format == document["format"]
    assert [s.title for s in issue.sections] == document["sections"]
    assert issue.title == document["title"]


def test_titles_are_never_code_nor_links(document: dict[str, Any]) -> None:
    issue: Newsletter = document["issue"]
    code = {o.first_words for o in issue.left_out if o.kind in ("code block", "html comment")}
    for title in [issue.title, *(s.title for s in issue.sections)]:
        assert "](" not in title and "<" not in title and "```" not in title
        # no heading marker left in (a `#` run then a space); "#03 - Better Late" is a title
        assert not re.match(r"#+(\s|$)", title) and title not in code


def test_the_sections_hold_the_documents_prose(document: dict[str, Any]) -> None:
    reference = reference_prose_words(CORPUS / document["file"], document["format"])
    parsed = parsed_prose_words(document["issue"])
    assert reference > 50
    assert parsed >= MIN_PROSE_SHARE * reference, (parsed, reference)
    assert not document["issue"].warnings


def test_nothing_is_left_out_silently(document: dict[str, Any]) -> None:
    """Every sentence of the news is told or listed as left out, section by section."""
    issue: Newsletter = document["issue"]
    selection: Selection = document["selection"]
    told = {s.id: s for s in selection.issue.sections}
    listed: dict[str, int] = {}
    for part in selection.left_out:
        if part.kind in ("section", "sentences"):
            listed[part.section] = listed.get(part.section, 0) + part.words
    assert len({s.title for s in issue.sections}) == len(issue.sections)
    for section in issue.sections:
        news = sum(len(s.split()) for s in news_sentences(section))
        kept = (
            sum(len(s.split()) for s in news_sentences(told[section.id]))
            if section.id in told
            else 0
        )
        assert kept + listed.get(section.title, 0) == news, section.title
    assert selection.source_facts >= selection.chosen_facts > 0


def test_the_selection_fits_the_target_or_says_the_source_is_shorter(
    document: dict[str, Any],
) -> None:
    selection: Selection = document["selection"]
    target = selection.target_minutes
    if selection.kept_words < selection.source_words:
        assert abs(selection.estimated_minutes - target) <= LENGTH_TOLERANCE * target
    elif selection.estimated_minutes < target * (1 - LENGTH_TOLERANCE):
        assert any("shorter" in w for w in selection.warnings)


def test_the_script_stage_writes_an_episode_within_the_gates_length(
    document: dict[str, Any],
) -> None:
    """The real script stage (skeleton, checks, length fitting, normalization) on what the
    selection chose; the fake model fills each gap with a short question about the news."""
    show: ShowConfig = document["show"]
    issue = document["selection"].issue
    with fake_openai([], default=_filler(show.host_names)) as server:
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="test", max_retries=0)
        result = write_script(issue, show, LLMClient(client, "fake-model", "json_schema"))  # type: ignore[arg-type]
    report = check_script(issue, result.script, show)
    selection: Selection = document["selection"]
    bound = show.script.gate.max_length_error  # the gate's length rule
    if selection.kept_words < selection.source_words:  # condensed to the target
        assert abs(report.length_error) <= bound, report.estimated_minutes
    else:  # all of it told: the target at most, shorter with a warning
        assert report.length_error <= bound, report.estimated_minutes
        assert report.length_error >= -bound or report.warnings
    assert report.failures == []
