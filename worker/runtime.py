"""The loaded worker: engines by name plus the clip checker, built once at process start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from worker.audio import FloatArray, duration_s
from worker.engines import EngineRegistry, default_registry
from worker.engines.base import Engine, SynthesisRequest
from worker.errors import EngineUnavailableError
from worker.reference import reference_from_volume
from worker.schema import DEFAULT_MAX_SPEAKER_DISTANCE, VoicePrintInput
from worker.scoring import ClipChecker, Transcriber
from worker.settings import WorkerSettings
from worker.speaker import SpeakerReference, VoicePrintBank
from worker.voiceprint import VoicePrint, voice_print

log = logging.getLogger(__name__)

WARMUP_TEXT = "Hello there, this is a short warm up."
WARMUP_MIN_SCORE = 50.0  # below this the engine is likely broken: say so loudly in the log
#: a short clone reference shipped with the worker, for warming up a Base-only qwen3 model
BUNDLED_VOICES = Path(__file__).resolve().parent / "data" / "voices"
BUNDLED_VOICE = "warmup"


@dataclass
class Worker:
    engines: dict[str, Engine]
    checker: ClipChecker  # the default clip checker (English-only Whisper tiny.en on CPU)
    known_engines: tuple[str, ...] = ()
    prints: VoicePrintBank = field(default_factory=VoicePrintBank)
    voices_dir: Path | None = None  # saved clone voices (the warm-up of a Base-only model)
    #: loads the multilingual Whisper for non-English jobs, on the first one (None: none)
    multilingual: Callable[[], Transcriber] | None = None
    _multilingual_checker: ClipChecker | None = None
    _hinted_checker: ClipChecker | None = None

    def checker_for(self, language: str) -> ClipChecker:
        """The clip checker for a job's language: the default one for English or when it is
        multilingual itself, else the multilingual Whisper (language forced: worker.transcribe).
        Raises InvalidInputError when no checker can hear the language."""
        checker = self.checker
        primary = language.split("-")[0].lower()
        if primary != "en" and not checker.transcriber.multilingual and self.multilingual:
            try:
                checker = self._multilingual_checker_loaded()
            except FileNotFoundError as exc:
                raise EngineUnavailableError(f"language: {language!r}: {exc}") from exc
        checker.ensure_language(language)
        return checker

    def _multilingual_checker_loaded(self) -> ClipChecker:
        if self._multilingual_checker is None:
            assert self.multilingual is not None
            started = time.perf_counter()
            transcriber = self.multilingual()
            self._multilingual_checker = ClipChecker(transcriber, self.checker.limits)
            log.info("multilingual clip checker %s loaded in %.2f s",
                     transcriber.model, time.perf_counter() - started)  # fmt: skip
        return self._multilingual_checker

    def second_opinion(self, language: str) -> Callable[[], ClipChecker | None] | None:
        """What loads the second hearing of a clip no candidate passed: the larger model (the
        multilingual Whisper base, loaded on the first failure; the default model when it is
        multilingual itself), told the text's names before it listens. None when there is none."""
        if self.checker.transcriber.multilingual:
            return lambda: self._hinted(self.checker)
        return self._second_checker if self.multilingual is not None else None

    def _hinted(self, checker: ClipChecker) -> ClipChecker:
        if (
            self._hinted_checker is None
            or self._hinted_checker.transcriber is not checker.transcriber
        ):
            self._hinted_checker = ClipChecker(checker.transcriber, checker.limits, hints=True)
        return self._hinted_checker

    def _second_checker(self) -> ClipChecker | None:
        try:
            return self._hinted(self._multilingual_checker_loaded())
        except FileNotFoundError:
            log.warning("no multilingual Whisper for a second opinion; a failed clip stays failed")
            self.multilingual = None
            return None

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
            voices_dir=settings.voices_dir, multilingual=lambda: _load_multilingual(settings),
        )  # fmt: skip

    def warm_up(self) -> list[WarmUp]:
        """One short synthesis and check per engine, so the first job pays no lazy setup (or
        compile): the default voice, else (a Base-only qwen3) a clone of the first voice saved
        on the volume or of the bundled reference. Each one is timed and logged. No voice print
        is made here: the speaker check makes one for each voice a job asks for, when it first
        does (a default voice the show does not use cost 2-3 s of every start)."""
        done = []
        for name, engine in self.engines.items():
            request = warmup_request(engine, self.voices_dir)
            if request is None:
                log.warning("warm-up of %s skipped: no default voice and it cannot clone", name)
                continue
            started = time.perf_counter()
            samples, sr = engine.synthesize(request)
            synthesized = time.perf_counter()
            check = self.checker.check(WARMUP_TEXT, samples, sr)
            result = WarmUp(
                engine=name,
                voice=request.voice or f"reference:{BUNDLED_VOICE}",
                mode=request.mode,
                synthesis_s=round(synthesized - started, 3),
                check_s=round(time.perf_counter() - synthesized, 3),
                audio_s=round(duration_s(samples, sr), 3),
                score=check.score,
            )
            level = logging.INFO if check.score >= WARMUP_MIN_SCORE else logging.WARNING
            log.log(
                level,
                "warm-up of %s (%s, %s): synthesis %.2f s, check %.2f s, score %.0f (%s)",
                name, result.voice, result.mode, result.synthesis_s, result.check_s,
                check.score, check.reason,
            )  # fmt: skip
            done.append(result)
        return done


def start_worker(settings: WorkerSettings) -> Worker:
    """Load the configured engines and the checker, warm them up, and log how long it took."""
    started = time.perf_counter()
    worker = Worker.load(settings)
    if settings.warmup:
        worker.warm_up()
    log.info(
        "worker ready in %.1f s with engines %s",
        time.perf_counter() - started,
        list(worker.engines),
    )
    return worker


@dataclass(frozen=True)
class WarmUp:
    """What one engine's warm-up did and how long it took."""

    engine: str
    voice: str
    mode: str
    synthesis_s: float
    check_s: float
    audio_s: float
    score: float


def first_saved_voice(voices_dir: Path | None) -> str | None:
    """The first voice (by name) saved as <dir>/<voice>/reference.wav + reference.txt."""
    if voices_dir is None or not voices_dir.is_dir():
        return None
    for folder in sorted(p for p in voices_dir.iterdir() if p.is_dir()):
        if (folder / "reference.wav").is_file() and (folder / "reference.txt").is_file():
            return folder.name
    return None


def warmup_request(engine: Engine, voices_dir: Path | None) -> SynthesisRequest | None:
    """The warm-up job for one engine, whatever models it has loaded."""
    if engine.default_voice is not None:
        return SynthesisRequest(text=WARMUP_TEXT, language="en", voice=engine.default_voice)
    if not getattr(engine, "can_clone", False):
        return None
    saved = first_saved_voice(voices_dir)
    if saved is not None:
        return SynthesisRequest(text=WARMUP_TEXT, language="en", mode="clone", voice=saved)
    reference = reference_from_volume(BUNDLED_VOICES, BUNDLED_VOICE)
    return SynthesisRequest(text=WARMUP_TEXT, language="en", mode="clone", reference=reference)


def _load_multilingual(settings: WorkerSettings) -> Transcriber:
    from worker.transcribe import WhisperTranscriber

    return WhisperTranscriber.load_multilingual(
        settings.whisper_multilingual_dir, settings.whisper_cache, settings.whisper_device
    )
