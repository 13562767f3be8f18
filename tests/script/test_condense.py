"""Length by selection with a capable model (issue #24): when the selection tells only part of a
section, conversation mode shows the model the section as written and the part chosen for the
episode, and the model condenses to the section's budget. Through the fake OpenAI-compatible
server with recorded replies (tests/data/recorded/weekly-signal-condensed.yaml): a condensed
conversation passes the gate, coverage measured on the chosen facts and grounding on the whole
section; a reply over its budget is repaired by feedback that names the budget; a figure the
section never says falls back for that section alone."""

from __future__ import annotations

from pathlib import Path

import yaml

from castwright.core.config import load_show
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from tasks.newsletter.select import select
from tasks.newsletter.stage import load_newsletter
from tasks.script.exchange import problems, section_budget
from tasks.script.gate import check_script
from tasks.script.writer import ScriptResult, write_script
from tests.fakes.openai_api import fake_openai
from tests.script.test_conversation_mode import RecordedModel, _llm, _mode, recorded_turns

_FULL = load_show(DEFAULT_SHOW)
SHOW = _FULL.model_copy(update={"script": _FULL.script.model_copy(update={"target_minutes": 2.5})})
SELECTION = select(load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names), SHOW)
ISSUE = SELECTION.issue
CONDENSED = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "recorded" / "weekly-signal-condensed.yaml").read_text()
)


def _run(*faults: str) -> tuple[ScriptResult, RecordedModel, list[str]]:
    model = RecordedModel(*faults, recorded=CONDENSED)
    with fake_openai([], default=model) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url), mode="conversation")
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    return result, model, prompts


def test_the_selection_keeps_each_section_as_written_beside_the_part_it_chose() -> None:
    assert len(ISSUE.sections) == 4 and SELECTION.kept_words < SELECTION.source_words / 2
    for section in ISSUE.sections:
        assert section.full_body and len(section.full_body) > 2 * len(section.body)
        assert section.body.split(".")[0].split()[:5] == section.full_body.split()[:5]


def test_the_prompt_shows_the_section_as_written_and_the_part_to_tell() -> None:
    _, _, prompts = _run()
    draft = next(p for p in prompts if p.startswith("Section 1 of 4"))
    assert "The section as written" in draft and "eight hundred euros" in draft
    must = draft.split("Must tell", 1)[1]
    assert ISSUE.sections[0].body in must and "eight hundred euros" not in must
    assert f"about {section_budget(ISSUE.sections[0], ISSUE, SHOW)} words" in draft


def test_a_condensed_conversation_passes_the_gate_at_its_length() -> None:
    result, model, _ = _run()
    assert [m.mode for m in result.sections] == ["conversation"] * 4
    assert [c[0] for c in model.calls] == ["draft", "refine"] * 4
    report = check_script(ISSUE, result.script, SHOW, result.sections)
    assert report.passed, report.failures
    assert abs(report.length_error) <= SHOW.script.gate.max_length_error
    assert all(c.percent >= SHOW.script.gate.min_coverage for c in report.coverage)
    text = " ".join(t.text for t in result.script.turns)
    assert "eight hundred euros" in text  # a fact of the rest of the section, told in the budget
    assert {r.status for r in result.opinions} == {"kept"}


def test_grounding_is_the_section_as_written_not_only_the_part_chosen() -> None:
    section = ISSUE.sections[0]
    turns = recorded_turns(CONDENSED, section.id)
    budget = section_budget(section, ISSUE, SHOW)
    assert problems(section, turns, SHOW, budget) == []
    chosen_only = section.model_copy(update={"full_body": ""})
    assert "it says a number the news does not contain" in " ".join(
        problems(chosen_only, turns, SHOW, budget)
    )


def test_a_reply_over_its_budget_is_named_and_condensed_by_feedback() -> None:
    result, model, prompts = _run("over-budget")
    section = "cloud-bills-are-the-new-rent"
    assert _mode(result, section) == ("conversation", "")
    (repair,) = [p for p in prompts if "Fix these problems" in p]
    budget = section_budget(ISSUE.sections[1], ISSUE, SHOW)
    assert f"the budget is about {budget} words" in repair
    told = sum(t.words() for t in result.script.turns if t.section == section)
    assert abs(told - budget) <= 0.25 * budget


def test_a_figure_the_section_never_says_falls_back_for_that_section_alone() -> None:
    result, _, _ = _run("invents-a-fund")
    mode, why = _mode(result, "europe-agrees-on-rules-for-chatbots-in-schools")
    assert mode == "skeleton" and "a number the news does not contain" in why
    assert [m.mode for m in result.sections].count("conversation") == 3
    assert "fifty million" not in " ".join(t.text for t in result.script.turns)
