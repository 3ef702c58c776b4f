"""Webhook mode on our own aiohttp server (PTB's `examples/customwebhookbot` pattern).

PTB's built-in server reads a whole request body before it looks at Telegram's secret header
and has no limit on body size or on requests in flight, so anyone who can reach the port can
make the bot buffer hundreds of megabytes. Here a request is judged on its headers first: the
secret (a constant-time compare), the path, the method, the content type and the declared
length. Only then is the body read, at most MAX_BODY_BYTES of it, chunked or not; a refused
request closes its connection instead of draining what the client still sends.

An update Telegram delivers again (it does when a reply was slow) is dropped by its update_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update

from bot.settings import Settings
from bot.telegram.state import BotApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a megabyte is generous.
MAX_BODY_BYTES = 1024 * 1024
# Telegram opens at most this many connections to a webhook (setWebhook's max_connections).
MAX_CONCURRENT = 40
BODY_SECONDS = 10.0  # to send a body of at most MAX_BODY_BYTES: a slow sender is cut off
RECENT_UPDATES = 10_000
DEFAULT_PATH = "telegram"


class SeenUpdates(Protocol):
    """Which update ids were handled already. In memory for one process; a shared store
    (INSERT … ON CONFLICT DO NOTHING on update_id, with expiry) serves several replicas."""

    async def first_time(self, update_id: int) -> bool: ...


class RecentUpdates:
    """The last `size` update ids seen, in memory."""

    def __init__(self, size: int = RECENT_UPDATES) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how the webhook listens."""

    path: str  # without the leading slash
    secret: str | None
    listen: str
    port: int
    max_body: int = MAX_BODY_BYTES
    max_concurrent: int = MAX_CONCURRENT


def webhook_path(url: str) -> str:
    """The path Telegram will post to, so a reverse proxy can forward it unchanged."""
    return urlparse(url).path.lstrip("/") or DEFAULT_PATH


def _refuse(status: int, reason: str) -> web.Response:
    """A refusal that closes the connection, so what the client still sends is never read."""
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response


class WebhookServer:
    """Accepts Telegram's POSTs and hands each new update to the application's queue."""

    def __init__(
        self, application: BotApplication, config: WebhookConfig, seen: SeenUpdates | None = None
    ) -> None:
        self.application = application
        self.config = config
        self.seen: SeenUpdates = seen or RecentUpdates()
        self._slots = asyncio.Semaphore(config.max_concurrent)
        web_app = web.Application(client_max_size=config.max_body)
        web_app.router.add_post(f"/{config.path}", self._receive)
        self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        self._site: web.TCPSite | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound (the system picks the port for 0)."""
        if not self._runner.addresses:
            raise RuntimeError("the webhook server is not listening")
        host, port = self._runner.addresses[0][:2]
        return str(host), int(port)

    async def start(self) -> None:
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.config.listen, self.config.port)
        await self._site.start()
        host, port = self.address
        log.info("webhook listening on %s:%d/%s", host, port, self.config.path)

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        refusal = self._check_headers(request)
        if refusal is not None:
            return refusal
        if self._slots.locked():
            return _refuse(503, "too many requests in flight")
        async with self._slots:
            try:
                async with asyncio.timeout(BODY_SECONDS):
                    body = await self._read_body(request)
            except TimeoutError:
                return _refuse(408, "the body took too long")
            if body is None:
                return _refuse(413, "body too large")
            return await self._accept(body)

    def _check_headers(self, request: web.Request) -> web.Response | None:
        """Everything that can be judged before reading a byte of the body."""
        secret = self.config.secret
        if secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return _refuse(403, "wrong or missing secret token")
        if request.content_type != "application/json":
            return _refuse(415, "expected application/json")
        length = request.content_length
        if length is not None and length > self.config.max_body:
            return _refuse(413, "body too large")
        return None

    async def _read_body(self, request: web.Request) -> bytes | None:
        """The body, or None as soon as it passes the limit (chunked bodies declare none)."""
        limit = self.config.max_body
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _accept(self, body: bytes) -> web.Response:
        try:
            data: Any = json.loads(body)
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        if await self.seen.first_time(update.update_id):
            await self.application.update_queue.put(update)
        else:
            log.info("update %d delivered again: dropped", update.update_id)
        return web.Response(text="ok")


def config_of(settings: Settings) -> WebhookConfig:
    if settings.webhook_url is None:
        raise ValueError("webhook mode needs WEBHOOK_URL")
    return WebhookConfig(
        path=webhook_path(settings.webhook_url),
        secret=settings.webhook_secret,
        listen=settings.listen_address,
        port=settings.port,
    )


@contextlib.asynccontextmanager
async def serving(
    application: BotApplication, settings: Settings, config: WebhookConfig
) -> AsyncIterator[WebhookServer]:
    """The application running in webhook mode, as PTB's run_webhook runs it: initialised,
    post_init, listening before Telegram is told where (setWebhook with the secret), started;
    then stopped, post_stop, shut down, post_shutdown."""
    server = WebhookServer(application, config)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await server.start()
        try:
            await application.bot.set_webhook(
                url=settings.webhook_url or "",
                secret_token=config.secret,
                allowed_updates=Update.ALL_TYPES,
                max_connections=config.max_concurrent,
            )
            await application.start()
            try:
                yield server
            finally:
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
        finally:
            await server.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run_webhook(application: BotApplication, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, or until the bot stops itself (a fatal fault)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        application.bot_data.fatal.stop = stop.set
        async with serving(application, settings, config_of(settings)):
            await stop.wait()

    asyncio.run(main())
