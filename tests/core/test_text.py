"""Splitting spoken text: by words and by characters, so no piece exceeds what the worker takes."""

from __future__ import annotations

from castwright.core.config import TTSSettings
from castwright.core.text import MAX_CHUNK_CHARS, pack, speech_units, with_short_joined
from tasks.speech.stage import chunk_text

WORKER_MAX_TEXT_CHARS = 2000  # worker/schema.py MAX_TEXT_CHARS (the worker shares no import)


def test_a_very_long_token_is_hard_split_below_the_worker_limit() -> None:
    token = "https://example.com/" + "a" * 5000
    text = f"Read {token} today. Then more words follow here."
    pieces = chunk_text(text, TTSSettings())
    assert all(len(p) <= MAX_CHUNK_CHARS < WORKER_MAX_TEXT_CHARS for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")  # nothing lost, same order


def test_many_long_words_are_packed_by_characters_as_well() -> None:
    words = " ".join(["supercalifragilistic" * 5] * 40)  # 40 words of 100 characters
    units = speech_units(words, hard_max=60)
    pieces = pack(units, lambda _: 60)
    assert all(len(p) <= MAX_CHUNK_CHARS for p in pieces) and len(pieces) >= 4
    assert " ".join(pieces) == words


def test_ordinary_text_is_chunked_by_words_as_before() -> None:
    text = "One two three. Four five six. Seven eight nine."
    assert pack(speech_units(text, 5), lambda _: 6) == ["One two three. Four five six.",
                                                       "Seven eight nine."]  # fmt: skip


def test_turn_text_is_collapsed_to_one_line_at_validation() -> None:
    import pytest
    from pydantic import ValidationError

    from castwright.core.models import Turn

    turn = Turn(id="t001", speaker="Ada", section="s", text="Hi.\n\n2\n00:00:09,000 -->\tx  ")
    assert turn.text == "Hi. 2 00:00:09,000 --> x"
    with pytest.raises(ValidationError, match="the turn's text is empty"):
        Turn(id="t002", speaker="Ada", section="s", text=" \n\t ")


def test_markdown_escape_shows_llm_text_as_text() -> None:
    from castwright.core.text import markdown_escape

    evil = "Click [here](javascript:alert(1)) <img src=x onerror=alert(1)> **now** | col\n# Head"
    out = markdown_escape(evil)
    assert "\n" not in out and "<img" not in out and "&lt;img" in out
    assert "\\[here\\]" in out and "\\*\\*now\\*\\*" in out and "\\| col" in out
    assert markdown_escape("Fish & chips, 2026-11-16") == "Fish &amp; chips, 2026-11-16"


def test_a_short_sentence_joins_its_neighbour_within_the_hard_maximum() -> None:
    units = ["Ok.", "This sentence has quite a few words in it, ten.", '"make perf" fixes.',
             "Another sentence that is long enough to stand alone here."]  # fmt: skip
    assert with_short_joined(units, hard_max=60) == [
        'Ok. This sentence has quite a few words in it, ten. "make perf" fixes.',
        "Another sentence that is long enough to stand alone here.",
    ]
    assert with_short_joined(units, hard_max=10) == units[:1] + units[1:2] + units[2:]
    assert with_short_joined(["Two words."], hard_max=60) == ["Two words."]


def test_a_spelled_acronym_before_a_lower_case_word_ends_no_spoken_sentence() -> None:
    text = (
        "Next: LLD is the default on linux G.N.U. The linux G.N.U. target will use LLD by default."
    )
    assert speech_units(text, hard_max=60) == [
        "Next: LLD is the default on linux G.N.U.",
        "The linux G.N.U. target will use LLD by default.",
    ]
    # a sentence that only starts lower-case is still a sentence of its own
    assert speech_units("We ship it on iOS. macOS support came later.", 60) == [
        "We ship it on iOS.",
        "macOS support came later.",
    ]
