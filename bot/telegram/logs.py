"""Logging set-up that can never print the bot token.

The HTTP client logs every request URL at INFO, and Bot API URLs contain the token; so httpx is
quietened and, belt and braces, every log record is scrubbed of the token before it is written.
"""

from __future__ import annotations

import logging

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
        message = record.getMessage()
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


def configure_logging(level: str, token: str | None) -> None:
    """One line per record on stderr, token-free; chatty HTTP internals only from WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter(token))
    handler.addFilter(StartupFailureFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
