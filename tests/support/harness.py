"""A running bot against the fake Bot API server: the real Application, real HTTP, loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.engine import QAEngine
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.request import AiohttpRequest
from tests.support.fakeapi import Call, FakeBotAPI

ADMIN_ID = 4242
# The bot's Application with whatever context types build_application chose.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def loopback_request(read_timeout: float = 5.0) -> AiohttpRequest:
    """The bot's own HTTP layer with short timeouts, as loopback allows."""
    return AiohttpRequest(
        connection_pool_size=16, read_timeout=read_timeout, write_timeout=5.0, connect_timeout=5.0
    )


def bot_settings(api: FakeBotAPI, tmp_path: Path, **overrides: object) -> Settings:
    settings = Settings(
        token=api.token,
        api_base_url=api.base_url,
        admin_user_ids=frozenset({ADMIN_ID}),
        database_path=tmp_path / "bot.sqlite3",
    )
    # mypy cannot match **overrides against Settings' fields; replace() checks them at run time.
    return replace(settings, **overrides)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bot(
    api: FakeBotAPI,
    engine: QAEngine,
    settings: Settings,
    *,
    overall_rate: float = 1000,
    read_timeout: float = 5.0,
) -> AsyncIterator[AnyApplication]:
    """Start the application with long polling, running the same start-up and shutdown hooks
    as `run_polling` (command menu, resumed broadcasts, digest schedule, log flush)."""
    application = build_application(
        settings,
        engine,
        overall_rate=overall_rate,
        request=loopback_request(read_timeout),
        get_updates_request=loopback_request(10.0),
    )
    assert application.post_init and application.post_stop and application.post_shutdown
    async with application:
        await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_stop(application)
    await application.post_shutdown(application)


async def reply_latency(api: FakeBotAPI, user: int, text: str, *, delay: float = 0.0) -> float:
    """Seconds from a user's private message (sent after `delay`) to the bot's reply."""
    await asyncio.sleep(delay)
    before = len(api.calls)
    asked = time.monotonic()
    api.send_text(text, chat_id=user, user_id=user)
    [reply] = await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == user, after=before, timeout=120
    )
    return reply.at - asked


def to_chat(chat_id: int | str) -> Callable[[Call], bool]:
    """Matches the bot's calls addressed to one chat."""
    return lambda call: call.params.get("chat_id") == chat_id


async def say(
    api: FakeBotAPI,
    text: str,
    *,
    user_id: int = ADMIN_ID,
    chat_id: int | None = None,
    chat_type: str = "private",
    replies: int = 1,
    **options: object,
) -> list[Call]:
    """Send a message (in the sender's private chat unless `chat_id` says otherwise) and wait
    for the bot's replies in that chat, answered whether or not Telegram accepted them."""
    chat = user_id if chat_id is None else chat_id
    before = len(api.calls)
    api.send_text(text, chat_id=chat, user_id=user_id, chat_type=chat_type, **options)  # type: ignore[arg-type]  # the fake's keyword options, checked there
    return await api.wait_for("sendMessage", to_chat(chat), count=replies, after=before)
