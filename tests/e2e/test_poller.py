"""Long polling by one process at a time (bot/telegram/poller.py): two `python -m bot run`
processes on one database take turns, and a holder that loses its lease stops polling."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from bot.store import Store, StoreWriteError
from bot.store.lease import Owner
from bot.telegram.leader import LeaseKeeper
from bot.telegram.poller import (
    LOST,
    OVERDUE,
    POLLER_LEASE,
    keep_turn,
    poller_keeper,
    wait_for_turn,
)
from tests.conftest import ROOT
from tests.support.fakeapi import FakeBotAPI
from tests.support.replicas import free_port

USER = 7050001


async def polling_process(
    api: FakeBotAPI, database: Path, **variables: str
) -> asyncio.subprocess.Process:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    for name in ("DATABASE_PATH", "DATABASE_URL", "LOG_LEVEL"):
        keep.pop(name, None)
    keep |= {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(database),
        "PYTHONPATH": str(ROOT),
    } | variables
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=keep, stderr=asyncio.subprocess.PIPE
    )


async def said(process: asyncio.subprocess.Process, words: str, lines: list[str]) -> str:
    """Read the process's log until a line holds `words` (every line read is kept)."""
    assert process.stderr is not None
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        assert line, f"exited without saying {words!r}: {''.join(lines)}"
        lines.append(line)
        if words in line:
            return line


async def asked(api: FakeBotAPI, question: str) -> str:
    before = len(api.calls)
    api.send_text(question, chat_id=USER, user_id=USER)
    [reply] = await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == USER, after=before, timeout=30
    )
    return str(reply.params["text"])


async def probed(port: int) -> dict[str, tuple[int, str]]:
    """Status and body of /healthz, /readyz and /metrics on the health port."""
    found = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for path in ("/healthz", "/readyz", "/metrics"):
            async with session.get(f"http://127.0.0.1:{port}{path}") as answer:
                found[path] = (answer.status, await answer.text())
    return found


async def test_two_polling_processes_take_turns(tmp_path: Path) -> None:
    """The second waits with one line while the first polls, and answers its health probes
    meanwhile (alive, ready to take over, not the sender); the first's SIGTERM hands the lease
    over and the second polls at once, answering what comes next, its probes still served."""
    database = tmp_path / "bot.sqlite3"
    first_log: list[str] = []
    second_log: list[str] = []
    port = free_port()
    async with FakeBotAPI() as api:
        first = await polling_process(api, database)
        second = None
        try:
            await said(first, "starting long polling", first_log)
            second = await polling_process(api, database, HEALTH_PORT=str(port))
            waiting = await said(second, "polls Telegram for updates", second_log)
            assert "another instance" in waiting and "this one takes over if it stops" in waiting
            await said(
                second, f"health: /healthz, /readyz, /metrics on 127.0.0.1 port {port}", second_log
            )
            probes = await probed(port)
            assert probes["/healthz"] == (200, "ok\n") and probes["/readyz"] == (200, "ready\n")
            assert probes["/metrics"][0] == 200
            assert "milcoop_sender_lease_held 0.0" in probes["/metrics"][1]
            assert "Japan" in await asked(api, "Is Japan a partner?")
            first.send_signal(signal.SIGTERM)
            _, rest = await asyncio.wait_for(first.communicate(), 60)
            first_log.append(rest.decode())
            assert first.returncode == 0, "".join(first_log)
            taking = await said(second, "now polls Telegram for updates", second_log)
            assert "taking over from" in taking and "handed the lease over" in taking
            await said(second, "starting long polling", second_log)
            assert "Heydar Aliyev" in await asked(api, "quote of the army pillar")
            probes = await probed(port)
            assert probes["/healthz"] == (200, "ok\n") and probes["/readyz"] == (200, "ready\n")
        finally:
            for process in (first, second):
                if process is not None and process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    _, rest = await asyncio.wait_for(process.communicate(), 60)
                    (first_log if process is first else second_log).append(rest.decode())
    assert second is not None and second.returncode == 0, "".join(second_log)
    text = "".join(first_log + second_log)
    assert "Traceback" not in text and api.token not in text
    assert sum("another instance" in line for line in second_log) == 1  # one line, not one a beat


def keeper(store: Store, *, heartbeat: float = 0.03, ttl: float = 0.3) -> LeaseKeeper:
    return LeaseKeeper(
        store.leases, POLLER_LEASE, Owner.this_process(), heartbeat=heartbeat, ttl=ttl
    )


async def test_a_holder_whose_lease_was_taken_stops_polling(tmp_path: Path) -> None:
    """Another process took the lease (this one's clock says it had not expired: its database
    stalled): the holder stops, saying to whom it lost it."""
    database = tmp_path / "bot.sqlite3"
    stopped: list[str] = []
    with Store(database) as mine, Store(database, clock=lambda: 10**10) as later:
        holder = keeper(mine)
        await wait_for_turn(holder)
        other = poller_keeper(later.leases, Owner.this_process())
        await wait_for_turn(other)  # its clock is far ahead: the lease has expired for it
        await asyncio.wait_for(keep_turn(holder, stopped.append), 5)
    assert stopped == [LOST.format(holder=other.owner.id)]


async def test_a_holder_that_cannot_renew_stops_before_its_lease_expires(tmp_path: Path) -> None:
    stopped: list[str] = []
    store = Store(tmp_path / "bot.sqlite3")
    holder = keeper(store)
    await wait_for_turn(holder)
    store.close()  # every renewal fails from now on
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(keep_turn(holder, stopped.append), 5)
    assert stopped == [OVERDUE]
    assert asyncio.get_running_loop().time() - started < holder.ttl


async def test_a_renewal_failing_now_and_then_does_not_stop_polling(tmp_path: Path) -> None:
    stopped: list[str] = []
    with Store(tmp_path / "bot.sqlite3") as store:
        holder = keeper(store)
        await wait_for_turn(holder)
        acquire = store.leases.acquire
        calls = 0

        async def flaky(*args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            if calls % 2:
                raise StoreWriteError("bot.sqlite3: database is locked")
            return await acquire(*args, **kwargs)  # type: ignore[arg-type]

        store.leases.acquire = flaky  # type: ignore[method-assign]
        task = asyncio.create_task(keep_turn(holder, stopped.append))
        await asyncio.sleep(holder.ttl * 2)
        task.cancel()
    assert stopped == [] and calls >= 10
