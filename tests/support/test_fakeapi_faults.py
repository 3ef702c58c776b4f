"""Tests of fault injection (fail_next, forbid_chat, migrations) and of enforce_limits."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from tests.support.client import make_bot, retry_seconds
from tests.support.fakeapi import FakeBotAPI

# PTB warns on every RetryAfter that retry_after will become a timedelta; nothing to act on here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        ("server_error", NetworkError, 500),
        ("bad_request", BadRequest, 400),
        ("flood", RetryAfter, 429),
        ("forbidden", Forbidden, 403),
        ("migrated", ChatMigrated, 400),
    ],
)
async def test_fail_next_maps_to_ptb_exceptions(
    api: FakeBotAPI, bot: Bot, kind: str, error: type[TelegramError], status: int
) -> None:
    api.fail_next("sendMessage", kind, retry_after=3)
    with pytest.raises(error) as caught:
        await bot.send_message(-42, "x")
    assert type(caught.value) is error  # not a subclass such as TimedOut
    assert api.calls[-1].status == status and not api.calls[-1].ok
    if isinstance(caught.value, RetryAfter):
        assert retry_seconds(caught.value) == 3
        assert api.flood_responses == 1
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -10042
    assert (await bot.send_message(-42, "x")).text == "x"  # only the next call failed
    assert len(api.sent_messages()) == 1


async def test_fail_next_migrated_to_given_chat(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", "migrated", migrate_to_chat_id=-1009)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-9, "x")
    assert caught.value.new_chat_id == -1009


async def test_fail_next_timeout_lets_the_client_time_out(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api.fail_next("sendMessage", "timeout", delay=0.4)
    async with make_bot(api.token, api.base_url, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow")
        # Like Telegram, the server still carries the request out after the client gave up.
        (call,) = await api.wait_for("sendMessage", timeout=2)
        assert call.ok and api.sent_messages() == [{"chat_id": 1001, "text": "slow"}]
        assert (await bot.send_message(1001, "fast")).text == "fast"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_fail_next_counts_and_chat_scope(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", "server_error", times=2, chat_id=-5)
    api.fail_next("sendMessage", "forbidden", chat_id="@chan")
    api.fail_next("getMe", "bad_request")
    await bot.send_message(1001, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(-5, "x")
    await bot.send_message(-5, "third works")
    with pytest.raises(Forbidden):
        await bot.send_message("@Chan", "x")
    await bot.send_message("@chan", "then works")
    with pytest.raises(BadRequest):
        await bot.get_me()
    with pytest.raises(ValueError, match="unknown fault kind"):
        api.fail_next("sendMessage", "gremlins")


async def test_forbid_and_membership(api: FakeBotAPI, bot: Bot) -> None:
    earlier = await bot.send_message(1001, "before the block")
    api.forbid_chat(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "x")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("edited", 1001, earlier.message_id)
    await bot.send_message(1002, "others are fine")
    api.chat_member_update(chat_id=-50, chat_type="group", new_status="kicked", old_status="member")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(-50, "x")
    api.chat_member_update(chat_id=-50, chat_type="group", new_status="member")
    await bot.send_message(-50, "back")


async def test_migrated_group_rejects_old_id(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text("hi", chat_id=-60, chat_type="group", chat_title="Old")
    api.migrate_message(old_chat_id=-60, new_chat_id=-10060)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-60, "x")
    assert caught.value.new_chat_id == -10060
    moved = await bot.send_message(-10060, "x")
    assert moved.chat.type == "supergroup" and moved.chat.title == "Old"


# -- flood limits ------------------------------------------------------------------------------


async def test_limits_private_chat_burst(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for i in range(3):
            await bot.send_message(1001, f"burst {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "too fast")
        assert retry_seconds(caught.value) == 1
        await bot.send_message(1002, "another user is fine")
        assert limited.flood_responses == 1
        assert len(limited.sent_messages()) == 4
        await asyncio.sleep(1.05)
        await bot.send_message(1001, "after waiting")


async def test_limits_per_group_per_minute(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for i in range(20):
            await bot.send_message(-77, f"group {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-77, "one too many")
        assert 50 <= retry_seconds(caught.value) <= 60
        await bot.send_message(-78, "another group is fine")
        assert limited.flood_responses == 1


async def test_limits_overall_per_second(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for chat_id in range(1, 31):
            await bot.send_message(chat_id, "broadcast")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(31, "broadcast")
        assert retry_seconds(caught.value) == 1
        assert limited.flood_responses == 1
        assert limited.calls[-1].response["parameters"] == {"retry_after": 1}


async def test_limits_are_off_by_default(bot: Bot, api: FakeBotAPI) -> None:
    for i in range(10):
        await bot.send_message(1001, f"{i}")
    assert api.flood_responses == 0
