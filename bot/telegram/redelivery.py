"""Which update ids were already accepted, so an update Telegram delivers twice is handled once.

Telegram redelivers an update when the answer to its webhook POST was slow or lost. The record
is an interface so that several replicas can later share one in the database (an insert on
update_id that does nothing on conflict, with expiry); one process keeps it in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

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
