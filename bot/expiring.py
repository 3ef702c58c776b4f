"""A bounded map whose entries expire: what the bot remembers briefly, in memory only (what a
conversation was about, the cards that take votes), so memory stays bounded whoever writes."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Key → value until `ttl` seconds after its write (or the expiry given), at most
    `max_entries` of them. Entries are kept in the order they were written, so the oldest is
    the first to expire, and both clean-ups work from the front."""

    def __init__(
        self, *, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self.clock():
            del self._entries[key]
            return None
        return entry[0]

    def put(self, key: K, value: V, *, expires: float | None = None) -> None:
        """Set `key` (last in the order), then drop what expired and what is beyond the bound."""
        now = self.clock()
        self._entries.pop(key, None)
        self._entries[key] = (value, now + self.ttl if expires is None else expires)
        while self._entries:
            _, oldest = next(iter(self._entries.values()))
            if oldest > now and len(self._entries) <= self.max_entries:
                break
            self._entries.popitem(last=False)

    def values(self) -> list[V]:
        """What is held now (expired entries included until a clean-up drops them)."""
        return [value for value, _ in self._entries.values()]

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)
