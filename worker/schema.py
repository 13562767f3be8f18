"""The job input and output: validated at the edge, typed inside.

Light on purpose: importing this module loads no model.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from worker.errors import InvalidInputError

MAX_TEXT_CHARS = 2000
DEFAULT_MIN_SCORE = 80.0
#: voice-print distance a clip may be from its voice's print (worker.speaker)
DEFAULT_MAX_SPEAKER_DISTANCE = 3.0
#: base64 of a WAV of about 11 MB; RunPod's /runsync body limit is 20 MB
MAX_REFERENCE_B64_CHARS = 15_000_000
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ENGINE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

Mode = Literal["preset", "clone", "fine-tuned"]
AudioFormat = Literal["wav", "flac"]


class Sampling(BaseModel):
    """Optional sampling overrides; they win over the engine's per-mode presets."""

    model_config = ConfigDict(extra="forbid")

    temperature: Annotated[float, Field(gt=0.0, le=2.0)] | None = None
    top_p: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    top_k: Annotated[int, Field(ge=1, le=1000)] | None = None
    repetition_penalty: Annotated[float, Field(ge=1.0, le=2.0)] | None = None


class VoicePrintInput(BaseModel):
    """A voice print, as the worker returns it in `voice_print` (worker.voiceprint)."""

    model_config = ConfigDict(extra="forbid")

    f0_median_hz: Annotated[float, Field(ge=40.0, le=600.0)]
    f0_iqr_st: Annotated[float, Field(ge=0.0, le=48.0)] = 0.0
    cepstrum: Annotated[list[float], Field(min_length=12, max_length=12)]
    centroid_hz: Annotated[float, Field(ge=0.0, le=8000.0)]
    voiced_s: Annotated[float, Field(ge=0.0)] = 0.0


class TTSInput(BaseModel):
    """`job["input"]` of one synthesis job."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
    language: str = "en"
    engine: str = Field(description="piper | kokoro | qwen3 (or any engine registered)")
    mode: Mode = "preset"
    voice: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    reference_audio: Annotated[str, Field(max_length=MAX_REFERENCE_B64_CHARS)] | None = None
    reference_text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)] | None = None
    speed: Annotated[float, Field(ge=0.5, le=2.0)] = 1.0
    sampling: Sampling | None = None
    n_candidates: Annotated[int, Field(ge=1, le=8)] = 1
    min_score: Annotated[float, Field(ge=0.0, le=100.0)] = DEFAULT_MIN_SCORE
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    max_new_tokens: Annotated[int, Field(ge=16, le=4096)] = 720
    generation_timeout_s: Annotated[float, Field(gt=0.0, le=3600.0)] = 180.0
    seed: Annotated[int, Field(ge=0, lt=2**32)] | None = None
    audio_format: AudioFormat = "wav"
    speaker_check: bool = True
    voice_print: VoicePrintInput | None = None
    max_speaker_distance: Annotated[float, Field(gt=0.0, le=100.0)] = DEFAULT_MAX_SPEAKER_DISTANCE

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not _LANGUAGE_RE.match(value):
            raise ValueError("must be a language tag such as 'en' or 'pt-BR'")
        return value

    @field_validator("engine")
    @classmethod
    def _engine_name(cls, value: str) -> str:
        if not _ENGINE_RE.match(value):
            raise ValueError("must be an engine name such as 'piper', 'kokoro' or 'qwen3'")
        return value

    @field_validator("reference_audio")
    @classmethod
    def _reference_source(cls, value: str | None) -> str | None:
        if value is not None and value.lower().startswith("http:"):
            raise ValueError("only https:// URLs are allowed (or base64 WAV data)")
        return value

    @model_validator(mode="after")
    def _clone_needs_reference(self) -> TTSInput:
        has_audio, has_text = self.reference_audio is not None, self.reference_text is not None
        if has_audio != has_text:
            missing = "reference_text" if has_audio else "reference_audio"
            raise ValueError(f"{missing} is required when the other reference field is given")
        if has_audio and self.mode != "clone":
            raise ValueError("reference_audio/reference_text are only used with mode 'clone'")
        if self.mode == "clone" and not has_audio and self.voice is None:
            raise ValueError(
                "mode 'clone' needs reference_audio + reference_text, "
                "or a voice saved on the network volume"
            )
        return self


InputT = TypeVar("InputT", bound=TTSInput)


class Metadata(BaseModel):
    candidates_generated: int
    candidates_passed: int
    scores: list[float]
    attempts: int
    generation_ms: int
    validation_ms: int
    engine: str
    model: str
    voice: str
    speeds: list[float] = []
    speaker_distances: list[float | None] = []
    speaker_reference: str | None = None  # job | reference_audio | phrase; None: unchecked
    checker: str | None = None  # the Whisper model that heard the clip, e.g. whisper-base


class TTSOutput(BaseModel):
    """The job output on success."""

    audio_base64: str
    audio_format: AudioFormat
    sample_rate: int
    duration_s: float
    score: float
    transcript: str
    speaker_distance: float | None = None
    voice_print: dict[str, Any] | None = None
    metadata: Metadata


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem, each naming its field: 'speed: Input should be ...'."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "input"
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "invalid input: " + "; ".join(parts)


def parse_input(raw: Any) -> TTSInput:
    """Validate `job["input"]`, raising InvalidInputError with a message naming each bad field."""
    return parse_as(raw, TTSInput)


def parse_as(raw: Any, model: type[InputT]) -> InputT:
    """Validate `job["input"]` as `model` (TTSInput or an extension of it)."""
    if not isinstance(raw, dict):
        raise InvalidInputError("invalid input: job input must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(format_validation_error(exc)) from exc
