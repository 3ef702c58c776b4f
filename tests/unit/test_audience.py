"""Who receives an announcement, decided without Telegram or a database."""

from __future__ import annotations

from bot.audience import audience
from bot.store.records import ChatRecord


def chat(chat_id: int, username: str | None = None, chat_type: str = "supergroup") -> ChatRecord:
    return ChatRecord(chat_id, chat_type, None, username, subscribed=True, added_at=0.0)


def test_fixed_targets_come_first_then_subscribers_in_order() -> None:
    assert audience([-1, "@news"], [chat(-3), chat(-2)]) == [-1, "@news", -3, -2]


def test_a_chat_both_fixed_and_subscribed_gets_one_copy() -> None:
    assert audience([-1, -2], [chat(-2), chat(-3)]) == [-1, -2, -3]


def test_a_fixed_channel_subscribed_under_its_numeric_id_is_matched_by_username() -> None:
    channel = chat(-1009, username="MilCoop_News", chat_type="channel")
    assert audience(["@milcoop_news"], [channel]) == ["@milcoop_news"]
    assert audience(["@other_channel"], [channel]) == ["@other_channel", -1009]


def test_nobody_to_tell() -> None:
    assert audience([], []) == []
