"""The script gate on hand-made scripts: what fails it, and the message that says so."""

from __future__ import annotations

import pytest

from castwright.core.config import ShowConfig, load_show
from castwright.core.models import Script, Turn
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from tasks.newsletter.stage import load_newsletter
from tasks.script.gate import check_script, report_markdown_text
from tasks.script.length import estimate_minutes
from tasks.script.skeleton import Rotation, build_skeleton

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)


def faithful_script() -> Script:
    """The news and every comment, each by its own host: what a good script must at least say."""
    turns, rotation = [], Rotation(SHOW)
    for i, section in enumerate(ISSUE.sections, 1):
        for line in build_skeleton(section, i, len(ISSUE.sections), SHOW, ISSUE.title,
                                   rotation=rotation):  # fmt: skip
            if line.text or line.fallback:
                turns.append(Turn(id=f"t{len(turns) + 1:03d}", speaker=line.speaker,
                                  text=line.text or line.fallback, section=section.id))  # fmt: skip
    return Script(turns=turns)


def show_for(script: Script, factor: float = 1.0) -> ShowConfig:
    """The example show with a target that the script's length meets (times `factor`)."""
    show = SHOW.model_copy(deep=True)
    show.script.target_minutes = round(estimate_minutes(script, SHOW) / factor, 2)
    return show


def _replace(script: Script, old: str, new: str, speaker: str | None = None) -> Script:
    turns = [
        t.model_copy(update={"text": new, "speaker": speaker or t.speaker}) if t.text == old else t
        for t in script.turns
    ]
    return Script(turns=turns)


def test_a_faithful_script_passes() -> None:
    script = faithful_script()
    report = check_script(ISSUE, script, show_for(script))
    assert report.passed, report.failures
    assert all(c.percent == 100 for c in report.coverage)
    assert [r.status for r in report.opinions] == ["kept"] * 8


def test_wrong_host_is_blocked() -> None:
    ada = ISSUE.sections[0].comments[0].text
    script = _replace(faithful_script(), ada, ada, speaker="Marvin")
    report = check_script(ISSUE, script, show_for(script))
    assert not report.passed
    assert any("Ada's comment is wrong-host" in f for f in report.failures)


def test_flipped_opinion_is_blocked() -> None:
    script = _replace(faithful_script(), "Most schools cannot even update their laptops by September.",
                      "Most schools can easily update their laptops by September.")  # fmt: skip
    report = check_script(ISSUE, script, show_for(script))
    assert any("Marvin's comment is flipped" in f for f in report.failures)


def test_missing_section_news_is_blocked_and_named() -> None:
    section = ISSUE.sections[1]
    script = faithful_script()
    told = ("survey", "two hundred")  # the news, and the other host's question about it
    script = Script(turns=[t for t in script.turns if t.section != section.id
                           or not any(word in t.text for word in told)])  # fmt: skip
    report = check_script(ISSUE, script, show_for(script))
    (failure,) = [f for f in report.failures if f.startswith(f"section {section.id}")]
    assert "two hundred startups" in failure and "forty percent" in failure


def test_twice_the_target_length_is_blocked() -> None:
    script = faithful_script()
    report = check_script(ISSUE, script, show_for(script, factor=2.0))
    assert report.length_error == pytest.approx(1.0, abs=0.02)
    assert [f for f in report.failures if f.startswith("length +") and "off the target" in f]


def test_half_the_target_is_a_warning_unless_the_show_is_strict() -> None:
    script = faithful_script()
    show = show_for(script, factor=0.5)
    report = check_script(ISSUE, script, show)
    assert report.length_error == pytest.approx(-0.5, abs=0.02)
    assert report.passed and [w for w in report.warnings if "shorter episode" in w]
    show.script.gate.strict_length = True
    strict = check_script(ISSUE, script, show)
    assert [f for f in strict.failures if f.startswith("length -") and "off the target" in f]


def test_labels_and_repeats_are_blocked_and_can_be_allowed() -> None:
    script = faithful_script()
    turns = [*script.turns, Turn(id="t999", speaker="Ada", text="Marvin: Good rules.", section="x")]
    turns.append(turns[3].model_copy(update={"id": "t998"}))
    bad = Script(turns=turns)
    show = show_for(bad)
    report = check_script(ISSUE, bad, show)
    assert any("speaker labels read aloud in t999" in f for f in report.failures)
    assert any("said twice" in f for f in report.failures)
    show.script.gate.allow_labels = show.script.gate.allow_repeats = True
    assert not [f for f in check_script(ISSUE, bad, show).failures if "label" in f or "twice" in f]


def test_the_report_reads_as_a_table() -> None:
    script = faithful_script()
    text = report_markdown_text(check_script(ISSUE, script, show_for(script)))
    assert "Gate: passed" in text and "| cloud-bills-are-the-new-rent | 100% | - |" in text
    assert "`castwright listen --script script.yaml`" in text  # the reviewer can hear it first
