"""Private messages to the operators (ADMIN_USER_IDS) about a fault they must act on.

A full disk fails every write, so the alert is rate-limited: at most one per interval, whatever
the number of failures, and the log carries one line per failure meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from telegram import Bot
from telegram.error import TelegramError

from bot.telegram.privacy import pseudonym

log = logging.getLogger(__name__)

ALERT_INTERVAL = 600.0  # seconds: at most one alert per ten minutes


class OperatorAlerts:
    """Sends an alert unless one went out less than `interval` seconds ago (by `clock`)."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, interval: float = ALERT_INTERVAL
    ) -> None:
        self.clock = clock
        self.interval = interval
        self._last: float | None = None

    def due(self) -> bool:
        return self._last is None or self.clock() - self._last >= self.interval

    async def send(self, bot: Bot, operators: Iterable[int], text: Callable[[int], str]) -> bool:
        """Send each operator `text(operator)` (HTML, in the language their private chat chose)
        if an alert is due; True when one was sent."""
        if not self.due():
            return False
        self._last = self.clock()  # before awaiting: a second failure meanwhile is not due
        for user_id in sorted(operators):
            try:
                await bot.send_message(user_id, text(user_id))
            except TelegramError as error:
                log.warning("alert not delivered to operator %s: %s", pseudonym(user_id), error)
        return True
