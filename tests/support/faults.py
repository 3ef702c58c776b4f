"""Failures Telegram really produces, on demand (fail_next) or by its flood limits.

The bot's retry, back-off and chat-cleanup code only runs when Telegram misbehaves; these
make that happen deterministically in a test instead of once a month in production.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from tests.support.wire import JSON, ApiError, bad_request

FAULT_KINDS = frozenset(
    {"server_error", "flood", "forbidden", "bad_request", "migrated", "timeout"}
)


def flood_error(retry_after: float) -> ApiError:
    """Telegram's 429, whose parameters.retry_after PTB turns into RetryAfter."""
    seconds = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def migrated_error(new_chat_id: int) -> ApiError:
    """The 400 a group's old id gets once it became a supergroup (PTB's ChatMigrated)."""
    return bad_request(
        "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id}
    )


@dataclass
class Fault:
    """A pending ``fail_next`` rule: the next ``times`` calls to ``method`` fail as ``kind``."""

    method: str
    kind: str
    times: int
    chat_key: int | None  # only calls to this chat, when set
    retry_after: int
    migrate_to_chat_id: int | None
    delay: float  # for "timeout": how long the answer is held back

    def error(self, params: JSON) -> ApiError | None:
        """The error to answer with; None for "timeout", which answers normally but late."""
        if self.kind == "timeout":
            return None
        if self.kind == "server_error":
            return ApiError(500, "Internal Server Error")
        if self.kind == "flood":
            return flood_error(self.retry_after)
        if self.kind == "forbidden":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        if self.kind == "bad_request":
            return bad_request("injected by FakeBotAPI.fail_next")
        new_id = self.migrate_to_chat_id
        if new_id is None:
            old = params.get("chat_id")
            new_id = int(f"-100{abs(old)}") if isinstance(old, int) else -1001000000000
        return migrated_error(new_id)


class FloodLimits:
    """Telegram's documented limits: 30 msg/s overall, 20 msg/min per group, ~1/s per user
    (a burst of 3 allowed). Used when FakeBotAPI(enforce_limits=True)."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when)

    def check(self, chat_id: int) -> None:
        """Count one sendMessage to ``chat_id``, or raise the 429 Telegram would answer."""
        now = time.monotonic()
        waits: list[float] = []
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= 30:
            waits.append(self._recent[0] + 1.0 - now)
        tokens = 0.0
        if chat_id < 0:
            sends = self._groups.setdefault(chat_id, deque())
            while sends and sends[0] <= now - 60.0:
                sends.popleft()
            if len(sends) >= 20:
                waits.append(sends[0] + 60.0 - now)
        else:
            tokens, last = self._private_tokens.get(chat_id, (3.0, now))
            tokens = min(3.0, tokens + (now - last))
            if tokens < 1.0:
                waits.append(1.0 - tokens)
        if waits:
            raise flood_error(math.ceil(max(waits)))
        self._recent.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._private_tokens[chat_id] = (tokens - 1.0, now)
