"""Qwen3-TTS (package `qwen-tts`, GPU image only): clone, fine-tuned and preset voices.

torch and qwen_tts are imported only inside `load_qwen3_engine`, so this module imports (and is
tested) without them. Verified against QwenLM/Qwen3-TTS `qwen_tts/inference/qwen3_tts_model.py`:
- a Base model clones: `create_voice_clone_prompt(ref_audio=(wav, sr), ref_text=...)` then
  `generate_voice_clone(text=[...], language=..., voice_clone_prompt=..., **sampling)`;
- a CustomVoice model, or a fine-tuned checkpoint (it becomes a custom voice with its own
  speaker name), speaks with `generate_custom_voice(text, speaker, language, **sampling)`;
- all return (list of float waveforms, sample rate); language is a name such as "English".
Sampling kwargs left out (None) fall back to the model's generation_config.json.
"""

from __future__ import annotations

import importlib.util
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from worker.audio import FloatArray
from worker.engines.base import SamplingParams, SynthesisRequest
from worker.errors import EngineUnavailableError, InvalidInputError
from worker.reference import ReferenceClip, reference_from_volume
from worker.schema import Mode

log = logging.getLogger(__name__)

#: BCP-47 primary subtag -> the language names Qwen3-TTS accepts ("pt-BR" itself is rejected)
LANGUAGES = {
    "en": "English",
    "pt": "Portuguese",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "de": "German",
    "fr": "French",
    "ru": "Russian",
    "es": "Spanish",
    "it": "Italian",
}
#: seed experience: fine-tuned voices want 0.5/0.8/1.1; cloning wants 0.9/0.95/1.05 (the
#: fine-tuned values give white noise when cloning). Preset speakers keep the model's defaults.
MODE_PRESETS: dict[Mode, SamplingParams] = {
    "fine-tuned": SamplingParams(temperature=0.5, top_p=0.8, repetition_penalty=1.1),
    "clone": SamplingParams(temperature=0.9, top_p=0.95, repetition_penalty=1.05),
    "preset": SamplingParams(),
}
PROMPT_CACHE_SIZE = 32
#: what Qwen3TTSModel.from_pretrained reads from a local folder (nothing is downloaded)
CHECKPOINT_FILES = ("config.json", "generation_config.json", "speech_tokenizer/config.json")
ModelKind = Literal["base", "custom_voice"]


class QwenTTS(Protocol):
    """The part of `qwen_tts.Qwen3TTSModel` this engine uses."""

    def create_voice_clone_prompt(self, ref_audio: Any, ref_text: Any = None) -> Any: ...

    def generate_voice_clone(self, text: Any, language: Any = None, **kwargs: Any) -> Any: ...

    def generate_custom_voice(
        self, text: Any, speaker: Any, language: Any = None, **kwargs: Any
    ) -> Any: ...


@dataclass(frozen=True)
class QwenVoiceModel:
    """One loaded checkpoint: a Base model (clones) or a custom-voice model (named speakers)."""

    model: QwenTTS
    name: str
    kind: ModelKind
    speakers: frozenset[str] = frozenset()  # lower-case, as qwen_tts compares them


def qwen_language(language: str) -> str:
    primary = language.split("-")[0].lower()
    if primary not in LANGUAGES:
        raise InvalidInputError(
            f"language: qwen3 does not speak {language!r}; choose one of {', '.join(LANGUAGES)}"
        )
    return LANGUAGES[primary]


def sampling_kwargs(
    mode: Mode, overrides: SamplingParams, max_new_tokens: int, temperature_scale: float = 1.0
) -> dict[str, Any]:
    """The mode's preset, with the request's overrides winning; None values are left out.
    A retry's `temperature_scale` multiplies the temperature (when one is set), within 0.1-2."""
    preset = {k: v for k, v in asdict(MODE_PRESETS[mode]).items() if v is not None}
    wanted = {k: v for k, v in asdict(overrides).items() if v is not None}
    kwargs: dict[str, Any] = {**preset, **wanted}
    if temperature_scale != 1.0 and "temperature" in kwargs:
        scaled = kwargs["temperature"] * temperature_scale
        kwargs["temperature"] = round(min(2.0, max(0.1, scaled)), 3)
    kwargs["max_new_tokens"] = max_new_tokens
    return kwargs


class Qwen3Engine:
    name = "qwen3"
    default_voice: str | None = None

    def __init__(
        self,
        models: Sequence[QwenVoiceModel],
        voices_dir: Path | None = None,
        seed_fn: Callable[[int], object] | None = None,
        clear_cache: Callable[[], object] | None = None,
        clear_cache_s: float | None = None,
    ) -> None:
        if not models:
            raise EngineUnavailableError("engine: qwen3 has no model loaded")
        self._models = list(models)
        self.voices_dir = voices_dir
        self._seed_fn = seed_fn
        #: frees the GPU cache (torch.cuda.empty_cache) after a generation of more than
        #: `clear_cache_s` seconds of audio; None: never
        self._clear_cache = clear_cache
        self.clear_cache_s = clear_cache_s
        self.caches_cleared = 0
        self._prompts: OrderedDict[str, Any] = OrderedDict()
        self.model = self._models[0].name  # the model used by the latest request
        speakers = sorted(s for m in self._models if m.kind == "custom_voice" for s in m.speakers)
        self.default_voice = speakers[0] if speakers else None

    @property
    def can_clone(self) -> bool:
        """Whether a Base model is loaded (the warm-up of a Base-only engine clones)."""
        return any(m.kind == "base" for m in self._models)

    # --- routing ---------------------------------------------------------------------------

    def _clone_model(self) -> QwenVoiceModel:
        for candidate in self._models:
            if candidate.kind == "base":
                return candidate
        raise EngineUnavailableError(
            "mode: 'clone' needs a Qwen3-TTS Base model; none is loaded (see QWEN3_MODELS)"
        )

    def _speaker_model(self, speaker: str | None) -> QwenVoiceModel:
        custom = [m for m in self._models if m.kind == "custom_voice"]
        if speaker is None:
            raise InvalidInputError("voice: modes 'preset' and 'fine-tuned' need a speaker name")
        for candidate in custom:
            if speaker.lower() in candidate.speakers:
                return candidate
        known = sorted(s for m in custom for s in m.speakers)
        raise InvalidInputError(
            f"voice: no loaded qwen3 model has speaker {speaker!r}; available: "
            f"{', '.join(known) or 'none (load a CustomVoice or fine-tuned model)'}"
        )

    # --- clone prompts -----------------------------------------------------------------------

    def _reference(self, request: SynthesisRequest) -> ReferenceClip:
        if request.reference is not None:
            return request.reference
        if self.voices_dir is None or request.voice is None:
            raise InvalidInputError(
                "reference_audio: mode 'clone' needs reference_audio + reference_text, "
                "or a voice saved on the network volume"
            )
        return reference_from_volume(self.voices_dir, request.voice)

    def _clone_prompt(self, model: QwenVoiceModel, request: SynthesisRequest) -> Any:
        key = request.reference.key if request.reference else f"volume:{request.voice}"
        if key not in self._prompts:
            clip = self._reference(request)
            self._prompts[key] = model.model.create_voice_clone_prompt(
                ref_audio=(clip.samples, clip.sample_rate), ref_text=clip.text
            )
            if len(self._prompts) > PROMPT_CACHE_SIZE:
                self._prompts.popitem(last=False)
        self._prompts.move_to_end(key)
        return self._prompts[key]

    # --- synthesis ---------------------------------------------------------------------------

    def synthesize(self, request: SynthesisRequest) -> tuple[FloatArray, int]:
        language = qwen_language(request.language)
        if request.speed != 1.0:
            log.warning("qwen3 has no speed control: speed %.2f ignored", request.speed)
        kwargs = sampling_kwargs(
            request.mode, request.sampling, request.max_new_tokens, request.temperature_scale
        )
        if request.mode == "clone":
            chosen = self._clone_model()
            prompt = self._clone_prompt(chosen, request)
            self._seed(request.seed)
            wavs, sample_rate = chosen.model.generate_voice_clone(
                text=[request.text], language=language, voice_clone_prompt=prompt, **kwargs
            )
        else:
            speaker = request.voice or self.default_voice
            chosen = self._speaker_model(speaker)
            self._seed(request.seed)
            wavs, sample_rate = chosen.model.generate_custom_voice(
                text=request.text, speaker=speaker, language=language, **kwargs
            )
        self.model = chosen.name
        wave = _first_wave(wavs)
        self._after_generation(wave.size / max(int(sample_rate), 1))
        return wave, int(sample_rate)

    def _after_generation(self, seconds: float) -> None:
        if self._clear_cache is None or self.clear_cache_s is None:
            return
        if seconds >= self.clear_cache_s:
            self._clear_cache()
            self.caches_cleared += 1

    def _seed(self, seed: int | None) -> None:
        if seed is not None and self._seed_fn is not None:
            self._seed_fn(seed)


def _first_wave(wavs: Any) -> FloatArray:
    if not wavs:
        raise RuntimeError("qwen3 returned no waveform")
    return np.asarray(wavs[0], dtype=np.float32).reshape(-1)


# --- loading (GPU image) ---------------------------------------------------------------------


def attention_implementation(requested: str | None) -> str:
    if requested:
        return requested
    return "flash_attention_2" if importlib.util.find_spec("flash_attn") else "sdpa"


def _model_kind(folder: Path, tts_model_type: str) -> ModelKind:
    if tts_model_type == "base":
        return "base"
    if tts_model_type == "custom_voice":
        return "custom_voice"
    raise ValueError(
        f"QWEN3_MODELS: {folder} is a {tts_model_type!r} model; use Base or CustomVoice"
    )


def _check_checkpoint(folder: Path) -> None:
    missing = [name for name in CHECKPOINT_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"QWEN3_MODELS: {folder} is not a complete Qwen3-TTS checkpoint (missing "
            f"{', '.join(missing)}); download it onto the volume, see worker/README.md"
        )


def load_qwen3_engine(
    model_dirs: Sequence[Path],
    voices_dir: Path | None,
    attn: str | None = None,
    dtype: str = "bfloat16",
    clear_cache_s: float | None = None,
) -> Qwen3Engine:
    """Load each checkpoint folder once onto cuda:0 in `dtype` (nothing is downloaded)."""
    for folder in model_dirs:
        _check_checkpoint(folder)
    import torch
    from qwen_tts import Qwen3TTSModel

    implementation = attention_implementation(attn)
    torch_dtype = getattr(torch, dtype)
    loaded = []
    for folder in model_dirs:
        wrapper = Qwen3TTSModel.from_pretrained(
            str(folder),
            device_map="cuda:0",
            dtype=torch_dtype,
            attn_implementation=implementation,
        )
        kind = _model_kind(folder, str(wrapper.model.tts_model_type))
        speakers = frozenset(str(s).lower() for s in (wrapper.model.get_supported_speakers() or []))
        names = ", ".join(sorted(speakers)) or "-"
        log.info(
            "qwen3 %s loaded (%s, %s, %s; speakers: %s)",
            folder.name, kind, implementation, dtype, names,
        )  # fmt: skip
        loaded.append(QwenVoiceModel(wrapper, folder.name, kind, speakers))
    return Qwen3Engine(
        loaded, voices_dir, seed_fn=torch.manual_seed,
        clear_cache=torch.cuda.empty_cache, clear_cache_s=clear_cache_s,
    )  # fmt: skip
