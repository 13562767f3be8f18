"""The GPU image's configuration and start-up, without a GPU: the model root in the image's own
environment (read from worker/Dockerfile), the warm-up of a Base-only Qwen3 model, the dtype and
the GPU cache clearing."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pydantic import ValidationError

from tests.worker.test_worker_qwen3 import StandInQwen
from tests.worker.worker_testkit import REPO_ROOT, FixedTranscriber
from worker.engines.qwen3 import Qwen3Engine, QwenVoiceModel
from worker.runtime import BUNDLED_VOICE, BUNDLED_VOICES, WARMUP_TEXT, Worker
from worker.scoring import ClipChecker, Transcriber
from worker.settings import WorkerSettings

MODEL = "Qwen3-TTS-12Hz-1.7B-Base"


def image_env() -> dict[str, str]:
    """The ENV block of worker/Dockerfile, as the container sees it."""
    text = (REPO_ROOT / "worker" / "Dockerfile").read_text(encoding="utf-8")
    block = re.search(r"^ENV (.+?)(?<!\\)$", text, re.M | re.S)
    assert block is not None, "worker/Dockerfile has no ENV block"
    pairs = re.findall(r"(\w+)=(\S+)", block.group(1))
    return dict(pairs)


def test_the_image_leaves_the_volume_to_the_mount() -> None:
    env = image_env()
    assert "RUNPOD_VOLUME" not in env  # set, it would shadow the local fallback
    assert env["QWEN3_MODEL_ROOT"] == "/opt/castwright"
    assert env["WORKER_ENGINES"] == "qwen3" and env["QWEN3_DTYPE"] == "bfloat16"


def test_image_env_uses_a_present_volume(tmp_path: Path) -> None:
    volume = tmp_path / "runpod-volume"
    (volume / "models").mkdir(parents=True)
    settings = WorkerSettings.from_env(image_env(), cwd=tmp_path, default_volume=volume)
    assert settings.model_root == volume
    assert settings.qwen3_models == (volume / "models" / MODEL,)
    assert settings.voices_dir == volume / "voices"


def test_image_env_falls_back_to_the_local_root_without_a_volume(tmp_path: Path) -> None:
    absent = tmp_path / "no-volume"
    settings = WorkerSettings.from_env(image_env(), cwd=tmp_path, default_volume=absent)
    local = Path("/opt/castwright")
    assert settings.model_root == local
    assert settings.qwen3_models == (local / "models" / MODEL,)
    assert settings.voices_dir == local / "voices"


def test_a_configured_volume_that_is_missing_falls_back_too(tmp_path: Path) -> None:
    env = {
        **image_env(),
        "RUNPOD_VOLUME": str(tmp_path / "not-mounted"),
        "QWEN3_MODEL_ROOT": str(tmp_path / "weights"),
    }
    settings = WorkerSettings.from_env(env, cwd=tmp_path, default_volume=tmp_path / "absent")
    assert settings.model_root == tmp_path / "weights"
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    env["RUNPOD_VOLUME"] = str(mounted)
    assert WorkerSettings.from_env(env, cwd=tmp_path).model_root == mounted


def test_dtype_and_cache_clearing_settings(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    default = WorkerSettings.from_env({}, cwd=tmp_path, default_volume=absent)
    assert (default.qwen3_dtype, default.qwen3_clear_cache_s) == ("bfloat16", 20.0)
    env = {"QWEN3_DTYPE": "Float16", "QWEN3_CLEAR_CACHE_S": "0"}
    chosen = WorkerSettings.from_env(env, cwd=tmp_path, default_volume=absent)
    assert (chosen.qwen3_dtype, chosen.qwen3_clear_cache_s) == ("float16", 0.0)
    never = WorkerSettings.from_env({"QWEN3_CLEAR_CACHE_S": "off"}, cwd=tmp_path)
    assert never.qwen3_clear_cache_s is None
    with pytest.raises(ValidationError, match="qwen3_dtype"):
        WorkerSettings.from_env({"QWEN3_DTYPE": "int4"}, cwd=tmp_path)
    with pytest.raises(ValidationError, match="qwen3_clear_cache_s"):
        WorkerSettings.from_env({"QWEN3_CLEAR_CACHE_S": "soon"}, cwd=tmp_path)


def test_long_generations_clear_the_gpu_cache() -> None:
    cleared: list[int] = []
    stand_in = StandInQwen()  # answers 1 s of audio
    models = [QwenVoiceModel(stand_in, MODEL, "custom_voice", frozenset({"ana"}))]

    def engine(limit: float | None) -> Qwen3Engine:
        return Qwen3Engine(models, clear_cache=lambda: cleared.append(1), clear_cache_s=limit)

    from worker.engines.base import SynthesisRequest

    request = SynthesisRequest(text="Hi.", language="en", voice="ana")
    for limit, expected in ((0.5, 1), (5.0, 0), (None, 0), (0.0, 1)):
        cleared.clear()
        chosen = engine(limit)
        chosen.synthesize(request)
        assert (len(cleared), chosen.caches_cleared) == (expected, expected), limit


def base_only_worker(stand_in: StandInQwen, voices_dir: Path | None) -> Worker:
    engine = Qwen3Engine([QwenVoiceModel(stand_in, MODEL, "base")], voices_dir=voices_dir)
    assert engine.default_voice is None and engine.can_clone
    checker = ClipChecker(FixedTranscriber(WARMUP_TEXT))
    return Worker({"qwen3": engine}, checker, ("qwen3",), voices_dir=voices_dir)


def test_a_base_only_model_warms_up_by_cloning_the_bundled_reference(
    piper_clip: tuple[np.ndarray, int], caplog: pytest.LogCaptureFixture
) -> None:
    samples, sr = piper_clip
    stand_in = StandInQwen(wave=samples, sample_rate=sr)
    worker = base_only_worker(stand_in, voices_dir=None)
    with caplog.at_level(logging.INFO, logger="worker.runtime"):
        (done,) = worker.warm_up()
    assert (done.engine, done.mode, done.voice) == ("qwen3", "clone", f"reference:{BUNDLED_VOICE}")
    assert done.audio_s == pytest.approx(samples.size / sr, abs=0.01)
    (prompt, prompt_args), (generate, gen_args) = stand_in.calls
    assert (prompt, generate) == ("create_voice_clone_prompt", "generate_voice_clone")
    bundled_text = (BUNDLED_VOICES / BUNDLED_VOICE / "reference.txt").read_text().strip()
    assert prompt_args["ref_text"] == bundled_text
    assert gen_args["text"] == [WARMUP_TEXT] and gen_args["language"] == "English"
    assert any("warm-up of qwen3 (reference:warmup, clone)" in r.message for r in caplog.records)


def test_a_base_only_model_warms_up_with_the_first_saved_voice(
    piper_clip: tuple[np.ndarray, int], tmp_path: Path
) -> None:
    samples, sr = piper_clip
    for name in ("zoe", "bruno"):
        (tmp_path / name).mkdir()
        sf.write(tmp_path / name / "reference.wav", np.concatenate([np.zeros(sr), samples]), sr)
        (tmp_path / name / "reference.txt").write_text(f"I am {name}.", encoding="utf-8")
    stand_in = StandInQwen(wave=samples, sample_rate=sr)
    (done,) = base_only_worker(stand_in, voices_dir=tmp_path).warm_up()
    assert (done.mode, done.voice) == ("clone", "bruno")
    assert stand_in.calls[0][1]["ref_text"] == "I am bruno."


def test_the_smoke_script_times_load_warm_up_rtf_and_ttfa(whisper: Transcriber) -> None:
    """worker/smoke.py on the CPU voice (on a GPU it runs the same code on qwen3)."""
    from worker.smoke import run_smoke

    figures = run_smoke(WorkerSettings(engines=("piper",)), runs=1, transcriber=whisper)
    (warm,) = figures["warmups"]
    assert warm["engine"] == "piper" and warm["score"] >= 50.0 and figures["load_s"] >= 0
    (piper,) = figures["engines"]
    assert piper["first_chunk"] == "Welcome back to the show."
    assert piper["audio_s"] > 5.0 and 0 < piper["rtf_best"] < 1.0 and piper["ttfa_s"] > 0
