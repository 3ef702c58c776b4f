"""The bot as replicas (issue 13): `python -m bot run` processes in webhook mode on one
PostgreSQL database, and a balancer that spreads Telegram's updates over them round-robin, as
the deployment's proxy does (deploy/compose.yaml). Used by tests/e2e/test_replicas.py and by
`make bench`."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp

from tests.chaos.process import BotProcess
from tests.support.fakeapi import FakeBotAPI

SECRET = "replica-secret"
PUBLIC_URL = "https://example.invalid/telegram/hook"
PATH = "/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
READY_LINE = "webhook: listening on"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Replica(BotProcess):
    """One replica: a webhook on its own loopback port, the shared database (DATABASE_URL;
    without one, the SQLite file beside its log: one process, for comparison)."""

    def __init__(
        self,
        api: FakeBotAPI,
        folder: Path,
        name: str,
        database_url: str | None,
        *,
        rate: float | None = None,
        **variables: str,
    ) -> None:
        self.port = free_port()
        if database_url is not None:
            variables["DATABASE_URL"] = database_url
        super().__init__(
            api,
            folder,
            name,
            rate=rate,
            WEBHOOK_URL=PUBLIC_URL,
            WEBHOOK_SECRET=SECRET,
            PORT=str(self.port),
            LISTEN_ADDRESS="127.0.0.1",
            **variables,
        )

    async def ready(self, timeout: float = 60.0) -> None:
        """Until the replica listens (its start-up hooks have run)."""
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log():
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"{self.log_path.name} exited:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.log_path.name} not ready:\n{self.log()}")
            await asyncio.sleep(0.05)


def text_update(update_id: int, text: str, user_id: int) -> dict[str, object]:
    """A private message, as Telegram posts it to a webhook."""
    user = {"id": user_id, "is_bot": False, "first_name": "Replica"}
    message: dict[str, object] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Replica"},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):  # as Telegram marks a command
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


class Balancer:
    """Round-robin over the replicas' ports. A replica that cannot be reached (down, or not
    yet up) is skipped for the next, as the proxy's retry does."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.replicas = replicas
        self._next: Iterator[int] = itertools.cycle(range(len(replicas)))
        self._session: aiohttp.ClientSession | None = None
        self.busy = 0  # answers 503 (too busy): delivered again later

    async def __aenter__(self) -> Balancer:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def deliver(self, update: dict[str, object], *, to: int | None = None) -> int:
        """POST one update (to replica `to`, else the next in turn): the status answered. A
        replica too busy to take it (503) gets it again after its Retry-After, as Telegram
        does; `busy` counts those."""
        assert self._session is not None
        tried = 0
        while True:
            index = next(self._next) if to is None else to
            port = self.replicas[index].port
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{port}{PATH}", json=update, headers={HEADER: SECRET}
                ) as answer:
                    if answer.status != 503:
                        return answer.status
                    self.busy += 1
                    await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
            except aiohttp.ClientConnectionError:
                tried += 1
                if to is not None or tried >= len(self.replicas):
                    raise
