"""/healthz, /readyz and /metrics (issue 13): beside the webhook path in webhook mode, on
HEALTH_PORT in polling mode (a small aiohttp server of its own), nowhere otherwise.

They need no secret, so they say nothing one could misuse: no token, no secret, no path, no
user id, no message text, no error message (a store's may name its file or its URL), only a
fixed one-line reason. They answer GET (and HEAD) only, and refuse a request with a body
unread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from http import HTTPStatus

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.store.claims import SENDER_LEASE
from bot.telegram.state import BotState
from bot.telegram.webhook import listen

log = logging.getLogger(__name__)

STORE_SECONDS = 1.0  # how long /readyz waits for the store's answer
NO_KNOWLEDGE = "not ready: no knowledge base is loaded"
STORE_SLOW = f"not ready: the store did not answer within {STORE_SECONDS:g} s"
STORE_DOWN = "not ready: the store does not answer"


class Health:
    """The three handlers over one application's state."""

    def __init__(self, state: BotState) -> None:
        self.state = state
        self._probe: asyncio.Task[None] | None = None  # one store read at a time

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/healthz", self.healthz),
            web.get("/readyz", self.readyz),
            web.get("/metrics", self.metrics),
        ]

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        """The process is alive: its event loop answers."""
        return _no_body(request) or web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.StreamResponse:
        """200 when a knowledge base answers and the store answers a cheap read in time."""
        refused = _no_body(request)
        if refused is not None:
            return refused
        reason = await self.not_ready()
        if reason is not None:
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE, text=reason + "\n")
        return web.Response(text="ready\n")

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        """The Prometheus text format, with the knowledge base's current version."""
        refused = _no_body(request)
        if refused is not None:
            return refused
        metrics = self.state.metrics
        engine = getattr(self.state, "engine", None)
        if engine is not None:
            await metrics.knowledge(engine.kb)
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST})

    async def not_ready(self) -> str | None:
        """Why the bot cannot serve now, in one line; None when it can."""
        engine = getattr(self.state, "engine", None)
        if engine is None or not engine.kb.facts:
            return NO_KNOWLEDGE
        if self._probe is None or self._probe.done():
            # The lease row: one primary-key read, in every store implementation.
            self._probe = asyncio.ensure_future(self._read_store())
        try:
            async with asyncio.timeout(STORE_SECONDS):
                await asyncio.shield(self._probe)
        except TimeoutError:
            return STORE_SLOW
        except Exception as error:  # the store's message may name its file or URL: not shown
            log.warning("readyz: the store does not answer (%s)", type(error).__name__)
            return STORE_DOWN
        return None

    async def _read_store(self) -> None:
        await self.state.store.leases.holder(SENDER_LEASE)


def _no_body(request: web.Request) -> web.Response | None:
    """A GET carries no body; one that does is refused without reading it."""
    if not request.body_exists:
        return None
    response = web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE, text="no body accepted\n")
    response.force_close()
    return response


class HealthServer:
    """Polling mode's listener for the three routes (webhook mode serves them on PORT)."""

    def __init__(self, health: Health, listen: str, port: int) -> None:
        self.listen = listen
        self.requested_port = port
        self.app = web.Application(client_max_size=1024)
        self.app.router.add_routes(health.routes())
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the health server is not listening")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Listen; ListenError (one line: where and why) when that is impossible."""
        self._runner = await listen(self.app, self.listen, self.requested_port)
        log.info("health: /healthz, /readyz, /metrics on %s port %d", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            with contextlib.suppress(Exception):
                await runner.cleanup()
