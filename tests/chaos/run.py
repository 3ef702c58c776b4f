"""`make chaos`: the delivery figures of issue 9, with the bot as real processes
(`python -m bot run`) against the fake Bot API enforcing Telegram's 30 messages a second.

- Kill test: a 300-chat broadcast, the bot SIGKILLed at random points at least 20 times and
  restarted each time. No chat may receive it twice; every chat receives it or is named
  unconfirmed in the operator's report; at most one unconfirmed chat per kill.
- Two processes: a rolling deploy (the new process starts while the old one is mid-digest,
  then the old one is stopped) with a 300-chat digest and a 300-chat announcement: each chat
  receives each message exactly once. Then the same with the old process SIGKILLed.

The bot sends at its real pace (29 a second), so this takes a few minutes.
Usage: python tests/chaos/run.py [kill] [two]   (default: both)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script, this folder would come first on sys.path; the project root must instead.
sys.path[0] = str(Path(__file__).resolve().parents[2])

from bot.store import Store  # noqa: E402
from bot.store.records import ChatId  # noqa: E402
from bot.telegram.state import DIGEST_HEADING as HEADING  # noqa: E402
from tests.chaos.process import (  # noqa: E402
    BotProcess,
    KillingBotAPI,
    accepted,
    delivery_statuses,
    sending_announcement,
)
from tests.support.harness import ADMIN_ID  # noqa: E402
from tests.support.wire import JSON  # noqa: E402

CHATS = [-1009200000000 - n for n in range(300)]
MIN_KILLS = 20
MAX_SENDS_PER_RUN = 20  # a kill within this many sends (10.5 on average): about 28 kills
RUN_TIMEOUT = 60.0
HTML = "<b>Chaos</b> announcement"
SEED = 9


def verdict(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def figure(name: str, value: str, target: str, ok: bool) -> bool:
    print(f"  {name:<38} {value:<34} target {target}: {verdict(ok)}", flush=True)
    return ok


async def subscribe(database: Path) -> None:
    with Store(database) as store:
        for chat in CHATS:
            await store.chats.set_subscribed(chat, True, chat_type="supergroup")


def copies(api: KillingBotAPI, prefix: str) -> Counter[ChatId]:
    """Messages Telegram accepted per target whose HTML starts with `prefix`."""
    return accepted(api, CHATS, prefix)


def reports(api: KillingBotAPI) -> list[str]:
    return [str(m["text"]) for m in api.bot_messages(ADMIN_ID) if "finished" in str(m["text"])]


def unconfirmed_in(report: str) -> list[int]:
    """The chats the report names as unconfirmed."""
    _, _, tail = report.partition("Unconfirmed (may or may not have arrived)")
    return [int(chat) for chat in re.findall(r"• (-\d+)", tail)]


# -- the kill test -----------------------------------------------------------------------------


@dataclass
class Kills:
    modes: Counter[str] = field(default_factory=Counter)
    most_in_flight: int = 0  # in-flight deliveries left by one kill: at most one may be


async def one_run(api: KillingBotAPI, folder: Path, run: int, rng: random.Random) -> str | None:
    """Start the bot, let it send a few, SIGKILL it at a random point; the mode used, or
    None when the broadcast finished first."""
    bot = BotProcess(api, folder, f"run{run:02d}")
    mode = rng.choice(("timer", "after claim", "after Telegram accepted"))
    limit = rng.randint(1, MAX_SENDS_PER_RUN)
    seen = 0
    first_send = asyncio.Event()

    async def before(params: JSON) -> bool:
        nonlocal seen
        if params.get("chat_id") not in CHATS:
            return False
        seen += 1
        first_send.set()
        if mode == "after claim" and seen == limit:
            bot.kill()
            return True  # the request died with the bot: not delivered
        return False

    async def after(params: JSON) -> bool:
        if mode == "after Telegram accepted" and seen == limit:
            bot.kill()
        return False

    api.before_send, api.after_send = before, after
    await bot.start()
    timer: asyncio.Task[None] | None = None
    if mode == "timer":

        async def kill_later() -> None:
            await first_send.wait()
            await asyncio.sleep(rng.uniform(0.0, limit / 29.0))
            bot.kill()

        timer = asyncio.create_task(kill_later())
    report_seen = len(reports(api))
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while bot.process is not None and bot.process.returncode is None:
            if len(reports(api)) > report_seen:  # finished before its kill came
                await bot.stop()
                return None
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run} neither finished nor was killed:\n{bot.log()}")
            await api.wait_changed(0.2)
        return mode
    finally:
        if timer is not None:
            timer.cancel()
        bot.kill()
        await bot.reaped()
        api.before_send = api.after_send = None


async def kill_test(folder: Path) -> bool:
    rng = random.Random(SEED)
    async with KillingBotAPI(enforce_limits=True) as api:
        database = folder / "bot.sqlite3"
        await subscribe(database)
        number = await sending_announcement(database, list(CHATS), HTML)
        started = time.monotonic()
        kills = Kills()
        run = 0
        while not reports(api):
            run += 1
            mode = await one_run(api, folder, run, rng)
            if mode is None:
                break
            kills.modes[mode] += 1
            in_flight = sum(s == "in_flight" for s in delivery_statuses(database, number).values())
            kills.most_in_flight = max(kills.most_in_flight, in_flight)
            if run > 200:
                raise RuntimeError("the broadcast never finished")
        seconds = time.monotonic() - started
        final = reports(api)[-1]
        received = copies(api, HTML)
        statuses = delivery_statuses(database, number)
    total = sum(kills.modes.values())
    named = unconfirmed_in(final)
    twice = sum(1 for chat in CHATS if received[chat] > 1)
    lost = [chat for chat in CHATS if received[chat] == 0 and chat not in named]
    arrived_anyway = sum(1 for chat in named if received[chat] == 1)
    modes = ", ".join(f"{mode} {count}" for mode, count in sorted(kills.modes.items()))
    print(
        f"Kill test: a {len(CHATS)}-chat broadcast, the bot SIGKILLed {total} times at random "
        f"points ({modes}) and restarted each time; {seconds:.0f} s; fake Bot API enforcing "
        "30 msg/s, the bot at its real pace",
        flush=True,
    )
    results = [
        figure("SIGKILLs", str(total), f">= {MIN_KILLS}", total >= MIN_KILLS),
        figure("chats that received it twice", str(twice), "0", twice == 0),
        figure(
            "chats neither receiving it nor named",
            str(len(lost)),
            "0",
            not lost,
        ),
        figure(
            "unconfirmed chats per kill",
            f"at most {kills.most_in_flight} ({len(named)} in {total})",
            "<= 1",
            kills.most_in_flight <= 1 and len(named) <= total,
        ),
        figure(
            "report agrees with the store",
            f"{len(named)} named, {Counter(statuses.values())['unconfirmed']} stored",
            "equal",
            sorted(named) == sorted(c for c, s in statuses.items() if s == "unconfirmed"),
        ),
    ]
    delivered = sum(1 for s in statuses.values() if s == "sent")
    print(
        f"  (delivered {delivered} + unconfirmed {len(named)} = {delivered + len(named)} of "
        f"{len(CHATS)}; {arrived_anyway} of the unconfirmed did arrive; "
        f"{len(reports(api))} report(s))",
        flush=True,
    )
    return all(results)


# -- two processes ----------------------------------------------------------------------------


async def press_send(api: KillingBotAPI) -> None:
    """The operator: /announce, then Send under the preview (either process may answer)."""
    before = len(api.calls)
    api.send_text("/announce exercises", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    _, confirmation = await api.wait_for(
        "sendMessage",
        lambda c: c.params.get("chat_id") == ADMIN_ID,
        count=2,
        after=before,
        timeout=30,
    )
    send = next(
        button["callback_data"]
        for row in confirmation.params["reply_markup"]["inline_keyboard"]
        for button in row
        if button["callback_data"].startswith("ann:send:")
    )
    api.press_button(confirmation.response["result"], send, user_id=ADMIN_ID)


async def wait_copies(api: KillingBotAPI, prefix: str, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while sum(copies(api, prefix).values()) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sum(copies(api, prefix).values())} of {count} {prefix!r}")
        await api.wait_changed(0.5)


async def rolling_deploy(folder: Path, *, crash: bool) -> bool:
    """Old process posting the digest; the new one starts; the operator sends an
    announcement; the old one is stopped (or SIGKILLed); the new one finishes both."""
    from bot.engine import QAEngine
    from tests.conftest import KNOWLEDGE

    card = QAEngine.load(KNOWLEDGE).command("exercises")
    assert card is not None
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "bot.sqlite3"
    await subscribe(database)
    with Store(database) as store:
        await store.digest.set_time(dt.datetime.now(dt.UTC).strftime("%H:%M"))  # due now
    async with KillingBotAPI(enforce_limits=True) as api:
        old, new = BotProcess(api, folder, "old"), BotProcess(api, folder, "new")
        started = time.monotonic()
        try:
            await old.start()
            await wait_copies(api, HEADING, 60)
            await new.start()
            await press_send(api)
            if crash:  # the worst point: Telegram took the message, the sender never knew

                async def kill_after(params: JSON) -> bool:
                    if sum(copies(api, HEADING).values()) >= len(CHATS) // 2:
                        api.after_send = None
                        old.kill()
                    return False

                api.after_send = kill_after
                await asyncio.wait_for(old.reaped(), 60)
            else:
                await wait_copies(api, HEADING, len(CHATS) // 2)
                await old.stop()
            await wait_copies(api, HEADING, len(CHATS) - 1)
            await api.wait_for(
                "sendMessage",
                lambda c: c.params.get("chat_id") == ADMIN_ID and "finished" in c.params["text"],
                timeout=120,
            )
            await asyncio.sleep(1.0)  # room for a second copy to show up
        finally:
            await old.stop()
            await new.stop()
        seconds = time.monotonic() - started
        digests, announcements = copies(api, HEADING), copies(api, card.html)
        finished = reports(api)
        logs = old.log() + new.log()
    # Unconfirmed deliveries: the announcement's are named in its report; the digest has no
    # report (nobody asked for it), so its own are read from the store (and were logged).
    with Store(database) as store:
        unconfirmed = {
            (announcement.origin, delivery.chat_id)
            for announcement in await store.broadcasts.recent_announcements()
            for delivery in await store.broadcasts.deliveries(announcement.id)
            if delivery.status == "unconfirmed"
        }
    named = set(unconfirmed_in(finished[-1])) if finished else set()
    reported = named == {chat for origin, chat in unconfirmed if origin != "digest"}
    twice = sum(1 for chat in CHATS if digests[chat] > 1 or announcements[chat] > 1)
    exact = sum(1 for chat in CHATS if digests[chat] == 1 and announcements[chat] == 1)
    how = "SIGKILLed just after Telegram took a message" if crash else "stopped (SIGTERM)"
    print(
        f"Two processes: {len(CHATS)} chats, the digest and an announcement; the new process "
        f"starts mid-digest, the old one is {how} mid-send; {seconds:.0f} s",
        flush=True,
    )
    results = [figure("chats receiving a message twice", str(twice), "0", twice == 0)]
    if crash:
        missing = sum(
            1
            for chat in CHATS
            if (digests[chat] == 0 and ("digest", chat) not in unconfirmed)
            or (announcements[chat] == 0 and chat not in named)
        )
        results.append(
            figure(
                "chats missing a message, unnamed",
                f"{missing} ({exact} of {len(CHATS)} got both once)",
                "0",
                missing == 0,
            )
        )
        arrived = sum(
            1
            for origin, chat in unconfirmed
            if (digests if origin == "digest" else announcements)[chat]
        )
        results.append(
            figure(
                "unconfirmed (one kill)",
                f"{len(unconfirmed)} ({arrived} of them arrived)",
                "<= 1, the report's all",
                len(unconfirmed) <= 1 and reported,
            )
        )
    else:
        results.append(
            figure(
                "chats receiving each exactly once",
                f"{exact} of {len(CHATS)}",
                "all",
                exact == len(CHATS),
            )
        )
    results.append(figure("operator reports", str(len(finished)), "1", len(finished) == 1))
    results.append(
        figure(
            "'another instance is polling' lines",
            str(logs.count("another instance is polling with this token")),
            "1 or 2 (one per process at most)",
            1 <= logs.count("another instance is polling with this token") <= 2,
        )
    )
    return all(results)


async def two_processes(folder: Path) -> bool:
    clean = await rolling_deploy(folder / "clean", crash=False)
    crashed = await rolling_deploy(folder / "crash", crash=True)
    return clean and crashed


SECTIONS = {"kill": kill_test, "two": two_processes}


async def main(argv: list[str]) -> int:
    chosen = [name for name in argv if name in SECTIONS] or list(SECTIONS)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            started = time.perf_counter()
            section = Path(folder) / name
            section.mkdir()
            ok = await SECTIONS[name](section) and ok
            print(f"({name} section took {time.perf_counter() - started:.0f} s)\n", flush=True)
    print("chaos: all figures ok" if ok else "chaos: some figures FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
