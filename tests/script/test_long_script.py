"""A 30-minute target over an 8-section issue: drafted section by section, nothing truncated,
expanded to the target length."""

import logging
import re
from typing import Any

import openai
import pytest

from castwright.clients.llm import LLMClient
from castwright.core.config import load_show
from castwright.core.paths import DEFAULT_SHOW
from tasks.newsletter.stage import parse_newsletter
from tasks.script.writer import write_script
from tests.fakes.openai_api import echo_dialogue, fake_openai, turns_json

SECTIONS = 8


def _issue() -> str:
    parts = ["# Long issue\n"]
    for i in range(SECTIONS):
        body = " ".join(f"Fact{i}w{j}" for j in range(150))  # long, unique, checkable bodies
        parts.append(
            f"## Story {i}\n{body} END{i}\n\n**Ada:** Opinion {i} from Ada.\n\n**Marvin:** Take {i} by Marvin.\n"
        )
    return "\n".join(parts)


def _talkative(body: dict[str, Any]) -> str:
    """A model that fills every gap with a long line built from the section's own words (every
    other word, as a model that talks about the news does, rather than reading it out again)."""
    prompt = body["messages"][-1]["content"]
    gaps = re.findall(r"^\[GAP \d+\] (Ada|Marvin) ", prompt, re.M)
    if not gaps:
        return echo_dialogue(body)
    facts = re.findall(r"Fact\d+w\d+", prompt.split("News:", 1)[1].split("\n\n", 1)[0])
    lines = []
    for _ in gaps:
        _talkative.calls += 1  # type: ignore[attr-defined]
        start = (_talkative.calls * 7) % (len(facts) - 80)  # type: ignore[attr-defined]
        tag = "".join(chr(97 + int(d)) for d in str(_talkative.calls))  # type: ignore[attr-defined]
        lines.append(f"So {' '.join(facts[start : start + 76 : 2])} matter, take {tag}.")
    return turns_json(*zip(gaps, lines, strict=True))


_talkative.calls = 0  # type: ignore[attr-defined]


def test_thirty_minute_script_section_by_section(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    show = load_show(DEFAULT_SHOW)
    show.script.target_minutes = 30
    show.script.length_passes = 2  # the default (the example show turns them off for its model)
    issue = parse_newsletter(_issue(), show.host_names)
    with fake_openai([], default=_talkative) as server:
        llm = LLMClient(
            openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=0),
            "m",
            "json_schema",
        )
        result = write_script(issue, show, llm)
    drafts = [
        r.body["messages"][-1]["content"]
        for r in server.requests
        if "[GAP 1]" in r.body["messages"][-1]["content"]
    ]
    assert len(drafts) >= SECTIONS  # one draft per section, then the expand passes
    for i, prompt in enumerate(drafts[:SECTIONS]):
        assert f"Section: Story {i}" in prompt
        assert f"Fact{i}w0 " in prompt and f"Fact{i}w149 END{i}" in prompt  # the whole body went in
    assert 27 <= result.estimated_minutes <= 33  # within the 10% length tolerance
    assert "expand pass 1" in caplog.text
    assert f"about {result.estimated_minutes:.1f} minutes (target 30.0)" in caplog.text
    assert max(len(t.text.split()) for t in result.script.turns) <= 60  # split for TTS
    assert all(c.percent == 100 for c in result.coverage)  # every section's news is told


def test_jargon_takes_longer_to_say_than_its_word_count() -> None:
    """English length by syllables: LWKD's episode was estimated 4.06 min by words and measured
    5.41; each voice kept its syllables a minute, so its words ran near two syllables each."""
    from castwright.core.text import speech_words

    plain = "We wanted to make the software process at our company better for every team."
    jargon = (  # LWKD, 2026-07-12: 17 words, 40 syllables
        "This foundational change implements the initial phase, designed to build explicit "
        "ecosystem awareness around structural cluster disruptions."
    )
    assert speech_words(plain, "en") == pytest.approx(len(plain.split()), rel=0.15)
    assert speech_words(jargon, "en") > 1.5 * len(jargon.split())
    assert speech_words("Uma frase em português.", "pt-BR") == 4.0  # by its words
