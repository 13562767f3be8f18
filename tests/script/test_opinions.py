"""Hand-made scripts that keep, drop, flip, weaken or swap a comment are each classified."""

import pytest

from castwright.core.models import Comment, Newsletter, Script, Section, Turn
from tasks.script.opinions import check_opinions, report_markdown

HOSTS = ["Ada", "Marvin"]
ADA = "Small models on laptops are the most important story of the month."
MARVIN = "They still invent facts, and a confident wrong answer is still wrong."
ISSUE = Newsletter(
    title="t", source_sha256="0", sections=[Section(id="s1", title="Small models", body="News.",
    comments=[Comment(host="Ada", text=ADA), Comment(host="Marvin", text=MARVIN)])],
)  # fmt: skip


def _script(*turns: tuple[str, str]) -> Script:
    return Script(
        turns=[
            Turn(id=f"t{i}", speaker=s, text=t, section="s1") for i, (s, t) in enumerate(turns, 1)
        ]
    )


def _statuses(script: Script) -> list[str]:
    return [r.status for r in check_opinions(ISSUE, script, HOSTS)]


FAITHFUL = ("Ada", "Honestly? Small models on laptops: the most important story this month.")
MARVIN_OK = (
    "Marvin",
    "Well, they still invent facts. And a confident wrong answer is, you know, still wrong.",
)


def test_faithful_script_keeps_both() -> None:
    rows = check_opinions(ISSUE, _script(FAITHFUL, ("Ada", "Fair."), MARVIN_OK), HOSTS)
    assert [r.status for r in rows] == ["kept", "kept"]
    assert rows[0].best_turns == ["t1"] and rows[0].score >= 80
    assert "| s1 | Ada | kept |" in report_markdown(rows)


def test_dropped_comment_is_missing() -> None:
    assert _statuses(_script(FAITHFUL, ("Marvin", "Interesting. Next story."))) == [
        "kept",
        "missing",
    ]


def test_flipped_comment_is_flagged() -> None:
    flipped = ("Marvin", "They do not invent facts, and a confident answer is not wrong.")
    assert _statuses(_script(FAITHFUL, flipped)) == ["kept", "flipped"]


def test_comment_given_to_the_other_host_is_flagged() -> None:
    swapped = ("Ada", "They still invent facts, and a confident wrong answer is still wrong.")
    assert _statuses(_script(FAITHFUL, swapped, ("Marvin", "Sure."))) == ["kept", "wrong-host"]


@pytest.mark.parametrize(
    "text",
    [
        "Maybe small models on laptops are the most important story of the month.",
        "Small models matter a bit.",
    ],
)
def test_hedged_or_thinned_comment_is_weakened(text: str) -> None:
    assert _statuses(_script(("Ada", text), MARVIN_OK))[0] == "weakened"


def test_one_row_per_comment() -> None:
    assert len(check_opinions(ISSUE, _script(("Ada", "Hi.")), HOSTS)) == 2


def test_self_correction_no_is_not_a_flip() -> None:
    corrected = (
        "Marvin",
        "They still invent facts, no, really. A confident wrong answer is still wrong.",
    )
    assert _statuses(_script(FAITHFUL, corrected)) == ["kept", "kept"]
