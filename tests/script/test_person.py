"""News in the first person is its author's: the hosts retell it with "they" (tasks.script.person)."""

from __future__ import annotations

import pytest

from tasks.script.person import in_first_person, retold


@pytest.mark.parametrize(
    ("news", "told"),
    [  # from the corpus: Go's blog, Haskell Weekly's links
        ("I am the tech lead for the Go project.", "They are the tech lead for the Go project."),
        ("Today I want to share how I see it.", "Today they want to share how they see it."),
        ("We wanted to improve it, and our team did.", "They wanted to improve it, and their team did."),
        ("I’m happy to announce hedis. My project is on the air.",
         "They’re happy to announce hedis. Their project is on the air."),
        ("I just stumbled across a project I was working on.",
         "They just stumbled across a project they were working on."),
        ("Many of us worked on it; we’ve shipped it.", "Many of them worked on it; they’ve shipped it."),
        ("Am I wrong? Was I there? It is ours.", "Are they wrong? Were they there? It is theirs."),
        ("Google pays me and others.", "Google pays them and others."),
        ("The problem was we had no tests.", "The problem was they had no tests."),
        ("Yesterday I shipped it, e.g. we did.", "Yesterday they shipped it, e.g. they did."),
    ],
)  # fmt: skip
def test_english_news_in_the_first_person_is_retold_with_they(news: str, told: str) -> None:
    assert in_first_person(news)
    assert retold(news, "en") == told
    assert not in_first_person(told)


@pytest.mark.parametrize(
    "news",
    [
        'He said "I am here" and left.',  # a quote stays as written
        "The US and World War I. Part I is out.",  # no pronoun: the country, a numeral
        "Let us look at it, and let’s go.",
        "The data mine is a gold mine.",
        "The Phase I trials and World War I ended.",  # numerals
        "It runs on Windows Me, as Our World in Data and My Little Pony say.",  # names
    ],
)
def test_quotes_names_and_numerals_stay_as_written(news: str) -> None:
    assert not in_first_person(news)
    assert retold(news, "en") == news


def test_other_languages_are_told_as_written() -> None:
    news = "Eu fiz um TTS pessoal e meu servidor custa pouco."
    assert retold(news, "pt-BR") == news


def test_a_line_that_says_the_authors_i_as_its_own_is_found() -> None:
    from castwright.core.models import Section
    from tasks.script.person import speaks_as_author

    section = Section(id="s", title="Go", body="I am the tech lead for the Go project at Google.")
    assert speaks_as_author("I'm the tech lead for the Go project at Google.", section, "en")
    assert speaks_as_author("So, I am the tech lead for the Go project at Google!", section, "en")
    for fine in (
        "They are the tech lead for the Go project at Google.",
        "They lead the Go project at Google, and I am glad the tech lead says so.",
        "I think the Go project at Google is in good hands.",
    ):
        assert speaks_as_author(fine, section, "en") is None, fine
