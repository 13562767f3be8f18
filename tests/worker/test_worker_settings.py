"""Worker configuration read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from worker.settings import WorkerSettings


def test_defaults_without_environment(tmp_path: Path) -> None:
    settings = WorkerSettings.from_env(env={}, cwd=tmp_path)
    assert settings.engines == ("piper", "kokoro")
    assert settings.whisper_model_dir is None and settings.whisper_device == "auto"
    assert settings.kokoro_cache == tmp_path / ".castwright/cache/kokoro"
    assert settings.warmup is True


def test_gpu_image_environment(tmp_path: Path) -> None:
    env = {
        "WORKER_ENGINES": "qwen3",
        "RUNPOD_VOLUME": str(tmp_path),
        "QWEN3_MODELS": "Qwen3-TTS-12Hz-1.7B-Base, /opt/ft/castwright-ana",
        "WHISPER_MODEL_DIR": str(tmp_path / "models/faster-whisper-small"),
        "WHISPER_DEVICE": "CUDA",
        "WORKER_WARMUP": "0",
    }
    settings = WorkerSettings.from_env(env=env, cwd=tmp_path)
    assert settings.engines == ("qwen3",)
    assert settings.qwen3_models == (
        tmp_path / "models/Qwen3-TTS-12Hz-1.7B-Base",
        Path("/opt/ft/castwright-ana"),
    )
    assert settings.voices_dir == tmp_path / "voices"
    assert settings.whisper_device == "cuda" and settings.warmup is False


def test_local_model_root_when_no_volume(tmp_path: Path) -> None:
    settings = WorkerSettings.from_env(
        env={"QWEN3_MODEL_ROOT": str(tmp_path)}, cwd=tmp_path, default_volume=tmp_path / "none"
    )
    assert settings.qwen3_models == (tmp_path / "models/Qwen3-TTS-12Hz-1.7B-Base",)


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="whisper_device"):
        WorkerSettings.from_env(env={"WHISPER_DEVICE": "tpu"}, cwd=tmp_path)
