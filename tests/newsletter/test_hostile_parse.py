"""Parsing input built to exhaust or confuse: YAML aliases, huge titles, thousands of sections,
late NUL bytes, control characters, impossible dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from castwright.core.errors import NewsletterError
from tasks.newsletter.stage import MAX_SECTIONS, Slugs, parse_newsletter, read_text

HOSTS = ["Ada", "Marvin"]
BODY = "\n## News\nSomething happened.\n"


def test_yaml_aliases_in_front_matter_are_refused() -> None:
    bomb = ('---\na: &a ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx"]\n'
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\n")  # fmt: skip
    with pytest.raises(NewsletterError, match="anchor or alias"):
        parse_newsletter(bomb + BODY, HOSTS)


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: " + "x" * 301, "the title is 301 characters; the limit is 300"),
        ("title: [a, b]", "the front matter title must be text"),
        ("title: {a: b}", "the front matter title must be text"),
        ("date: 2026-13-40", "front matter date '2026-13-40' is not YYYY-MM-DD"),
        ("date: 2026-02-30", "front matter date '2026-02-30' is not YYYY-MM-DD"),
    ],
)
def test_bad_front_matter_values_are_named(front: str, message: str) -> None:
    with pytest.raises(NewsletterError, match=message):
        parse_newsletter(f"---\n{front}\n---\n{BODY}", HOSTS)


def test_dates_still_read_as_dates() -> None:
    for value in ("2026-11-16", '"2026-11-16"', "2026-11-16T06:00:00Z", "2026-11-16 06:00"):
        issue = parse_newsletter(f"---\ndate: {value}\n---\n{BODY}", HOSTS)
        assert issue.date is not None and issue.date.isoformat() == "2026-11-16"


def test_a_heading_title_over_the_limit_is_refused() -> None:
    with pytest.raises(NewsletterError, match="the limit is 300"):
        parse_newsletter("# " + "t" * 400 + "\n" + BODY, HOSTS)


def test_too_many_sections_are_refused_before_any_work() -> None:
    many = "".join(f"## Same title\nText {i}.\n" for i in range(8000))
    with pytest.raises(NewsletterError, match=f"8,000 sections; the limit is {MAX_SECTIONS}"):
        parse_newsletter(many, HOSTS)
    ok = parse_newsletter("".join(f"## Same\nText {i}.\n" for i in range(MAX_SECTIONS)), HOSTS)
    assert [s.id for s in ok.sections[:3]] == ["same", "same-2", "same-3"]


class CountingSet(set[str]):
    lookups = 0

    def __contains__(self, item: object) -> bool:
        CountingSet.lookups += 1
        return super().__contains__(item)


def test_slug_deduplication_is_linear() -> None:
    slugs = Slugs()
    slugs.taken = CountingSet()
    ids = [slugs("Same title") for _ in range(8000)] + [slugs("same-title-2"), slugs("Other")]
    assert ids[:3] == ["same-title", "same-title-2", "same-title-3"] and ids[-1] == "other"
    assert len(set(ids)) == len(ids)
    assert CountingSet.lookups < 3 * len(ids)  # quadratic would be ~32 million


def test_a_nul_byte_anywhere_marks_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "late-nul.md"
    path.write_bytes(b"## News\n" + b"word " * 4000 + b"\x00" + b"more\n")
    with pytest.raises(NewsletterError, match="binary file"):
        read_text(path)


def test_control_characters_are_removed_at_parse_time(tmp_path: Path) -> None:
    path = tmp_path / "controls.md"
    path.write_text("---\ntitle: \"Bell\\a issue\"\n---\n## Ne\x1bws\u202e here\n"
                    "Text\x07 with\x0b controls\x85 and\rCR.\n\n**Ada:** Mine\x08.\n",
                    encoding="utf-8")  # fmt: skip
    issue = parse_newsletter(read_text(path), HOSTS)
    section = issue.sections[0]
    texts = [issue.title, section.title, section.body, section.comments[0].text]
    assert texts == ["Bell issue", "News here", "Text with controls and\nCR.", "Mine."]
