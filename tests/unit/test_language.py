"""Which language a message is in (bot/language.py): short messages in each language, with and
without the Azerbaijani letters, mixed text, and the texts that tell no language."""

from __future__ import annotations

import pytest

from bot.engine import QAEngine
from bot.kb import KnowledgeBase
from bot.language import AZERBAIJANI, ENGLISH, RUSSIAN, Detector
from tests.support.labelled import FIRST_SETS, NEW_SETS, messages


@pytest.fixture(scope="module")
def detector(kb: KnowledgeBase) -> Detector:
    return Detector.of(kb)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("which countries are partners", ENGLISH),
        ("is turkey a partner?", ENGLISH),
        ("how many agreements", ENGLISH),
        ("French courses?", ENGLISH),
        ("Hansı ölkələrlə əməkdaşlıq var?", AZERBAIJANI),
        ("sazişlərin sayı nədir", AZERBAIJANI),
        ("təlimlərdə kim iştirak edib", AZERBAIJANI),
        ("hansi olkelerle emekdasliq", AZERBAIJANI),  # typed without its letters
        ("olkelerimizle herbi emekdasliq", AZERBAIJANI),  # a form no phrasing has
        ("nece sazis imzalanib", AZERBAIJANI),
        ("2016da hansi telimler", AZERBAIJANI),
        ("Сколько соглашений подписано?", RUSSIAN),
        ("Ещё учения будут?", RUSSIAN),  # with ё
        ("С какими странами сотрудничает?", RUSSIAN),
        ("Что такое IPAP?", RUSSIAN),  # mixed: the Russian words outvote a name
        ("IPAP nədir?", AZERBAIJANI),
        ("Salam, which countries are partners?", ENGLISH),  # a greeting in another language
        ("Türkiyə ilə hərbi əməkdaşlıq", AZERBAIJANI),
    ],
)
def test_short_messages_in_each_language(detector: Detector, text: str, language: str) -> None:
    assert detector.detect(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "/start",
        "/partners",
        "2016",
        "12345",
        "Turkey",
        "Türkiye",
        "Georgia",
        "NATO",
        "🙂",
        "",
        "?!",
    ],
)
def test_what_tells_no_language_is_none(detector: Detector, text: str) -> None:
    assert detector.detect(text) is None


def test_a_tie_with_english_goes_to_the_other_language() -> None:
    """English words borrowed into Azerbaijani or Russian ("thanks qardaş") do not make the
    message English; a tie of Azerbaijani and Russian tells nothing."""
    detector = Detector(azerbaijani=["salam", "olke"], english=["hello", "country"])
    assert detector.detect("salam hello") == AZERBAIJANI
    assert detector.detect("olke country salam") == AZERBAIJANI
    assert detector.detect("hello country salam") == ENGLISH
    assert detector.detect("спасибо hello") == RUSSIAN
    assert detector.detect("спасибо salam") is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("thanks qardaş", AZERBAIJANI),
        ("partner countries list ver zehmet olmasa", AZERBAIJANI),
        ("пришли list партнёров", RUSSIAN),
    ],
)
def test_english_words_borrowed_into_a_message(
    detector: Detector, text: str, language: str
) -> None:
    assert detector.detect(text) == language


def test_a_word_in_both_languages_votes_for_neither() -> None:
    detector = Detector(azerbaijani=["bot", "sened"], english=["bot", "document"])
    assert detector.detect("bot") is None
    assert detector.detect("bot sened") == AZERBAIJANI


def test_the_engine_reads_the_bots_own_knowledge(engine: QAEngine, detector: Detector) -> None:
    for text in ("hansi olkeler", "which countries", "какие страны", "/help"):
        assert engine.language_of(text) == detector.detect(text)


def test_no_english_labelled_message_reads_as_another_language(detector: Detector) -> None:
    """English must read as it always did: only a message taken for Azerbaijani is read
    differently, so none of the English sets' may be (a few tell nothing: emoji, figures)."""
    found = {text: detector.detect(text) for text in messages((*FIRST_SETS, *NEW_SETS))}
    assert not {text for text, language in found.items() if language not in (ENGLISH, None)}
    assert sum(language is None for language in found.values()) < 0.02 * len(found)


def test_no_english_phrasing_reads_as_another_language(engine: QAEngine) -> None:
    analyser = engine.matcher.analyser
    for fact in engine.kb.facts:
        for text in (*fact.questions, fact.title, *fact.sources):
            assert analyser.analyse(text, correct=False).language != AZERBAIJANI, text


def test_the_translations_phrasings_read_as_their_language(
    detector: Detector, kb: KnowledgeBase
) -> None:
    for language in (AZERBAIJANI, RUSSIAN):
        phrasings = [q for fact in kb.facts for q in fact.translations[language].questions]
        right = sum(detector.detect(q) == language for q in phrasings)
        assert right >= 0.97 * len(phrasings), language
