"""Logging set-up that can never print the bot token.

The HTTP client logs every request URL at INFO, and Bot API URLs contain the token; so httpx is
quietened and, belt and braces, every log record is scrubbed of the token as it is created, so
no handler at all (an extra file handler, an error tracker's hook, a test's log capture) sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

REDACTED = "<token>"


class TokenRedactingFilter(logging.Filter):
    """Replaces the token (and its numeric-id-free secret part) in every formatted record."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        secrets = [token, token.split(":", 1)[-1]] if token else []
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: let the handler report it
            return True
        cleaned = message
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, REDACTED)
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            scrubbed = text
            for secret in self._secrets:
                scrubbed = scrubbed.replace(secret, REDACTED)
            if scrubbed != text:
                cleaned = f"{cleaned}\n{scrubbed}"
                record.exc_info = None
                record.exc_text = None
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class StartupFailureFilter(logging.Filter):
    """PTB logs a start-up failure with a full traceback before raising it; run_bot reports
    the same failure in one clear line, so the traceback is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("telegram.ext")
            and "Bootstrap Initialize Application" in record.getMessage()
        )


class _ScrubbingRecordFactory:
    """A LogRecord factory that scrubs each record once, where it is made: a handler's filter
    protects only that handler, and PTB logs the Bot API URL (token included) at DEBUG."""

    def __init__(self, base: Callable[..., logging.LogRecord], token: str | None) -> None:
        self.base = base
        self._scrub = TokenRedactingFilter(token)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        self._scrub.filter(record)
        return record


def install_record_scrubber(token: str | None) -> None:
    """Scrub the token from every log record in the process; calling it again replaces the
    previous scrubber instead of stacking another."""
    current = logging.getLogRecordFactory()
    base = current.base if isinstance(current, _ScrubbingRecordFactory) else current
    logging.setLogRecordFactory(_ScrubbingRecordFactory(base, token))


def configure_logging(level: str, token: str | None) -> None:
    """One line per record on stderr, token-free; chatty HTTP internals only from WARNING."""
    install_record_scrubber(token)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter(token))
    handler.addFilter(StartupFailureFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
