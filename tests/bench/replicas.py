"""Figures of issue 13 (replicas on PostgreSQL), each beside its target with ok or FAIL. The
bot runs as real `python -m bot run` processes in webhook mode; this process is Telegram (the
fake Bot API) and the load balancer spreading the updates round-robin (tests/support/replicas).

- Capacity: 2,000 questions of the labelled set, each from a chat of its own, 100 waiting for
  their answer at any time, then 1,500 at 150 a second for the CPU each update costs,
  through 3 replicas on one PostgreSQL, beside 1 process on SQLite: updates a second, median
  and p99 reply latency, and the CPU the bot used (its processes, and PostgreSQL's). Telegram's
  limit of 30 messages a second is lifted here (as by its paid broadcasts), or it alone would
  set the pace. Target: the replicas handle at least 0.8x the single process's updates per core
  they use.
- Broadcast: 1,000 chats through 3 replicas at Telegram's 30 a second (a 33.3 s floor): within
  10% of the floor, no chat reached twice.
- Takeover: the sender lease's holder SIGKILLed (on this machine its successor sees the process
  is gone), and frozen with SIGSTOP (as a host that vanished: the lease must expire first):
  seconds until another replica holds the lease. Target < 15 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

from bot.evaluation import load_examples
from bot.store import open_store
from bot.store.claims import SENDER_LEASE
from tests.bench.core import DATA, mark, percentile
from tests.bench.e2e import ReplyWatcher
from tests.chaos.process import KillingBotAPI, accepted, sending_announcement
from tests.conftest import ROOT
from tests.support.harness import ADMIN_ID
from tests.support.postgres import PostgresServer
from tests.support.replicas import Balancer, Replica, text_update

USERS = 100  # questions awaiting their answer at any time in the capacity run
TOTAL = 2000
PACED = 150  # questions a second in the run that measures the CPU an update costs
PACED_TOTAL = 1500
FIRST_USER = 9_100_000
RATE = 1000.0  # messages a second each process may send in the capacity runs
PER_CORE_SHARE = 0.8
BROADCAST_CHATS = 1000
TELEGRAM_RATE = 30.0
BROADCAST_MARGIN = 0.10
TAKEOVER_SECONDS = 15.0
_databases = iter(range(1, 100))


def fresh_database(server: PostgresServer) -> str:
    """The URL of a new, empty database on the bench's server."""
    name = f"bench{next(_databases)}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.url.replace("/postgres?", f"/{name}?", 1)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes and their children, so far."""
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for each in (process, *process.children(recursive=True)):
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def postmaster(server: PostgresServer) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


async def start(replicas: list[Replica]) -> None:
    await asyncio.gather(*(replica.start() for replica in replicas))
    await asyncio.gather(*(replica.ready() for replica in replicas))


async def capacity(count: int, server: PostgresServer | None) -> dict[str, float]:
    """Through `count` replicas (PostgreSQL) or one process (SQLite): all the questions with
    USERS awaiting their answer at any time (how fast, how long a reply takes), then PACED a
    second (the CPU the bot used for each update: at an equal load, not at saturation, where
    this process, Telegram and the users, competes with the bot for the two cores)."""
    questions = [e.question for e in load_examples(DATA / "questions.yaml") if e.question.strip()]
    folder = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    url = fresh_database(server) if server is not None else None
    numbers = iter(range(1, 10**9))  # update ids, and each question's own chat
    async with KillingBotAPI() as api:
        replicas = [Replica(api, folder, f"r{n}", url, rate=RATE) for n in range(count)]
        await start(replicas)
        watcher = ReplyWatcher(api)
        pids = [r.pid for r in replicas] + ([postmaster(server)] if server is not None else [])
        try:
            async with Balancer(replicas) as balancer:

                async def ask(latencies: list[float], limit: asyncio.Semaphore) -> None:
                    # A chat each: one user's many questions would meet the flood limits.
                    number = next(numbers)
                    chat = FIRST_USER + number
                    async with limit:
                        reply = watcher.expect(chat)
                        asked = time.monotonic()
                        text = questions[number % len(questions)]
                        await balancer.deliver(text_update(number, text, chat))
                        latencies.append(await asyncio.wait_for(reply, 120) - asked)

                latencies: list[float] = []
                limit = asyncio.Semaphore(USERS)
                cpu, started = cpu_seconds(pids), time.monotonic()
                await asyncio.gather(*(ask(latencies, limit) for _ in range(TOTAL)))
                wall = time.monotonic() - started
                saturated = cpu_seconds(pids) - cpu

                async def paced(number: int) -> None:
                    await asyncio.sleep(number / PACED)
                    await ask([], asyncio.Semaphore(1))

                cpu = cpu_seconds(pids)
                await asyncio.gather(*(paced(n) for n in range(PACED_TOTAL)))
                used = cpu_seconds(pids) - cpu
        finally:
            watcher.task.cancel()
            await asyncio.gather(*(r.stop() for r in replicas))
    return {
        "rate": TOTAL / wall,
        "median": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "cpu_ms": used / PACED_TOTAL * 1000,
        "per_core": PACED_TOTAL / used,
        "cores": saturated / wall,
        "per_core_saturated": TOTAL / saturated,
    }


async def broadcast_and_takeover(server: PostgresServer) -> dict[str, float]:
    url = fresh_database(server)
    folder = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    chats = [-1009300000000 - n for n in range(BROADCAST_CHATS)]
    found: dict[str, float] = {}
    async with KillingBotAPI() as api:
        replicas = [Replica(api, folder, f"b{n}", url) for n in range(3)]
        await start(replicas)
        try:
            started = time.monotonic()
            number = await sending_announcement(url, chats, "<b>Bench broadcast</b>")
            await api.wait_for(
                "sendMessage",
                lambda c: (
                    c.params.get("chat_id") == ADMIN_ID
                    and f"Announcement #{number} finished" in c.params["text"]
                ),
                timeout=BROADCAST_CHATS / TELEGRAM_RATE * 3,
            )
            found["broadcast"] = time.monotonic() - started
            sent = accepted(api, chats)
            found["reached"] = len(sent)
            found["duplicates"] = sum(n - 1 for n in sent.values())
            found["killed"] = await takeover(url, replicas, signal.SIGKILL)
            found["frozen"] = await takeover(url, replicas, signal.SIGSTOP)
        finally:
            for replica in replicas:
                replica.kill()  # a frozen one too: SIGKILL ends a stopped process
            await asyncio.gather(*(r.reaped() for r in replicas))
    return found


async def takeover(url: str, replicas: list[Replica], how: signal.Signals) -> float:
    """Seconds from the sender lease's holder being stopped (`how`) to another holding it."""
    with open_store(url) as store:
        holder = await store.leases.holder(SENDER_LEASE)
        assert holder is not None
        victim = next(r for r in replicas if r.process and r.pid == holder.pid)
        os.kill(victim.pid, how)
        stopped = time.monotonic()
        while True:
            now = await store.leases.holder(SENDER_LEASE)
            if now is not None and now.owner != holder.owner:
                return time.monotonic() - stopped
            if time.monotonic() - stopped > 4 * TAKEOVER_SECONDS:
                return float("inf")
            await asyncio.sleep(0.05)


async def main() -> None:
    server = PostgresServer(durable=True)
    try:
        single = await capacity(1, None)
        triple = await capacity(3, server)
        rest = await broadcast_and_takeover(server)
    finally:
        server.stop()
    print(
        f"replicas on PostgreSQL (issue 13): {TOTAL} questions, {USERS} awaiting their answer at "
        "a time, in webhook mode through a round-robin balancer; PostgreSQL 16 (pgserver), "
        "fsync on; the CPU an update costs measured at an equal load of "
        f"{PACED} questions a second; this 2-core machine also runs Telegram and the users"
    )
    for label, got in (("1 process, SQLite", single), ("3 replicas, PostgreSQL", triple)):
        print(
            f"  {label}: {got['rate']:.0f} updates/s, reply median {got['median'] * 1000:.1f} "
            f"ms, p99 {got['p99'] * 1000:.1f} ms, {got['cores']:.2f} cores used "
            f"({got['per_core_saturated']:.0f} updates/s per core); at {PACED}/s "
            f"{got['cpu_ms']:.2f} ms of CPU an update, PostgreSQL's included "
            f"({got['per_core']:.0f} updates/s per core)"
        )
    share = triple["per_core"] / single["per_core"]
    flat_out = triple["per_core_saturated"] / single["per_core_saturated"]
    print(
        f"  per core, replicas vs one process: {share:.2f}x at an equal load ({flat_out:.2f}x "
        f"flat out)  target >= {PER_CORE_SHARE}x: {mark(share >= PER_CORE_SHARE)}"
    )
    floor = BROADCAST_CHATS / TELEGRAM_RATE
    took = rest["broadcast"]
    print(
        f"  broadcast of {BROADCAST_CHATS} chats through 3 replicas: {took:.1f} s (floor "
        f"{floor:.1f} s, +{(took / floor - 1):.1%}), {rest['reached']:.0f} chats reached, "
        f"{rest['duplicates']:.0f} duplicates  target within {BROADCAST_MARGIN:.0%} and 0 "
        f"duplicates: {mark(took <= floor * (1 + BROADCAST_MARGIN) and not rest['duplicates'])}"
    )
    for label, key in (("SIGKILL", "killed"), ("SIGSTOP, as a vanished host", "frozen")):
        seconds = rest[key]
        print(
            f"  takeover after {label}: {seconds:.1f} s  target < {TAKEOVER_SECONDS:.0f} s: "
            f"{mark(seconds < TAKEOVER_SECONDS)}"
        )


def run() -> None:
    os.chdir(ROOT)
    asyncio.run(main())
