"""The script stage against a fake OpenAI-compatible server (the real openai SDK talks to it)."""

import json
from pathlib import Path

import openai
import pytest

from castwright.clients.llm import LLMClient
from castwright.core.config import load_show
from castwright.core.errors import ScriptError
from castwright.core.models import Script, Turn
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from castwright.core.prompts import render
from tasks.newsletter.stage import load_newsletter
from tasks.script.checks import (
    RUN_WORDS,
    labelled_turns,
    line_problem,
    repeated_sentences,
    reports_other_host,
)
from tasks.script.files import load_script, save_script
from tasks.script.skeleton import build_skeleton, split_sentences
from tasks.script.writer import ScriptResult, write_script
from tests.fakes.http import Reply
from tests.fakes.openai_api import completion, echo_dialogue, fake_openai, gap_filler, turns_json

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)


def _llm(base_url: str, mode: str = "json_schema") -> LLMClient:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="test", max_retries=0)
    return LLMClient(client, "fake-model", mode)  # type: ignore[arg-type]


def _good() -> str:
    """Section 1's three reaction gaps, filled well (with an acronym and an abbreviation)."""
    return turns_json(
        ("Marvin", "So the EU crowd will run this on laptops, e.g. at home?"),
        ("Marvin", "Hmm, so private beats clever?"),
        ("Ada", "Fair. Laptops still invent facts."),
    )


def test_draft_fills_the_gaps_around_the_news_and_everything_is_normalized() -> None:
    with fake_openai([_good()], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    first = server.requests[0].body
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["strict"] is True
    enum = first["response_format"]["json_schema"]["schema"]["properties"]["turns"]["items"]
    assert enum["properties"]["speaker"]["enum"] == ["Ada", "Marvin"]
    assert "[GAP 1] Marvin asks a short question" in first["messages"][-1]["content"]
    texts = [(t.speaker, t.text) for t in result.script.turns]
    assert (
        "Marvin",
        "So the European Union crowd will run this on laptops, for example at home?",
    ) in texts
    assert {r.found for r in result.replacements} >= {"EU", "e.g."}
    # the news is told, each comment by its own host, whatever the model wrote around them
    assert all(c.percent == 100 for c in result.coverage)
    assert all(row.status == "kept" for row in result.opinions)
    assert [t.id for t in result.script.turns][:3] == ["t001", "t002", "t003"]
    assert result.draft_usage.completion_tokens >= 20 * len(ISSUE.sections)


def test_llama_cpp_mode_sends_schema_in_json_object() -> None:
    with fake_openai([], default=echo_dialogue) as server:
        write_script(ISSUE, SHOW, _llm(server.base_url, "json_object"))
    fmt = server.requests[0].body["response_format"]
    assert fmt["type"] == "json_object" and "turns" in fmt["schema"]["properties"]


def test_broken_json_unknown_speaker_and_empty_turns_are_repaired() -> None:
    broken = '{"turns": [{"speaker": "Ada", "text": "cut off'
    unknown = turns_json(("Bob", "Hi"))
    empty = turns_json(("Ada", "   "))
    replies: list[Reply | str] = [broken, unknown, _good(), empty]
    with fake_openai(replies, default=echo_dialogue) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    repair_1 = server.requests[1].body["messages"][-1]["content"]
    repair_2 = server.requests[2].body["messages"][-1]["content"]
    assert "not valid JSON" in repair_1
    assert "'Bob'" in repair_2 and "Ada or Marvin" in repair_2
    assert "empty" in server.requests[4].body["messages"][-1]["content"]
    assert all(t.speaker in ("Ada", "Marvin") and t.text for t in result.script.turns)


def test_persistent_garbage_fails_with_a_clear_message() -> None:
    with (
        fake_openai([], default="not json at all") as server,
        pytest.raises(ScriptError, match="no valid script after 3"),
    ):
        write_script(ISSUE, SHOW, _llm(server.base_url))
    assert len(server.requests) == 3 * 2 * len(ISSUE.sections)  # each call repaired twice


def test_one_call_that_stays_invalid_costs_only_its_lines() -> None:
    with fake_openai(["not json at all"] * 3, default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    assert all(c.percent == 100 for c in result.coverage)
    assert all(row.status == "kept" for row in result.opinions)


def test_refusal_counts_as_invalid_and_is_retried() -> None:
    refusal = Reply(200, completion("", refusal="I can't help with that."))
    with fake_openai([refusal], default=echo_dialogue) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    assert result.script.turns


def test_http_400_is_not_retried_and_says_what_to_check() -> None:
    bad = Reply(400, {"error": {"message": "model not found", "type": "invalid_request_error"}})
    with fake_openai([bad]) as server, pytest.raises(Exception, match="CASTWRIGHT_LLM_MODEL"):
        write_script(ISSUE, SHOW, _llm(server.base_url))
    assert len(server.requests) == 1


def test_rendered_prompts_carry_persona_normalization_and_opinion_blocks() -> None:
    from tasks.script.normalize import load_rules

    system = render("draft.system.j2", show=SHOW, hosts=SHOW.hosts, rules=load_rules("en"),
                    history=[])  # fmt: skip
    for host in SHOW.hosts:
        assert host.persona in system
    assert "Earlier episodes" not in system  # no history yet: no memory block
    assert '"EU" -> "European Union"' in system
    assert "Change HOW it is said, never WHAT" in system
    refine = render("refine.system.j2", show=SHOW, hosts=SHOW.hosts, rules=load_rules("en"))
    assert '"EU" -> "European Union"' in refine and "never WHAT" in refine
    section = ISSUE.sections[0]
    lines = build_skeleton(section, 1, 4, SHOW, ISSUE.title)
    user = render("draft.user.j2", section=section, lines=lines, gaps=3)
    assert section.comments[0].text in user and "[GAP 3]" in user and "Write the 3 gap" in user


def test_the_opening_alternates_hosts() -> None:
    """The lead host welcomes, the other gives the rundown, the lead starts the first story; each
    later story opens with the host who tells it."""
    topics = [s.title for s in ISSUE.sections]
    first = build_skeleton(ISSUE.sections[0], 1, 4, SHOW, ISSUE.title, topics)
    opening = [
        (line.speaker, (line.text or "").split(":")[0]) for line in first if line.kind == "open"
    ]
    assert opening == [("Ada", "Welcome to The Weekly Signal. This week"), ("Marvin", "Today")]
    news = next(line for line in first if line.kind == "news")
    assert news.speaker == "Ada" and news.text.startswith("First up: ")
    second = build_skeleton(ISSUE.sections[1], 2, 4, SHOW, ISSUE.title, topics)
    assert (second[0].speaker, second[0].text[:5]) == ("Marvin", "Next:")


def test_long_turns_split_at_sentence_boundaries() -> None:
    text = " ".join(f"Sentence number {i} has five words." for i in range(30))
    pieces = split_sentences(text, max_words=20)
    assert all(len(p.split()) <= 20 for p in pieces)
    assert " ".join(pieces) == text


def test_script_file_round_trip_and_validation(tmp_path: Path) -> None:
    script = Script(turns=[Turn(id="t001", speaker="Ada", text="Hello.", section="s1")])
    path = tmp_path / "script.yaml"
    save_script(script, path)
    assert load_script(path, SHOW) == script
    path.write_text(path.read_text().replace("Ada", "Zed"))
    with pytest.raises(ScriptError, match="unknown speaker"):
        load_script(path, SHOW)
    path.write_text(
        json.dumps({"turns": [{"id": "t1", "speaker": "Ada", "text": "", "section": "s"}]})
    )
    with pytest.raises(ScriptError, match="not a valid script"):
        load_script(path, SHOW)


def _section_one(result: ScriptResult) -> list[tuple[str, str]]:
    first = ISSUE.sections[0].id
    return [(t.speaker, t.text) for t in result.script.turns if t.section == first]


def test_a_refine_that_swaps_or_flips_opinions_changes_nothing() -> None:
    ada, marvin = ISSUE.sections[0].comments
    swapped = turns_json(  # the refine pass gives Ada's comment to Marvin and flips Marvin's
        *[("Ada", "Welcome.")] * 3,
        ("Marvin", ada.text),
        ("Ada", "Maybe this is the most important story, perhaps."),
        ("Marvin", "I am excited. They never invent facts."),
    )
    with fake_openai([_good(), swapped], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    lines = _section_one(result)
    assert ("Ada", ada.text) in lines and ("Marvin", marvin.text) in lines
    assert ("Marvin", ada.text) not in lines and not any("perhaps" in t for _, t in lines)
    assert all(row.status == "kept" for row in result.opinions)


def test_a_flagged_opinion_gets_feedback_then_is_said_as_written() -> None:
    from tasks.script.writer import Writer

    section = ISSUE.sections[0]
    ada = section.comments[0]
    lines = build_skeleton(section, 1, 4, SHOW, ISSUE.title)
    for line in lines:
        line.original = line.text
    opinion = next(ln for ln in lines if ln.kind == "opinion" and ln.speaker == "Ada")
    opinion.text = "This is not the most important story of the month."  # flipped upstream
    stolen = next(ln for ln in lines if not ln.fixed)
    stolen.text = ada.text  # and a gap line of Marvin's carries Ada's comment
    with fake_openai([], default=echo_dialogue) as server:
        writer = Writer(_llm(server.base_url), SHOW)
        assert {r.status for r in writer.flagged_opinions(section, lines)} == {"wrong-host"}
        fixed = writer.enforce_opinions(section, lines)
    assert "Fix these problems" in server.requests[0].body["messages"][-1]["content"]
    assert writer.flagged_opinions(section, fixed) == []
    assert ("Ada", ada.text) in [(ln.speaker, ln.text) for ln in fixed]
    assert stolen not in fixed
    assert any("said as written" in r for r in writer.repairs)


def test_a_wrong_host_line_is_taken_out_in_code(caplog: pytest.LogCaptureFixture) -> None:
    ada = ISSUE.sections[0].comments[0]
    stolen = turns_json(("Marvin", ada.text), ("Marvin", "Hmm, so?"), ("Ada", "Fair."))
    with fake_openai([stolen], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    lines = _section_one(result)
    assert ("Marvin", ada.text) not in lines and ("Ada", ada.text) in lines
    assert [r.status for r in result.opinions[:2]] == ["kept", "kept"]


def test_labels_repeats_and_ungrounded_lines_never_enter_the_script() -> None:
    news = ISSUE.sections[0].body.split(".")[0] + "."
    bad = turns_json(
        ("Marvin", "Wait, two billion? Ada: Good rules, and Marvin agrees."),  # a label: cut
        ("Marvin", news),  # a repeat of the news
        ("Ada", "I love pizza and football on sunny weekends."),  # nothing to do with the news
    )
    with fake_openai([bad], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    lines = _section_one(result)
    assert ("Marvin", "Wait, two billion?") in lines
    assert not any("pizza" in text for _, text in lines)
    assert repeated_sentences(result.script.turns) == []
    assert labelled_turns(result.script.turns, SHOW.host_names) == []


def test_a_parroting_or_drifting_line_is_rejected() -> None:
    section = ISSUE.sections[2]  # Europe's rules for chatbots in schools
    smollm2 = (  # what SmolLM2-135M wrote here in a real run
        "You should be able to do this yourself. I'm not sure what you're talking about but I'll "
        "tell you anyway. I will give you a week of training paid for by a shared European fund."
    )
    drift = "Teachers keep the grading. You should be able to do this yourself."

    def problem(text: str) -> str | None:
        return line_problem(text, "Ada", section, SHOW.host_names, "en")

    assert problem(smollm2) == f"copies {RUN_WORDS} words in a row from the news or a comment"
    assert problem(drift) == "a sentence in it is not about this section's news"
    reported = "Marvin also says that the ministers are not ready to apply the rules in schools."
    assert problem(reported) == "tells what the other host says"  # SmolLM2 again
    assert reports_other_host("Bruno disse que o preço cai.", "Ana", ["Ana", "Bruno"], "pt-BR")
    assert not reports_other_host("Bruno, o preço cai?", "Ana", ["Ana", "Bruno"], "pt-BR")
    # SmolLM2 in a reply gap right after Marvin's comment (the energy example, 2026-12-02)
    assert problem("What's your take?") == (
        "asks for a host's take (the script asks once, before each comment)"
    )
    assert problem("Marvin, what's your take?") is not None
    rewritten_ask = line_problem("Marvin, your thoughts?", "Ada", section,
                                 SHOW.host_names, "en", own="Marvin, what's your take?")  # fmt: skip
    assert rewritten_ask is None  # refine may reword the script's own question into another
    assert problem("Hmm. So schools get a week of training, and who pays for it?") is None
    assert problem("A shared fund? Good. Classrooms in Europe need it.") is None
    # SmolLM2 on the NixOS Weekly page (2026-12-05): "number number number This week: ..."
    looped = "Schools schools schools get a week of training from a shared European fund."
    assert problem(looped) == "a word three times in a row (a small model's loop)"
    # SmolLM2 on go-testing-time.md: "We call that state being" (the news: ... "durably blocked")
    assert problem("The rules apply from next") == "only the start of a sentence of the news"
    restated = "says again what the news or a comment already says"
    assert problem("The rules apply from next September?") == restated  # the whole sentence
    assert problem("The rules apply?") != "only the start of a sentence of the news"  # an echo
    assert problem("European education") != "only the start of a sentence of the news"
    assert problem("No, no, no: schools get a week of training from a shared fund?") is None


def test_an_invented_number_is_rejected() -> None:
    invented = turns_json(
        ("Marvin", "Ninety vendors shipped laptops?"), ("Marvin", "Hmm."), ("Ada", "Fair.")
    )
    with fake_openai([invented], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    assert not any("ninety" in text.lower() for _, text in _section_one(result))


def test_a_rewrite_that_loses_a_fact_keeps_the_line_as_it_was() -> None:
    lines = build_skeleton(ISSUE.sections[0], 1, 4, SHOW, ISSUE.title)
    news = next(line.text for line in lines if line.kind == "news")
    lossy = turns_json(
        ("Ada", "Welcome."), ("Marvin", "Today."),
        ("Ada", news.replace("two billion parameters", "many parameters")),
    )  # fmt: skip
    with fake_openai([_good(), lossy], default=gap_filler) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    assert ("Ada", news) in _section_one(result)


def test_a_sentence_over_the_limit_is_cut_at_clauses_then_words() -> None:
    text = "one two three, four five six seven eight nine ten eleven twelve"
    pieces = split_sentences(text, max_words=5)
    assert pieces == ["one two three,", "four five six seven eight", "nine ten eleven twelve"]


def test_answer_cut_off_at_max_tokens_keeps_its_complete_turns() -> None:
    from tasks.script.replies import salvage_truncated

    raw = '{"turns": [{"speaker": "Ada", "text": "One."}, {"speaker": "Marvin", "text": "Two."}, {"speaker": "Ada", "text": "Thr'
    assert json.loads(salvage_truncated(raw) or "") == {
        "turns": [{"speaker": "Ada", "text": "One."}, {"speaker": "Marvin", "text": "Two."}]
    }
    assert salvage_truncated('{"turns": [{"speaker": "Ada", "te') is None


def test_looping_reply_loses_its_repeats() -> None:
    from tasks.script.replies import parse_turns

    raw = turns_json(
        ("Ada", "Again."),
        ("Marvin", "Again."),
        ("Ada", "New. It is late. It is late! It is late."),
        ("Ada", "Again."),
    )
    assert [t.text for t in parse_turns(raw, ["Ada", "Marvin"])] == ["Again.", "New. It is late."]
