"""The conversation store: time limit, size bound, one conversation per private chat and per
group member, and what it keeps (a Context, never text)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answers import Answer, Outcome
from bot.conversations import TTL_SECONDS, Conversations, conversation_key
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.text import is_blank

ITALY = Context("partner_check", (("country", "Italy"),))
EXERCISES = Context("exercises_2016")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_context_lasts_its_time_limit_then_is_forgotten() -> None:
    clock = Clock()
    store = Conversations(ttl=300, clock=clock)
    store.put((1, None), ITALY)
    clock.now += 299
    assert store.get((1, None)) == ITALY
    clock.now += 1
    assert store.get((1, None)) is None
    assert len(store) == 0  # forgotten, not merely hidden


def test_each_answer_restarts_the_time_limit() -> None:
    clock = Clock()
    store = Conversations(ttl=300, clock=clock)
    store.put((1, None), ITALY)
    clock.now += 200
    store.put((1, None), EXERCISES)
    clock.now += 200
    assert store.get((1, None)) == EXERCISES


def test_expired_conversations_are_dropped_by_later_writes() -> None:
    """Nothing outlives its time limit in memory, even a conversation nobody reads again."""
    clock = Clock()
    store = Conversations(ttl=300, clock=clock)
    for chat in range(50):
        store.put((chat, None), ITALY)
    clock.now += 301
    store.put((99, None), EXERCISES)
    assert len(store) == 1


def test_the_least_recently_answered_go_first_beyond_the_bound() -> None:
    clock = Clock()
    store = Conversations(max_entries=3, clock=clock)
    for chat in (1, 2, 3):
        store.put((chat, None), ITALY)
        clock.now += 1
    store.put((1, None), EXERCISES)  # chat 1 answered again: chat 2 is now the oldest
    store.put((4, None), ITALY)
    assert len(store) == 3
    assert store.get((2, None)) is None
    assert [store.get((chat, None)) for chat in (1, 3, 4)] == [EXERCISES, ITALY, ITALY]


def test_a_flood_of_chats_keeps_memory_bounded() -> None:
    store = Conversations(max_entries=100, clock=Clock())
    for chat in range(10_000):
        store.put((chat, None), ITALY)
    assert len(store) == 100
    assert store.get((9_999, None)) == ITALY and store.get((0, None)) is None


def test_none_forgets_and_a_missing_key_is_no_conversation() -> None:
    store = Conversations(clock=Clock())
    store.put((1, None), ITALY)
    store.put((1, None), None)
    assert store.get((1, None)) is None and len(store) == 0
    store.put(None, ITALY)  # inline mode, channels: nothing to carry
    assert store.get(None) is None and len(store) == 0


def test_the_default_time_limit_is_a_few_minutes() -> None:
    assert 60 <= TTL_SECONDS <= 15 * 60


def test_remember_moves_on_to_a_fact_and_keeps_the_context_after_a_fallback(
    engine: QAEngine,
) -> None:
    store = Conversations(clock=Clock())
    key = (7, None)
    assert store.remember(key, engine.ask("Is Italy a partner?")) == ITALY
    fallback = engine.ask("What is the defence budget?")
    assert fallback.outcome is Outcome.FALLBACK
    assert store.remember(key, fallback) == ITALY
    card = engine.command("exercises")
    assert card is not None
    assert store.remember(key, card) == EXERCISES


def test_a_composite_answer_leaves_its_last_fact_as_the_context(engine: QAEngine) -> None:
    store = Conversations(clock=Clock())
    answer = engine.ask("Is Chile a partner? And Poland?")
    assert len(answer.parts) == 2
    assert store.remember((7, None), answer) == Context("partner_check", (("country", "Poland"),))


def test_it_holds_no_message_text(engine: QAEngine) -> None:
    """Only the Context is kept: a fact id and the names the answer concerned."""
    question = "My secret question: is Italy a partner?"
    store = Conversations(clock=Clock())
    store.remember((7, None), engine.ask(question))
    for entry in store._entries.values():
        kept = dataclasses.astuple(entry)  # a Context, and nothing beside it
        assert question not in repr(kept) and "secret" not in repr(kept)
    assert {f.name for f in dataclasses.fields(Context)} == {"fact_id", "entities"}


@pytest.mark.parametrize(
    ("chat_type", "chat_id", "sender", "key"),
    [
        ("private", 5, 5, (5, None)),
        ("private", 5, None, (5, None)),
        ("group", -10, 5, (-10, 5)),
        ("supergroup", -100123, 6, (-100123, 6)),
        ("supergroup", -100123, -100123, (-100123, -100123)),  # an anonymous administrator
        ("group", -10, None, None),
        ("channel", -100999, -100999, None),
        (None, 0, 5, None),  # inline mode: no chat, no conversation
    ],
)
def test_the_key_is_the_chat_in_private_and_the_member_in_groups(
    chat_type: str | None, chat_id: int, sender: int | None, key: object
) -> None:
    assert conversation_key(chat_type, chat_id, sender) == key


def test_group_members_do_not_share_a_conversation() -> None:
    store = Conversations(clock=Clock())
    store.put(conversation_key("group", -10, 1), ITALY)
    store.put(conversation_key("group", -10, 2), EXERCISES)
    assert store.get(conversation_key("group", -10, 1)) == ITALY
    assert store.get(conversation_key("group", -10, 2)) == EXERCISES
    assert store.get(conversation_key("private", 1, 1)) is None


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "\u200b", "\u3164", " \ufeff\u2060 "])
def test_blank_messages(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", ["?", "😀", "<b></b>", "a", "\u200b.", "👍🏽"])
def test_messages_that_show_something_are_not_blank(text: str) -> None:
    assert not is_blank(text)


def test_an_answer_is_remembered_whatever_its_kind() -> None:
    """Context.after reads any Answer: a smalltalk reply keeps the previous context."""
    store = Conversations(clock=Clock())
    store.put((1, None), ITALY)
    hello = Answer("hi", Outcome.SMALLTALK, "greeting", 1.0, "", "Hello!")
    assert store.remember((1, None), hello) == ITALY
