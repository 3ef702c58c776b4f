"""The bot as a real process (`python -m bot run`), SIGKILLed at each step of a send and
restarted: after the claim, after Telegram accepted the message, after the outcome was
recorded. No chat may receive the announcement twice, and every chat whose send was cut short
must be named in the operator's report as unconfirmed. The last run has a second process
beside it, on the same token and database, waiting for its turn to poll."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram import conflict, poller
from tests.chaos.process import (
    BotProcess,
    KillingBotAPI,
    delivery_statuses,
    sending_announcement,
)
from tests.support.harness import ADMIN_ID
from tests.support.wire import JSON

C0, C1, C2, C3, C4 = TARGETS = [-1009100000000 - n for n in range(5)]
HTML = "<b>Kill test</b>"
EXIT_WAIT = 30.0  # seconds for a run to reach its kill: generous on a busy machine


@pytest.fixture
async def api() -> AsyncIterator[KillingBotAPI]:
    async with KillingBotAPI() as server:
        yield server


def received(api: KillingBotAPI) -> Counter[int]:
    """How many copies of the announcement Telegram accepted for each target."""
    return Counter(
        call.params["chat_id"]
        for call in api.calls
        if call.method == "sendMessage" and call.ok and call.params.get("text") == HTML
    )


async def run_until_killed(
    api: KillingBotAPI, folder: Path, name: str, chat: int, *, accepted: bool
) -> None:
    """Start the bot and SIGKILL it at its send to `chat`: as the request arrives, before
    Telegram takes it (refused), or just after Telegram stored it (`accepted`)."""
    bot = BotProcess(api, folder, name)

    async def kill_at(params: JSON) -> bool:
        if params.get("chat_id") != chat:
            return False
        bot.kill()
        return not accepted

    api.before_send, api.after_send = (None, kill_at) if accepted else (kill_at, None)
    await bot.start()
    try:
        await asyncio.wait_for(bot.reaped(), EXIT_WAIT)
    finally:
        bot.kill()
        api.before_send = api.after_send = None


async def wait_for_line(bots: list[BotProcess], text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in bot.log() for bot in bots):
        if time.monotonic() > deadline:
            raise AssertionError(f"no log says {text!r}:\n" + "\n".join(b.log() for b in bots))
        await asyncio.sleep(0.05)


async def test_a_kill_at_each_step_of_a_send_never_sends_twice(
    api: KillingBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    number = await sending_announcement(database, TARGETS, HTML)

    # 1. After the claim: the request is out, the bot dies before Telegram takes it.
    await run_until_killed(api, tmp_path, "run1", C0, accepted=False)
    assert delivery_statuses(database, number) == {
        C0: "in_flight",
        C1: "pending",
        C2: "pending",
        C3: "pending",
        C4: "pending",
    }
    # 2. After Telegram accepted: delivered, but the bot never learned it.
    await run_until_killed(api, tmp_path, "run2", C1, accepted=True)
    assert delivery_statuses(database, number) == {
        C0: "unconfirmed",
        C1: "in_flight",
        C2: "pending",
        C3: "pending",
        C4: "pending",
    }
    # 3. After the record: C2's outcome is committed before C3's send goes out.
    await run_until_killed(api, tmp_path, "run3", C3, accepted=False)
    assert delivery_statuses(database, number) == {
        C0: "unconfirmed",
        C1: "unconfirmed",
        C2: "sent",
        C3: "in_flight",
        C4: "pending",
    }
    assert received(api) == Counter({C1: 1, C2: 1})

    # 4. Restarted, with a second process beside it (a rolling deploy): one finishes.
    bots = [BotProcess(api, tmp_path, "run4"), BotProcess(api, tmp_path, "other")]
    try:
        for bot in bots:
            await bot.start()
        [report] = await api.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == ADMIN_ID and "finished" in c.params["text"],
            timeout=EXIT_WAIT,
        )
        await wait_for_line(bots, f"{poller.DUTY}; this one takes over if it stops")
        before_stop = [bot.log() for bot in bots]  # then the survivor takes the lease over
    finally:
        codes = list(await asyncio.gather(*(bot.stop() for bot in bots)))
    assert codes == [0, 0]

    assert received(api) == Counter({C1: 1, C2: 1, C4: 1})  # nobody got it twice
    text = str(report.response["result"]["text"])
    assert "Delivered: 2\nFailed: 0\n" in text
    unconfirmed = "Unconfirmed (may or may not have arrived): 3\n"
    assert text.endswith(unconfirmed + "".join(f"  • {c}\n" for c in (C0, C1, C3)).rstrip())
    # Every chat got it or is named; at most one unconfirmed chat per kill.
    named = {int(chat) for chat in re.findall(r"• (-\d+)", text)}
    assert named | {C1, C2, C4} == set(TARGETS) and len(named) <= 3
    finished = [m for m in api.sent_messages(ADMIN_ID) if "finished" in str(m["text"])]
    assert len(finished) == 1

    assert sum("now sends broadcasts and the digest" in log for log in before_stop) == 1
    assert sum("another instance (" in log for log in before_stop) == 1
    for log in (bot.log() for bot in bots):
        assert log.count(conflict.MESSAGE) <= 1
        assert " ERROR " not in log and "Traceback" not in log, log
