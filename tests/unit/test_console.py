"""The console chat's replies: sources without markup, and /start's example questions."""

from __future__ import annotations

from bot.console import reply_to_console
from bot.engine import QAEngine


def test_a_yes_no_answer_quotes_its_long_source_in_part_without_markup(engine: QAEngine) -> None:
    reply = reply_to_console(engine, "Is Japan a partner?")
    *_, source = reply.split("\n\n")
    assert not source.startswith("Source: >") and ">" not in reply and "<" not in reply
    head, tail = source.removeprefix("Source: ").split(" … ")
    [sentence] = engine.kb.fact("partner_check").sources
    sentence = " ".join(sentence.split())
    assert sentence.startswith(head) and sentence.endswith(tail)  # verbatim, never paraphrased
    assert len(source) < len(sentence) // 2 + 40


def test_every_card_still_cites_its_source(engine: QAEngine) -> None:
    for topic in engine.topics:
        card = engine.card(topic.fact_id)
        assert card is not None
        reply = reply_to_console(engine, f"/{topic.command}") if topic.command else card.text
        assert "\n\nSource: " in reply, topic.fact_id


def test_start_lists_the_example_questions_and_each_is_answered(engine: QAEngine) -> None:
    reply = reply_to_console(engine, "/start")
    intro, _, listed = reply.partition("Try one of these:\n")
    assert "/help" in intro and "/exercises" in intro
    examples = [line.strip() for line in listed.splitlines()]
    assert examples == engine.examples() and len(examples) == 4
    for question in examples:
        answer = engine.ask(question)
        assert answer.matched and answer.fact_id is not None, question


def test_start_with_a_topic_opens_its_card_like_a_deep_link(engine: QAEngine) -> None:
    assert reply_to_console(engine, "/start exercises") == reply_to_console(engine, "/exercises")
    assert "Try one of these:" in reply_to_console(engine, "/start nonsense")
