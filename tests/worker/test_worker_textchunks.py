"""Streaming chunks: short first, longer next, cut at word boundaries, nothing lost."""

from __future__ import annotations

from worker.textchunks import stream_chunks

TEXT = (
    "Three open speech models shipped this week, and two of them run on a laptop. "
    "The third needs a data-center GPU; its authors say a smaller version is coming soon."
)


def test_every_word_is_kept_in_order_and_no_word_is_split() -> None:
    for first, after in ((30, 90), (100, 150), (8, 8)):
        chunks = stream_chunks(TEXT, first, after)
        assert " ".join(chunks).split() == TEXT.split()
        assert all(c and c == c.strip() for c in chunks)


def test_fast_sizes_short_first_then_longer() -> None:
    chunks = stream_chunks(TEXT, 30, 90)
    assert chunks[0] == "Three open speech models"
    assert all(len(c) <= 90 for c in chunks[1:])
    assert len(chunks[1]) > len(chunks[0])


def test_breaks_prefer_sentence_then_clause_ends_in_the_budget() -> None:
    chunks = stream_chunks(TEXT, 100, 150)
    assert (
        chunks[0] == "Three open speech models shipped this week, and two of them run on a laptop."
    )
    assert chunks[1] == TEXT.split("laptop. ")[1]  # the rest fits 150
    clause = stream_chunks("Alpha beta gamma delta, epsilon zeta eta theta iota kappa.", 30, 90)
    assert clause[0] == "Alpha beta gamma delta,"


def test_a_word_longer_than_the_budget_stays_whole() -> None:
    assert stream_chunks("Supercalifragilisticexpialidocious is long.", 10, 10) == [
        "Supercalifragilisticexpialidocious",
        "is long.",
    ]
    assert stream_chunks("  \n ", 30, 90) == []
    assert stream_chunks("Short.", 30, 90) == ["Short."]
