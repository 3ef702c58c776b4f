"""Which update ids were already accepted, so an update Telegram delivers twice is handled once.

Telegram redelivers an update when the answer to its webhook POST was slow or lost, and behind a
load balancer the redelivery may reach another replica. One process keeps the record in memory
(`RecentUpdates`); replicas share one in the store (`SharedUpdates`: an insert on update_id that
does nothing on conflict, kept a day), with the memory in front of it for their own repeats.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from typing import Protocol

from bot.store import StoreError
from bot.store.updates import SeenUpdates

log = logging.getLogger(__name__)

# Telegram redelivers within minutes; a busy bot sees far fewer than this many updates meanwhile.
RECENT_UPDATES = 10_000


class UpdateLedger(Protocol):
    """Claims update ids: the first claim of an id wins, every later one is refused."""

    async def claim(self, update_id: int) -> bool:
        """True the first time this id is claimed (handle the update), False after."""
        ...


class RecentUpdates:
    """The last `capacity` claimed ids in memory: bounded, so a flood cannot grow it.

    Older ids are forgotten, not refused by a watermark: Telegram restarts update ids at a
    random value after a quiet week, and a watermark would then refuse every new update."""

    def __init__(self, capacity: int = RECENT_UPDATES) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._ids: OrderedDict[int, None] = OrderedDict()

    async def claim(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)


class SharedUpdates:
    """Claims in the store, shared by every replica. An id this process saw already is refused
    without asking the store. Claims that arrive while one is on its way to the store wait and
    go together in the next statement: under load one round trip serves many updates, alone an
    update waits for no one. When the store cannot be reached the update is handled anyway:
    answering a question twice is better than not answering it."""

    def __init__(self, seen: SeenUpdates, capacity: int = RECENT_UPDATES) -> None:
        self._seen = seen
        self._mine = RecentUpdates(capacity)
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._sending: asyncio.Task[None] | None = None
        self.statements = 0  # sent to the store: fewer than the claims under load

    async def claim(self, update_id: int) -> bool:
        if not await self._mine.claim(update_id):
            return False
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[update_id] = answer
        if self._sending is None:
            self._sending = asyncio.create_task(self._send())
        return await answer

    async def _send(self) -> None:
        batch: dict[int, asyncio.Future[bool]] = {}
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                self.statements += 1
                try:
                    won = await self._seen.claim_many(list(batch))
                except (StoreError, sqlite3.Error) as error:
                    log.warning(
                        "%d update(s) handled unchecked: the store did not answer: %s",
                        len(batch),
                        error,
                    )
                    won = set(batch)
                for update_id, answer in batch.items():
                    if not answer.done():
                        answer.set_result(update_id in won)
        except BaseException as error:  # a bug, or cancelled: no claim may wait for ever
            for answer in (*batch.values(), *self._waiting.values()):
                if answer.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    answer.cancel()
                else:
                    answer.set_exception(error)
            self._waiting = {}
            raise
        finally:
            self._sending = None
