"""Flood control end to end: at Telegram's real pace (30 messages a second), one user
flooding the bot must not make everyone else wait, and gets told to slow down once."""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

from bot.engine import QAEngine
from bot.telegram.app import TELEGRAM_OVERALL_RATE
from bot.telegram.texts import SLOW_DOWN
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, reply_latency, running_bot

FLOODER = 910_001
OTHERS = range(910_100, 910_110)
QUESTION = "Which exercises were held?"


async def flood(api: FakeBotAPI, user: int, count: int, seconds: float, **chat: object) -> None:
    for _ in range(count):
        api.send_text(
            QUESTION,
            chat_id=int(chat.get("chat_id", user)),
            user_id=user,
            **{k: v for k, v in chat.items() if k != "chat_id"},
        )
        await asyncio.sleep(seconds / count)


async def test_a_flooding_user_does_not_make_others_wait(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path)
    async with running_bot(api, engine, settings, overall_rate=TELEGRAM_OVERALL_RATE):
        # Twice Telegram's pace for 4 s: without a budget per user, the backlog grows by 30
        # replies a second and everyone else's question waits behind it.
        flooding = asyncio.create_task(flood(api, FLOODER, 240, 4.0))
        latencies = await asyncio.gather(
            *(
                reply_latency(api, user, QUESTION, delay=1.0 + 0.3 * n)
                for n, user in enumerate(OTHERS)
            )
        )
        await flooding
        await asyncio.sleep(1.0)
    to_flooder = api.sent_messages(FLOODER)
    notices = [m for m in to_flooder if m["text"] == SLOW_DOWN]
    answered = [m for m in to_flooder if m["text"] != SLOW_DOWN]
    assert statistics.median(latencies) < 1.0, latencies
    assert max(latencies) < 2.0, latencies
    assert len(notices) == 1  # one continuous flood: told once
    assert 5 <= len(answered) <= 12  # the burst, then about one a second


async def test_a_mention_flood_in_a_group_is_capped_per_group(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    group = -1009100000001
    settings = bot_settings(api, tmp_path)
    async with running_bot(api, engine, settings):
        for user in range(920_000, 920_020):  # twenty people, one mention each, at once
            api.send_text(
                f"@ThisBot {QUESTION}", chat_id=group, user_id=user, chat_type="supergroup"
            )
        await asyncio.sleep(2.0)
        chatter = len(api.calls)
        api.send_text(
            "just chatting, not for the bot", chat_id=group, user_id=920_000, chat_type="supergroup"
        )
        await asyncio.sleep(0.5)
    replies = api.sent_messages(group)
    assert len([m for m in replies if m["text"] != SLOW_DOWN]) == 5  # the group's burst
    assert len([m for m in replies if m["text"] == SLOW_DOWN]) == 1
    assert not [c for c in api.calls[chatter:] if c.method == "sendMessage"]


async def test_operators_are_exempt(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> None:
    settings = bot_settings(api, tmp_path)
    async with running_bot(api, engine, settings):
        before = len(api.calls)
        for _ in range(12):
            api.send_text(QUESTION, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        replies = await api.wait_for(
            "sendMessage", lambda c: c.params.get("chat_id") == ADMIN_ID, count=12, after=before
        )
    assert all(call.params["text"] != SLOW_DOWN for call in replies)
