"""Key facts of a section's news, and the coverage check that looks for them in the turns."""

from __future__ import annotations

from castwright.core.models import Link, Section, Turn
from tasks.script.facts import is_told, key_facts, section_coverage, tokens

SECTION = Section(
    id="s", title="Cloud bills are the new rent",
    body=("A survey of 200 startups by Acme Research found that cloud spending grew by 40% in a "
          "year. Storage and data transfer made up most of the increase.\nThe survey"),
    links=[Link(text="The survey", url="https://example.com/s")],
)  # fmt: skip


def _turns(*texts: str) -> list[Turn]:
    return [Turn(id=f"t{i}", speaker="Ada", text=t, section="s") for i, t in enumerate(texts)]


def test_numbers_names_and_key_terms_are_picked_and_link_texts_are_not() -> None:
    facts = key_facts(SECTION)
    assert "two hundred startups" in facts and "forty%" not in facts
    assert any(f.startswith("forty") for f in facts)
    assert "Acme Research" in facts
    assert "increase" in facts or "transfer" in facts
    assert not any(f.lower() == "survey" for f in facts[-1:])  # "The survey" is a link text


def test_digits_and_words_are_the_same_fact() -> None:
    spoken = tokens("They surveyed two hundred startups; spending rose forty percent.", "en")
    assert is_told("200 startups", spoken) and is_told("40%", spoken)
    assert not is_told("300 startups", spoken)


def test_coverage_names_what_is_missing() -> None:
    told = _turns("Acme Research asked two hundred startups. Cloud spending grew forty percent.")
    cov = section_coverage(SECTION, told)
    assert 0 < cov.percent < 100
    assert "Acme Research" not in cov.missing and "two hundred startups" not in cov.missing
    full = section_coverage(SECTION, _turns(SECTION.body))
    assert full.percent == 100 and full.missing == []
    assert section_coverage(SECTION, _turns("Hello there.")).percent == 0
