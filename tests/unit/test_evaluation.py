"""The labelled sets, the figures the engine must reach on them, and how each kind of item is
judged: single questions, multi-part messages, dialogues, gap notes, summaries, groups."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answers import Answer, Outcome
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.evaluation import (
    Dialogue,
    Example,
    Multipart,
    Turn,
    evaluate,
    evaluate_items,
    group_matches,
    load_examples,
    load_items,
    notes_a_gap,
)
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
    report = evaluate_items(examples, engine.ask)  # the engine, as users get it
    assert report.accuracy >= 0.97, report.format()
    assert report.rejection >= 0.95, report.format()


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_labelled_file_loads_and_names_known_facts(path: Path, kb: KnowledgeBase) -> None:
    items = load_items(path)
    assert items
    labels: set[str | None] = set()
    for item in items:
        if isinstance(item, Dialogue):
            labels |= {turn.fact_id for turn in item.turns}
        elif isinstance(item, Multipart):
            labels |= set(item.parts)
        else:
            labels |= {item.fact_id, *item.expect}
    # Facts other changes are adding are named too: the partner-group answer, summaries.
    assert labels - {fact.id for fact in kb.facts} <= {None, "partner_group", "summary"}


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


def reply(fact_id: str | None, body: str = "", parts: tuple[Answer, ...] = ()) -> Answer:
    outcome = Outcome.FACT if fact_id else Outcome.FALLBACK
    return Answer("q", outcome, fact_id, 1.0, "Title", body or "An answer.", parts=parts)


def asking(replies: dict[str, Answer]) -> Callable[[str, Context | None], Answer]:
    return lambda question, context: replies[question]


def test_a_multipart_message_counts_each_part_in_order() -> None:
    both = reply("a", parts=(reply("a"), reply(None)))
    items = [
        Multipart("one", ("a", None)),  # both parts right
        Multipart("two", ("a", "b")),  # the second part is not in the reply
        Multipart("three", ("b",)),  # a single reply with the wrong fact
    ]
    replies = {"one": both, "two": reply("a"), "three": reply("a")}
    report = evaluate_items(items, asking(replies))
    assert (report.in_scope_correct, report.in_scope) == (2, 4)
    assert (report.rejected, report.out_of_scope) == (1, 1)
    assert report.counts["messages answered part for part"] == (1, 3)
    assert report.unit == "message parts"
    assert ("b", "out_of_scope (no such part in the reply)", "two [part 2]") in report.confusions


def test_one_part_of_a_reply_may_answer_several_questions() -> None:
    two_names = dataclasses.replace(
        reply("check"), entities=(("country", "pakistan"), ("country", "india"))
    )
    items = [
        Multipart("names", ("check", "check")),  # one part answers on both countries
        Multipart("one name", ("check", "check")),  # one country: the second is unanswered
        Multipart("same", ("a", "a"), frozenset({1})),  # the card of part 1 answers part 2
        Multipart("same, missing", ("a", "b"), frozenset({1})),  # "b" was never given
    ]
    replies = {
        "names": two_names,
        "one name": dataclasses.replace(two_names, entities=(("country", "pakistan"),)),
        "same": reply("a"),
        "same, missing": reply("a"),
    }
    report = evaluate_items(items, asking(replies))
    assert report.counts["messages answered part for part"] == (2, 4)
    assert (report.in_scope_correct, report.in_scope) == (6, 8)


def test_a_same_part_is_read_from_the_labels(tmp_path: Path) -> None:
    path = tmp_path / "parts.yaml"
    path.write_text("- q: two\n  parts: [a, {same: a}]\n", encoding="utf-8")
    assert load_items(path) == [Multipart("two", ("a", "a"), frozenset({1}))]
    path.write_text("- q: two\n  parts: [{same: a}, b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="later part"):
        load_items(path)


def test_a_dialogue_carries_its_context_and_checks_the_expected_words() -> None:
    seen: list[Context | None] = []

    def ask(question: str, context: Context | None) -> Answer:
        seen.append(context)
        return {
            "first": reply("partner_check", "Yes, Poland is a partner."),
            "and hungary?": reply("partner_check", "Yes, Hungary is a partner."),
            "and its capital?": reply(None),
        }[question]

    dialogue = Dialogue(
        (
            Turn("first", "partner_check", "poland"),
            Turn("and hungary?", "partner_check", "Spain"),  # right fact, word missing
            Turn("and its capital?", None),
        )
    )
    report = evaluate_items([dialogue], ask)
    assert seen == [None, Context("partner_check"), Context("partner_check")]
    assert (report.in_scope_correct, report.in_scope, report.rejected) == (1, 2, 1)
    assert report.counts["dialogues right turn for turn"] == (0, 1)
    assert report.confusions[0][1] == "partner_check (reply lacks 'Spain')"


def test_not_said_needs_the_fact_and_a_gap_note() -> None:
    @dataclasses.dataclass(frozen=True)
    class Noted(Answer):
        gaps: tuple[str, ...] = ()

    noted = Noted("q", Outcome.FACT, "x", 1.0, "T", "34 countries.", gaps=("which ones",))
    items = [
        Example("said", "x", not_said=True),
        Example("marked", "x", not_said=True),
        Example("silent", "x", not_said=True),
        Example("wrong", "x", not_said=True),
    ]
    replies = {
        "said": reply("x", "The document does not say which."),
        "marked": noted,
        "silent": reply("x", "34 countries."),
        "wrong": reply("y", "It does not say."),
    }
    report = evaluate_items(items, asking(replies))
    assert (report.in_scope_correct, report.in_scope) == (2, 4)
    assert report.counts["gap notes"] == (3, 4)
    assert report.wrong_answers == 1  # only "wrong" gave another fact
    assert notes_a_gap(noted) and not notes_a_gap(replies["silent"])


def test_a_summary_must_cover_every_expected_fact() -> None:
    items = [
        Example("2016?", "summary", expect=("a", "b")),
        Example("2017?", "summary", expect=("c",)),
    ]
    replies = {
        "2016?": reply("a", parts=(reply("a"), reply("b"), reply("c"))),
        "2017?": reply("a", parts=(reply("a"), reply("b"))),
    }
    report = evaluate_items(items, asking(replies))
    assert (report.in_scope_correct, report.in_scope) == (1, 2)
    assert ("summary", "a+b", "2017?") in report.confusions


def test_a_group_question_needs_the_group_fact_and_the_right_group() -> None:
    @dataclasses.dataclass(frozen=True)
    class Grouped(Answer):
        group: str | None = None

    def grouped(group: str) -> Grouped:
        return Grouped("q", Outcome.FACT, "partner_group", 1.0, "T", "B", group=group)

    assert group_matches(reply("partner_group"), "eu")  # no group attribute: the fact decides
    assert group_matches(grouped("eu"), "eu")
    assert not group_matches(grouped("nordic"), "eu")
    assert not group_matches(reply("partners"), "eu")
    items = [Example("eu?", "partner_group", group="eu"), Example("nato?", None)]
    report = evaluate_items(items, asking({"eu?": grouped("nordic"), "nato?": reply(None)}))
    assert (report.in_scope_correct, report.rejected) == (0, 1)


def test_malformed_items_are_named(tmp_path: Path) -> None:
    for text, message in (
        ("- dialogue: []\n", "item 1: 'dialogue' needs"),
        ("- q: a\n  parts: x\n", "item 1: 'parts' needs"),
        ("- q: a\n  intent: x\n- 3\n", "item 2 is not a mapping"),
        ("- q: a\n  parts: [x]\n", "item 1 needs a 'q' string and an 'intent'"),
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            (load_examples if "parts: [x]" in text else load_items)(bad)
