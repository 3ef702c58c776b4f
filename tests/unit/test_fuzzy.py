"""The typo rule: one unambiguous meaning, the same first letter, edits by length."""

from __future__ import annotations

import pytest

from bot.engine import QAEngine
from bot.fuzzy import LongNameTypos, TypoCorrector, max_typos


@pytest.mark.parametrize(("length", "edits"), [(3, 0), (4, 0), (5, 1), (8, 1), (9, 2), (20, 2)])
def test_edits_allowed_by_length(length: int, edits: int) -> None:
    assert max_typos(length) == edits


def test_a_typo_is_corrected_to_its_one_meaning() -> None:
    corrector = TypoCorrector({"germany": "Germany", "slovakia": "Slovakia"})
    assert corrector.correct("germny") == "germany"
    assert corrector.correct("slovakai") == "slovakia"  # a transposition is one edit


def test_two_meanings_at_the_same_distance_is_no_answer() -> None:
    corrector = TypoCorrector({"iraq": "Iraq", "iran": "Iran"}, shortest=4)
    assert corrector.correct("irak") is None  # short word: never corrected
    corrector = TypoCorrector({"austria": "Austria", "austral": "Australia"})
    assert corrector.correct("austrai") is None


def test_two_spellings_of_one_meaning_are_no_ambiguity() -> None:
    corrector = TypoCorrector({"exercise": "exercis", "exercises": "exercis"})
    assert corrector.correct("exercize") in {"exercise", "exercises"}


def test_the_first_letter_must_match_and_digits_are_left_alone() -> None:
    corrector = TypoCorrector({"partners": "partner", "12345": "x"})
    assert corrector.correct("bartners") is None
    assert corrector.correct("12346") is None
    assert TypoCorrector({}).correct("anything") is None


def test_a_long_name_with_one_word_misspelt() -> None:
    names = {("anadolu", "gartali"): "Anadolu Gartali", ("turaz", "shahini"): "TURAZ Shahini"}
    typos = LongNameTypos(names, known=frozenset({"about", "garden"}))
    assert typos.find(["about", "anadolu", "gartaly"], 1) == ("Anadolu Gartali", 2)
    assert typos.find(["turan", "shahini", "drill"], 0) == ("TURAZ Shahini", 2)
    assert typos.find(["anadoly", "gartaly"], 0) is None  # two words misspelt
    assert typos.find(["anadolu", "kartali"], 0) is None  # another first letter
    assert typos.find(["anadolu", "garden"], 0) is None  # a word of its own
    assert typos.find(["anadolu"], 0) is None


@pytest.mark.parametrize(
    "question",
    [
        "tell me about Anadolu Gartaly",
        "what about Turan Shahini?",
        "расскажи про Анадолу Гартали",
        "multinational special mision units training",
    ],
)
def test_a_misspelt_training_is_the_training(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.matched and answer.fact_id == "exercise_info"


@pytest.mark.parametrize(
    ("question", "country"),
    [
        ("Is Sauth Sudan a partner?", "South Sudan"),
        ("Is Sout Sudan a partner?", "South Sudan"),
    ],
)
def test_a_misspelt_long_country_name_is_not_that_country(
    engine: QAEngine, question: str, country: str
) -> None:
    """Long country names stay exact: a near miss there may be another country."""
    assert country not in [m.key for m in engine.matcher.analyser.mentions(question)]


def test_a_russian_word_is_one_edit_at_most_from_what_it_meant() -> None:
    corrector = TypoCorrector({"проводить": "провод"}, cyrillic_edits=1)
    assert corrector.correct("проводитт") == "проводить"  # one edit
    assert corrector.correct("переводить") is None  # "translate" is no "hold"
    assert TypoCorrector({"проводить": "провод"}).correct("переводить") == "проводить"


def test_translate_in_russian_is_no_question_about_courses(engine: QAEngine) -> None:
    answer = engine.ask("Пожалуйста переводить весь текст на английский язык для меня.")
    assert not answer.matched
