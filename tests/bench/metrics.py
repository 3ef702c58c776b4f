"""Issue 13's metrics: what counting costs a question (the bot handles about 350 updates a
second), and what one scrape of /metrics costs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import generate_latest
from telegram import Update
from telegram.ext import ApplicationBuilder, TypeHandler

from bot.answers import Answer, Outcome
from bot.telegram.metrics import Metrics
from tests.support.fakeapi import fake_token

CALLS = 10_000
UPDATES_PER_SECOND = 350


def per_call(work: Callable[[], None], calls: int = CALLS) -> float:
    """Microseconds per call, the best of three runs."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            work()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def message_update(number: int) -> Update:
    user = {"id": 1000 + number, "is_bot": False, "first_name": "U"}
    return Update.de_json(
        {
            "update_id": number,
            "message": {
                "message_id": number,
                "date": 0,
                "chat": {"id": user["id"], "type": "private"},
                "from": user,
                "text": "Is Japan a partner?",
            },
        },
        None,
    )


def counter(metrics: Metrics) -> Callable[[Update, object], Coroutine[Any, Any, None]]:
    """The application's counting handler (bot/telegram/app.py's _count_update)."""

    async def count(update: Update, _: object) -> None:
        metrics.update(update)

    return count


async def handler_group_cost() -> tuple[float, float]:
    """process_update with and without the counting TypeHandler group (µs per update, the
    best of seven runs each, taken in turns)."""
    applications = []
    for counting in (False, True):
        application = ApplicationBuilder().token(fake_token()).updater(None).build()
        application._initialized = True  # process_update needs no Bot API call here
        if counting:
            application.add_handler(TypeHandler(Update, counter(Metrics())), group=-2)
        application.add_handler(TypeHandler(Update, lambda u, c: asyncio.sleep(0)), group=-1)
        applications.append(application)
    update = message_update(1)
    best = [float("inf"), float("inf")]
    for _ in range(7):
        for number, application in enumerate(applications):
            started = time.perf_counter()
            for _ in range(CALLS):
                await application.process_update(update)
            best[number] = min(best[number], (time.perf_counter() - started) / CALLS * 1e6)
    return best[0], best[1]


def run() -> None:
    print("== Metrics (issue 13) ==")
    metrics = Metrics()
    update = message_update(1)
    matched = Answer("q", Outcome.FACT, "partner_check", 1.0, "t", "b")
    fallback = Answer("q", Outcome.FALLBACK, None, 0.1, "", "b")
    counted = {
        "update (by type)": per_call(lambda: metrics.update(update)),
        "answered (intent, outcome, latency)": per_call(lambda: metrics.answered(matched, 0.002)),
        "answered (fallback, no latency)": per_call(lambda: metrics.answered(fallback)),
        "Bot API call (method, error)": per_call(lambda: metrics.api_call("sendMessage", "none")),
    }
    for what, micros in counted.items():
        print(f"  {what:<40} {micros:6.2f} µs per call ({CALLS:,} calls)")
    without, with_group = asyncio.run(handler_group_cost())
    group = with_group - without
    print(f"  {'the counting handler group':<40} {group:6.2f} µs per update (process_update)")
    question = group + counted["answered (intent, outcome, latency)"]
    question += counted["Bot API call (method, error)"] * 2  # its reply, its share of polls
    share = question * UPDATES_PER_SECOND / 1e6 * 100
    print(
        f"  one question, all counted: {question:.1f} µs; at {UPDATES_PER_SECOND} updates/s "
        f"{share:.2f} % of one core"
    )
    for number in range(40):  # a realistic label set: 40 intents, every outcome
        for outcome in Outcome:
            metrics.answered(Answer("q", outcome, f"fact_{number}", 1.0, "t", "b"), 0.001)
    body = generate_latest(metrics.registry)
    scrape = per_call(lambda: generate_latest(metrics.registry), 200)
    print(f"  one scrape: {len(body):,} bytes in {scrape / 1000:.2f} ms")
