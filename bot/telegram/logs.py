"""Logging set-up that can never print the bot token or the webhook secret, nor, from INFO up,
what people wrote.

The HTTP client logs every request URL at INFO, and Bot API URLs contain the token; PTB logs
setWebhook's parameters, secret_token included, at DEBUG. So httpx is quietened and, belt and
braces, every log record is scrubbed of both secrets as it is created, so no handler at all (an
extra file handler, an error tracker's hook, a test's log capture) sees them. PTB's rare
error records that carry a whole update or server answer (a parse failure) have that payload
withheld: our own records at INFO and above never carry message text or user ids either
(bot.telegram.privacy).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from telegram import TelegramObject

REDACTED = "<token>"
SECRET_REDACTED = "<webhook-secret>"
MIN_SECRET = 8  # shorter strings would be scrubbed out of ordinary words
PAYLOAD_CHARS = 120  # a longer string argument to a PTB record is data, not a name or a number
# PTB's DEBUG record of setWebhook's parameters, however short the secret
_SECRET_PARAMETER = re.compile(r"""(['"]?secret_token['"]?\s*[:=]\s*)(['"]?)[A-Za-z0-9_-]+\2""")


class _Withheld:
    """Stands in for a payload argument; reads the same through %s and %r."""

    def __init__(self, value: object) -> None:
        self.text = f"<{type(value).__name__} of {len(str(value))} characters withheld>"

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def _withheld(value: object) -> _Withheld:
    return _Withheld(value)


def _is_payload(value: object) -> bool:
    if isinstance(value, str):
        return len(value) > PAYLOAD_CHARS
    return isinstance(value, (dict, list, tuple, bytes, TelegramObject))


def withhold_payloads(record: logging.LogRecord) -> None:
    """PTB's records at INFO and above keep their message but not the update or server answer
    they would print (all of it is logged at DEBUG where it arrives)."""
    if record.levelno < logging.INFO or not record.name.startswith("telegram"):
        return
    args = record.args
    if isinstance(args, Mapping):  # logging unpacks a lone dict argument into a mapping
        if "%(" not in str(record.msg):
            record.args = (_withheld(args),)
        return
    if args and any(_is_payload(arg) for arg in args):
        record.args = tuple(_withheld(arg) if _is_payload(arg) else arg for arg in args)


class TokenRedactingFilter(logging.Filter):
    """Replaces the token (and its numeric-id-free secret part) and the webhook secret in
    every formatted record."""

    def __init__(self, token: str | None, webhook_secret: str | None = None) -> None:
        super().__init__()
        secrets = [token, token.split(":", 1)[-1]] if token else []
        self._secrets = [(s, REDACTED) for s in secrets if s and len(s) >= MIN_SECRET]
        if webhook_secret and len(webhook_secret) >= MIN_SECRET:
            self._secrets.append((webhook_secret, SECRET_REDACTED))
        self._webhook = webhook_secret is not None

    def _clean(self, text: str) -> str:
        for secret, replacement in self._secrets:
            text = text.replace(secret, replacement)
        if self._webhook and "secret_token" in text:
            text = _SECRET_PARAMETER.sub(rf"\1\2{SECRET_REDACTED}\2", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets and not self._webhook:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: let the handler report it
            return True
        cleaned = self._clean(message)
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            scrubbed = self._clean(text)
            if scrubbed != text:
                cleaned = f"{cleaned}\n{scrubbed}"
                record.exc_info = None
                record.exc_text = None
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class StartupFailureFilter(logging.Filter):
    """PTB logs a start-up failure (getMe, setWebhook, deleteWebhook) with a full traceback
    before raising it; run_bot reports the same failure in one clear line, so the traceback is
    dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("telegram.ext")
            and "Network Retry Loop (Bootstrap" in record.getMessage()
        )


class _ScrubbingRecordFactory:
    """A LogRecord factory that scrubs each record once, where it is made: a handler's filter
    protects only that handler, and PTB logs the Bot API URL (token included) at DEBUG."""

    def __init__(
        self, base: Callable[..., logging.LogRecord], token: str | None, webhook_secret: str | None
    ) -> None:
        self.base = base
        self._scrub = TokenRedactingFilter(token, webhook_secret)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        withhold_payloads(record)
        self._scrub.filter(record)
        return record


def install_record_scrubber(token: str | None, webhook_secret: str | None = None) -> None:
    """Scrub the token and the webhook secret from every log record in the process; calling
    it again replaces the previous scrubber instead of stacking another."""
    current = logging.getLogRecordFactory()
    base = current.base if isinstance(current, _ScrubbingRecordFactory) else current
    logging.setLogRecordFactory(_ScrubbingRecordFactory(base, token, webhook_secret))


def configure_logging(level: str, token: str | None, *, webhook_secret: str | None = None) -> None:
    """One line per record on stderr, secret-free; chatty HTTP internals only from WARNING."""
    install_record_scrubber(token, webhook_secret)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter(token, webhook_secret))
    handler.addFilter(StartupFailureFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
