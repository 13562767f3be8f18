"""The RunPod client and the voice stage against a fake that follows RunPod's REST protocol."""

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from pydantic import SecretStr

from castwright.clients.tts import JobPolicy, RunPodClient
from castwright.core.config import TTSSettings, load_voice
from castwright.core.errors import ServiceError, SynthesisError, TransientServiceError
from castwright.core.models import Turn
from castwright.core.store import Store
from tasks.speech.stage import clip_key, job_input, synthesize_turn
from tests.fakes.runpod_api import FakeRunPod, fake_runpod

TURN = Turn(id="t001", speaker="Marvin", text="Hello there, listeners.", section="intro")


def _wav_b64(seconds: float = 1.0, rate: int = 22050) -> str:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * rate)) / rate
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 150 * t), rate, format="WAV")
    return base64.b64encode(buffer.getvalue()).decode()


def _output(job_input: dict[str, Any]) -> dict[str, Any]:
    return {"audio_base64": _wav_b64(), "audio_format": "wav", "sample_rate": 22050, "duration_s": 1.0,
            "score": 96.0, "transcript": job_input["text"],
            "metadata": {"attempts": 2, "engine": job_input.get("engine", "piper"), "scores": [40.0, 96.0]}}  # fmt: skip


def _client(base_url: str, **kwargs: Any) -> RunPodClient:
    policy = JobPolicy(wait_s=kwargs.pop("wait_s", 5.0), poll_interval_s=0.01)
    return RunPodClient(
        base_url, SecretStr("rp-test-key"), policy=policy, health_poll_s=0.01, **kwargs
    )


def test_completed_job_returns_output_and_sends_policy() -> None:
    fake = FakeRunPod(output=_output)
    with fake_runpod(fake) as server:
        out = _client(server.base_url).run({"text": "hi", "engine": "piper"})
    assert out["score"] == 96.0
    body = server.requests[0].body
    assert body["policy"] == {"executionTimeout": 300000, "ttl": 3600000}


def test_cold_start_queue_is_polled_until_done() -> None:
    fake = FakeRunPod(output=_output, plan=[{"states": ["IN_QUEUE", "IN_QUEUE", "IN_PROGRESS", "COMPLETED"]}],
                      health_workers=[0, 0, 1])  # fmt: skip
    with fake_runpod(fake) as server:
        client = _client(server.base_url)
        assert client.wait_until_ready({"text": "warm up", "engine": "piper"}).ready_workers == 1
        out = client.run({"text": "hi", "engine": "piper"})
    assert out["transcript"] == "hi"
    warmups = [r for r in server.requests if r.path.endswith("/run")]
    assert [r.body["input"]["text"] for r in warmups] == ["warm up"]
    polls = [r for r in server.requests if "/status/" in r.path]
    assert len(polls) == 3 and all(r.method == "GET" for r in polls)


def test_endpoint_that_never_gets_a_worker_fails_fast_with_advice() -> None:
    with fake_runpod(FakeRunPod(output=_output, health_workers=[0])) as server:
        client = _client(server.base_url, cold_start_timeout_s=0.1)
        with pytest.raises(ServiceError, match="max workers in the RunPod console"):
            client.wait_until_ready({"text": "warm up", "engine": "piper"})


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limit_and_server_errors_are_transient(status: int) -> None:
    with (
        fake_runpod(FakeRunPod(output=_output, plan=[status])) as server,
        pytest.raises(TransientServiceError, match=str(status)),
    ):
        _client(server.base_url).run({"text": "hi"})


def test_client_errors_are_permanent_with_the_message() -> None:
    with (
        fake_runpod(FakeRunPod(output=_output, plan=[400])) as server,
        pytest.raises(ServiceError, match="400") as err,
    ):
        _client(server.base_url).run({"text": "hi"})
    assert not isinstance(err.value, TransientServiceError)


def test_wrong_key_says_which_variable() -> None:
    with (
        fake_runpod(FakeRunPod(output=_output)) as server,
        pytest.raises(ServiceError, match="RUNPOD_API_KEY"),
    ):
        RunPodClient(server.base_url, SecretStr("wrong")).run({"text": "hi"})


def test_timed_out_job_is_transient() -> None:
    fake = FakeRunPod(output=_output, plan=[{"states": ["IN_PROGRESS", "TIMED_OUT"]}])
    with fake_runpod(fake) as server, pytest.raises(TransientServiceError, match="TIMED_OUT"):
        _client(server.base_url).run({"text": "hi"})


def test_failed_job_keeps_the_workers_error() -> None:
    fake = FakeRunPod(
        output=_output, plan=[{"states": ["FAILED"], "error": "text: field required"}]
    )
    with (
        fake_runpod(fake) as server,
        pytest.raises(ServiceError, match="text: field required") as err,
    ):
        _client(server.base_url).run({"text": "hi"})
    assert not isinstance(err.value, TransientServiceError)


def test_crashed_worker_is_transient() -> None:
    crash = json.dumps(
        {"error_type": "RuntimeError", "error_message": "CUDA OOM", "error_traceback": "..."}
    )
    fake = FakeRunPod(output=_output, plan=[{"states": ["FAILED"], "error": crash}])
    with fake_runpod(fake) as server, pytest.raises(TransientServiceError, match="crashed"):
        _client(server.base_url).run({"text": "hi"})


def test_job_gone_after_ttl_is_transient() -> None:
    fake = FakeRunPod(output=_output, plan=[{"states": ["IN_QUEUE"], "expired": True}])
    with fake_runpod(fake) as server, pytest.raises(TransientServiceError, match="TTL"):
        _client(server.base_url).run({"text": "hi"})


def test_giving_up_cancels_the_job() -> None:
    fake = FakeRunPod(output=_output, plan=[{"states": ["IN_QUEUE"]}])
    with fake_runpod(fake) as server, pytest.raises(TransientServiceError, match="cancelled"):
        _client(server.base_url, wait_s=0.2).run({"text": "hi"})
    assert fake.cancelled == ["job-0"]


def test_clips_are_content_addressed_and_never_paid_twice(tmp_path: Path) -> None:
    voice, tts = load_voice("joe"), TTSSettings()
    fake = FakeRunPod(output=_output)
    with fake_runpod(fake) as server:
        client = _client(server.base_url)
        first = synthesize_turn(TURN, voice, tts, client, Store(tmp_path))
        again = synthesize_turn(TURN, voice, tts, client, Store(tmp_path))
        edited = synthesize_turn(
            TURN.model_copy(update={"text": "Hello again."}), voice, tts, client, Store(tmp_path)
        )
    assert len(fake.jobs) == 2
    assert not first.cached and again.cached and not edited.cached
    assert first.path == again.path != edited.path
    assert first.attempts == 2 and first.score == 96.0 and abs(first.duration_s - 1.0) < 0.01
    assert sf.info(str(first.path)).samplerate == 22050


def test_key_changes_with_voice_and_parameters() -> None:
    a = job_input(TURN, load_voice("joe"), TTSSettings())
    b = job_input(TURN, load_voice("kokoro-alpha"), TTSSettings())
    c = job_input(TURN, load_voice("joe"), TTSSettings(min_score=90))
    assert len({clip_key(a), clip_key(b), clip_key(c)}) == 3


def test_unreadable_audio_fails_the_turn(tmp_path: Path) -> None:
    fake = FakeRunPod(output=lambda _: {"audio_base64": "bm90IGF1ZGlv", "sample_rate": 1})
    with fake_runpod(fake) as server, pytest.raises(SynthesisError, match="unreadable audio"):
        synthesize_turn(
            TURN, load_voice("joe"), TTSSettings(), _client(server.base_url), Store(tmp_path)
        )
    assert list(tmp_path.rglob("*")) == []


def test_long_turn_is_voiced_in_chunks_and_crossfaded(tmp_path: Path) -> None:
    from tasks.speech.stage import chunk_text

    tts = TTSSettings(chunk_first_words=8, chunk_words=10, chunk_max_words=12, crossfade_ms=50)
    text = (
        "One two three four five six seven eight. Nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen. " + " ".join(f"w{i}" for i in range(25)) + " end."
    )
    chunks = chunk_text(text, tts)
    assert len(chunks[0].split()) <= 8 and all(len(c.split()) <= 12 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    fake = FakeRunPod(output=_output)
    turn = TURN.model_copy(update={"text": text})
    with fake_runpod(fake) as server:
        clip = synthesize_turn(
            turn, load_voice("joe"), tts, _client(server.base_url), Store(tmp_path)
        )
        again = synthesize_turn(
            turn, load_voice("joe"), tts, _client(server.base_url), Store(tmp_path)
        )
    assert [job.input["text"] for job in fake.jobs.values()] == chunks
    # each chunk is 1 s of audio; each join overlaps 50 ms
    assert abs(clip.duration_s - (len(chunks) - 0.05 * (len(chunks) - 1))) < 0.01
    assert (
        not clip.cached
        and again.cached
        and again.path == clip.path
        and len(fake.jobs) == len(chunks)
    )


def test_voice_task_retries_only_transient_faults() -> None:
    from prefect.states import Failed

    from tasks.speech.stage import synthesize_turn_task

    condition = synthesize_turn_task.retry_condition_fn
    assert condition is not None
    assert condition(synthesize_turn_task, None, Failed(data=TransientServiceError("429")))  # type: ignore[arg-type]
    assert not condition(synthesize_turn_task, None, Failed(data=ServiceError("400")))  # type: ignore[arg-type]
    assert not condition(synthesize_turn_task, None, Failed(data=SynthesisError("bad audio")))  # type: ignore[arg-type]


def test_unchanged_rerun_needs_no_endpoint(tmp_path: Path) -> None:
    from castwright.clients.factory import open_clients
    from castwright.core.config import load_show
    from castwright.core.models import Script
    from castwright.core.paths import DEFAULT_SHOW
    from castwright.core.settings import settings_from_env
    from tasks.speech.stage import voice_stage

    show = load_show(DEFAULT_SHOW)
    script = Script(turns=[TURN, TURN.model_copy(update={"id": "t002", "speaker": "Ada"})])
    voices = {h.name: load_voice(h.voice) for h in show.hosts}
    with fake_runpod(FakeRunPod(output=_output)) as server:
        for turn in script.turns:
            synthesize_turn(
                turn, voices[turn.speaker], show.tts, _client(server.base_url), Store(tmp_path)
            )
    settings = settings_from_env({"CASTWRIGHT_TTS_URL": "http://127.0.0.1:9/nothing-listens-here"},
                                 work_dir=tmp_path)  # fmt: skip
    with open_clients(settings, tmp_path / "public") as clients:
        clips = voice_stage(script, show, clients, Store(tmp_path), revoice=[])
    assert [c.cached for c in clips] == [True, True]


def test_http_timeout_is_transient() -> None:
    import time as _time

    from tests.fakes.http import Reply, serve

    def slow(request: object) -> Reply:
        _time.sleep(1.0)
        return Reply(200, {"id": "late", "status": "COMPLETED", "output": {}})

    with serve(slow) as server, pytest.raises(TransientServiceError, match="timed out"):
        policy = JobPolicy(wait_s=0.1)
        client = RunPodClient(server.base_url, SecretStr("k"), policy=policy, http_margin_s=0.2)
        client.run({"text": "hi"})
