"""The speaker check: is each clip in the voice the job asked for?

Every candidate's voice print (worker.voiceprint) is compared with the print of the requested
voice; a candidate too far from it is rejected like one with the wrong words. The reference
print comes, in order of preference, from

1. the job's `voice_print` (e.g. the print the worker returned with an earlier accepted clip of
   this host, so a whole episode is held to one voice);
2. the job's reference clip (clone mode);
3. a fixed phrase synthesized once per (engine, voice, mode, language) in this worker and kept
   (`VoicePrintBank`); the phrase's clip must itself pass the transcript check, or no print is
   kept and the speaker check is skipped for that job.

The limit grows for clips with little voiced speech, whose prints are noisier.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from worker.audio import FloatArray
from worker.engines.base import Engine, SynthesisRequest
from worker.schema import DEFAULT_MAX_SPEAKER_DISTANCE
from worker.voiceprint import VoicePrint, distance, voice_print

log = logging.getLogger(__name__)

#: (text, samples, sample rate, language) -> transcript score, as the clip checker computes it
ScoreFn = Callable[[str, FloatArray, int, str], float]

#: clips with at least this much voiced speech are held to the limit as given
FULL_VOICED_S = 1.5
#: the fixed phrase's clip must score this much for its print to be kept
PHRASE_MIN_SCORE = 60.0
#: phrase clips tried per voice before the worker stops checking that voice
PHRASE_TRIES = 2
PHRASES = {
    "en": (
        "Hello, this is my voice. Every week I read the news with a friend, and today we talk "
        "about small models, big bills, and the people who pay for them."
    ),
    "pt": (
        "Olá, esta é a minha voz. Toda semana eu leio as notícias com uma amiga, e hoje falamos "
        "de modelos pequenos, contas grandes e das pessoas que pagam por elas."
    ),
}


@dataclass(frozen=True)
class SpeakerCheck:
    distance: float | None  # None: the clip has too little voiced speech to tell
    limit: float
    reason: str
    print: VoicePrint | None = None

    @property
    def passed(self) -> bool:
        return self.distance is None or self.distance <= self.limit


def limit_for(voiced_s: float, max_distance: float) -> float:
    """`max_distance`, relaxed by sqrt(FULL_VOICED_S / voiced_s) for short clips."""
    return max_distance * math.sqrt(max(1.0, FULL_VOICED_S / max(voiced_s, 1e-3)))


@dataclass(frozen=True)
class SpeakerReference:
    """The requested voice's print and the limit a candidate must stay within."""

    print: VoicePrint
    max_distance: float = DEFAULT_MAX_SPEAKER_DISTANCE
    source: str = "phrase"

    def check(self, samples: FloatArray, sr: int) -> SpeakerCheck:
        heard = voice_print(samples, sr)
        if heard is None:
            return SpeakerCheck(None, self.max_distance, "speaker check skipped: too little voice")
        limit = limit_for(heard.voiced_s, self.max_distance)
        d = distance(self.print, heard)
        verdict = "same voice" if d <= limit else "wrong voice"
        reason = (
            f"{verdict}: distance {d:.1f} (limit {limit:.1f}) from the {self.source} print; "
            f"pitch {heard.f0_median_hz:.0f} Hz vs {self.print.f0_median_hz:.0f} Hz"
        )
        return SpeakerCheck(round(d, 2), round(limit, 2), reason, heard)


def phrase_for(language: str) -> str:
    return PHRASES.get(language.split("-")[0].lower(), PHRASES["en"])


def voice_key(engine: Engine, request: SynthesisRequest) -> str:
    voice = request.voice or engine.default_voice or "-"
    return f"{engine.name}/{voice}/{request.mode}/{request.language.split('-')[0].lower()}"


class VoicePrintBank:
    """Prints of the voices this worker has been asked for, each computed once."""

    def __init__(self) -> None:
        self._prints: dict[str, VoicePrint] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> VoicePrint | None:
        return self._prints.get(key)

    def put(self, key: str, value: VoicePrint) -> None:
        with self._lock:
            self._prints[key] = value

    def print_for(
        self, engine: Engine, request: SynthesisRequest, score: ScoreFn
    ) -> VoicePrint | None:
        """The print of the requested voice reading the fixed phrase (synthesized on first use);
        None when its phrase clip failed the transcript check PHRASE_TRIES times."""
        key = voice_key(engine, request)
        if key in self._prints or self._failures.get(key, 0) >= PHRASE_TRIES:
            return self._prints.get(key)
        text = phrase_for(request.language)
        phrase = SynthesisRequest(
            text=text,
            language=request.language,
            mode=request.mode,
            voice=request.voice,
            sampling=request.sampling,
            max_new_tokens=request.max_new_tokens,
            seed=request.seed,
        )
        samples, sr = engine.synthesize(phrase)
        found = score(text, samples, sr, request.language)
        result = voice_print(samples, sr) if found >= PHRASE_MIN_SCORE else None
        if result is None:
            with self._lock:
                self._failures[key] = self._failures.get(key, 0) + 1
            log.warning("no voice print for %s: its phrase clip scored %.0f", key, found)
            return None
        log.info("voice print of %s: pitch %.0f Hz", key, result.f0_median_hz)
        self.put(key, result)
        return result
