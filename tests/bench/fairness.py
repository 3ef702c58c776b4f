"""Fairness figures for `make bench`: at Telegram's pace (30 messages a second), twenty users
ask one question each over ten seconds, once alone and once while another user sends 300
messages in those ten seconds. Prints their median and p99 reply latency beside the target."""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
from pathlib import Path

from bot.engine import QAEngine
from bot.telegram.app import TELEGRAM_OVERALL_RATE
from bot.telegram.texts import SLOW_DOWN
from tests.bench.core import KNOWLEDGE, ms, percentile
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import bot_settings, reply_latency, running_bot

SECONDS = 10.0
FLOOD = 300
FLOODER = 930_001
USERS = range(930_100, 930_120)
QUESTION = "Which exercises were held in 2016?"
TARGET_MEDIAN = 1.0


async def _flood(api: FakeBotAPI) -> None:
    for _ in range(FLOOD):
        api.send_text(QUESTION, chat_id=FLOODER, user_id=FLOODER)
        await asyncio.sleep(SECONDS / FLOOD)


async def _run(engine: QAEngine, with_flood: bool) -> tuple[list[float], int, int]:
    """Latencies of the twenty users; replies and notices the flooder got."""
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api:
            settings = bot_settings(api, Path(folder))
            async with running_bot(api, engine, settings, overall_rate=TELEGRAM_OVERALL_RATE):
                flooding = asyncio.create_task(_flood(api)) if with_flood else None
                spacing = SECONDS / len(USERS)
                latencies = await asyncio.gather(
                    *(
                        reply_latency(api, user, QUESTION, delay=spacing * n)
                        for n, user in enumerate(USERS)
                    )
                )
                if flooding is not None:
                    await flooding
                await asyncio.sleep(1.0)
            to_flooder = api.sent_messages(FLOODER)
    notices = sum(1 for message in to_flooder if message["text"] == SLOW_DOWN)
    return list(latencies), len(to_flooder) - notices, notices


def run() -> None:
    logging.getLogger("bot").setLevel(logging.WARNING)
    engine = QAEngine.load(KNOWLEDGE)
    print("== Fairness (issue 9, item 10) ==")
    print(
        f"{len(USERS)} users ask one question each over {SECONDS:.0f} s; the rate limiter at "
        f"Telegram's {TELEGRAM_OVERALL_RATE} msg/s; real Application over loopback HTTP"
    )
    for with_flood in (False, True):
        latencies, answered, notices = asyncio.run(_run(engine, with_flood))
        median = statistics.median(latencies)
        verdict = "ok" if median < TARGET_MEDIAN else "FAIL"
        label = f"with one user sending {FLOOD} in {SECONDS:.0f} s" if with_flood else "alone"
        print(
            f"  {label:<40} median {ms(median)}  p99 {ms(percentile(latencies, 0.99))}"
            f"   target median < {TARGET_MEDIAN:.0f} s: {verdict}"
        )
        if with_flood:
            verdict = "ok" if notices <= 1 else "FAIL"
            print(
                f"  the flooding user: {answered} answered, {notices} slow-down notice(s) "
                f"(target at most 1 per burst: {verdict})"
            )
