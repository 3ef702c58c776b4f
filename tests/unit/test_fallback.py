"""The fallback names what it recognised and quotes the document, yet states no fact."""

from __future__ import annotations

import html
import re

import pytest

from bot.engine import QAEngine
from bot.text import collapse_whitespace
from tests.conftest import KNOWLEDGE

QUOTE = re.compile(r"<blockquote>“(.*?)”</blockquote>", re.S)


def quotes(engine: QAEngine, question: str) -> list[str]:
    answer = engine.ask(question)
    assert not answer.matched, (question, answer.fact_id)
    return [html.unescape(q) for q in QUOTE.findall(answer.body)]


def test_quotes_are_verbatim_document_sentences(engine: QAEngine) -> None:
    document = collapse_whitespace((KNOWLEDGE / "document.txt").read_text(encoding="utf-8"))
    found = quotes(engine, "What is the capital of Georgia?")
    assert found and all(quote in document for quote in found)
    assert any("Georgia" in quote for quote in found)


def test_names_what_it_recognised(engine: QAEngine) -> None:
    answer = engine.ask("Does Japan do joint drills with Azerbaijan?")
    assert not answer.matched
    assert "Japan" in answer.text and "drills" in answer.text
    assert "mentions Japan" not in answer.text  # the document never names Japan: no quote


def test_prefers_the_sentence_naming_most_of_the_question(engine: QAEngine) -> None:
    found = quotes(engine, "Which football team did Georgia beat in 2017?")
    assert found[0] == "In 2017 such meetings are planned to be held in Georgia."


@pytest.mark.parametrize(
    "question", ["asdkjhasd qwpoeiru", "tell me a joke", "What is the weather in Baku today?"]
)
def test_nothing_recognised_gives_the_plain_fallback(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.matched
    assert "I see you asked" not in answer.text
    assert "<blockquote>" not in answer.body


def test_suggestions_follow_the_question(engine: QAEngine) -> None:
    drills = engine.ask("Did Azerbaijan hold exercises with Japan?").suggestions
    courses = engine.ask("Can I join the Spanish language courses in Baku?").suggestions
    assert drills and courses
    assert {t.fact_id for t in drills} != {t.fact_id for t in courses}
    assert any("xercise" in t.title or "rainings" in t.title for t in drills)
    assert any("ourses" in t.title for t in courses)


def test_a_plural_is_no_typo_target(engine: QAEngine) -> None:
    """'surnames' is one edit from 'Surinames', the plural of a country: no country at all."""
    mentions = engine.matcher.analyser.analyse("what are the surnames of the generals").mentions
    assert mentions == ()
    assert [m.key for m in engine.matcher.analyser.analyse("the Americans").mentions] == [
        "United States"
    ]


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("any partners from Latin America?", "en"),
        ("any Latin American partners?", "en"),
        ("есть партнёры из Латинской Америки?", "ru"),
        ("Latın Amerikasından tərəfdaş varmı?", "az"),
    ],
)
def test_a_country_read_inside_a_groups_name_is_not_recognised(
    engine: QAEngine, question: str, language: str
) -> None:
    """ "Latin America" is no group the table classifies, so the reply is the fallback; the
    "America" in it is not the USA, which it must neither say it saw nor quote."""
    answer = engine.ask(question)
    assert not answer.matched and answer.language == language
    for name in ("United States", "USA", "США", "ABŞ"):
        assert name not in answer.text, answer.text
    assert "<blockquote>" not in answer.body


def test_a_country_named_beside_a_group_is_still_recognised(engine: QAEngine) -> None:
    answer = engine.ask("any partners in South America besides the USA?")
    assert not answer.matched
    assert "United States" in answer.text and "<blockquote>" in answer.body
