"""The heartbeat that keeps (or waits for) a lease, so that of several processes on one database
exactly one does a duty: sends broadcasts and posts the digest (the sender lease), or polls
Telegram for updates (bot/telegram/poller.py). bot/store/lease.py has the contract. Every
process runs one; the others keep trying, and take over when the holder releases the lease at
shutdown or stops renewing it."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable

from bot.store import StoreError, StoreLostError
from bot.store.lease import Acquired, Leases, Owner

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
LEASE_TTL_SECONDS = 10.0  # five heartbeats: a holder that misses them all is taken over


class LeaseKeeper:
    """Acquires or renews one lease every `heartbeat` seconds and knows whether it holds it.

    `held` turns false on its own once a renewal is overdue (a stuck disk, a stalled event
    loop), a heartbeat before the lease expires in the store, so a process stops sending
    before anyone else can start."""

    def __init__(
        self,
        leases: Leases,
        name: str,
        owner: Owner,
        *,
        heartbeat: float | None = None,
        ttl: float | None = None,
        on_gained: Callable[[], None] | None = None,
        duty: str = "sends broadcasts and the digest",
        stops: str = "sending stops",
    ) -> None:
        self.heartbeat = HEARTBEAT_SECONDS if heartbeat is None else heartbeat
        self.ttl = LEASE_TTL_SECONDS if ttl is None else ttl
        if not 0 < self.heartbeat < self.ttl:
            raise ValueError("the heartbeat must be shorter than the lease's ttl")
        self.leases = leases
        self.name = name
        self.owner = owner
        self.on_gained = on_gained
        self.duty = duty  # what the holder does, for the log: "polls Telegram for updates"
        self.stops = stops  # what a lost lease ends, for the log
        self._valid_until = 0.0  # monotonic
        self._ours = False  # whether the last heartbeat found the lease ours
        self._holder: str | None = None  # who held it at the last heartbeat

    @property
    def held(self) -> bool:
        return self._valid_until > time.monotonic()

    async def run(self) -> None:
        """Heartbeat until cancelled."""
        while True:
            await self.beat()
            await asyncio.sleep(self.heartbeat)

    async def beat(self) -> bool:
        """One attempt to acquire or renew; returns whether this process holds the lease."""
        started = time.monotonic()
        try:
            acquired: Acquired | None = await self.leases.acquire(self.name, self.owner, self.ttl)
        except (StoreError, sqlite3.Error) as error:
            log.warning("cannot renew the %s lease: %s", self.name, error)
            acquired = None
        holder = acquired.lease.owner if acquired is not None else None
        if acquired is not None and holder == self.owner.id:
            self._valid_until = started + self.ttl - self.heartbeat
            if not self._ours:
                self._ours = True
                log.info(
                    "this process (%s) now %s%s",
                    self.owner.id,
                    self.duty,
                    self._predecessor(acquired),
                )
                if self.on_gained is not None:
                    self.on_gained()
        else:
            self._valid_until = 0.0
            if self._ours:
                self._ours = False
                log.warning("lost the %s lease (now %s): %s", self.name, holder, self.stops)
            elif holder is not None and holder != self._holder:
                log.info(
                    "another instance (%s) %s; this one takes over if it stops",
                    holder,
                    self.duty,
                )
        self._holder = holder or self._holder
        return self.held

    def _predecessor(self, acquired: Acquired) -> str:
        if acquired.taken_from is not None:
            return f", taking over from {acquired.taken_from.owner} ({acquired.why})"
        if self._holder not in (None, self.owner.id):
            return f", taking over from {self._holder} (it handed the lease over)"
        return ""

    def lost(self) -> None:
        """The store refused work under the lease: stop at once, the next heartbeat retries."""
        if self._ours:
            log.warning("the %s lease is no longer ours: %s", self.name, self.stops)
        self._ours = False
        self._valid_until = 0.0

    async def release(self) -> None:
        """Hand the lease over now (clean shutdown), so a successor need not wait for expiry."""
        self._ours = False
        self._valid_until = 0.0
        try:
            released = await self.leases.release(self.name, self.owner)
        except StoreLostError:
            return  # the file is gone, and with it the lease; the stop already said why
        except (StoreError, sqlite3.Error) as error:
            log.warning("cannot release the %s lease: %s", self.name, error)
            return
        if released:
            log.info("released the %s lease", self.name)
