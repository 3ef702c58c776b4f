"""A fair share of the bot's replies: Telegram allows a bot about 30 messages a second in all,
so without a budget per sender one user (or script) flooding the bot would make everyone else
wait behind their backlog.

Token buckets: each sender gets 1 reply a second with bursts of 5, each group Telegram's own 20
a minute with bursts of 5. They live in memory, at most MAX_KEYS of them, the least recently
used forgotten first. bot/telegram/flood.py applies them to updates.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

USER_BURST = 5
USER_PER_SECOND = 1.0
GROUP_BURST = 5
GROUP_PER_SECOND = 20 / 60
MAX_KEYS = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    noticed: bool = False  # told to slow down during this flood already


class Budgets:
    """Token buckets per key, bounded in number."""

    def __init__(
        self,
        burst: int,
        per_second: float,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[tuple[str, int], _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: tuple[str, int]) -> bool:
        """Spend one token; False when the key is over budget."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), stamp=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_second)
        bucket.stamp = now
        if bucket.tokens >= self.burst:
            bucket.noticed = False  # quiet long enough to refill: the next flood is a new burst
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def first_refusal(self, key: tuple[str, int]) -> bool:
        """True once per burst: whether to tell this key to slow down now."""
        bucket = self._buckets.get(key)
        if bucket is None or bucket.noticed:
            return False
        bucket.noticed = True
        return True


class FairShare:
    """The budgets of one application: per user everywhere, per chat in groups."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.users = Budgets(USER_BURST, USER_PER_SECOND, clock=clock)
        self.groups = Budgets(GROUP_BURST, GROUP_PER_SECOND, clock=clock)
