"""Broadcast figures for `make bench`: 1,000 chats through the real Application and the real
announcement path (/announce, then Send) against the fake Bot API enforcing Telegram's limits
(30 messages/s overall, 20/min per group). Prints the time beside the 1,000/30 s floor, the 429s
received, and per-chat counts proving nothing was lost or repeated, with and without 5% of the
chats having blocked the bot. Nothing here is a pass/fail test."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.telegram.app import TELEGRAM_OVERALL_RATE
from tests.bench.core import KNOWLEDGE
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, running_bot

CHATS = 1000
CHANNEL_SHARE = 3  # every third chat is a channel, the rest supergroups
FAILING = 50  # 5%: chats that blocked or removed the bot
TELEGRAM_LIMIT = 30.0  # messages per second to different chats
WITHIN = 0.10  # target: no more than 10% above the floor
REPORT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Outcome:
    """What one broadcast did, seen from the fake Telegram side and from the store."""

    seconds: float
    sending: float
    floor: float
    floods: int
    delivered: int
    dropped: int
    failed: int
    lost: int
    repeated: int
    attempts_max: int


def chat_ids() -> list[int]:
    """Negative ids as Telegram gives them: channels and supergroups both -100…."""
    return [-1009000000000 - n for n in range(CHATS)]


def is_channel(index: int) -> bool:
    return index % CHANNEL_SHARE == 0


def serving(api: FakeBotAPI, engine: QAEngine, settings: Settings) -> Any:
    """The bot as run_polling runs it, at Telegram's overall rate."""
    return running_bot(api, engine, settings, overall_rate=TELEGRAM_OVERALL_RATE)


def promote_in_channel(api: FakeBotAPI, chat_id: int) -> None:
    """The owner makes the bot an administrator who can post: the channel's opt-in."""
    api.chat_member_update(
        chat_id=chat_id,
        chat_type="channel",
        new_status="administrator",
        user_id=ADMIN_ID,
        chat_title=f"Channel {chat_id}",
        can_post_messages=True,
    )


async def subscribe_all(api: FakeBotAPI, settings: Settings, chats: list[int]) -> None:
    """Supergroups straight into the store (as /subscribe would leave them); channels through
    the bot's own my_chat_member path, which must have recorded every one before we go on."""
    with Store(settings.database_path) as store:
        for index, chat in enumerate(chats):
            if not is_channel(index):
                await store.chats.set_subscribed(
                    chat, True, chat_type="supergroup", title=f"Group {chat}"
                )
    for index, chat in enumerate(chats):
        if is_channel(index):
            promote_in_channel(api, chat)


async def wait_subscribed(settings: Settings, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with Store(settings.database_path) as store:
        while (subscribed := (await store.chats.counts())[1]) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {subscribed} of {count} subscribed")
            await asyncio.sleep(0.1)


async def broadcast_once(engine: QAEngine, folder: Path, failing: int) -> Outcome:
    """One announcement to CHATS chats, `failing` of which answer 403."""
    chats = chat_ids()
    async with FakeBotAPI(enforce_limits=True) as api:
        settings = bot_settings(api, folder)
        async with serving(api, engine, settings):
            await subscribe_all(api, settings, chats)
            await wait_subscribed(settings, len(chats))
            for chat in chats[:: CHATS // failing] if failing else ():
                api.forbid_chat(chat)
            before = len(api.calls)
            api.send_text("/announce exercises", chat_id=ADMIN_ID, user_id=ADMIN_ID)
            _, confirmation = await api.wait_for(
                "sendMessage", lambda c: c.params.get("chat_id") == ADMIN_ID, count=2, after=before
            )
            send = next(
                button["callback_data"]
                for row in confirmation.params["reply_markup"]["inline_keyboard"]
                for button in row
                if button["callback_data"].startswith("ann:send:")
            )
            pressed = len(api.calls)
            started = time.monotonic()
            api.press_button(confirmation.response["result"], send, user_id=ADMIN_ID)
            await api.wait_for(
                "sendMessage",
                lambda c: c.params.get("chat_id") == ADMIN_ID and "finished" in c.params["text"],
                after=pressed,
                timeout=REPORT_TIMEOUT,
            )
            seconds = time.monotonic() - started
        to_targets = [
            call
            for call in api.calls[pressed:]
            if call.method == "sendMessage" and call.params.get("chat_id") in set(chats)
        ]
        attempts = Counter(call.params["chat_id"] for call in to_targets)
        delivered = Counter(call.params["chat_id"] for call in to_targets if call.ok)
        with Store(settings.database_path) as store:
            announcement = (await store.broadcasts.recent_announcements(1))[0]
            statuses = Counter(d.status for d in await store.broadcasts.deliveries(announcement.id))
        return Outcome(
            seconds=seconds,
            sending=to_targets[-1].at - to_targets[0].at if to_targets else 0.0,
            floor=len(chats) / TELEGRAM_LIMIT,
            floods=api.flood_responses,
            delivered=statuses["sent"],
            dropped=statuses["dropped"],
            failed=statuses["failed"] + statuses["pending"],
            lost=sum(1 for chat in chats if attempts[chat] == 0),
            repeated=sum(1 for chat in chats if delivered[chat] > 1),
            attempts_max=max(attempts.values(), default=0),
        )


def show(title: str, outcome: Outcome, *, failing: int) -> None:
    over = outcome.seconds / outcome.floor - 1
    time_ok = "ok" if over <= WITHIN else "MISSED"
    flood_ok = "ok" if outcome.floods == 0 else "MISSED"
    total = outcome.delivered + outcome.dropped
    accounted = "ok" if total == CHATS and outcome.failed == 0 else "MISSED"
    exact = "ok" if outcome.lost == 0 and outcome.repeated == 0 else "MISSED"
    print(f"{title}", flush=True)
    print(
        f"  time              {outcome.seconds:6.1f} s vs floor {outcome.floor:.1f} s "
        f"(1,000/30): {over:+.1%}   target within +{WITHIN:.0%}: {time_ok}"
    )
    print(
        f"  first to last     {outcome.sending:6.1f} s between the first and the last send "
        "(the rest: Send pressed → first send, last send → report)"
    )
    print(f"  429 responses     {outcome.floods}   target 0: {flood_ok}")
    print(
        f"  outcome           delivered {outcome.delivered} + dropped {outcome.dropped} = "
        f"{total} of {CHATS} (failed {outcome.failed}; {failing} blocked): {accounted}"
    )
    print(
        f"  per chat          never sent {outcome.lost}, received twice {outcome.repeated}, "
        f"most sends to one chat {outcome.attempts_max}: {exact}",
        flush=True,
    )


async def main() -> None:
    engine = QAEngine.load(KNOWLEDGE)
    channels = sum(1 for index in range(CHATS) if is_channel(index))
    print(
        f"Broadcast: {CHATS} chats ({CHATS - channels} supergroups, {channels} channels), "
        "/announce + Send through the real Application, fake Bot API enforcing 30 msg/s "
        "overall and 20 msg/min per group",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        clean = await broadcast_once(engine, Path(folder) / "clean", failing=0)
        show("All chats reachable", clean, failing=0)
        faulty = await broadcast_once(engine, Path(folder) / "faulty", failing=FAILING)
        show(
            f"{FAILING} chats ({FAILING / CHATS:.0%}) blocked the bot (403)",
            faulty,
            failing=FAILING,
        )


def run() -> None:
    """Entry point for tests/bench/run.py."""
    asyncio.run(main())
