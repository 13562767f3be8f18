"""Input validation: defaults, limits, and error messages that name the field."""

from __future__ import annotations

import json

import pytest

from tests.worker.worker_testkit import REPO_ROOT, FixedTranscriber, error_payload
from worker.errors import InvalidInputError
from worker.handler import handle
from worker.runtime import Worker
from worker.schema import TTSInput, parse_input
from worker.scoring import ClipChecker


def error_for(raw: object) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_input(raw)
    return str(info.value)


def test_defaults_match_the_contract() -> None:
    params = parse_input({"text": "Hello.", "engine": "piper"})
    assert params.language == "en"
    assert params.mode == "preset"
    assert params.speed == 1.0
    assert (params.n_candidates, params.min_score, params.max_attempts) == (1, 80.0, 3)
    assert (params.max_new_tokens, params.generation_timeout_s) == (720, 180.0)
    assert params.audio_format == "wav"
    assert params.seed is None and params.sampling is None
    assert params.speaker_check and params.voice_print is None
    assert params.max_speaker_distance == 3.0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"speed": 2.5}, "speed"),
        ({"speed": 0.4}, "speed"),
        ({"n_candidates": 9}, "n_candidates"),
        ({"min_score": 101}, "min_score"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"mode": "karaoke"}, "mode"),
        ({"audio_format": "mp3"}, "audio_format"),
        ({"language": "english please"}, "language"),
        ({"engine": "Piper TTS"}, "engine"),
        ({"sampling": {"temperature": 0}}, "sampling.temperature"),
        ({"sampling": {"top_p": 1.5}}, "sampling.top_p"),
        ({"sampling": {"beam": 3}}, "sampling.beam"),
        ({"voices": "jf_alpha"}, "voices"),
    ],
)
def test_each_bad_field_is_named(override: dict[str, object], field: str) -> None:
    message = error_for({"text": "Hello.", "engine": "piper", **override})
    assert message.startswith("invalid input: ")
    assert f"{field}: " in message


def test_several_problems_are_all_reported() -> None:
    message = error_for({"engine": "piper", "speed": 3})
    assert "text: Field required" in message
    assert "speed: " in message


def test_missing_engine_is_named() -> None:
    assert "engine: Field required" in error_for({"text": "Hi."})


def test_job_input_must_be_an_object() -> None:
    assert "must be a JSON object" in error_for(["text"])


def test_clone_needs_both_reference_fields() -> None:
    base = {"text": "Hi.", "engine": "qwen3", "mode": "clone"}
    assert "reference_text is required" in error_for({**base, "reference_audio": "UklGRg=="})
    assert "reference_audio is required" in error_for({**base, "reference_text": "Hello."})
    assert "needs reference_audio + reference_text" in error_for(base)


def test_clone_accepts_a_named_voice_without_reference() -> None:
    params = parse_input({"text": "Hi.", "engine": "qwen3", "mode": "clone", "voice": "ana"})
    assert params.voice == "ana" and params.reference_audio is None


def test_reference_only_with_clone_mode() -> None:
    message = error_for(
        {"text": "Hi.", "engine": "qwen3", "reference_audio": "UklGRg==", "reference_text": "Hi."}
    )
    assert "only used with mode 'clone'" in message


def test_plain_http_reference_urls_are_refused() -> None:
    message = error_for(
        {
            "text": "Hi.",
            "engine": "qwen3",
            "mode": "clone",
            "reference_audio": "http://example.com/a.wav",
            "reference_text": "Hello there.",
        }
    )
    assert "reference_audio: only https:// URLs are allowed" in message


def test_language_tags_with_regions_are_accepted() -> None:
    assert TTSInput(text="Olá.", engine="qwen3", language="pt-BR").language == "pt-BR"


def test_handler_returns_runpod_error_shape_for_bad_input() -> None:
    worker = Worker(engines={}, checker=ClipChecker(FixedTranscriber("")))
    out = handle({"id": "job-1", "input": {"text": "Hi.", "engine": "piper", "speed": 9}}, worker)
    assert set(out) == {"error"}
    error = error_payload(out)
    assert error["code"] == "invalid_input"
    assert "speed: Input should be less than or equal to 2" in error["message"]


def test_handler_names_an_engine_that_is_not_loaded() -> None:
    worker = Worker({}, ClipChecker(FixedTranscriber("")), known_engines=("kokoro", "piper"))
    out = handle({"input": {"text": "Hi.", "engine": "kokoro"}}, worker)
    assert "engine: 'kokoro' is not loaded in this worker" in error_payload(out)["message"]
    out = handle({"input": {"text": "Hi.", "engine": "pipr"}}, worker)
    assert error_payload(out) == {
        "code": "engine_unavailable",
        "message": "engine: unknown engine 'pipr'; choose one of kokoro, piper",
    }


def test_the_shipped_test_input_is_valid() -> None:
    raw = json.loads((REPO_ROOT / "worker" / "test_input.json").read_text(encoding="utf-8"))
    params = parse_input(raw["input"])
    assert (params.engine, params.mode) == ("qwen3", "clone")
    assert params.reference_audio is not None and params.reference_audio.startswith("https://")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/ref.wav",
        "https://localhost/ref.wav",
        "https://10.1.2.3/ref.wav",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/ref.wav",
        "https://100.100.100.200/latest/meta-data",
        "https://100.64.0.1/ref.wav",
        "https://[::ffff:127.0.0.1]/ref.wav",
        "https://[2002:7f00:1::]/ref.wav",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/ref.wav",
        "https://[64:ff9b::a00:1]/ref.wav",
    ],
)
def test_reference_urls_to_internal_hosts_are_refused(url: str) -> None:
    from worker.errors import ReferenceAudioError
    from worker.reference import fetch_https

    with pytest.raises(ReferenceAudioError, match="non-public address"):
        fetch_https(url)


def test_reference_host_allow_list() -> None:
    from worker.errors import ReferenceAudioError
    from worker.netguard import check_host

    with pytest.raises(ReferenceAudioError, match="not in WORKER_REFERENCE_HOSTS"):
        check_host("evil.example", allowed="cdn.example.com")


@pytest.mark.parametrize("job", [None, [], "text", 3])
def test_a_job_that_is_not_an_object_gets_the_error_shape(job: object) -> None:
    worker = Worker(engines={}, checker=ClipChecker(FixedTranscriber("")))
    out = handle(job, worker)
    assert set(out) == {"error"}
    assert error_payload(out)["code"] == "invalid_input"
    assert "must be a JSON object" in error_payload(out)["message"]
