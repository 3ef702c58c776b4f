"""Long polling by one process at a time: the holder of the poller lease.

Telegram hands each getUpdates to one caller and answers any other "409 Conflict", so two
processes polling with one token split the updates between them at random and fill both logs.
Processes sharing a database (a rolling deploy, replicas) therefore take turns: the holder of
the poller lease polls, the others wait with one line saying who polls, and the first to try
after the holder stops (it hands the lease over at shutdown) or dies (its lease expires) takes
over. A holder that finds its lease taken, or cannot renew it until it would expire, stops
polling at once and exits with status 1: the supervisor's restart waits for its turn again.
Webhook mode needs none of this: Telegram posts each update to one URL, whatever serves it.
A process waiting for its turn still answers /healthz, /readyz and /metrics on HEALTH_PORT: it
is alive and ready to take over, and a supervisor that probed a silent port would restart it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.store import StoreError
from bot.store.lease import Leases, Owner
from bot.telegram.leader import LeaseKeeper

if TYPE_CHECKING:
    from bot.telegram.health import HealthServer

log = logging.getLogger(__name__)

POLLER_LEASE = "poller"
DUTY = "polls Telegram for updates"
LOST = (
    "lost the poller lease to {holder}: polling stops, so that one instance polls (a restart "
    "waits for its turn)"
)
OVERDUE = (
    "cannot renew the poller lease before it expires: polling stops, so that one instance "
    "polls (a restart waits for its turn)"
)


def poller_keeper(leases: Leases, owner: Owner) -> LeaseKeeper:
    return LeaseKeeper(leases, POLLER_LEASE, owner, duty=DUTY, stops="polling stops")


async def wait_for_turn(keeper: LeaseKeeper) -> None:
    """Return once this process holds the poller lease; while another does, it says so once."""
    while not await keeper.beat():
        await asyncio.sleep(keeper.heartbeat)


def wait_for_turn_unless_stopped(keeper: LeaseKeeper, health: HealthServer | None = None) -> bool:
    """`wait_for_turn` in its own event loop, before the application's: True once this
    process holds the lease, False when SIGTERM or SIGINT stopped the wait (a clean stop).
    `health` listens while it waits, if it has to (ListenError when it cannot)."""

    async def waiting() -> bool:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, task.cancel)
        try:
            if await keeper.beat():
                return True
            if health is not None:
                await health.start()
            try:
                await asyncio.sleep(keeper.heartbeat)
                await wait_for_turn(keeper)
            finally:
                if health is not None:  # the application's loop listens again on the port
                    await health.stop()
        except asyncio.CancelledError:
            return False
        finally:
            for number in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(number)
        return True

    return asyncio.run(waiting())


async def keep_turn(keeper: LeaseKeeper, stop: Callable[[str], None]) -> None:
    """Renew the lease every heartbeat until cancelled. Taken by another process, or not
    renewed for as long as it lasts: `stop(why)`, once. A renewal that fails now and then (a
    busy database) is no reason to stop while the lease still holds."""
    renewed = time.monotonic()
    while True:
        await asyncio.sleep(keeper.heartbeat)
        try:
            acquired = await keeper.leases.acquire(POLLER_LEASE, keeper.owner, keeper.ttl)
        except (StoreError, sqlite3.Error) as error:
            log.warning("cannot renew the poller lease: %s", error)
            acquired = None
        if acquired is not None and acquired.lease.owner == keeper.owner.id:
            renewed = time.monotonic()
        elif acquired is not None:
            stop(LOST.format(holder=acquired.lease.owner))
            return
        elif time.monotonic() - renewed >= keeper.ttl - keeper.heartbeat:
            stop(OVERDUE)
            return
