"""The clip check: WER and score, and garbage rejected whatever the transcript says."""

from __future__ import annotations

import numpy as np
import pytest

from tests.worker.worker_testkit import (
    SENTENCE,
    FixedTranscriber,
    babble_noise,
    silence,
    tone,
    white_noise,
)
from worker.errors import InvalidInputError
from worker.scoring import (
    CheckLimits,
    ClipChecker,
    Transcription,
    duration_problem,
    repetition_problem,
    score_transcript,
    transcript_problem,
    word_error_rate,
)
from worker.textnorm import normalize_text

LIMITS = CheckLimits()

# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("It's 26% — really?", "its 26 percent really"),
        ("In 2026 we shipped 1,500 clips.", "in 2026 we shipped 1500 clips"),
        ("Version 3.5 & more", "version 3.5 and more"),
        ("Open-source  models", "open source models"),
        ("The 3rd one", "the 3th 1"),
        ("twenty-six A.I. models", "26 ai models"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_digits_and_words_compare_equal() -> None:
    assert score_transcript("We tested 26 voices.", "we tested twenty-six voices") == 100.0


@pytest.mark.parametrize(
    ("reference", "hypothesis", "wer"),
    [
        ("a b c d", "a b c d", 0.0),
        ("a b c d", "a x c d", 0.25),  # one substitution
        ("a b c d", "a c d", 0.25),  # one deletion
        ("a b c d", "a b b c d", 0.25),  # one insertion
        ("a b", "", 1.0),
        ("a b", "x y z w", 2.0),  # WER can exceed 1 ...
        ("", "", 0.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, wer: float) -> None:
    assert word_error_rate(reference.split(), hypothesis.split()) == pytest.approx(wer)


def test_score_is_clamped_and_ignores_case_and_punctuation() -> None:
    assert score_transcript("Hello there, friend.", "hello there friend") == 100.0
    assert score_transcript("red green blue four", "red green blue five") == 70.0  # a number
    assert score_transcript("red green blue four", "red green blue for") == 75.0  # its homophone
    assert score_transcript("red green blue gold", "red green blue goal") == 75.0
    assert score_transcript("a b", "x y z w") == 0.0  # ... but the score stops at 0


def test_words_that_sound_the_same_are_no_error_and_others_still_are() -> None:
    # Whisper tiny.en on a correct Kokoro clip of a real episode line
    text = "Moving on: Heat pumps outsell gas boilers in France."
    assert score_transcript(text, "Moving on, heat pumps out cell gas boilers in France.") == 100.0
    assert score_transcript("Check the site.", "Check the cite.") == 100.0
    assert score_transcript("Pay the bill now", "pay the ball now") == 75.0
    assert score_transcript("A good diner", "a good dinner") < 100.0
    assert score_transcript("Uma cela", "uma sela", "pt-BR") < 100.0  # English rules only


def test_duration_bounds_follow_the_text_and_speed() -> None:
    assert duration_problem(25, 9.0, 1.0, LIMITS) is None  # 25 words ~ 10 s
    assert "too short" in (duration_problem(25, 2.0, 1.0, LIMITS) or "")
    assert "too long" in (duration_problem(25, 40.0, 1.0, LIMITS) or "")
    assert duration_problem(25, 4.5, 2.0, LIMITS) is None  # fast speech is expected to be short
    assert duration_problem(1, 0.5, 1.0, LIMITS) is None  # slack for one-word lines
    assert duration_problem(1, 2.5, 1.0, LIMITS) is None


def test_repeated_phrases_mean_looping() -> None:
    text = ["we", "tested", "the", "new", "model"]
    looping = text + ["the", "new", "model"] * 3
    assert "looping" in (repetition_problem(text, looping) or "")
    assert repetition_problem(text, text) is None
    chorus = ["la", "la", "la", "la", "la", "la"]  # repetition that the text itself has is fine
    assert repetition_problem(chorus, chorus) is None


def test_transcript_much_longer_than_text_means_looping() -> None:
    heard = Transcription(text="hello there " * 8)
    assert "looping: heard 16 words" in (
        transcript_problem(["hello", "there"], heard, LIMITS) or ""
    )
    assert "no speech" in (transcript_problem(["hello"], Transcription(""), LIMITS) or "")
    squeezed = Transcription(text="hello there", compression_ratio=3.1)
    assert "compression ratio" in (transcript_problem(["hello", "there"], squeezed, LIMITS) or "")


# --- garbage, whatever the transcript says --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "audio", "sr", "reason"),
    [
        ("silence", silence(4.0), 16_000, "near-silent"),
        ("hum", 0.0003 * white_noise(4.0), 16_000, "near-silent"),
        ("white noise", white_noise(4.0), 16_000, "noise"),
        ("babble noise", babble_noise(4.0), 24_000, "noise"),
        ("tone", tone(4.0), 16_000, "steady noise or tone"),
        ("nan", np.full(16_000, np.nan, dtype=np.float32), 16_000, "NaN"),
        ("empty", np.zeros(0, dtype=np.float32), 16_000, "no audio"),
    ],
)
def test_garbage_scores_zero_even_with_a_perfect_transcript(
    name: str, audio: np.ndarray, sr: int, reason: str
) -> None:
    liar = FixedTranscriber(SENTENCE)
    result = ClipChecker(liar).check(SENTENCE, audio, sr)
    assert result.score == 0.0, name
    assert reason in result.reason
    assert liar.calls == 0  # rejected before any transcript was asked for


def test_truncated_clip_is_too_short(piper_clip: tuple[np.ndarray, int]) -> None:
    samples, sr = piper_clip
    liar = FixedTranscriber(SENTENCE)
    result = ClipChecker(liar).check(SENTENCE, samples[: samples.size // 4], sr)
    assert result.score == 0.0 and "too short" in result.reason


def test_real_speech_scores_high(checker: ClipChecker, piper_clip: tuple[np.ndarray, int]) -> None:
    samples, sr = piper_clip
    result = checker.check(SENTENCE, samples, sr)
    assert result.score >= 85.0, result
    assert "open source speech models" in normalize_text(result.transcript)
    assert result.duration_s == pytest.approx(samples.size / sr)


def test_wrong_words_score_low(checker: ClipChecker, piper_clip: tuple[np.ndarray, int]) -> None:
    samples, sr = piper_clip
    other = "Nobody expected the river to freeze before the harvest was done."
    assert checker.check(other, samples, sr).score < 40.0


def test_looping_speech_is_rejected(
    checker: ClipChecker, piper_clip: tuple[np.ndarray, int]
) -> None:
    samples, sr = piper_clip
    looped = np.concatenate([samples, silence(0.2, sr), samples, silence(0.2, sr), samples])
    result = checker.check(SENTENCE, looped, sr)
    assert result.score == 0.0
    assert "looping" in result.reason or "too long" in result.reason


def test_english_only_whisper_refuses_other_languages(checker: ClipChecker) -> None:
    checker.ensure_language("en-US")
    with pytest.raises(InvalidInputError, match="language: 'pt-BR' cannot be checked"):
        checker.ensure_language("pt-BR")
