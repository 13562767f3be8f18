"""Length by selection (tasks/newsletter/select.py) on the example newsletter and made-up issues."""

from __future__ import annotations

import pytest

from castwright.core.config import ShowConfig, load_show
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW
from tasks.newsletter.select import centrality, select, similarities
from tasks.newsletter.stage import load_newsletter, parse_newsletter

SHOW = load_show(DEFAULT_SHOW)
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, SHOW.host_names)


def _show(minutes: float, **gate: object) -> ShowConfig:
    script = SHOW.script.model_copy(update={"target_minutes": minutes,
                                            "gate": SHOW.script.gate.model_copy(update=gate)})  # fmt: skip
    return SHOW.model_copy(update={"script": script})


def test_the_example_fits_its_own_target_untouched() -> None:
    selection = select(ISSUE, SHOW)
    assert selection.issue.sections == ISSUE.sections
    assert [o for o in selection.left_out if o.kind in ("section", "sentences")] == []
    assert selection.kept_words == selection.source_words


def test_a_shorter_target_condenses_and_keeps_every_comment() -> None:
    selection = select(ISSUE, _show(3))
    assert selection.estimated_minutes == pytest.approx(3, rel=0.15)
    assert selection.kept_words < selection.source_words
    kept = [c for s in selection.issue.sections for c in s.comments]
    assert kept == [c for s in ISSUE.sections for c in s.comments]  # sections with comments stay
    assert any(o.kind == "sentences" for o in selection.left_out)
    assert selection.source_facts > selection.chosen_facts > 0


def test_a_long_target_keeps_everything_and_warns() -> None:
    selection = select(ISSUE, _show(20))
    assert selection.kept_words == selection.source_words
    assert any("shorter" in w for w in selection.warnings)


def test_sections_are_chosen_by_importance_within_a_small_budget() -> None:
    body = (
        "".join(
            f"## Story {n}\nThe council approved the new tram line budget for the city centre. "
            f"Residents of district {n} said the works would close streets for a year.\n"
            for n in range(12)
        )
        + "## Lottery\nZebra kites glide over purple mountains near Bolzano.\n"
    )
    issue = parse_newsletter(body, SHOW.host_names)
    selection = select(issue, _show(1))
    titles = [s.title for s in selection.issue.sections]
    assert 1 <= len(titles) < 13 and "Lottery" not in titles
    told = len(selection.issue.sections) + sum(o.kind == "section" for o in selection.left_out)
    assert told == 13


def test_centrality_ranks_the_shared_topic_first() -> None:
    texts = ["Rust ships a new linker.", "The linker in Rust is faster.", "Cats sleep a lot."]
    scores = centrality(similarities(texts, "en"), [0, 1, 2])
    assert scores[2] < min(scores[0], scores[1])


def test_a_titles_pr_number_is_not_counted_as_spoken() -> None:
    """The script never says "140333" in "140333: Update etcd" (normalize.spoken_title), so the
    selection does not count it either: LWKD's episode came out 14% short when it did."""
    news = (
        "The etcd client moves to version three point seven. Operators should plan the upgrade.\n"
    )
    numbered = parse_newsletter(f"## 140333: Update etcd\n{news}", SHOW.host_names)
    plain = parse_newsletter(f"## Update etcd\n{news}", SHOW.host_names)
    show = _show(20)
    assert select(numbered, show).estimated_minutes == select(plain, show).estimated_minutes
