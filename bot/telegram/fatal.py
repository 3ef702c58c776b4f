"""The one way the bot stops itself: a fault it cannot serve through (the database file
deleted under it, the token revoked) is logged once, in one line, and the process exits with a
non-zero status, so a supervisor or restart policy notices and starts it again."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class FatalStop:
    """Records the first fatal reason and asks the application to stop.

    `stop` is wired by run_bot to `Application.stop_running`; without it (tests driving the
    application themselves) the reason is only recorded and logged."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.stop: Callable[[], None] = lambda: None

    @property
    def stopping(self) -> bool:
        return self.reason is not None

    def trigger(self, line: str) -> None:
        """Log `line` and stop; later calls (the same fault seen again) do nothing."""
        if self.reason is not None:
            return
        self.reason = line
        log.critical("%s", line)
        self.stop()

    @property
    def exit_status(self) -> int:
        return 1 if self.reason is not None else 0
