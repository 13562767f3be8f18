"""A hand-made pt-BR script that keeps, softens, flips or gives away a comment, each classified:
the opinion check reads Portuguese words (accents included), hedges and negations."""

import pytest

from castwright.core.models import Comment, Newsletter, Script, Section, Turn
from tasks.script.opinions import adds_hedge, check_opinions, content_words, negations

HOSTS = ["Ana", "Bruno"]
ANA = "A nova lei de dados é uma bobagem que só atrasa as startups brasileiras."
BRUNO = "Os modelos pequenos não substituem um médico, e ninguém deveria usá-los para diagnósticos."
ISSUE = Newsletter(
    title="t", source_sha256="0", sections=[Section(id="s1", title="Dados", body="Notícia.",
    comments=[Comment(host="Ana", text=ANA), Comment(host="Bruno", text=BRUNO)])],
)  # fmt: skip
ANA_OK = (
    "Ana",
    "Sinceramente? A nova lei de dados é uma bobagem que só atrasa as startups brasileiras.",
)
BRUNO_OK = (
    "Bruno",
    "Olha, os modelos pequenos não substituem um médico. E ninguém deveria usá-los para diagnósticos.",
)


def _statuses(*turns: tuple[str, str]) -> list[str]:
    script = Script(
        turns=[
            Turn(id=f"t{i}", speaker=s, text=t, section="s1") for i, (s, t) in enumerate(turns, 1)
        ]
    )
    return [r.status for r in check_opinions(ISSUE, script, HOSTS, "pt-BR")]


def test_faithful_pt_br_script_keeps_both() -> None:
    assert _statuses(ANA_OK, ("Bruno", "Justo."), BRUNO_OK) == ["kept", "kept"]


def test_accents_dropped_by_the_model_still_match() -> None:
    plain = (
        "Bruno",
        "os modelos pequenos nao substituem um medico, e ninguem deveria usa-los para diagnosticos",
    )
    assert _statuses(ANA_OK, plain) == ["kept", "kept"]


@pytest.mark.parametrize(
    "softened",
    [
        "Talvez a nova lei de dados seja uma bobagem que só atrasa as startups brasileiras.",
        "De certa forma, a nova lei de dados é uma bobagem que só atrasa as startups brasileiras.",
        "A nova lei de dados pode ser uma bobagem que só atrasa as startups brasileiras.",
    ],
)
def test_hedged_comment_is_weakened(softened: str) -> None:
    assert _statuses(("Ana", softened), BRUNO_OK) == ["weakened", "kept"]


def test_the_issue_softening_is_flagged() -> None:
    """'Isso é bobagem' said as 'Talvez... tem seus méritos': the judgement is reversed."""
    softened = (
        "Ana",
        "Talvez... a nova lei de dados tem seus méritos, mesmo que só atrase as startups brasileiras.",
    )
    assert _statuses(softened, BRUNO_OK) == ["flipped", "kept"]


def test_negation_dropped_is_a_flip() -> None:
    flipped = (
        "Bruno",
        "Os modelos pequenos substituem um médico, e todos deveriam usá-los para diagnósticos.",
    )
    assert _statuses(ANA_OK, flipped) == ["kept", "flipped"]


def test_negation_added_is_a_flip() -> None:
    flipped = (
        "Ana",
        "A nova lei de dados não é uma bobagem e nunca atrasa as startups brasileiras.",
    )
    assert _statuses(flipped, BRUNO_OK) == ["flipped", "kept"]


def test_comment_given_to_the_other_host_is_flagged() -> None:
    swapped = ("Ana", BRUNO)
    assert _statuses(ANA_OK, swapped, ("Bruno", "Pois é.")) == ["kept", "wrong-host"]


def test_an_answering_nao_is_not_a_negation() -> None:
    answer = (
        "Bruno",
        "Não, sério: os modelos pequenos não substituem um médico, e ninguém deveria usá-los para diagnósticos.",
    )
    assert _statuses(ANA_OK, answer) == ["kept", "kept"]


def test_portuguese_words_and_negations() -> None:
    assert negations("As startups no Brasil crescem.", "pt-BR") == 0  # "no" is "em + o"
    assert negations("Não, isso nem existe.", "pt-BR") == 1  # "Não," answers
    assert negations("Isso não funciona e nunca funcionou.", "pt-BR") == 2
    assert content_words("Médicos e diagnósticos", "pt-BR") == content_words(
        "médico e diagnóstico", "pt-BR"
    )
    assert adds_hedge("É bobagem.", "Talvez seja bobagem.", "pt-BR")
    assert not adds_hedge("Talvez seja bobagem.", "Talvez seja bobagem.", "pt-BR")
