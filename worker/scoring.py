"""The clip check: does this audio say the text, and is it speech at all?

Score = 100 * (1 - WER) of the Whisper transcript against the text, clamped to 0..100, after
both are normalized the same way for the clip's language (numbers, acronyms, punctuation, case:
see worker.textnorm), so "A.I." read correctly and heard as "AI" is not an error. Garbage gets 0 with a reason before the transcript is even considered: near-silence,
noise or a steady tone, a duration far from what the text implies, and looping.
Importing this module loads no model (see worker.transcribe for Whisper).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from worker.audio import FloatArray, duration_s, frame_rms, resample, to_dbfs
from worker.errors import InvalidInputError
from worker.textnorm import join_compounds, normalize_words, sound_alike, spoken_word_count

WHISPER_SR = 16_000


@dataclass(frozen=True)
class Transcription:
    text: str
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


class Transcriber(Protocol):
    """Speech recognition used by the check (Whisper in production)."""

    model: str
    multilingual: bool

    def transcribe(
        self, samples_16k: FloatArray, language: str, hints: str = ""
    ) -> Transcription: ...


@dataclass(frozen=True)
class CheckLimits:
    min_level_dbfs: float = -45.0  # loudest 5% of frames must reach this
    max_flatness: float = 0.45  # median spectral flatness of loud frames (white noise ~0.56)
    min_level_spread_db: float = 3.0  # speech rises and falls; noise and tones do not
    words_per_s: float = 2.5
    min_ratio: float = 0.35
    max_ratio: float = 3.0
    short_slack_s: float = 0.3
    long_slack_s: float = 1.5
    max_length_ratio: float = 1.5  # transcript words / text words
    max_compression_ratio: float = 2.4  # Whisper's own looping signal


@dataclass(frozen=True)
class ClipCheck:
    score: float
    transcript: str
    reason: str
    duration_s: float
    elapsed_ms: int = 0

    def passed(self, min_score: float) -> bool:
        return self.score >= min_score


# --- text -------------------------------------------------------------------------------------


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Word-level Levenshtein distance divided by the reference length."""
    if not reference:
        return 0.0 if not hypothesis else 1.0
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            substitution = previous[j - 1] + (ref_word != hyp_word)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        previous = current
    return previous[-1] / len(reference)


#: a clip whose numbers differ from the text's scores at most this (below the default pass
#: mark): "forty percent" heard as "14%" is one word in seven for WER, but a wrong fact
NUMBER_MISMATCH_CAP = 70.0


#: words that sound exactly like a number: a voice saying "two" is heard as "to" as often as not
_HOMOPHONES = {"en": {"1": ("won",), "2": ("to", "too"), "4": ("for",), "8": ("ate",)}}


def number_mismatch(
    reference: list[str], hypothesis: list[str], language: str = "en"
) -> str | None:
    """The numbers of the text that the transcript lacks (or adds), if any. A number missing
    where the transcript has one more of its homophones than the text ("to" for "two") was said."""
    expected = Counter(w for w in reference if w[0].isdigit())
    heard = Counter(w for w in hypothesis if w[0].isdigit())
    said, written = Counter(hypothesis), Counter(reference)
    for number, alike in _HOMOPHONES.get(language.split("-")[0].lower(), {}).items():
        short = max(0, expected[number] - heard[number])
        spare = sum(max(0, said[w] - written[w]) for w in alike)
        heard[number] += min(short, spare)
    if expected == heard:
        return None
    missing = " ".join(sorted((expected - heard).elements())) or "-"
    extra = " ".join(sorted((heard - expected).elements())) or "-"
    return f"numbers differ: expected {missing}, heard {extra}"


def score_transcript(text: str, transcript: str, language: str = "en") -> float:
    """100 * (1 - WER) after normalization, capped at NUMBER_MISMATCH_CAP when numbers differ."""
    reference, hypothesis = join_compounds(
        sound_alike(normalize_words(text, language), language),
        sound_alike(normalize_words(transcript, language), language),
    )
    score = max(0.0, min(100.0, 100.0 * (1.0 - word_error_rate(reference, hypothesis))))
    if number_mismatch(reference, hypothesis, language):
        score = min(score, NUMBER_MISMATCH_CAP)
    return round(score, 1)


def raw_score(text: str, transcript: str) -> float:
    """The score without number/acronym normalization: case and punctuation only (for reports
    comparing the two)."""
    fold = [re.findall(r"[^\W_]+", s.lower().replace("'", "")) for s in (text, transcript)]
    return round(max(0.0, min(100.0, 100.0 * (1.0 - word_error_rate(*fold)))), 1)


def repetition_problem(text_words: list[str], heard: list[str], n: int = 3) -> str | None:
    """A phrase repeated in the transcript more often than in the text means looping."""
    heard_counts = Counter(tuple(heard[i : i + n]) for i in range(len(heard) - n + 1))
    text_counts = Counter(tuple(text_words[i : i + n]) for i in range(len(text_words) - n + 1))
    for gram, count in heard_counts.most_common(3):
        if count >= 3 and count > text_counts.get(gram, 0) + 1:
            return f"looping: {' '.join(gram)!r} heard {count} times"
    return None


# --- signal -----------------------------------------------------------------------------------


def spectral_flatness(frame: FloatArray) -> float:
    power = np.abs(np.fft.rfft(frame * np.hanning(frame.size))) ** 2 + 1e-12
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


def _loud_frames(samples: FloatArray, sr: int, frame_ms: float) -> FloatArray:
    size = int(sr * frame_ms / 1000)
    n = samples.size // size
    frames = samples[: n * size].reshape(n, size)
    levels = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return frames[levels >= np.percentile(levels, 50)]


def signal_problem(samples: FloatArray, sr: int, limits: CheckLimits) -> str | None:
    """Near-silence, noise or a steady tone, whatever any transcript says."""
    if samples.size < sr // 10:
        return f"no audio ({duration_s(samples, sr):.2f} s)"
    if not np.isfinite(samples).all():
        return "audio contains NaN or infinite samples"
    levels = frame_rms(samples, sr, 20.0)
    loud_dbfs = to_dbfs(float(np.percentile(levels, 95)))
    if loud_dbfs < limits.min_level_dbfs:
        return f"near-silent audio (loudest frames {loud_dbfs:.0f} dBFS)"
    voiced_db = 20 * np.log10(levels[levels > levels.max() * 0.01] + 1e-12)
    if voiced_db.size > 10 and float(np.std(voiced_db)) < limits.min_level_spread_db:
        return f"steady noise or tone, not speech (level spread {np.std(voiced_db):.1f} dB)"
    flatness = float(np.median([spectral_flatness(f) for f in _loud_frames(samples, sr, 32.0)]))
    if flatness > limits.max_flatness:
        return f"noise, not speech (spectral flatness {flatness:.2f})"
    return None


def expected_duration_s(n_words: int, speed: float, limits: CheckLimits) -> tuple[float, float]:
    expected = n_words / (limits.words_per_s * speed)
    low = max(0.15, limits.min_ratio * expected - limits.short_slack_s)
    return low, limits.max_ratio * expected + limits.long_slack_s


def duration_problem(n_words: int, seconds: float, speed: float, limits: CheckLimits) -> str | None:
    low, high = expected_duration_s(n_words, speed, limits)
    if seconds < low:
        return f"too short: {seconds:.1f} s for {n_words} words (expected >= {low:.1f} s)"
    if seconds > high:
        return f"too long: {seconds:.1f} s for {n_words} words (expected <= {high:.1f} s)"
    return None


def transcript_problem(
    text_words: list[str], heard: Transcription, limits: CheckLimits, language: str = "en"
) -> str | None:
    heard_words = normalize_words(heard.text, language)
    if not heard_words:
        return f"no speech recognised (no_speech_prob {heard.no_speech_prob:.2f})"
    if len(heard_words) > limits.max_length_ratio * len(text_words) + 4:
        return f"looping: heard {len(heard_words)} words for {len(text_words)} in the text"
    if heard.compression_ratio > limits.max_compression_ratio:
        return f"looping: transcript compression ratio {heard.compression_ratio:.1f}"
    return repetition_problem(text_words, heard_words)


# --- the check --------------------------------------------------------------------------------


#: the most names a hearing is told to expect
MAX_HINTS = 12
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[\"'“(]*$")


def name_hints(text: str) -> str:
    """The names and code words of `text` a listener must know to spell what they hear: the
    capitalized words inside a sentence ("Evan Czaplicki") and the words with inner capitals or
    digits ("JGit", "P4"), each once, in order."""
    found: dict[str, None] = {}
    for match in re.finditer(r"[^\W_][\w'’-]*", text):
        word = match.group(0)
        inner = any(c.isupper() or c.isdigit() for c in word[1:])
        name = word[0].isupper() and not _SENTENCE_START.search(text[: match.start()])
        if (inner or name) and not re.search(r"['’]", word) and word.lower() != "i":
            found.setdefault(word, None)
    return " ".join(list(found)[:MAX_HINTS])


class ClipChecker:
    """Scores clips with a Transcriber; garbage scores 0 whatever the transcript says.

    `hints`: the transcriber is told the text's names (`name_hints`) before it listens, as a
    listener who read the show notes would be: Whisper spells "Evan Czaplicki" so, not "even
    chaplicky". Only the names are hinted, never the sentence, so a clip that leaves out or
    garbles the other words still fails. The worker uses it for the second opinion only."""

    def __init__(
        self, transcriber: Transcriber, limits: CheckLimits | None = None, hints: bool = False
    ) -> None:
        self.transcriber = transcriber
        self.limits = limits or CheckLimits()
        self.hints = hints

    def ensure_language(self, language: str) -> None:
        primary = language.split("-")[0].lower()
        if primary != "en" and not self.transcriber.multilingual:
            raise InvalidInputError(
                f"language: {language!r} cannot be checked with the English-only Whisper model "
                f"{self.transcriber.model!r}; set WHISPER_MODEL_DIR to a multilingual model"
            )

    def check(
        self, text: str, samples: FloatArray, sr: int, language: str = "en", speed: float = 1.0
    ) -> ClipCheck:
        started = time.perf_counter()
        result = self._check(text, samples, sr, language, speed)
        elapsed = int(1000 * (time.perf_counter() - started))
        return ClipCheck(result.score, result.transcript, result.reason, result.duration_s, elapsed)

    def _check(
        self, text: str, samples: FloatArray, sr: int, language: str, speed: float
    ) -> ClipCheck:
        seconds = duration_s(samples, sr)
        text_words = normalize_words(text, language)
        problem = signal_problem(samples, sr, self.limits) or duration_problem(
            spoken_word_count(text_words, language), seconds, speed, self.limits
        )
        if problem:
            return ClipCheck(0.0, "", problem, seconds)
        hints = name_hints(text) if self.hints else ""
        heard = self.transcriber.transcribe(resample(samples, sr, WHISPER_SR), language, hints)
        problem = transcript_problem(text_words, heard, self.limits, language)
        if problem:
            return ClipCheck(0.0, heard.text, problem, seconds)
        score = score_transcript(text, heard.text, language)
        heard_words = normalize_words(heard.text, language)
        numbers = number_mismatch(*join_compounds(text_words, heard_words), language)
        reason = f"score {score:.1f}" + (f"; {numbers}" if numbers else "")
        return ClipCheck(score, heard.text, reason, seconds)
