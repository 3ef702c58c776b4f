"""The analyser's shortcuts read as its full analysis does: what the fallback and the gap notes
rely on to reuse an analysis instead of making another."""

from __future__ import annotations

import pytest

from bot.engine import QAEngine
from bot.message import clean
from bot.text import normalise
from tests.support.labelled import FIRST_SETS, LANGUAGE_SETS, NEW_SETS, messages


@pytest.fixture(scope="module")
def texts(engine: QAEngine) -> list[str]:
    found = list(messages((*FIRST_SETS, *NEW_SETS, *LANGUAGE_SETS)))
    for fact in engine.kb.facts:
        found += [*fact.phrasings, fact.title, *fact.sources]
    return found


def test_a_word_reads_as_its_own_analysis(engine: QAEngine, texts: list[str]) -> None:
    analyser = engine.matcher.analyser
    words = {word for text in texts for word in normalise(text).split()}
    words |= {word + "s" for word in analyser.known_words}  # plurals the lexicon may know
    words |= {"seven", "twenty", "2016", "us", "georgie", "slotmarkercountry"}
    for word in sorted(words):
        assert analyser.word_terms(word) == analyser.analyse(word, correct=False).terms, word


def test_trailing_question_marks_and_full_stops_read_to_nothing(
    engine: QAEngine, texts: list[str]
) -> None:
    analyser = engine.matcher.analyser
    for text in texts:
        for variant in (text, clean(text), f"{text}?", f"{text}!?", f"{text}...", f"{text} US?"):
            stripped = variant.rstrip("?!.")
            for correct in (True, False):
                full = analyser.analyse(variant, correct=correct)
                assert full == analyser.analyse(stripped, correct=correct), variant


def test_mentions_read_as_the_whole_analysis_finds_them(engine: QAEngine, texts: list[str]) -> None:
    analyser = engine.matcher.analyser
    for text in texts:
        for variant in (text, f"<b>{text}</b> {{country}}", text.upper(), f"{text} US and us"):
            expected = analyser._analyse(variant, correct=True).mentions
            assert analyser.mentions(variant) == expected, variant  # read afresh
            analyser.analyse(variant)
            assert analyser.mentions(variant) == expected, variant  # the recent analysis
