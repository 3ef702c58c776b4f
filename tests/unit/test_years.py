"""Years as people type them in three languages: "in '16", "в 16-м году", "на 17й год",
"16-cı ildə". A year of two figures is the year in full only where it is plainly a year, so
a span of years ("за 21 год", "son 10 ildə") and a count ("в 16 странах") stay figures."""

from __future__ import annotations

import pytest

from bot.engine import QAEngine
from bot.text import full_years, normalise


def read(text: str) -> list[str]:
    return full_years(normalise(text).split())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("в 16-м году", ["в", "2016", "году"]),
        ("в 16м году", ["в", "2016", "году"]),
        ("в 17 году", ["в", "2017", "году"]),
        ("на 17-й год", ["на", "2017", "год"]),
        ("16-cı ildə", ["2016", "ilde"]),
        ("16ci ilde", ["2016", "ilde"]),
        ("in '16", ["in", "2016"]),
        ("в 2016г", ["в", "2016", "г"]),
        ("а учения в 17-м?", ["а", "учения", "в", "2017"]),
        ("с 16-го", ["с", "2016"]),
        ("в 2016-м", ["в", "2016"]),
        ("в шестнадцатом году", ["в", "2016", "году"]),
        ("семнадцатого года", ["2017", "года"]),
    ],
)
def test_a_year_however_typed(text: str, words: list[str]) -> None:
    assert read(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "за 21 год",
        "son 10 ildə",
        "в 16 странах",
        "21 il",
        "the '90s",
        "16 countries",
        "7 лет",
        "17-й пункт",
        "в десятом классе",
    ],
)
def test_a_span_or_a_count_is_no_year(text: str) -> None:
    assert not any(len(word) == 4 and word.isdigit() for word in read(text))


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("how many countries signed in '16?", "agreements_2016"),
        ("сколько стран подписали договоры в 16м году", "agreements_2016"),
        ("в 16-м году со сколькими странами подписали соглашения?", "agreements_2016"),
        ("что по учениям на 17й год", "exercises_2017"),
        ("учения в 17 году будут?", "exercises_2017"),
        ("а учения в 17-м?", "exercises_2017"),
        ("А в шестнадцатом году с кем договоры заключали? Сколько стран было", "agreements_2016"),
        ("16-cı ildə neçə ölkə ilə saziş imzalanıb?", "agreements_2016"),
    ],
)
def test_the_year_answers_its_question(engine: QAEngine, question: str, fact: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact
    assert "2016" in answer.text if fact.endswith("2016") else "2017" in answer.text
