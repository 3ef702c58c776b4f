"""The console chat's replies: sources without markup, /start's example questions, and a
conversation carried from line to line."""

from __future__ import annotations

import io

import pytest

from bot.console import ConsoleChat, chat, greeting, reply_to_console
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


def test_the_console_chat_carries_the_conversation(engine: QAEngine) -> None:
    """A follow-up that means nothing on its own ("when?") is answered from the card before
    it; the same line in a fresh chat is not."""
    chat = ConsoleChat(engine)
    chat.reply("/exercises")
    followup = chat.reply("when?")
    assert followup is not None and "TURAZ Shahini" in followup
    assert "could not find that" in reply_to_console(engine, "when?")


def test_the_console_chat_resolves_a_year_against_the_last_topic(engine: QAEngine) -> None:
    chat = ConsoleChat(engine)
    chat.reply("How many agreements were signed?")
    reply = chat.reply("and in 2016?")
    assert reply is not None and reply.startswith("Agreements signed in 2016")
    assert not reply_to_console(engine, "and in 2016?").startswith("Agreements signed in 2016")


def test_the_context_is_kept_past_a_refusal(engine: QAEngine) -> None:
    chat = ConsoleChat(engine)
    assert "Yes. Italy" in (chat.reply("Is Italy a partner?") or "")
    assert "could not find that" in (chat.reply("and its capital?") or "")
    assert "Yes. Spain" in (chat.reply("and Spain?") or "")


@pytest.mark.parametrize("line", ["", "   ", "\t", "\u200b"])
def test_a_blank_line_gets_no_reply_and_changes_nothing(engine: QAEngine, line: str) -> None:
    chat = ConsoleChat(engine)
    chat.reply("/exercises")
    context = chat.context
    assert chat.reply(line) is None
    assert chat.context == context


def test_the_chat_loop_prints_nothing_for_blank_lines(engine: QAEngine) -> None:
    lines = iter(["/exercises", "", "   ", "when?", "/quit"])
    out = io.StringIO()
    assert chat(engine, out, lambda _prompt: next(lines)) == 0
    replies = out.getvalue().removeprefix(greeting()).split("\n\n")
    titles = [reply for reply in replies if reply.startswith("Trainings held in the first half")]
    assert len(titles) == 2  # the card, then the answer to "when?"
    assert "could not find" not in out.getvalue()
