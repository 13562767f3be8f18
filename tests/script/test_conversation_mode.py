"""Conversation mode with a capable model's replies, through the fake OpenAI-compatible server
(the real openai SDK, the real request and response format): a good conversation passes; one that
drops a number is repaired by feedback; one that moves an opinion is repaired by feedback; one
that flips an opinion or invents a figure is caught, and that section alone falls back to the
skeleton with its reason in the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from castwright.clients.llm import LLMClient
from castwright.core.config import load_show
from castwright.core.models import Script, Turn
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from castwright.core.settings import Settings
from tasks.newsletter.stage import load_newsletter
from tasks.script.files import load_script, save_script
from tasks.script.gate import check_script, report_markdown_text
from tasks.script.stage import script_mode
from tasks.script.writer import ScriptResult, write_script
from tests.fakes.openai_api import fake_openai, turns_json

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)
RECORDED = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "recorded" / "weekly-signal.yaml").read_text()
)
TITLES = {s.title: s.id for s in ISSUE.sections}


def _llm(base_url: str) -> LLMClient:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="test", max_retries=0)
    return LLMClient(client, "gpt-4o-mini", "json_schema")  # type: ignore[arg-type]


def _section_of(prompt: str) -> str:
    title = re.search(r"^Section(?: \d+ of \d+)?: (.+?)(?: \(word budget.*)?$", prompt, re.M)
    assert title, prompt[:200]
    return TITLES[title.group(1)]


def recorded_turns(recorded: dict[str, Any], section: str) -> list[Turn]:
    """A section's recorded refine reply as turns."""
    return [Turn(id=f"c{i}", speaker=s, text=t, section=section)
            for i, (s, t) in enumerate(recorded["good"][section]["refine"], 1)]  # fmt: skip


class RecordedModel:
    """Answers each chat request with the recorded reply for its pass and section; `faults` swap
    in a faulty refine reply for their section (fixed after feedback when the fault has a fix)."""

    def __init__(self, *faults: str, recorded: dict[str, Any] = RECORDED) -> None:
        self.recorded = recorded
        self.faults = {recorded["faults"][f]["section"]: recorded["faults"][f] for f in faults}
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, body: dict[str, Any]) -> str:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        step = "refine" if system.startswith("You edit one section") else "draft"
        section, feedback = _section_of(user), "Fix these problems" in user
        self.calls.append((step, section, feedback))
        fault = self.faults.get(section)
        if step == "refine" and fault and not (feedback and fault.get("fixed")):
            return turns_json(*map(tuple, fault["refine"]))
        return turns_json(*map(tuple, self.recorded["good"][section][step]))


def _run(*faults: str) -> tuple[ScriptResult, RecordedModel]:
    model = RecordedModel(*faults)
    with fake_openai([], default=model) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url), mode="conversation")
    return result, model


def _mode(result: ScriptResult, section: str) -> tuple[str, str]:
    (how,) = [m for m in result.sections if m.section == section]
    return how.mode, how.fallback_reason


def test_an_api_model_gets_conversation_mode_and_the_embedded_one_the_skeleton() -> None:
    api = Settings(llm_base_url="https://api.openai.com/v1")  # type: ignore[call-arg]
    assert script_mode(SHOW, api) == "conversation"
    assert script_mode(SHOW, Settings()) == "skeleton"  # type: ignore[call-arg]
    forced = SHOW.model_copy(deep=True)
    forced.script.mode = "skeleton"
    assert script_mode(forced, api) == "skeleton"


def test_a_good_conversation_passes_the_gate() -> None:
    result, model = _run()
    assert [m.mode for m in result.sections] == ["conversation"] * 4
    assert [c[0] for c in model.calls] == ["draft", "refine"] * 4  # no feedback round needed
    report = check_script(ISSUE, result.script, SHOW, result.sections)
    assert report.passed, report.failures
    talk = report.conversation
    assert talk is not None
    assert talk.verbatim_share <= 0.20 and talk.stock_share <= 0.10
    assert talk.handover_share <= 0.5 and talk.top_phrase_count <= 2
    assert all(d.marker_count for d in talk.delivery)
    # the persona's delivery and the self-correction survive the code's checks
    text = " ".join(t.text for t in result.script.turns)
    assert "I once found, well, no, a client found" in text and "Hmm, so," in text
    assert {r.status for r in result.opinions} == {"kept"}


def test_a_dropped_number_is_named_and_repaired_by_feedback() -> None:
    result, model = _run("drops-a-number")
    section = "cloud-bills-are-the-new-rent"
    assert _mode(result, section) == ("conversation", "")
    feedback_calls = [c for c in model.calls if c[1] == section and c[2]]
    assert len(feedback_calls) == 1
    assert "forty percent" in " ".join(t.text for t in result.script.turns)


def test_the_feedback_names_exactly_what_is_missing() -> None:
    model = RecordedModel("drops-a-number")
    with fake_openai([], default=model) as server:
        write_script(ISSUE, SHOW, _llm(server.base_url), mode="conversation")
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    (repair,) = [p for p in prompts if "Fix these problems" in p]
    assert "these facts of the news are not told: forty percent" in repair


def test_a_moved_opinion_is_caught_and_given_back_by_feedback() -> None:
    model = RecordedModel("moves-an-opinion")
    with fake_openai([], default=model) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url), mode="conversation")
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    section = "europe-agrees-on-rules-for-chatbots-in-schools"
    assert _mode(result, section) == ("conversation", "")
    (repair,) = [p for p in prompts if "Fix these problems" in p]
    assert "this is the other host's opinion; give it back to its owner" in repair
    marvin = ISSUE.sections[2].comments[1].text
    assert any(t.speaker == "Marvin" and marvin in t.text for t in result.script.turns)


def test_a_missing_goodbye_is_named_and_repaired_by_feedback() -> None:
    model = RecordedModel("forgets-the-goodbye")
    with fake_openai([], default=model) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url), mode="conversation")
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    assert _mode(result, "the-quiet-return-of-podcasts-made-by-people") == ("conversation", "")
    (repair,) = [p for p in prompts if "Fix these problems" in p]
    assert "the goodbye is missing: after the comments, Ada says goodbye" in repair
    assert "Thanks for listening to The Weekly Signal" in result.script.turns[-1].text


def test_a_missing_welcome_is_named() -> None:
    from tasks.script.exchange import problems, section_budget

    section = ISSUE.sections[0]
    turns = recorded_turns(RECORDED, section.id)
    budget, frame = section_budget(section, ISSUE, SHOW), {"opening": "Ada welcomes the listeners."}
    assert problems(section, turns, SHOW, budget, frame=frame) == []
    without = [turns[0].model_copy(update={"text": "Small models first."}), *turns[1:]]
    found = problems(section, without, SHOW, budget, frame=frame)
    assert "the welcome is missing: Ada welcomes the listeners." in found


@pytest.mark.parametrize(
    ("fault", "section", "reason"),
    [
        ("flips-an-opinion", "europe-agrees-on-rules-for-chatbots-in-schools",
         "the stance was reversed"),
        ("invents-a-figure", "the-quiet-return-of-podcasts-made-by-people",
         "a number the news does not contain"),
        ("invents-a-figure", "the-quiet-return-of-podcasts-made-by-people",
         "these names are not in the news: Spotify"),
    ],
)  # fmt: skip
def test_a_fault_the_model_keeps_making_falls_back_for_that_section_alone(
    fault: str, section: str, reason: str
) -> None:
    result, model = _run(fault)
    mode, why = _mode(result, section)
    assert mode == "skeleton" and reason in why
    assert [m.mode for m in result.sections].count("conversation") == 3
    assert len([c for c in model.calls if c[1] == section and c[2]]) == 2  # two feedback rounds
    report = check_script(ISSUE, result.script, SHOW, result.sections)
    markdown = report_markdown_text(report)
    assert f"- {section}: skeleton (fell back: " in markdown and reason in markdown
    text = " ".join(t.text for t in result.script.turns)
    assert "thirty million" not in text and "Spotify" not in text
    assert "most schools can update" not in text.lower()
    assert {r.status for r in result.opinions} == {"kept"}


def test_a_hand_written_faithful_script_with_self_corrections_passes(tmp_path: Path) -> None:
    """A person's script: the news retold in the hosts' words, a self-correction in a comment;
    `castwright run --script` reads it (load_script) and gates it (check_script)."""
    turns = [
        Turn(id=f"t{i:03d}", speaker=speaker, text=text, section=sid)
        for i, (sid, speaker, text) in enumerate(
            ((sid, s, t) for sid in RECORDED["good"] for s, t in RECORDED["good"][sid]["refine"]),
            1,
        )
    ]
    path = tmp_path / "script.yaml"
    save_script(Script(turns=turns), path)
    script = load_script(path, SHOW)
    report = check_script(ISSUE, script, SHOW)
    assert report.passed, report.failures
    assert report.conversation is not None and report.conversation.verbatim_share <= 0.2


def test_conversation_prompts_carry_the_personas_speech_rules_and_opinion_rule() -> None:
    from castwright.core.prompts import render
    from tasks.script.normalize import load_rules

    rules = load_rules("en")
    for name in ("conversation.system.j2", "conversation-refine.system.j2"):
        system = render(name, show=SHOW, hosts=SHOW.hosts, rules=rules, history=[])
        assert all(host.persona in system for host in SHOW.hosts)
        assert '"EU" -> "European Union"' in system and "never WHAT" in system
    user = render("conversation.user.j2", section=ISSUE.sections[1], position=2, count=4,
                  budget=183, opening="", closing="", feedback=["it is 400 words long"])  # fmt: skip
    assert "about 183 words" in user and "- it is 400 words long" in user
    assert "Marvin: Honestly, most of that money is logs nobody reads." in user


def test_an_acronym_the_news_has_is_no_invented_name() -> None:
    from castwright.core.models import Section
    from tasks.script.exchange import invented_names

    section = Section(id="s", title="Chips", body="Nvidia sold GPUs to the EU. TSMC grew 40%.")
    said = "So Nvidia sold GPUs to the EU, and TSMC grew. Even Intel noticed."
    assert invented_names(said, section, SHOW) == ["Intel"]


def test_a_sentence_an_earlier_section_said_is_fed_back() -> None:
    from tasks.script.checks import Said
    from tasks.script.exchange import problems, section_budget

    section = ISSUE.sections[1]
    turns = recorded_turns(RECORDED, section.id)
    budget = section_budget(section, ISSUE, SHOW)
    assert problems(section, turns, SHOW, budget) == []
    said = Said()
    said.add("Faster than revenue for most of them.")
    (found,) = problems(section, turns, SHOW, budget, said=said)
    assert found.startswith("an earlier section already says:")


def test_the_authors_i_said_as_a_hosts_own_is_fed_back() -> None:
    """A capable model that keeps a post's "I am the author ..." makes the host its author."""
    from tasks.script.exchange import problems, section_budget

    original = ISSUE.sections[1]
    section = original.model_copy(
        update={
            "body": f"{original.body} I am the author of this report, and we ran it for a year."
        }
    )
    turns = recorded_turns(RECORDED, original.id)
    budget = section_budget(section, ISSUE, SHOW)

    def fed_back(line: str) -> list[str]:
        said = [*turns, Turn(id="c99", speaker="Ada", text=line, section=section.id)]
        return [p for p in problems(section, said, SHOW, budget) if "as their own" in p]

    (found,) = fed_back("And I am the author of this report, and we ran it for a year, by the way.")
    assert found.startswith("a host says the author's words as their own: 'And I am the author")
    assert fed_back("And they are the author of this report; they ran it for a year.") == []
    assert fed_back("I think a year of running this report is a long time.") == []  # her own I
