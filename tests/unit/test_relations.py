"""Questions about how two other countries relate (bot/relations.py), in three languages: the
document lists Azerbaijan's partners only, so they get the honest fallback, while partner
checks of two countries at once are still answered."""

from __future__ import annotations

import pytest

from bot.engine import QAEngine
from bot.relations import Relations


@pytest.mark.parametrize(
    "question",
    [
        "Does Armenia have military cooperation with Russia?",
        "Is Russia a partner of Armenia?",
        "Есть ли у Армении военное сотрудничество с Россией?",
        "Ermenistanin Rusiya ile herbi emekdasligi var?",
        "Rusiya ilə Ermənistan arasında hərbi əməkdaşlıq var?",
        "does Russia have a military base in Armenia? heard about it on the news",
        "Есть ли у России военная база в Армении?",
        "How are relations between Turkey and Greece these days?",
        "какие отношения между Россией и Турцией?",
        "Türkiyə və Yunanıstan arasında münasibətlər necədir?",
    ],
)
def test_two_other_countries_relations_are_not_partner_checks(
    engine: QAEngine, question: str
) -> None:
    answer = engine.ask(question)
    assert not answer.matched
    assert "Yes." not in answer.text and "Да." not in answer.text and "Bəli." not in answer.text


@pytest.mark.parametrize(
    ("question", "countries"),
    [
        ("Does Azerbaijan cooperate with Russia and with Armenia?", ("Russia", "Armenia")),
        ("Is Turkey or Russia a partner?", ("Turkey", "Russia")),
        ("Are Pakistan and India both partners?", ("Pakistan", "India")),
        ("do they work with Turkey and with Russia?", ("Turkey", "Russia")),
        ("Türkiyə və Rusiya ilə əməkdaşlıq varmı?", ("Türkiyə", "Rusiya")),
        ("Сотрудничает ли Азербайджан с Турцией и Россией?", ("Турция", "Россия")),
        ("Does Turkey cooperate with Azerbaijan and with Georgia?", ("Turkey", "Georgia")),
        ("Is there military cooperation between Azerbaijan and Turkey?", ("Turkey",)),
    ],
)
def test_partner_checks_of_two_countries_are_answered(
    engine: QAEngine, question: str, countries: tuple[str, ...]
) -> None:
    answer = engine.ask(question)
    assert answer.matched and answer.fact_id == "partner_check"
    assert all(country in answer.text for country in countries)


def test_relations_read_the_lexicon_of_each_language(engine: QAEngine) -> None:
    relations = Relations(engine.kb.lexicon)
    analyse = engine.matcher.analyser.analyse
    for question, between in [
        ("is russia a partner of armenia", True),
        ("is russia a partner of azerbaijan and armenia", False),  # Azerbaijan is named
        ("russia and armenia", False),
    ]:
        analysis = analyse(question)
        assert relations.between_others(analysis.words, analysis.mentions) is between


@pytest.mark.parametrize(
    "question",
    [
        "How do you say 'cooperation' in French?",
        'Translate "military cooperation" into German pls',
        "is it taught in German",
    ],
)
def test_a_language_named_by_its_country_is_no_partner_check(
    engine: QAEngine, question: str
) -> None:
    assert engine.ask(question).fact_id != "partner_check"


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("are there courses in French?", "french_courses"),
        ("do they cooperate with France?", "partner_check"),
        ("is there military cooperation in Georgia", "partner_check"),
    ],
)
def test_a_country_in_other_words_is_still_asked(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id
