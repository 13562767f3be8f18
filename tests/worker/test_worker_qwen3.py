"""Qwen3 engine against a stand-in model with qwen_tts's method signatures (no GPU, no weights)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.worker.worker_testkit import SENTENCE, wav_base64
from worker.engines import EngineRegistry
from worker.engines.base import SamplingParams, SynthesisRequest
from worker.engines.qwen3 import (
    LANGUAGES,
    Qwen3Engine,
    QwenVoiceModel,
    load_qwen3_engine,
    sampling_kwargs,
)
from worker.errors import EngineUnavailableError, InvalidInputError
from worker.handler import handle, to_request
from worker.reference import ReferenceClip
from worker.runtime import Worker
from worker.schema import parse_input
from worker.scoring import ClipChecker
from worker.settings import WorkerSettings

SR = 24_000


@dataclass
class StandInQwen:
    """Records calls; answers like Qwen3TTSModel: (list of waveforms, sample rate)."""

    wave: np.ndarray = field(default_factory=lambda: np.full(SR, 0.1, dtype=np.float32))
    sample_rate: int = SR
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def create_voice_clone_prompt(self, ref_audio: Any, ref_text: Any = None) -> Any:
        self.calls.append(
            ("create_voice_clone_prompt", {"ref_audio": ref_audio, "ref_text": ref_text})
        )
        return [f"prompt-{len(self.calls)}"]

    def generate_voice_clone(self, text: Any, language: Any = None, **kwargs: Any) -> Any:
        self.calls.append(("generate_voice_clone", {"text": text, "language": language, **kwargs}))
        return [self.wave], self.sample_rate

    def generate_custom_voice(
        self, text: Any, speaker: Any, language: Any = None, **kwargs: Any
    ) -> Any:
        self.calls.append(
            (
                "generate_custom_voice",
                {"text": text, "speaker": speaker, "language": language, **kwargs},
            )
        )
        return [self.wave], self.sample_rate


def speech_reference() -> ReferenceClip:
    samples = np.concatenate([np.zeros(int(0.3 * SR)), 0.2 * np.sin(np.arange(4 * SR) / 7.0)])
    return ReferenceClip(samples.astype(np.float32), SR, "Reference words.", key="abc123")


@pytest.fixture
def base() -> StandInQwen:
    return StandInQwen()


@pytest.fixture
def custom() -> StandInQwen:
    return StandInQwen()


@pytest.fixture
def seeds() -> list[int]:
    return []


@pytest.fixture
def engine(base: StandInQwen, custom: StandInQwen, seeds: list[int], tmp_path: Path) -> Qwen3Engine:
    models = [
        QwenVoiceModel(base, "Qwen3-TTS-12Hz-1.7B-Base", "base"),
        QwenVoiceModel(custom, "castwright-ana-ft", "custom_voice", frozenset({"ana", "ryan"})),
    ]
    return Qwen3Engine(models, voices_dir=tmp_path, seed_fn=seeds.append)


def test_clone_uses_the_base_model_with_clone_presets(
    engine: Qwen3Engine, base: StandInQwen
) -> None:
    request = SynthesisRequest(
        text="Olá a todos.", language="pt-BR", mode="clone", reference=speech_reference()
    )
    wave, sr = engine.synthesize(request)
    assert sr == SR and wave.dtype == np.float32 and wave.ndim == 1
    (prompt_call, prompt_args), (gen_call, gen_args) = base.calls
    assert prompt_call == "create_voice_clone_prompt"
    ref_samples, ref_sr = prompt_args["ref_audio"]
    assert ref_sr == SR and prompt_args["ref_text"] == "Reference words."
    assert gen_call == "generate_voice_clone"
    assert gen_args == {
        "text": ["Olá a todos."],
        "language": "Portuguese",
        "voice_clone_prompt": ["prompt-1"],
        "temperature": 0.9,
        "top_p": 0.95,
        "repetition_penalty": 1.05,
        "max_new_tokens": 720,
    }
    assert engine.model == "Qwen3-TTS-12Hz-1.7B-Base"


def test_clone_prompt_is_built_once_per_voice(engine: Qwen3Engine, base: StandInQwen) -> None:
    request = SynthesisRequest(
        text="One.", language="en", mode="clone", reference=speech_reference()
    )
    for _ in range(3):
        engine.synthesize(request)
    names = [name for name, _ in base.calls]
    assert names.count("create_voice_clone_prompt") == 1
    assert names.count("generate_voice_clone") == 3


def test_fine_tuned_uses_custom_voice_with_fine_tuned_presets(
    engine: Qwen3Engine, custom: StandInQwen, base: StandInQwen
) -> None:
    engine.synthesize(SynthesisRequest(text="Hi.", language="en", mode="fine-tuned", voice="Ana"))
    assert base.calls == []
    ((name, args),) = custom.calls
    assert name == "generate_custom_voice"
    assert args == {
        "text": "Hi.",
        "speaker": "Ana",
        "language": "English",
        "temperature": 0.5,
        "top_p": 0.8,
        "repetition_penalty": 1.1,
        "max_new_tokens": 720,
    }
    assert engine.model == "castwright-ana-ft"


def test_preset_keeps_model_defaults_and_request_overrides_win(
    engine: Qwen3Engine, custom: StandInQwen
) -> None:
    engine.synthesize(SynthesisRequest(text="Hi.", language="en", voice="ryan", max_new_tokens=300))
    assert custom.calls[-1][1] == {
        "text": "Hi.",
        "speaker": "ryan",
        "language": "English",
        "max_new_tokens": 300,
    }
    overrides = SamplingParams(temperature=0.7, top_k=20)
    engine.synthesize(
        SynthesisRequest(
            text="Hi.", language="en", mode="fine-tuned", voice="ana", sampling=overrides
        )
    )
    sent = custom.calls[-1][1]
    assert (sent["temperature"], sent["top_k"], sent["top_p"], sent["repetition_penalty"]) == (
        0.7,
        20,
        0.8,
        1.1,
    )


def test_sampling_presets_table() -> None:
    assert sampling_kwargs("clone", SamplingParams(), 720) == {
        "temperature": 0.9,
        "top_p": 0.95,
        "repetition_penalty": 1.05,
        "max_new_tokens": 720,
    }
    assert sampling_kwargs("preset", SamplingParams(top_p=0.5), 100) == {
        "top_p": 0.5,
        "max_new_tokens": 100,
    }


def test_a_retry_scales_the_temperature_it_would_use() -> None:
    assert sampling_kwargs("clone", SamplingParams(), 720, 0.85)["temperature"] == 0.765
    assert (
        sampling_kwargs("fine-tuned", SamplingParams(temperature=1.9), 720, 1.1)["temperature"]
        == 2.0
    )  # clamped
    assert "temperature" not in sampling_kwargs("preset", SamplingParams(), 720, 0.85)


def test_language_mapping_and_refusal(engine: Qwen3Engine, custom: StandInQwen) -> None:
    assert LANGUAGES["pt"] == "Portuguese" and LANGUAGES["en"] == "English"
    with pytest.raises(InvalidInputError, match="language: qwen3 does not speak 'xx-YY'"):
        engine.synthesize(SynthesisRequest(text="Hi.", language="xx-YY", voice="ana"))
    assert custom.calls == []


def test_unknown_speaker_lists_the_available_ones(engine: Qwen3Engine) -> None:
    with pytest.raises(
        InvalidInputError, match="no loaded qwen3 model has speaker 'zoe'; available: ana, ryan"
    ):
        engine.synthesize(
            SynthesisRequest(text="Hi.", language="en", mode="fine-tuned", voice="zoe")
        )


def test_clone_without_a_base_model_is_unavailable(custom: StandInQwen) -> None:
    engine = Qwen3Engine([QwenVoiceModel(custom, "cv", "custom_voice", frozenset({"ana"}))])
    request = SynthesisRequest(
        text="Hi.", language="en", mode="clone", reference=speech_reference()
    )
    with pytest.raises(EngineUnavailableError, match="needs a Qwen3-TTS Base model"):
        engine.synthesize(request)
    assert engine.default_voice == "ana"


def test_clone_from_a_voice_saved_on_the_volume(
    engine: Qwen3Engine, base: StandInQwen, tmp_path: Path
) -> None:
    (tmp_path / "bruno").mkdir()
    sf.write(tmp_path / "bruno" / "reference.wav", speech_reference().samples, SR)
    (tmp_path / "bruno" / "reference.txt").write_text("Eu sou o Bruno.", encoding="utf-8")
    engine.synthesize(SynthesisRequest(text="Oi.", language="pt-BR", mode="clone", voice="bruno"))
    engine.synthesize(
        SynthesisRequest(text="Tchau.", language="pt-BR", mode="clone", voice="bruno")
    )
    assert [n for n, _ in base.calls].count("create_voice_clone_prompt") == 1
    assert base.calls[0][1]["ref_text"] == "Eu sou o Bruno."


def test_seed_is_applied_before_each_generation(engine: Qwen3Engine, seeds: list[int]) -> None:
    engine.synthesize(SynthesisRequest(text="Hi.", language="en", voice="ana", seed=7))
    engine.synthesize(SynthesisRequest(text="Hi.", language="en", voice="ana"))
    assert seeds == [7]


def test_qwen3_through_the_handler(
    checker: ClipChecker, piper_clip: tuple[np.ndarray, int]
) -> None:
    """Handler -> qwen3 engine -> real Whisper check, the stand-in answering with real speech."""
    samples, sr = piper_clip
    base = StandInQwen(wave=samples, sample_rate=sr)
    engine = Qwen3Engine([QwenVoiceModel(base, "Qwen3-TTS-12Hz-0.6B-Base", "base")])
    registry = EngineRegistry()
    registry.register("qwen3", lambda _settings: engine)
    worker = Worker.load(WorkerSettings(engines=("qwen3",)), registry, checker.transcriber)
    job_input = {
        "text": SENTENCE,
        "engine": "qwen3",
        "mode": "clone",
        # the host's reference: the same voice as the stand-in's answers (the speaker check)
        "reference_audio": wav_base64(np.concatenate([np.zeros(sr // 2), samples]), sr),
        "reference_text": SENTENCE,
        "sampling": {"temperature": 0.8},
        "audio_format": "flac",
    }
    out = handle({"id": "q", "input": job_input}, worker)
    assert "error" not in out, out
    assert out["audio_format"] == "flac" and out["score"] >= 75.0 and out["sample_rate"] == sr
    assert out["metadata"]["model"] == "Qwen3-TTS-12Hz-0.6B-Base"
    assert out["metadata"]["voice"].startswith("reference:")
    assert out["metadata"]["speaker_reference"] == "reference_audio"
    assert out["speaker_distance"] is not None and out["speaker_distance"] < 3.0
    assert base.calls[-1][1]["temperature"] == 0.8  # the override beat the clone preset 0.9
    assert to_request(parse_input(job_input)).reference is not None


def test_incomplete_checkpoints_are_refused_before_any_heavy_import(tmp_path: Path) -> None:
    folder = tmp_path / "Qwen3-TTS-12Hz-1.7B-Base"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="missing generation_config.json, speech_tokenizer"):
        load_qwen3_engine([folder], voices_dir=None)
