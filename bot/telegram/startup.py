"""Start-up checks of the configuration, each failure one line naming the setting and its value.

PTB reports a base URL that answers 404 (a wrong path behind a proxy) as an invalid token, and
an HTML page as an unreadable answer, after a traceback. So the bot asks getMe once by hand
first and reads the status and body itself. Lines name the base URL, never the URL with the
token in it.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest

TELEGRAM_URL = "https://api.telegram.org/bot"


class StartupError(Exception):
    """A configuration problem found at start-up; the message is the one line to print."""


def display_url(url: str) -> str:
    """The URL without a password in it, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _not_a_bot_api(base_url: str, what: str) -> StartupError:
    return StartupError(
        f"TELEGRAM_API_BASE_URL {base_url} does not look like a Bot API: getMe answered "
        f"{what}; check the URL (Telegram's is {TELEGRAM_URL}, the token is appended to it)"
    )


def unreachable(base_url: str, error: NetworkError) -> StartupError:
    reason = "timed out" if isinstance(error, TimedOut) else error.message
    return StartupError(
        f"cannot reach the Bot API at {display_url(base_url)} ({reason}); check "
        "TELEGRAM_API_BASE_URL and the network"
    )


def refused_token(base_url: str) -> StartupError:
    return StartupError(
        f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {display_url(base_url)} (401 "
        "Unauthorized): the token is invalid or revoked; get the current one from @BotFather"
    )


async def check_bot_api(base_url: str, token: str, request: BaseRequest) -> None:
    """Ask getMe once; StartupError with the line to print when the answer is not a bot's."""
    await request.initialize()
    try:
        code, body = await request.do_request(f"{base_url}{token}/getMe", "POST")
    except NetworkError as error:
        raise unreachable(base_url, error) from None
    finally:
        await request.shutdown()
    shown = display_url(base_url)
    reply = _json(body)
    if code == HTTPStatus.UNAUTHORIZED:
        raise refused_token(base_url)
    if reply is None or "ok" not in reply:
        looks = "an HTML page" if body.lstrip()[:1] == b"<" else "something other than JSON"
        if reply is not None:
            looks = "JSON that is not a Bot API answer"
        raise _not_a_bot_api(shown, f"HTTP {code} with {looks}")
    if code == HTTPStatus.NOT_FOUND:
        raise _not_a_bot_api(shown, "404 Not Found")
    result = reply.get("result")
    if code == HTTPStatus.OK and reply.get("ok") is True:
        if isinstance(result, dict) and result.get("is_bot") is True:
            return
        raise _not_a_bot_api(shown, "without describing a bot")
    description = str(reply.get("description") or "no description")[:200]
    raise StartupError(
        f"the Bot API at {shown} refused getMe (HTTP {code}: {description}); check "
        "TELEGRAM_API_BASE_URL and TELEGRAM_BOT_TOKEN, or try again later"
    )


def failure_line(error: TelegramError, base_url: str, webhook_url: str | None) -> str:
    """The line for a Bot API error that stopped run_polling or run_webhook from starting."""
    if isinstance(error, InvalidToken):
        return str(refused_token(base_url))
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return str(unreachable(base_url, error))
    if webhook_url is not None:
        return f"the Bot API refused WEBHOOK_URL {webhook_url}: {error.message}"
    return f"the Bot API at {display_url(base_url)} refused to start the bot: {error.message}"
