"""pt-BR speech normalization: the issue's cases and a table of money, decimals, thousands,
percentages, dates, times, ordinals, units, URLs, e-mails and acronyms, spoken the Brazilian way."""

import pytest

from tasks.script.normalize import load_rules, normalize_text, speak_numbers
from tasks.script.spoken_pt import cardinal, feminine_noun, load_table


def _spoken(text: str) -> str:
    return normalize_text(text, load_rules("pt-BR"), "pt-BR")[0]


# the three sentences the issue found mangled
ISSUE = [
    ("2,5%", "dois vírgula cinco por cento"),
    ("R$ 1.500,00", "mil e quinhentos reais"),
    ("1.000 pessoas", "mil pessoas"),
]
TABLE = [
    # money
    ("R$ 2,50", "dois reais e cinquenta centavos"),
    ("R$ 1,00", "um real"),
    ("R$ 0,99", "noventa e nove centavos"),
    ("R$ 21", "vinte e um reais"),
    ("R$ 1 milhão", "um milhão de reais"),
    ("R$ 2,5 bilhões", "dois vírgula cinco bilhões de reais"),
    ("US$ 3 bi", "três bilhões de dólares"),
    ("US$ 1.000.000", "um milhão de dólares"),
    ("US$ 40 mil", "quarenta mil dólares"),
    ("€ 5", "cinco euros"),
    ("£ 2", "duas libras"),
    # decimals, thousands, negatives, ranges, versions, fractions
    ("3,75", "três vírgula sete cinco"),
    ("0,5", "zero vírgula cinco"),
    ("12.345.678", "doze milhões, trezentos e quarenta e cinco mil, seiscentos e setenta e oito"),
    ("1,5 milhão de usuários", "um vírgula cinco milhão de usuários"),
    ("5 mi de usuários", "cinco milhões de usuários"),
    ("-3,2%", "menos três vírgula dois por cento"),
    ("entre 2020-2026", "entre dois mil e vinte a dois mil e vinte e seis"),
    ("versão 2.5", "versão dois ponto cinco"),
    ("3/4 dos usuários", "três quartos dos usuários"),
    # percentages
    ("40%", "quarenta por cento"),
    ("100 %", "cem por cento"),
    ("12,5% ao ano", "doze vírgula cinco por cento ao ano"),
    # gender of the counted noun
    ("2 pessoas", "duas pessoas"),
    ("200 empresas", "duzentas empresas"),
    ("2 mil vagas", "duas mil vagas"),
    ("1 hora e 2 dias", "uma hora e dois dias"),
    ("2 milhões de pessoas", "dois milhões de pessoas"),
    ("22 problemas", "vinte e dois problemas"),
    # ordinals
    ("1º lugar", "primeiro lugar"),
    ("2ª edição", "segunda edição"),
    ("21º colocado", "vigésimo primeiro colocado"),
    # dates and times
    ("15/03/2026", "quinze de março de dois mil e vinte e seis"),
    ("01/01/2026", "primeiro de janeiro de dois mil e vinte e seis"),
    ("2026-12-02", "dois de dezembro de dois mil e vinte e seis"),
    ("em 25/12", "em vinte e cinco de dezembro"),
    ("às 14h30", "às catorze horas e trinta minutos"),
    ("às 9h", "às nove horas"),
    ("às 21:05", "às vinte e uma horas e cinco minutos"),
    ("48h", "quarenta e oito horas"),
    # units
    ("10 km", "dez quilômetros"),
    ("1 km", "um quilômetro"),
    ("120 km/h", "cento e vinte quilômetros por hora"),
    ("2,5 kg", "dois vírgula cinco quilos"),
    ("1 t", "uma tonelada"),
    ("30 °C", "trinta graus Celsius"),
    ("500 GB", "quinhentos gigabytes"),
    ("3 GW", "três gigawatts"),
    ("100 m", "cem metros"),
    ("5 min", "cinco minutos"),
    ("3x mais rápido", "três vezes mais rápido"),
    # addresses
    (
        "Acesse https://www.exemplo.com.br/planos hoje.",
        "Acesse exemplo ponto com ponto br barra planos hoje.",
    ),
    (
        "Escreva para contato@exemplo.com.br.",
        "Escreva para contato arroba exemplo ponto com ponto br.",
    ),
    ("joao.silva@empresa.com", "joao ponto silva arroba empresa ponto com"),
    ("Veja castwright.dev/docs.", "Veja castwright ponto dev barra docs."),
    ("em https://site.org/a?b=1", "em site ponto org barra a"),
    # acronyms and abbreviations from the table
    ("O CPF e o IBGE, segundo o BC.", "O C.P.F. e o I.B.G.E., segundo o Banco Central."),
    ("a LGPD", "a Lei Geral de Proteção de Dados"),
    ("o Dr. Souza", "o doutor Souza"),
    ("o nº 5", "o número cinco"),
    ("Nº 5 saiu.", "Número cinco saiu."),
    ("P&D", "P e D"),
]


@pytest.mark.parametrize(("written", "spoken"), ISSUE + TABLE)
def test_pt_br_is_spoken_the_brazilian_way(written: str, spoken: str) -> None:
    assert _spoken(written) == spoken


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 30


def test_no_digit_and_no_english_word_survives() -> None:
    text = " ".join(w for w, _ in ISSUE + TABLE)
    said = _spoken(text)
    assert not any(ch.isdigit() for ch in said)
    assert " dot " not in said and " at " not in said and "percent" not in said


def test_facts_speak_numbers_like_the_script() -> None:
    assert speak_numbers("R$ 1.500,00 e 2,5%", "pt-BR") == (
        "mil e quinhentos reais e dois vírgula cinco por cento"
    )


def test_gender_guess_and_feminine_cardinals() -> None:
    assert feminine_noun("pessoas") and feminine_noun("ações") and feminine_noun("vezes")
    assert not feminine_noun("dias") and not feminine_noun("sistemas")
    assert not feminine_noun("usuários")
    assert cardinal(2_200_000, feminine=True) == "dois milhões e duzentas mil"


def test_table_loads_with_every_month() -> None:
    table = load_table()
    assert len(table.months) == 12
    assert {c.sign for c in table.currencies} >= {"R$", "US$", "€"}
    assert len(table.units) >= 30
