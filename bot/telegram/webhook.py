"""Webhook mode: our own small aiohttp server in front of the Application's update queue.

PTB's built-in server (tornado) reads a whole body before it looks at the secret header, has no
body limit and no cap on concurrent requests. Here every request is judged on its headers first:
the secret (compared in constant time), the content type and the declared length, so a request
from anyone but Telegram is refused before a byte of its body is read. The body of an accepted
request is read up to MAX_BODY, whatever its framing (Content-Length or chunked).

At most MAX_CONCURRENT accepted requests are handled at once; one more gets 503 with Retry-After
at once rather than waiting (Telegram retries it, and setWebhook's max_connections keeps
Telegram itself within the cap). A refused body is never stored: after the answer, what the
client still sends is discarded for at most LINGER_SECONDS, then the connection is closed (a
close with unread data would reset the connection and could lose the answer on its way).

The server is an aiohttp application, so issue 13's /healthz, /readyz and /metrics can be
added beside the webhook path on the same port (`routes=`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

from aiohttp import HttpVersion11, hdrs, web
from telegram import Bot, Update
from telegram.ext import Application

from bot.settings import Settings, derived_webhook_secret
from bot.store import is_postgres_url
from bot.telegram.redelivery import RecentUpdates, SharedUpdates, UpdateLedger

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few KB; a message with the longest text and entities stays far below.
MAX_BODY = 1024 * 1024
# Also given to setWebhook as max_connections (Telegram's default is 40).
MAX_CONCURRENT = 40
# An accepted request that trickles its body in holds a slot; it gets this long, then 408.
BODY_SECONDS = 10.0
# In-flight requests get this long to finish when the server stops.
SHUTDOWN_SECONDS = 5.0
# After refusing a request, discard (never keep) the rest of its body this long, then close.
LINGER_SECONDS = 1.0
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class WebhookConfig:
    """Where to listen and what to register with Telegram."""

    url: str  # the public https URL Telegram posts to
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    max_body: int = MAX_BODY
    max_concurrent: int = MAX_CONCURRENT
    body_seconds: float = BODY_SECONDS

    @property
    def path(self) -> str:
        return "/" + webhook_path(self.url)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookConfig:
        if settings.webhook_url is None or settings.token is None:
            raise ValueError("webhook mode needs WEBHOOK_URL and TELEGRAM_BOT_TOKEN")
        return cls(
            url=settings.webhook_url,
            secret=settings.webhook_secret or derived_webhook_secret(settings.token),
            listen=settings.listen_address,
            port=settings.port,
        )


def webhook_path(url: str) -> str:
    """The path Telegram will post to, so a reverse proxy can forward it unchanged."""
    return urlparse(url).path.lstrip("/") or "telegram"


class ListenError(OSError):
    """The server cannot listen where it was told to; the message says where and why."""


async def listen(app: web.Application, address: str, port: int) -> web.AppRunner:
    """Serve `app` on `address` and `port` (0: any free one): requests in flight get
    SHUTDOWN_SECONDS at the stop, a refused body's rest LINGER_SECONDS; ListenError, one line
    saying where and why, when that address and port cannot be had."""
    runner = web.AppRunner(
        app, access_log=None, lingering_time=LINGER_SECONDS, shutdown_timeout=SHUTDOWN_SECONDS
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, address, port).start()
    except OSError as error:
        await runner.cleanup()
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise ListenError(f"cannot listen on {address} port {port}: {reason}") from None
    return runner


class _RefusedError(Exception):
    """A request answered with `status` before (or while) its body was read."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class WebhookServer:
    """Receives Telegram's POSTs and puts each new update on the Application's queue."""

    def __init__(
        self,
        config: WebhookConfig,
        bot: Bot,
        queue: asyncio.Queue[object],
        *,
        ledger: UpdateLedger | None = None,
        routes: Iterable[web.RouteDef] = (),
    ) -> None:
        self.config = config
        self._queue = queue
        self._bot = bot
        self._ledger: UpdateLedger = ledger or RecentUpdates()
        self._secret = config.secret.encode()
        self._active = 0
        self._runner: web.AppRunner | None = None
        app = web.Application(client_max_size=config.max_body)
        app.router.add_route(
            hdrs.METH_POST, config.path, self._receive, expect_handler=self._expect
        )
        app.router.add_routes(list(routes))
        self.app = app

    @property
    def active(self) -> int:
        """Accepted requests being read and queued now (at most max_concurrent)."""
        return self._active

    @property
    def port(self) -> int:
        """The bound port (the configured one, or the one picked for port 0)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the webhook server is not listening")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Listen on the configured address and port; OSError when that is impossible."""
        self._runner = await listen(self.app, self.config.listen, self.config.port)

    async def stop(self) -> None:
        """Stop listening and let requests in flight finish."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _expect(self, request: web.Request) -> web.StreamResponse | None:
        """`Expect: 100-continue`: invite the body only when the headers pass."""
        try:
            self._check_headers(request)
        except _RefusedError as refused:
            return _refusal(request, refused)
        if request.version == HttpVersion11:
            if request.headers.get(hdrs.EXPECT, "").lower() != "100-continue":
                raise web.HTTPExpectationFailed(text="unknown Expect header\n")
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0
        return None

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_headers(request)
            if self._active >= self.config.max_concurrent:
                raise _RefusedError(HTTPStatus.SERVICE_UNAVAILABLE, "too many requests at once")
            self._active += 1
            try:
                await self._accept(request)
            finally:
                self._active -= 1
        except _RefusedError as refused:
            return _refusal(request, refused)
        return web.Response()

    async def _accept(self, request: web.Request) -> None:
        """Read, decode, and queue the update unless its id was already claimed (200 either
        way: a redelivery answered with an error would only be delivered again)."""
        update = self._parse(await self._read(request))
        if await self._ledger.claim(update.update_id):
            await self._queue.put(update)
        else:
            log.info("update %d was delivered again: dropped", update.update_id)

    def _check_headers(self, request: web.Request) -> None:
        """Everything that can be judged before the body: the secret first."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            log.debug("webhook request without the right secret refused")
            raise _RefusedError(HTTPStatus.FORBIDDEN, "forbidden")
        if request.content_type != "application/json":
            raise _RefusedError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "expected application/json")
        if request.headers.get(hdrs.CONTENT_ENCODING, "identity").lower() != "identity":
            raise _RefusedError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "compressed bodies are refused")
        length = request.content_length
        if length is not None and length > self.config.max_body:
            raise _RefusedError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")

    async def _read(self, request: web.Request) -> bytes:
        """The body, chunk by chunk, refused as soon as it passes the limit."""
        body = bytearray()
        try:
            async with asyncio.timeout(self.config.body_seconds):
                while chunk := await request.content.readany():
                    body += chunk
                    if len(body) > self.config.max_body:
                        raise _RefusedError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        except TimeoutError:
            raise _RefusedError(HTTPStatus.REQUEST_TIMEOUT, "body too slow") from None
        return bytes(body)

    def _parse(self, body: bytes) -> Update:
        """An Update, or 400: Telegram never sends anything else, so say so in the log."""
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            log.warning("webhook body of %d bytes is not a Telegram update: refused", len(body))
            raise _RefusedError(HTTPStatus.BAD_REQUEST, "not a Telegram update")
        try:
            return Update.de_json(data, self._bot)
        except Exception as error:  # PTB raises whatever a malformed field makes it raise
            log.warning(
                "update %d could not be decoded (%s): refused",
                data["update_id"],
                type(error).__name__,
            )
            raise _RefusedError(HTTPStatus.BAD_REQUEST, "not a Telegram update") from None


def _refusal(request: web.Request, refused: _RefusedError) -> web.Response:
    headers = {}
    if refused.status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers[hdrs.RETRY_AFTER] = str(RETRY_AFTER_SECONDS)
    response = web.Response(status=refused.status, text=refused.reason + "\n", headers=headers)
    if not request.content.is_eof():
        response.force_close()  # the rest of the body is not read: say the connection ends
    return response


def ledger_for(application: AnyApplication, settings: Settings) -> UpdateLedger:
    """Replicas on PostgreSQL claim each update id in the store, so a redelivery that reaches
    another replica is dropped there too; one process on SQLite remembers its own (a claim
    there would cost a synced write, 2 to 3 ms, per update)."""
    if is_postgres_url(settings.database):
        return SharedUpdates(application.bot_data.store.seen_updates)
    return RecentUpdates()


def run_webhook(
    application: AnyApplication, settings: Settings, *, routes: Iterable[web.RouteDef] = ()
) -> int:
    """Serve until SIGINT or SIGTERM, with the application's hooks in the order PTB's
    run_webhook runs them; like it, `application.stop_running()` stops serving. Exit status:
    0, or 1 when the server cannot listen (one line says why). `routes` are served beside the
    webhook path (/healthz, /readyz, /metrics)."""
    config = WebhookConfig.from_settings(settings)
    server = WebhookServer(
        config,
        application.bot,
        application.update_queue,
        ledger=ledger_for(application, settings),
        routes=routes,
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stopper = _Stopper(loop)
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stopper.request)
    try:
        stopper.starting = loop.create_task(start(application, server))
        loop.run_until_complete(stopper.starting)
        if not stopper.requested:
            log.info("webhook: listening on %s port %d", config.listen, server.port)
            stopper.serving = True
            loop.run_forever()  # until a signal or stop_running() stops the loop
        log.info("webhook: stopping")
    except asyncio.CancelledError:
        log.info("webhook: stopped while starting")
    except ListenError as error:
        log.error("webhook: %s (LISTEN_ADDRESS, PORT)", error)
        return 1
    finally:
        stopper.requested = True
        try:
            loop.run_until_complete(stop(application, server))
        finally:
            _close(loop)
    return 0


class _Stopper:
    """SIGINT/SIGTERM: cancel start-up while it runs, or stop serving; once.

    The loop is stopped only while it serves: a stop() between start-up's end and serving
    would also end the next run_until_complete (the shutdown) before its work is done."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.starting: asyncio.Task[None] | None = None
        self.serving = False
        self.requested = False

    def request(self) -> None:
        if self.requested:
            log.info("webhook: already stopping")
            return
        self.requested = True
        if self.serving:
            self.loop.stop()
        elif self.starting is not None and not self.starting.done():
            self.starting.cancel()


async def start(application: AnyApplication, server: WebhookServer) -> None:
    """Initialise, post_init, listen, register with Telegram, start handling updates.

    Listening comes before setWebhook, so Telegram's first POST finds the port open and a port
    that cannot be bound does not leave Telegram posting to nothing."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await server.start()
    config = server.config
    await application.bot.set_webhook(
        url=config.url,
        secret_token=config.secret,
        allowed_updates=Update.ALL_TYPES,
        max_connections=config.max_concurrent,
    )
    await application.start()


async def stop(application: AnyApplication, server: WebhookServer) -> None:
    """The reverse of `start`, with post_stop and post_shutdown, whatever stage it reached."""
    await server.stop()
    if application.running:
        await application.stop()
    # post_init may have started the bot's own tasks (the broadcaster) though the application
    # never ran (the port was taken): post_stop ends them before shutdown closes their store.
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a signal interrupted (a start-up step), then close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)
