"""A 30-minute target over an 8-section issue: drafted section by section, nothing truncated."""

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
    prompt = body["messages"][-1]["content"]
    wanted = re.search(r"Write about (\d+) words", prompt)
    if not wanted:
        return echo_dialogue(body)
    said = re.findall(r"^- (Ada|Marvin): (.+)$", prompt, re.M)
    filler = " ".join(f"word{i}" for i in range(int(wanted.group(1)) - 10))
    return turns_json(*said, ("Ada", filler))


def test_thirty_minute_script_section_by_section(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    show = load_show(DEFAULT_SHOW)
    show.script.target_minutes = 30
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
        if "Write about" in r.body["messages"][-1]["content"]
    ]
    assert len(drafts) == SECTIONS
    for i, prompt in enumerate(drafts):
        assert f"Section {i + 1} of {SECTIONS}" in prompt
        assert f"Fact{i}w0 " in prompt and f"Fact{i}w149 END{i}" in prompt  # the whole body went in
    assert 28 <= result.estimated_minutes <= 32
    assert f"about {result.estimated_minutes:.1f} minutes (target 30.0)" in caplog.text
    assert max(len(t.text.split()) for t in result.script.turns) <= 60  # split for TTS
