"""Even spacing of broadcast sends, just under Telegram's limit."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

MESSAGES_PER_SECOND = 29.0  # Telegram allows about 30 per second to different chats


@dataclass
class Pacer:
    """Spaces sends evenly: at most `rate` per second in any window, unlike a token bucket's
    burst-then-drip, which a rolling-window limiter would answer with 429."""

    rate: float = MESSAGES_PER_SECOND
    _next: float = field(default=0.0, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = time.monotonic()
            self._next = max(now, self._next) + 1.0 / self.rate
