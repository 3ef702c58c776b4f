"""Three replicas in webhook mode on one PostgreSQL database, real processes, with a balancer
delivering Telegram's updates round-robin (issue 13, section 6): every question answered once
even when an update is delivered twice to different replicas, a /reload taken by one replica
seen by all, the digest posted once a day, an announcement drafted on one replica and sent
from another, and a broadcast whose sender is SIGKILLed midway finished by another replica
with every chat reached at most once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import open_store
from bot.store.claims import SENDER_LEASE
from bot.telegram.state import DIGEST_HEADING
from tests.chaos.process import KillingBotAPI, accepted, sending_announcement
from tests.e2e.test_operator import announcement_id, buttons
from tests.support.harness import ADMIN_ID
from tests.support.replicas import Balancer, Replica, text_update
from tests.support.wire import JSON

QUESTIONS = (
    "Is Japan a partner?",
    "Which exercises were held in 2016?",
    "how many countries signed agreements with us",
    "yo what drills did they do lol",
    "Is Chile a partner? And Poland?",
    "what is the quote at the start",
    "where are the trilateral meetings held",
    "who teaches English?",
    "How many representatives took part in the events?",
    "tell me about the French courses",
)
USERS = [7100000 + n for n in range(100)]
ASKED = 1000
REDELIVERED_EVERY = 10  # every tenth update is delivered again, to another replica
PILOT = "that famous line veterans repeat at parades"
DIGEST_CHATS = [-1008100000000 - n for n in range(5)]
TARGETS = [-1008200000000 - n for n in range(30)]
KILL_AT = TARGETS[12]
HTML = "<b>Replica broadcast</b>"
RATE = 1000.0  # answers a second each replica may send: the test is not Telegram's 30 a second


@pytest.fixture
async def api() -> AsyncIterator[KillingBotAPI]:
    async with KillingBotAPI() as server:
        yield server


def add_phrasing(folder: Path, question: str) -> None:
    facts = folder / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    anchor = "    - What is the quote at the start of the document?\n"
    facts.write_text(text.replace(anchor, anchor + f"    - {question}\n", 1), encoding="utf-8")


async def test_three_replicas_on_postgresql(
    api: KillingBotAPI, tmp_path: Path, postgres_url: str, knowledge_copy: Path
) -> None:
    replicas = [
        Replica(
            api,
            tmp_path,
            f"replica{n}",
            postgres_url,
            rate=RATE,
            KNOWLEDGE_DIR=str(knowledge_copy),
        )
        for n in range(3)
    ]
    with open_store(postgres_url) as store:  # the digest's chats, subscribed before the start
        for chat in DIGEST_CHATS:
            await store.chats.set_subscribed(chat, True, chat_type="supergroup")
    try:
        await asyncio.gather(*(replica.start() for replica in replicas))
        await asyncio.gather(*(replica.ready() for replica in replicas))
        async with Balancer(replicas) as balancer:
            await _every_question_once(api, balancer)
            await _a_reload_reaches_every_replica(api, balancer, knowledge_copy)
            await _the_digest_once(api, postgres_url)
            await _announced_on_one_replica_sent_from_another(api, balancer)
        await _a_broadcast_outlives_its_sender(api, postgres_url, replicas)
    finally:
        codes = await asyncio.gather(*(replica.stop() for replica in replicas))
    logs = "\n".join(replica.log() for replica in replicas)
    assert "Traceback" not in logs and api.token not in logs, logs
    assert sorted(codes) == [-signal.SIGKILL, 0, 0]


async def _every_question_once(api: KillingBotAPI, balancer: Balancer) -> None:
    limit = asyncio.Semaphore(32)

    async def deliver(number: int) -> None:
        update = text_update(number, QUESTIONS[number % len(QUESTIONS)], USERS[number % 100])
        async with limit:
            assert await balancer.deliver(update) == 200
            if number % REDELIVERED_EVERY == 0:  # Telegram retrying on another replica
                assert await balancer.deliver(update, to=(number + 1) % 3) == 200

    await asyncio.gather(*(deliver(number) for number in range(1, ASKED + 1)))
    await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") in USERS, count=ASKED, timeout=120
    )
    await asyncio.sleep(0.5)  # room for a second answer to show up
    assert accepted(api, USERS) == Counter(dict.fromkeys(USERS, ASKED // len(USERS)))


async def _a_reload_reaches_every_replica(
    api: KillingBotAPI, balancer: Balancer, folder: Path
) -> None:
    add_phrasing(folder, PILOT)
    before = len(api.calls)
    await balancer.deliver(text_update(5001, "/reload", ADMIN_ID), to=0)
    [reply] = await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == ADMIN_ID, after=before, timeout=30
    )
    assert str(reply.params["text"]).startswith("Reloaded: ")
    for index, user in enumerate((7200001, 7200002, 7200003)):
        for attempt in range(40):  # the others see it within their next check (2 s)
            before = len(api.calls)
            await balancer.deliver(text_update(6000 + 100 * index + attempt, PILOT, user), to=index)
            [answer] = await api.wait_for(
                "sendMessage", lambda c, u=user: c.params.get("chat_id") == u, after=before
            )
            if "Heydar Aliyev" in str(answer.params["text"]):
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError(f"replica {index} never answered what the reload added")


async def _the_digest_once(api: KillingBotAPI, database: str) -> None:
    with open_store(database) as store:
        await store.digest.set_time(dt.datetime.now(dt.UTC).strftime("%H:%M"))
    await api.wait_for(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") in DIGEST_CHATS
            and str(c.params["text"]).startswith(DIGEST_HEADING)
        ),
        count=len(DIGEST_CHATS),
        timeout=60,
    )
    await asyncio.sleep(2.5)  # a heartbeat of every replica: none posts the day again
    assert accepted(api, DIGEST_CHATS, DIGEST_HEADING) == Counter(dict.fromkeys(DIGEST_CHATS, 1))


async def _announced_on_one_replica_sent_from_another(
    api: KillingBotAPI, balancer: Balancer
) -> None:
    """The draft is in the database: /announce on one replica, Send pressed on another, the
    sending done by the lease holder, whichever that is."""
    asked = dict(api.send_text("/announce exercises", chat_id=ADMIN_ID, user_id=ADMIN_ID))
    asked["update_id"] = 9001  # the fake's own numbering would meet the ids claimed above
    before = len(api.calls)
    assert await balancer.deliver(asked, to=0) == 200
    _, confirmation = await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == ADMIN_ID, after=before, count=2
    )
    number = announcement_id(confirmation)
    send = next(data for text, data in buttons(confirmation).items() if "Send" in text)
    pressed = dict(api.press_button(confirmation.response["result"], send, user_id=ADMIN_ID))
    pressed["update_id"] = 9002
    before = len(api.calls)
    assert await balancer.deliver(pressed, to=1) == 200
    [report] = await api.wait_for(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == ADMIN_ID
            and f"Announcement #{number} finished" in c.params["text"]
        ),
        after=before,
        timeout=30,
    )
    assert "Delivered: 5\n" in str(report.response["result"]["text"])
    assert accepted(api, DIGEST_CHATS, after=before) == Counter(dict.fromkeys(DIGEST_CHATS, 1))


async def _a_broadcast_outlives_its_sender(
    api: KillingBotAPI, database: str, replicas: list[Replica]
) -> None:
    with open_store(database) as store:
        holder = await store.leases.holder(SENDER_LEASE)
    assert holder is not None
    killed = next(r for r in replicas if r.pid == holder.pid)

    async def kill_the_sender(params: JSON) -> bool:
        if params.get("chat_id") != KILL_AT:
            return False
        os.kill(killed.pid, signal.SIGKILL)
        return False  # Telegram takes it: delivered, and the dead sender never learned so

    api.after_send = kill_the_sender
    number = await sending_announcement(database, list(TARGETS), HTML)
    [report] = await api.wait_for(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == ADMIN_ID
            and f"Announcement #{number} finished" in c.params["text"]
        ),
        timeout=60,
    )
    api.after_send = None
    await killed.reaped()
    received = accepted(api, TARGETS, HTML)
    assert set(received.values()) == {1} and set(received) == set(TARGETS)  # once, every one
    text = str(report.response["result"]["text"])
    assert "Unconfirmed (may or may not have arrived): 1\n" in text and str(KILL_AT) in text
