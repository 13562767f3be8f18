import pytest

from castwright.core.models import Script, Turn
from tasks.script.normalize import load_rules, normalize_script, normalize_text, surviving_terms


def _script(text: str) -> Script:
    return Script(turns=[Turn(id="t001", speaker="Ada", text=text, section="s")])


@pytest.mark.parametrize("language", ["en", "pt-BR"])
def test_no_table_term_survives_a_script_full_of_them(language: str) -> None:
    rules = load_rules(language)
    text = " ".join(f"({r.term}), {r.term}." for r in rules)
    script, report = normalize_script(_script(text), language)
    assert surviving_terms(script, language) == []
    assert len(report) >= len(rules)


def test_pt_br_required_terms() -> None:
    text, found = normalize_text(
        "Os EUA e a UE regulam IA, LLM e API.", load_rules("pt-BR"), "pt-BR"
    )
    assert text == (
        "Os Estados Unidos e a União Europeia regulam inteligência artificial, "
        "modelo de linguagem e interface de programação."
    )
    assert ("EUA", "Estados Unidos") in found


def test_whole_words_and_case_only() -> None:
    rules = load_rules("en")
    text, found = normalize_text("Said the AI to the aide: us and US.", rules, "en")
    assert text == "Said the A.I. to the aide: us and United States."
    assert [f for f, _ in found] == ["AI", "US"]


def test_urls_emails_and_symbols_become_speakable() -> None:
    text, _ = normalize_text(
        "See https://www.example.com/x?y=1 or mail ed@news.example.org: 40% & $5.", (), "en"
    )
    assert (
        text
        == "See example dot com or mail ed at news dot example dot org: forty percent and five dollars."
    )


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        (
            "en",
            "In 2026, 1,200 people paid $3.50 for the 2nd time.",
            "In twenty twenty-six, one thousand two hundred people paid three point five zero dollars "
            "for the second time.",
        ),
        (
            "pt-BR",
            "Em 2026, 40% dos usuários.",
            "Em dois mil e vinte e seis, quarenta por cento dos usuários.",
        ),
    ],
)
def test_numbers_become_words(language: str, text: str, spoken: str) -> None:
    assert normalize_text(text, load_rules(language), language)[0] == spoken


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("en", "Rust 1.90.0 is out", "Rust one point ninety point zero is out"),
        (
            "en",
            "Go 1.25 and v2.1.3",
            "Go one point twenty-five and version two point one point three",
        ),
        (
            "en",
            "Python 3.14, not 3.14 apples",
            "Python three point fourteen, not three point one four apples",
        ),
        ("en", "covid-19-related, utf-8-encoded", "covid-nineteen-related, utf-eight-encoded"),
        ("en", "Tools, e.g. kubectl, help.", "Tools, for example cube control, help."),
        (  # a spoken form that opens a sentence has its capital
            "en",
            "LLMs are big. Small LLMs are not.",
            "Large language models are big. Small large language models are not.",
        ),
        ("en", "for x86_64-apple-darwin", "for x eighty-six sixty-four, apple, darwin"),
        (  # a target triple part by part, GNU spelled out; no other hyphen moves
            "en",
            "on x86_64-unknown-linux-gnu, a state-of-the-art GNU tool",
            "on x eighty-six sixty-four, unknown, linux, G.N.U., a state-of-the-art G.N.U. tool",
        ),
        ("en", "set GENERATION_TIMEOUT to 180", "set generation timeout to one hundred and eighty"),
        ("en", "an H100 or Qwen3", "an H one hundred or Qwen three"),
        ("pt-BR", "o Rust 1.90.0 saiu", "o Rust um ponto noventa ponto zero saiu"),
        ("en", "2026-08-25 | Virtual", "August twenty-fifth, twenty twenty-six Virtual"),
        ("pt-BR", "em 2026-08-01", "em primeiro de agosto de dois mil e vinte e seis"),
        ("en", "adds DrainInProgress to PodGroup", "adds Drain In Progress to PodGroup"),
        ("en", "MaintenancePlanned on GitHub", "Maintenance Planned on GitHub"),
        ("en", "KEP-6161", "KEP-six thousand one hundred and sixty-one"),  # no comma, no pause
        ("en", "Git v2.50 Release Notes", "Git version two point fifty Release Notes"),
        (
            "en",
            "Feb 24–26, 2017, Illinois",
            "February twenty-fourth to twenty-sixth, twenty seventeen, Illinois",
        ),
        (
            "en",
            "date: 27 Feb 2017 a branch",
            "date: February twenty-seventh, twenty seventeen a branch",
        ),
        ("en", "in Aug 2025 or May 2026", "in August twenty twenty-five or May twenty twenty-six"),
        ("en", "LTS 8.x; support for s3:// URIs", "LTS eight point x; support for s three URIs"),
        ("en", "Support etc. A handful", "Support and so on. A handful"),
        ("en", "tools, etc., and more", "tools, and so on, and more"),
        ("pt-BR", "o Dr. Souza e etc. Depois", "o doutor Souza e e assim por diante. Depois"),
        ("en", "into the core API. Then", "into the core A.P.I. Then"),  # not "A.P.I.."
        ("en", "has been corrected.. Random fixes...", "has been corrected. Random fixes..."),
        ("en", "diff main..feature", "diff main..feature"),  # a range keeps its two dots
        ("en", "the API, and the AI.", "the A.P.I., and the A.I."),
    ],
)
def test_versions_and_code_names_are_said_as_people_say_them(
    language: str, text: str, spoken: str
) -> None:
    assert normalize_text(text, load_rules(language), language)[0] == spoken
