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
from tasks.script.files import load_script, save_script
from tasks.script.writer import split_sentences, write_script
from tests.fakes.http import Reply
from tests.fakes.openai_api import completion, echo_dialogue, fake_openai, turns_json

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)


def _llm(base_url: str, mode: str = "json_schema") -> LLMClient:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="test", max_retries=0)
    return LLMClient(client, "fake-model", mode)  # type: ignore[arg-type]


def _good() -> str:
    return turns_json(("Ada", "The EU did it, e.g. today."), ("Marvin", "Hmm, so 40% more."))


def test_both_passes_validate_and_are_normalized() -> None:
    with fake_openai([_good(), _good()], default=echo_dialogue) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    # section 1: draft + refine + one refine with feedback (the stub dropped the opinions)
    assert len(server.requests) == 2 * len(ISSUE.sections) + 1
    assert "Fix these problems" in server.requests[2].body["messages"][-1]["content"]
    assert all(row.status == "kept" for row in result.opinions[2:])
    first = server.requests[0].body
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["strict"] is True
    enum = first["response_format"]["json_schema"]["schema"]["properties"]["turns"]["items"]
    assert enum["properties"]["speaker"]["enum"] == ["Ada", "Marvin"]
    texts = [t.text for t in result.script.turns]
    assert texts[0] == "The European Union did it, for example today."
    assert texts[1] == "Hmm, so forty percent more."
    assert {r.found for r in result.replacements} >= {"EU", "e.g."}
    assert result.draft_usage.completion_tokens == 20 * len(ISSUE.sections)
    assert [t.id for t in result.script.turns][:3] == ["t001", "t002", "t003"]


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
        fake_openai(["not json at all"] * 3) as server,
        pytest.raises(ScriptError, match="no valid script after 3"),
    ):
        write_script(ISSUE, SHOW, _llm(server.base_url))
    assert len(server.requests) == 3


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

    system = render("draft.system.j2", show=SHOW, hosts=SHOW.hosts, rules=load_rules("en"))
    for host in SHOW.hosts:
        assert host.persona in system
    assert '"EU" -> "European Union"' in system
    assert "Change HOW it is said, never WHAT" in system
    refine = render("refine.system.j2", show=SHOW, hosts=SHOW.hosts, rules=load_rules("en"))
    assert '"EU" -> "European Union"' in refine and "never WHAT" in refine
    section = ISSUE.sections[0]
    user = render(
        "draft.user.j2", section=section, position=1, section_count=4, previous=[], target_words=100
    )
    assert section.comments[0].text in user and "about 100 words" in user


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


def test_host_with_an_opinion_who_never_speaks_is_sent_back() -> None:
    only_ada = turns_json(("Ada", "Just me."))
    with fake_openai([only_ada], default=echo_dialogue) as server:
        write_script(ISSUE, SHOW, _llm(server.base_url))
    repair = server.requests[1].body["messages"][-1]["content"]
    assert (
        f'Marvin never speaks: add a turn where Marvin says "{ISSUE.sections[0].comments[1].text}"'
        in repair
    )


def test_opinions_still_dropped_after_repairs_are_restored_verbatim(
    caplog: pytest.LogCaptureFixture,
) -> None:
    only_ada = turns_json(("Ada", "Just me."))
    with fake_openai([only_ada] * 9, default=echo_dialogue) as server:
        result = write_script(ISSUE, SHOW, _llm(server.base_url))
    section = ISSUE.sections[0]
    first = [t for t in result.script.turns if t.section == section.id]
    assert first[0].text == "Just me."
    assert [(t.speaker, t.text) for t in first[1:]] == [(c.host, c.text) for c in section.comments]
    assert result.restored_opinions == [f"{c.host}: {c.text}" for c in section.comments]
    assert [r.status for r in result.opinions[:2]] == ["kept", "kept"]
    assert "keeping a reply where Marvin never speaks" in caplog.text
    assert "restoring Marvin's dropped opinion verbatim" in caplog.text


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
