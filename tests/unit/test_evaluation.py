"""The labelled question set and the figures the matcher must reach on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.evaluation import Example, evaluate, load_examples
from bot.kb import KnowledgeBase
from bot.text import normalise

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples(DATA / "questions.yaml")


def test_question_set_is_big_and_honest(examples: list[Example], kb: KnowledgeBase) -> None:
    assert len(examples) >= 300
    assert sum(example.fact_id is None for example in examples) >= 60
    phrasings = {normalise(q) for fact in kb.facts for q in fact.questions}
    copies = [e.question for e in examples if normalise(e.question) in phrasings]
    assert copies == [], "evaluation questions must not be copies of knowledge-base phrasings"
    known = {fact.id for fact in kb.facts}
    assert {e.fact_id for e in examples if e.fact_id} <= known


def test_question_set_includes_near_misses(examples: list[Example]) -> None:
    text = " ".join(e.question.lower() for e in examples)
    for name in (
        "iraq",
        "austria",
        "australia",
        "syria",
        "oman",
        "armenia",
        "north korea",
        "mongolia",
    ):
        assert name in text


def test_figures_on_the_labelled_set(engine: QAEngine, examples: list[Example]) -> None:
    report = evaluate(examples, lambda q: engine.matcher.match(q).fact_id)
    assert report.accuracy >= 0.97, report.format()
    assert report.rejection >= 0.95, report.format()


def test_report_counts_like_rasa() -> None:
    examples = [Example("a", "x"), Example("b", "x"), Example("c", None), Example("d", "y")]
    answers = {"a": "x", "b": "y", "c": None, "d": "y"}
    report = evaluate(examples, answers.get)
    assert report.accuracy == pytest.approx(2 / 3)
    assert report.rejection == 1.0
    assert report.wrong_answers == 1
    by_fact = {score.fact_id: score for score in report.per_fact}
    assert by_fact["x"].precision == 1.0 and by_fact["x"].recall == 0.5
    assert by_fact["y"].precision == 0.5 and by_fact["y"].recall == 1.0
    assert ("x", "y", "b") in report.confusions
    assert "in-scope accuracy" in report.format()


def test_malformed_question_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- intent: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="item 1"):
        load_examples(bad)
