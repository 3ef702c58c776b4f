"""One sender at a time, and the truth about delivery: two Applications on one database (two
processes' worth: two stores on the same file, two bots polling one fake Bot API), a holder
that stalls, a send that hangs past shutdown. What counts is what Telegram received and what
the operator's report says."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from telegram.error import Conflict, NetworkError

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.store.claims import SENDER_LEASE
from bot.telegram import broadcast, conflict, leader
from bot.telegram.app import build_application
from bot.telegram.state import DIGEST_HEADING
from tests.chaos.process import accepted
from tests.e2e.test_operator import announce, announcement_id, press
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, AnyApplication, bot_settings, running_bot

CHATS = [-1008000000000 - n for n in range(30)]
RATE = 40.0  # sends a second: a broadcast of CHATS takes under a second


@pytest.fixture
def quick_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heartbeats every 0.2 s, a lease that expires after 2 s: takeovers within a test."""
    monkeypatch.setattr(leader, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(leader, "LEASE_TTL_SECONDS", 2.0)


@pytest.fixture
async def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    settings = bot_settings(api, tmp_path)
    with Store(settings.database_path) as db:
        for chat in CHATS:
            await db.chats.set_subscribed(chat, True, chat_type="supergroup")
    return settings


class Process:
    """One bot "process" whose lifetime the test controls: started and stopped at will."""

    def __init__(self, api: FakeBotAPI, engine: QAEngine, settings: Settings) -> None:
        self._context: AbstractAsyncContextManager[AnyApplication] = running_bot(
            api, engine, settings
        )
        self.application: AnyApplication | None = None

    async def start(self) -> broadcast.Broadcaster:
        self.application = await self._context.__aenter__()
        broadcaster: broadcast.Broadcaster = self.application.bot_data.broadcaster
        broadcaster.pacer.rate = RATE
        return broadcaster

    async def stop(self) -> None:
        if self.application is not None:
            self.application = None
            await self._context.__aexit__(None, None, None)


def to_targets(api: FakeBotAPI, *, text: str, after: int = 0) -> Counter[int]:
    """Messages Telegram accepted per target chat whose HTML starts with `text`."""
    return accepted(api, CHATS, text, after=after)


async def sent_to(api: FakeBotAPI, *, text: str, count: int, after: int = 0) -> None:
    def matches(call: Call) -> bool:
        return call.params.get("chat_id") in CHATS and str(call.params["text"]).startswith(text)

    await api.wait_for("sendMessage", matches, count=count, after=after, timeout=15)


def reports(api: FakeBotAPI, number: int) -> list[str]:
    return [
        str(m["text"])
        for m in api.bot_messages(ADMIN_ID)
        if f"Announcement #{number} finished" in str(m["text"])
    ]


async def wait_reported(api: FakeBotAPI, number: int, timeout: float = 15.0) -> str:
    await api.wait_for(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == ADMIN_ID
            and f"Announcement #{number} finished" in c.params["text"]
        ),
        timeout=timeout,
    )
    return reports(api, number)[0]


DIGEST = DIGEST_HEADING


def exercises(engine: QAEngine) -> str:
    card = engine.command("exercises")
    assert card is not None
    return card.html


def now_hhmm() -> str:
    """A digest time that is due now (its hour-long window has just begun)."""
    return dt.datetime.now(dt.UTC).strftime("%H:%M")


@pytest.mark.usefixtures("quick_lease")
async def test_a_rolling_deploy_sends_each_message_once(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, caplog: Any
) -> None:
    """The old process is mid-broadcast when the new one starts on the same database and
    token; the old one then stops. Each chat gets the announcement and the digest once, and
    the operator one report."""
    caplog.set_level(logging.INFO, logger="bot.telegram.leader")
    card_text = exercises(engine)
    old, new = Process(api, engine, settings), Process(api, engine, settings)
    try:
        first = await old.start()
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send")
        await sent_to(api, text=card_text, count=8, after=pressed)

        second = await new.start()  # a rolling deploy: both run now
        holder = await second.store.leases.holder(SENDER_LEASE)
        assert holder is not None and holder.owner == first.owner
        await second.store.digest.set_time(now_hhmm())  # as /digest on would: the holder posts
        assert "Delivered: 30" in await wait_reported(api, number)
        await sent_to(api, text=DIGEST, count=8, after=pressed)
        await old.stop()  # mid-digest: the new process takes over and finishes it
        await sent_to(api, text=DIGEST, count=len(CHATS), after=pressed)
        await asyncio.sleep(0.5)  # room for any second copy to show up
    finally:
        await old.stop()
        await new.stop()

    assert to_targets(api, text=card_text) == Counter(dict.fromkeys(CHATS, 1))
    assert to_targets(api, text=DIGEST) == Counter(dict.fromkeys(CHATS, 1))
    assert len(reports(api, number)) == 1
    with Store(settings.database_path) as db:
        digests = [a for a in await db.broadcasts.recent_announcements() if a.origin == "digest"]
        assert len(digests) == 1 and digests[0].status == "done"
        rows = await db.broadcasts.deliveries(digests[0].id)
        assert Counter(d.status for d in rows) == Counter({"sent": len(CHATS)})
    took_over = [r.getMessage() for r in caplog.records if "taking over from" in r.getMessage()]
    assert took_over == [
        f"this process ({second.owner}) now sends broadcasts and the digest, "
        f"taking over from {first.owner} (it handed the lease over)"
    ]


@pytest.mark.usefixtures("quick_lease")
async def test_a_holder_that_lost_its_lease_can_send_nothing(
    api: FakeBotAPI,
    engine: QAEngine,
    settings: Settings,
    caplog: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The holder stalls (no heartbeat) yet goes on as if it held the lease, as a process
    whose clock or event loop misbehaves might. Once the lease expires the other process
    takes over, and the store refuses the stalled one's claims: no chat gets two copies."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.leader")
    monkeypatch.setattr(leader, "LEASE_TTL_SECONDS", 1.0)  # the stall lasts one ttl
    stalled, successor = Process(api, engine, settings), Process(api, engine, settings)
    try:
        first = await stalled.start()
        first.pacer.rate = 10.0  # slow enough to be mid-broadcast at the takeover
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send")
        second = await successor.start()
        await sent_to(api, text=exercises(engine), count=3, after=pressed)
        assert first._heartbeat is not None
        first._heartbeat.cancel()  # the stall: no more renewals...
        first.keeper._valid_until = float("inf")  # ...and a belief that it still holds it
        text = await wait_reported(api, number)
        assert "Delivered: 30" in text
        holder = await second.store.leases.holder(SENDER_LEASE)
        assert holder is not None and holder.owner == second.owner
        await asyncio.sleep(0.5)
    finally:
        await stalled.stop()
        await successor.stop()
    assert to_targets(api, text=exercises(engine)) == Counter(dict.fromkeys(CHATS, 1))
    assert len(reports(api, number)) == 1
    assert any("no longer ours: sending stops" in r.getMessage() for r in caplog.records)


async def test_a_send_hanging_past_shutdown_is_unconfirmed_and_never_resent(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcast, "SHUTDOWN_WAIT", 0.3)
    slow = CHATS[2]
    process = Process(api, engine, settings)
    try:
        await process.start()
        assert process.application is not None
        metrics = process.application.bot_data.metrics
        api.fail_next("sendMessage", "timeout", chat_id=slow, delay=1.0)  # then delivered
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send")
        await api.wait_changed(2.0)
        while not any(c.params.get("chat_id") == slow for c in api.calls[pressed:]):
            await api.wait_changed(2.0)
    finally:
        await process.stop()  # waits 0.3 s for the hung send, then records it
    counted = {  # this process's count: the two it sent, the one it may have sent
        outcome: metrics.registry.get_sample_value("milcoop_deliveries_total", {"outcome": outcome})
        for outcome in ("sent", "unconfirmed")
    }
    assert counted == {"sent": 2, "unconfirmed": 1}
    with Store(settings.database_path) as db:
        rows = {d.chat_id: d for d in await db.broadcasts.deliveries(number)}
        assert rows[slow].status == "unconfirmed"
        assert rows[slow].error is not None and "shut down" in rows[slow].error
        assert {rows[chat].status for chat in CHATS[:2]} == {"sent"}
        assert {rows[chat].status for chat in CHATS[3:]} == {"pending"}
    # Telegram did deliver it, after the bot had given up waiting.
    await api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == slow and c.ok)

    restarted = Process(api, engine, settings)
    try:
        await restarted.start()
        text = await wait_reported(api, number)
    finally:
        await restarted.stop()
    assert to_targets(api, text=exercises(engine)) == Counter(dict.fromkeys(CHATS, 1))
    assert "Delivered: 29" in text
    assert text.endswith(f"Unconfirmed (may or may not have arrived): 1\n  • {slow}")


async def test_polling_conflicts_are_one_line_not_a_stream_of_errors(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, caplog: Any
) -> None:
    """What PTB's polling loop hands the error handlers when another process polls."""
    application = build_application(bot_settings(api, tmp_path), engine)
    caplog.set_level(logging.DEBUG)
    async with application:
        for _ in range(5):
            await application.process_error(None, Conflict("terminated by other getUpdates"))
        await application.process_error(None, NetworkError("connection reset"))
        await application.bot_data.broadcaster.stop()
    application.bot_data.store.close()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert lines.count(("WARNING", conflict.MESSAGE)) == 1
    assert "another instance is polling with this token" in conflict.MESSAGE
    assert not [line for line in lines if line[0] == "ERROR"]
    assert not [line for line in lines if "Conflict" in line[1] or "409" in line[1]]
