"""A second process polling with the same token: one clear line instead of a stream of 409s.

Telegram hands each getUpdates to one poller and answers the other "409 Conflict"; PTB's
polling loop passes each 409 to the error handlers and retries. Both processes keep working
(each update reaches one of them, and only the sender-lease holder sends broadcasts), so this
says so once per REPEAT_SECONDS and keeps the 409s out of the generic error handler.
"""

from __future__ import annotations

import logging
import time

from telegram.error import Conflict
from telegram.ext import ApplicationHandlerStop

from bot.telegram.state import Context

log = logging.getLogger(__name__)

REPEAT_SECONDS = 600.0
MESSAGE = (
    "another instance is polling with this token: Telegram gives each update to only one of "
    "them (a rolling deploy does this briefly; otherwise stop one)"
)
WEBHOOK_MESSAGE = "a webhook is set for this token (another instance in webhook mode?)"


class ConflictReporter:
    """An error handler registered before the generic one; it stops the 409s there."""

    def __init__(self) -> None:
        self._last = -REPEAT_SECONDS

    async def __call__(self, update: object, context: Context) -> None:
        if not isinstance(context.error, Conflict):
            return
        now = time.monotonic()
        if now - self._last >= REPEAT_SECONDS:
            self._last = now
            log.warning(WEBHOOK_MESSAGE if "webhook" in str(context.error) else MESSAGE)
        else:
            log.debug("409 from getUpdates: %s", context.error)
        raise ApplicationHandlerStop
