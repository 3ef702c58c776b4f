"""Update delivery: the queue of updates users caused, handed over by getUpdates long polling,
or refused to polling while a webhook is set (setWebhook, deleteWebhook).

Long polling is where a bot's start-up, shutdown and concurrency bugs show, so it behaves as
Telegram's does: offsets confirm, a second poll terminates the first, allowed_updates sticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time

from tests.support.methods import Method
from tests.support.wire import JSON, ApiError, bad_request
from tests.support.world import World

# Update types Telegram leaves out unless they are asked for by name in allowed_updates.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Changes:
    """Wakes every waiter when something happens: an update queued, a call made or answered."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Until the next notify(), or ``timeout`` seconds."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


class Delivery:
    """The update queue and the three methods that hand it over."""

    def __init__(self, world: World, changes: Changes) -> None:
        self.world = world
        self.changes = changes
        self.queue: list[JSON] = []  # updates not yet confirmed by a getUpdates offset
        self.stopping = False  # set by FakeBotAPI.stop(): pending polls answer at once
        self._last_update_id = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""

    def table(self) -> dict[str, Method]:
        """Method name as Telegram spells it -> handler taking the decoded parameters."""
        return {
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
        }

    def push(self, update: JSON) -> JSON:
        """Give ``update`` the next update_id, queue it and return a copy."""
        if "update_id" in update:
            raise ValueError("push_update assigns update_id itself")
        self._last_update_id += 1
        queued = {"update_id": self._last_update_id, **copy.deepcopy(update)}
        self.world.record(queued)
        self.queue.append(queued)
        self.changes.notify()
        return copy.deepcopy(queued)

    def _allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _NOT_DELIVERED_BY_DEFAULT
        return kind in self._allowed_updates

    async def get_updates(self, params: JSON) -> list[JSON]:
        """Long polling: confirm below ``offset``, then wait up to ``timeout`` for updates."""
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset > 0:
            self.queue = [u for u in self.queue if u["update_id"] >= offset]
        elif offset < 0:
            self.queue = self.queue[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self.changes.notify()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self.queue = [u for u in self.queue if self._allowed(u)]
            if self.queue or self.stopping:
                return copy.deepcopy(self.queue[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self.changes.wait(remaining)

    def set_webhook(self, params: JSON) -> bool:
        """run_webhook registers here; getUpdates is refused until deleteWebhook."""
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self.queue.clear()
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        self._webhook_url = url
        return True

    def delete_webhook(self, params: JSON) -> bool:
        """start_polling calls it first, as a bot may switch from a webhook to polling."""
        if params.get("drop_pending_updates"):
            self.queue.clear()
        self._webhook_url = ""
        return True
