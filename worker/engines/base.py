"""The one small interface every TTS engine implements."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from worker.audio import FloatArray
from worker.errors import EngineUnavailableError
from worker.reference import ReferenceClip
from worker.schema import Mode


@dataclass(frozen=True)
class SamplingParams:
    """Request overrides; None means "use the engine's preset for this mode"."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None


@dataclass(frozen=True)
class SynthesisRequest:
    """What an engine needs for one candidate: validated, decoded, typed."""

    text: str
    language: str
    mode: Mode = "preset"
    voice: str | None = None
    speed: float = 1.0
    sampling: SamplingParams = SamplingParams()
    max_new_tokens: int = 720
    seed: int | None = None
    reference: ReferenceClip | None = None
    #: a retry's change to the sampling temperature (Qwen3); 1.0 keeps the preset/override
    temperature_scale: float = 1.0

    def for_candidate(self, index: int) -> SynthesisRequest:
        """The same request with a distinct seed per candidate (when a seed was given)."""
        return self if self.seed is None else replace(self, seed=self.seed + index)


class Engine(Protocol):
    """A loaded TTS engine. `synthesize` returns float32 mono audio and its sample rate.

    It raises InvalidInputError / EngineUnavailableError for requests it cannot serve
    (unknown voice, unsupported mode or language); anything else is a real failure.
    """

    name: str
    model: str
    default_voice: str | None

    def synthesize(self, request: SynthesisRequest) -> tuple[FloatArray, int]: ...


def require_preset(engine: str, request: SynthesisRequest) -> None:
    if request.mode != "preset":
        raise EngineUnavailableError(
            f"mode: engine {engine!r} supports mode 'preset' only, not {request.mode!r} "
            "(use engine 'qwen3' for clone and fine-tuned voices)"
        )


def require_language(engine: str, request: SynthesisRequest, supported: frozenset[str]) -> None:
    if request.language.split("-")[0].lower() not in supported:
        raise EngineUnavailableError(
            f"language: engine {engine!r} speaks {', '.join(sorted(supported))} only, "
            f"not {request.language!r}"
        )
