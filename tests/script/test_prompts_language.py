"""The prompts ask for the dialogue in the show's language, with that language's examples."""

from pathlib import Path

from castwright.core.config import load_show
from castwright.core.paths import DEFAULT_SHOW
from castwright.core.prompts import render
from tasks.script.normalize import load_rules

SHOW_PT = DEFAULT_SHOW.parent / "show-pt.yaml"


def _systems(path: Path) -> list[str]:
    show = load_show(path)
    rules = load_rules(show.language)
    return [render("draft.system.j2", show=show, hosts=show.hosts, rules=rules, history=[]),
            render("refine.system.j2", show=show, hosts=show.hosts, rules=rules)]  # fmt: skip


def test_pt_br_prompts_ask_for_brazilian_portuguese() -> None:
    for prompt in _systems(SHOW_PT):
        assert "Brazilian Portuguese" in prompt
        assert '"mil e quinhentos reais", not "R$ 1.500,00"' in prompt
        assert "forty percent" not in prompt
        assert '"IBGE" -> "I.B.G.E."' in prompt  # the pt-BR acronym table
        assert "Ana conduz o programa" in prompt  # the persona, in Portuguese
    assert "never translate a line" in _systems(SHOW_PT)[1]


def test_english_prompts_stay_english() -> None:
    for prompt in _systems(DEFAULT_SHOW):
        assert "Portuguese" not in prompt and '"forty percent", not "40%"' in prompt
