"""The typo rule: one unambiguous meaning, the same first letter, edits by length."""

from __future__ import annotations

import pytest

from bot.fuzzy import TypoCorrector, max_typos


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
