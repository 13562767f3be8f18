"""Spend caps before any TTS job: turns kept per LLM reply, and a script far over its target
refused with a clear message, whoever approved it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from castwright.core.config import load_show
from castwright.core.errors import ScriptGateError
from castwright.core.models import Script, Turn
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from tasks.newsletter.stage import load_newsletter
from tasks.script.gate import check_script, enforce, spend_limits
from tasks.script.replies import MAX_TURNS_PER_REPLY, parse_turns

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)


def test_a_reply_with_thousands_of_turns_is_cut_to_the_cap() -> None:
    answer = {"turns": [{"speaker": ("Ada", "Marvin")[i % 2], "text": f"Line number {i}."}
                        for i in range(1800)]}  # fmt: skip
    turns = parse_turns(json.dumps(answer), SHOW.host_names)
    assert len(turns) == MAX_TURNS_PER_REPLY
    assert turns[-1].text == f"Line number {MAX_TURNS_PER_REPLY - 1}."


def _script(turns: int, words_each: int) -> Script:
    section = ISSUE.sections[0].id
    return Script(turns=[Turn(id=f"t{i:04d}", speaker=("Ada", "Marvin")[i % 2], section=section,
                              text=" ".join(["word"] * words_each)) for i in range(turns)])  # fmt: skip


def test_a_script_far_over_its_target_is_over_the_spend_cap() -> None:
    target = SHOW.script.target_minutes * SHOW.script.words_per_minute  # words
    assert spend_limits(_script(10, int(target / 10)), SHOW) == []
    over = spend_limits(_script(100, int(target * 4 / 100)), SHOW)
    minutes = f"3x the {SHOW.script.target_minutes:g}-minute target"
    assert over and over[0].startswith("spend cap:") and minutes in over[0]
    many = spend_limits(_script(2000, 1), SHOW)
    assert any("2,000 turns" in line for line in many)
    assert "spend cap" in " ".join(check_script(ISSUE, _script(2000, 1), SHOW).failures)


def test_an_approval_does_not_waive_the_spend_cap(tmp_path: Path) -> None:
    target = SHOW.script.target_minutes * SHOW.script.words_per_minute
    script = _script(100, int(target * 4 / 100))
    report = check_script(ISSUE, script, SHOW)
    with pytest.raises(ScriptGateError, match="spend cap: .* words"):
        enforce(report, spend_limits(script, SHOW), tmp_path, approved=True)
    plain = report.model_copy(update={"failures": ["length +300% off the target"]})
    enforce(plain, [], tmp_path, approved=True)  # other rules: a reviewer may still approve
