"""The loaded worker: engines by name plus the clip checker, built once at process start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from worker.audio import FloatArray
from worker.engines import EngineRegistry, default_registry
from worker.engines.base import Engine, SynthesisRequest
from worker.errors import EngineUnavailableError
from worker.schema import DEFAULT_MAX_SPEAKER_DISTANCE, VoicePrintInput
from worker.scoring import ClipChecker, Transcriber
from worker.settings import WorkerSettings
from worker.speaker import SpeakerReference, VoicePrintBank
from worker.voiceprint import VoicePrint, voice_print

log = logging.getLogger(__name__)

WARMUP_TEXT = "Hello there, this is a short warm up."
WARMUP_MIN_SCORE = 50.0  # below this the engine is likely broken: say so loudly in the log


@dataclass
class Worker:
    engines: dict[str, Engine]
    checker: ClipChecker  # the default clip checker (English-only Whisper tiny.en on CPU)
    known_engines: tuple[str, ...] = ()
    prints: VoicePrintBank = field(default_factory=VoicePrintBank)
    #: loads the multilingual Whisper for non-English jobs, on the first one (None: none)
    multilingual: Callable[[], Transcriber] | None = None
    _multilingual_checker: ClipChecker | None = None

    def checker_for(self, language: str) -> ClipChecker:
        """The clip checker for a job's language: the default one for English or when it is
        multilingual itself, else the multilingual Whisper (language forced: worker.transcribe).
        Raises InvalidInputError when no checker can hear the language."""
        checker = self.checker
        primary = language.split("-")[0].lower()
        if primary != "en" and not checker.transcriber.multilingual and self.multilingual:
            if self._multilingual_checker is None:
                started = time.perf_counter()
                try:
                    transcriber = self.multilingual()
                except FileNotFoundError as exc:
                    raise EngineUnavailableError(f"language: {language!r}: {exc}") from exc
                self._multilingual_checker = ClipChecker(transcriber, self.checker.limits)
                log.info("multilingual clip checker %s loaded in %.2f s",
                         transcriber.model, time.perf_counter() - started)  # fmt: skip
            checker = self._multilingual_checker
        checker.ensure_language(language)
        return checker

    def engine(self, name: str) -> Engine:
        if name in self.engines:
            return self.engines[name]
        loaded = ", ".join(sorted(self.engines)) or "none"
        if self.known_engines and name not in self.known_engines:
            raise EngineUnavailableError(
                f"engine: unknown engine {name!r}; choose one of {', '.join(self.known_engines)}"
            )
        raise EngineUnavailableError(
            f"engine: {name!r} is not loaded in this worker (loaded: {loaded}); "
            "send the job to an endpoint whose WORKER_ENGINES includes it"
        )

    def _score(self, text: str, samples: FloatArray, sr: int, language: str) -> float:
        return self.checker_for(language).check(text, samples, sr, language).score

    def speaker_reference(
        self,
        engine: Engine,
        request: SynthesisRequest,
        sent: VoicePrintInput | None = None,
        max_distance: float = DEFAULT_MAX_SPEAKER_DISTANCE,
    ) -> SpeakerReference | None:
        """The print each candidate is checked against: the job's, its reference clip's, or
        the voice's fixed-phrase print (computed on first use); None if none can be had."""
        if sent is not None:
            return SpeakerReference(VoicePrint.from_dict(sent.model_dump()), max_distance, "job")
        if request.reference is not None:
            found = voice_print(request.reference.samples, request.reference.sample_rate)
            return SpeakerReference(found, max_distance, "reference_audio") if found else None
        found = self.prints.print_for(engine, request, self._score)
        return SpeakerReference(found, max_distance, "phrase") if found else None

    @classmethod
    def load(
        cls,
        settings: WorkerSettings,
        registry: EngineRegistry | None = None,
        transcriber: Transcriber | None = None,
    ) -> Worker:
        registry = registry or default_registry()
        if transcriber is None:
            from worker.transcribe import WhisperTranscriber

            started = time.perf_counter()
            transcriber = WhisperTranscriber.load(
                settings.whisper_model_dir, settings.whisper_device
            )
            log.info("clip checker loaded in %.2f s", time.perf_counter() - started)
        engines = registry.load(settings.engines, settings)
        return cls(
            engines, ClipChecker(transcriber), tuple(registry.names()),
            multilingual=lambda: _load_multilingual(settings),
        )  # fmt: skip

    def warm_up(self) -> None:
        """One short synthesis and check per engine, so the first job pays no lazy setup."""
        for name, engine in self.engines.items():
            if engine.default_voice is None:
                log.info("warm-up of %s skipped: it has no default voice", name)
                continue
            started = time.perf_counter()
            request = SynthesisRequest(text=WARMUP_TEXT, language="en", voice=engine.default_voice)
            samples, sr = engine.synthesize(request)
            check = self.checker.check(WARMUP_TEXT, samples, sr)
            elapsed = time.perf_counter() - started
            level = logging.INFO if check.score >= WARMUP_MIN_SCORE else logging.WARNING
            self.prints.print_for(engine, request, self._score)
            log.log(
                level,
                "warm-up of %s: %.2f s, score %.0f (%s)",
                name,
                elapsed,
                check.score,
                check.reason,
            )


def _load_multilingual(settings: WorkerSettings) -> Transcriber:
    from worker.transcribe import WhisperTranscriber

    return WhisperTranscriber.load_multilingual(
        settings.whisper_multilingual_dir, settings.whisper_cache, settings.whisper_device
    )
