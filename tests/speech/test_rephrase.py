"""A turn the voice cannot say: the worker's clip_check_failed error, one rephrasing by the LLM,
and a rerun that remembers the new words instead of paying for the failure again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import SecretStr

from castwright.clients.llm import LLMClient
from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.config import TTSSettings, load_show, load_voice
from castwright.core.errors import ClipCheckFailedError
from castwright.core.models import Script, Turn
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.store import Store
from tasks.script.rephrase import rephrase_turn
from tasks.speech.stage import is_stored, rephraser, synthesize_turn
from tests.fakes.audio import speech_output
from tests.fakes.openai_api import fake_openai, turns_json
from tests.fakes.runpod_api import FakeRunPod, fake_runpod

SHOW = load_show(DEFAULT_SHOW)
SHOW_PT = load_show(DEFAULT_SHOW.parent / "show-pt.yaml")
HARD = Turn(id="t007", speaker="Ada", section="s",
            text="Founders should renegotiate the cloud bill every year, forty percent is too much.")  # fmt: skip
EASIER = "Founders should ask for a better cloud price every year; forty percent is too much."


def _never_passes(job: dict[str, Any]) -> dict[str, Any]:
    """The worker's real error shape (worker/README.md) for the hard line; speech otherwise."""
    if job["text"] == HARD.text:
        details = {"code": "clip_check_failed", "message": "no candidate passed the check",
                   "transcript": "founders should rene go sheet", "best_score": 61.5}  # fmt: skip
        return {"error": json.dumps(details)}
    return speech_output(job)


def _client(base_url: str) -> RunPodClient:
    policy = JobPolicy(poll_interval_s=0.01, wait_s=10)
    return RunPodClient(base_url, SecretStr("rp-test-key"), policy=policy, health_poll_s=0.01)


def test_a_turn_that_never_passes_is_voiced_rephrased_once_and_remembered(tmp_path: Path) -> None:
    store, voice, tts = Store(tmp_path), load_voice("kokoro-alpha"), TTSSettings()
    asked: list[tuple[str, str]] = []

    def rephrase(turn: Turn, heard: str) -> str | None:
        asked.append((turn.id, heard))
        return EASIER

    fake = FakeRunPod(output=_never_passes)
    with fake_runpod(fake) as server:
        clip = synthesize_turn(HARD, voice, tts, _client(server.base_url), store, rephrase)
        again = synthesize_turn(HARD, voice, tts, _client(server.base_url), store, None)
    assert asked == [("t007", "founders should rene go sheet")]
    assert clip.text == EASIER and clip.rephrased_from == HARD.text and not clip.cached
    assert again.cached and again.text == EASIER  # the rerun reuses the words and the clip
    assert [job.input["text"] for job in fake.jobs.values()] == [HARD.text, EASIER]


def test_without_a_usable_rephrasing_the_turn_fails_naming_itself(tmp_path: Path) -> None:
    with (
        fake_runpod(FakeRunPod(output=_never_passes)) as server,
        pytest.raises(ClipCheckFailedError, match=r"turn t007 \(Ada: .*script.yaml"),
    ):
        synthesize_turn(HARD, load_voice("kokoro-alpha"), TTSSettings(), _client(server.base_url),
                        Store(tmp_path), lambda turn, heard: None)  # fmt: skip


LONG = Turn(id="t003", speaker="Ada", section="s",
            text="Thank you all for traveling to Denver this week. If this is your very first Gophercon, welcome.")  # fmt: skip


def _fails_whole(*also_failing: str):  # type: ignore[no-untyped-def]
    def output(job: dict[str, Any]) -> dict[str, Any]:
        if job["text"] in (LONG.text, *also_failing):
            details = {"code": "clip_check_failed", "message": "no candidate passed the check",
                       "transcript": "thank you all for", "best_score": 57.1}  # fmt: skip
            return {"error": json.dumps(details)}
        return speech_output(job)

    return output


def test_a_turn_that_fails_whole_is_voiced_sentence_by_sentence_and_remembered(
    tmp_path: Path,
) -> None:
    store, voice, tts = Store(tmp_path), load_voice("kokoro-alpha"), TTSSettings()
    fake = FakeRunPod(output=_fails_whole())
    with fake_runpod(fake) as server:
        clip = synthesize_turn(LONG, voice, tts, _client(server.base_url), store, None)
        again = synthesize_turn(LONG, voice, tts, _client(server.base_url), store, None)
    assert clip.text == LONG.text and clip.rephrased_from is None and not clip.cached
    assert [job.input["text"] for job in fake.jobs.values()] == [
        LONG.text, "Thank you all for traveling to Denver this week.",
        "If this is your very first Gophercon, welcome."
    ]  # fmt: skip
    assert again.cached and again.text == LONG.text  # the rerun reuses both sentences' clips
    assert is_stored(LONG, voice, tts, store)


def test_a_short_sentence_is_voiced_with_its_neighbour_not_alone(tmp_path: Path) -> None:
    """Git's release notes: '"make perf" fixes.' voiced alone was heard "Make puff fixes" (66.7);
    inside the sentence before it, one word in thirty-two."""
    first = ("And git fetch remote should be the only thing to update the remote HEAD, but the code "
             "was overly eager to do so in other cases.")  # fmt: skip
    turn = Turn(
        id="t017", speaker="Ada", section="s", text=f'{first} "make perf" fixes. {LONG.text}'
    )
    fake = FakeRunPod(output=_fails_whole())  # its second chunk, LONG's two sentences, fails
    with fake_runpod(fake) as server:
        clip = synthesize_turn(turn, load_voice("kokoro-alpha"), TTSSettings(),
                               _client(server.base_url), Store(tmp_path), None)  # fmt: skip
    assert clip.text == turn.text and clip.rephrased_from is None
    assert [job.input["text"] for job in fake.jobs.values()] == [
        f'{first} "make perf" fixes.', LONG.text,  # the turn in chunks; then sentence by sentence:
        "Thank you all for traveling to Denver this week.", "If this is your very first Gophercon, welcome.",
    ]  # fmt: skip


def test_a_sentence_that_still_fails_leaves_the_line_to_the_rephrasing(tmp_path: Path) -> None:
    asked: list[str] = []

    def rephrase(turn: Turn, heard: str) -> str | None:
        asked.append(turn.id)
        return "Thanks for coming to Denver. New to Gophercon? Welcome."

    fake = FakeRunPod(output=_fails_whole("If this is your very first Gophercon, welcome."))
    with fake_runpod(fake) as server:
        clip = synthesize_turn(LONG, load_voice("kokoro-alpha"), TTSSettings(),
                               _client(server.base_url), Store(tmp_path), rephrase)  # fmt: skip
    assert asked == ["t003"] and clip.rephrased_from == LONG.text


@pytest.mark.parametrize(
    ("reply", "usable"),
    [
        (EASIER, True),
        (  # split into simpler sentences: each need not name a fact on its own
            "Founders, forty percent is too much. Ask them for a better price, and do it again every year.",
            True,
        ),
        ("Founders should ask for a better cloud price every year.", False),  # the number is gone
        (
            "Maybe founders should ask for a better price; forty percent is too much.",
            False,
        ),  # hedged
        (
            "Founders should not ask for a better price; forty percent is too much.",
            False,
        ),  # flipped
    ],
)
def test_a_rephrasing_keeps_numbers_names_and_stance(reply: str, usable: bool) -> None:
    with fake_openai([turns_json(("Ada", reply))]) as server:
        llm = LLMClient(openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=0),
                        "m", "json_schema")  # fmt: skip
        got = rephrase_turn(llm, SHOW, HARD, "founders should rene go sheet")
    assert (got is not None) == usable
    assert "founders should rene go sheet" in server.requests[0].body["messages"][-1]["content"]


def _no_llm() -> LLMClient:
    raise AssertionError("a line without content is replaced without the LLM")


def test_a_segue_the_voice_cannot_say_becomes_another_not_yet_said() -> None:
    """Measured 2026-12-02: Kokoro's Japanese female styles say "Certo" so that Whisper base
    hears "Serto"/"Sato" at every speed; the run failed on that one segue."""
    failed = Turn(id="t035", speaker="Ana", section="s", text="Certo. E depois?")
    script = Script(turns=[
        Turn(id="t005", speaker="Bruno", section="s", text="Continua."), failed,
        Turn(id="t040", speaker="Bruno", section="s", text="Justo."),
    ])  # fmt: skip
    rephrase = rephraser(script, SHOW_PT, _no_llm)
    assert rephrase(failed, "Sato e depois.") == "E o que mais?"  # "Continua." is already said
    assert rephrase(failed, "Sato e depois.") == "Conta mais."  # and now "E o que mais?" too
    reply = Turn(id="t012", speaker="Ana", section="s", text="Anotado.")
    assert rephrase(reply, "Amutado.") == "Tá bom."  # "Justo." is said: the next reply


def test_a_question_or_answer_the_code_built_becomes_a_stock_line_of_its_kind() -> None:
    """Measured 2026-12-05: Kokoro jf_gongitsune's "Two large apps, really?" was heard without
    its "two" five times; such a line only repeats what was just said, so "Go on." loses nothing."""
    script = Script(turns=[Turn(id="t001", speaker="Marvin", section="s",
                                text="Go on, what else is there?")])  # fmt: skip
    rephrase = rephraser(script, SHOW, _no_llm)
    echo = Turn(id="t030", speaker="Ada", section="s", text="Wait, did you say two large apps?")
    assert rephrase(echo, "Wait, did you say large apps?") == "And what else did they find?"
    pickup = Turn(id="t031", speaker="Ada", section="s", text="The deadline, how so?")
    assert rephrase(pickup, "The dead line, house so?") == "Okay. What happened next?"
    ack = Turn(id="t032", speaker="Ada", section="s", text="Okay, a pipeline, noted.")
    assert rephrase(ack, "Okay, a pipe line.") == "Fair enough, that is clear."


def test_a_line_with_content_still_goes_to_the_llm() -> None:
    with fake_openai([turns_json(("Ada", EASIER))]) as server:
        llm = LLMClient(openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=0),
                        "m", "json_schema")  # fmt: skip
        rephrase = rephraser(Script(turns=[HARD]), SHOW, lambda: llm)
        assert rephrase(HARD, "founders should rene go sheet") == EASIER
    assert len(server.requests) == 1


def test_a_model_that_answers_nothing_usable_leaves_the_turn_failed_not_the_run() -> None:
    """The rephrasing is the last resort: a model reply cut off mid-JSON is no crash of the run."""
    script = Script(turns=[HARD])
    with fake_openai(
        [], default='{"turns": [{"speaker": "Ada", "text": "Founders should'
    ) as server:
        llm = LLMClient(openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=0),
                        "m", "json_schema")  # fmt: skip
        rephrase = rephraser(script, SHOW, lambda: llm)
        assert rephrase(HARD, "founders should rene go sheet") is None
    assert len(server.requests) >= 1
