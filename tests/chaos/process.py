"""The bot as a real process (`python -m bot run`) against the fake Bot API in this process,
and a fake Bot API that can SIGKILL it at exact points of a send: the tools of the kill tests
(tests/e2e/test_kill.py) and of `make chaos` (tests/chaos/run.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any

from bot.store import open_store
from bot.store.records import AnnouncementOrigin, ChatId
from tests.conftest import ROOT
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import ADMIN_ID
from tests.support.methods import Method
from tests.support.wire import JSON, ApiError

# Every variable the bot reads: the child gets only what a test gives it.
BOT_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "ADMIN_USER_IDS",
    "ANNOUNCE_CHAT_IDS",
    "DATABASE_PATH",
    "DATABASE_URL",
    "KNOWLEDGE_DIR",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "PORT",
    "LISTEN_ADDRESS",
    "HEALTH_PORT",
    "LOG_LEVEL",
)
# `python -m bot run` with the overall limit on messages to Telegram raised: what one process
# can handle, not what Telegram lets one bot send (about 30 a second).
_AT_RATE = (
    "import runpy, sys, bot.telegram.app as app; app.TELEGRAM_OVERALL_RATE = {rate}; "
    "sys.argv[0] = 'bot'; runpy.run_module('bot', run_name='__main__', alter_sys=True)"
)
NOT_DELIVERED = ApiError(502, "Bad Gateway: the client went away before Telegram took it")

SendHook = Callable[[JSON], Awaitable[bool]]


class BotProcess:
    """One `python -m bot run`, polling the fake unless `variables` set a webhook; its log goes
    to a file beside the database (or DATABASE_URL's)."""

    def __init__(
        self,
        api: FakeBotAPI,
        folder: Path,
        name: str = "bot",
        *,
        rate: float | None = None,
        **variables: str,
    ) -> None:
        self.api = api
        self.rate = rate  # messages a second to Telegram, when not Telegram's 30 (a capacity test)
        self.folder = folder
        self.log_path = folder / f"{name}.log"
        self.variables = variables  # more of the bot's settings: DATABASE_URL, WEBHOOK_URL…
        self.process: asyncio.subprocess.Process | None = None

    @property
    def database(self) -> Path:
        return self.folder / "bot.sqlite3"

    async def start(self) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in BOT_VARIABLES}
        environment.update(
            TELEGRAM_BOT_TOKEN=self.api.token,
            TELEGRAM_API_BASE_URL=self.api.base_url,
            ADMIN_USER_IDS=str(ADMIN_ID),
            DATABASE_PATH=str(self.database),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
        )
        environment.update(self.variables)
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *(("-c", _AT_RATE.format(rate=self.rate)) if self.rate else ("-m", "bot")),
                "run",
                cwd=self.folder,  # no .env of the developer's
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, the connection left as it was."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as a deploy or `docker stop` sends, then wait (SIGKILL after `timeout`)."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.kill()
            return await self.process.wait()

    async def reaped(self) -> int:
        """Wait for the exit, so the pid is free (a zombie still looks alive)."""
        assert self.process is not None
        return await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


class KillingBotAPI(FakeBotAPI):
    """The fake Bot API with a hook on each side of Telegram accepting a sendMessage.

    `before_send(params)` runs when the request arrives, before Telegram has it: returning
    True refuses it (the client died first, nothing is delivered). `after_send(params)` runs
    once Telegram stored the message, before the answer leaves: a kill there is the worst
    case, delivered but never confirmed.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.before_send: SendHook | None = None
        self.after_send: SendHook | None = None

    async def _answer(self, method: str, handler: Method, params: JSON) -> object:
        before = self.before_send if method == "sendMessage" else None
        if before is not None and await before(params):
            raise NOT_DELIVERED
        result = await super()._answer(method, handler, params)
        if method == "sendMessage" and self.after_send is not None:
            await self.after_send(params)
        return result


async def sending_announcement(
    database: Path | str, targets: list[ChatId], html: str = "<b>Kill test</b>"
) -> int:
    """An announcement the operator created and pressed Send on: 'sending', targets frozen
    (in a SQLite file, or the PostgreSQL database of a URL)."""
    with open_store(database) as store:
        number = await store.broadcasts.create_announcement(
            html=html, origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=ADMIN_ID
        )
        await store.broadcasts.start_announcement(number, targets)
    return number


def delivery_statuses(database: Path, number: int) -> dict[ChatId, str]:
    """Read-only look at the deliveries while bots may be writing (WAL allows it)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        rows = connection.execute(
            "SELECT chat_id, status FROM deliveries WHERE announcement_id = ? ORDER BY rowid",
            (number,),
        ).fetchall()
    finally:
        connection.close()
    return {chat: status for chat, status in rows}


def accepted(
    api: FakeBotAPI, chats: Collection[ChatId], prefix: str = "", *, after: int = 0
) -> Counter[ChatId]:
    """Messages Telegram accepted per chat of `chats` (since call `after`) whose HTML starts
    with `prefix`: what a chat actually received, to count copies."""
    return Counter(
        call.params["chat_id"]
        for call in api.calls[after:]
        if call.method == "sendMessage"
        and call.ok
        and call.params.get("chat_id") in chats
        and str(call.params.get("text", "")).startswith(prefix)
    )
