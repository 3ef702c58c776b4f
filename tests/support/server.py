"""FakeBotAPI: the HTTP server, update delivery (getUpdates, webhooks), call recording, waiting
and fault injection around the Bot API methods and the update builders.

Tests see Telegram only through what it would see or do: the calls the bot made (``calls``,
``wait_for``) and the updates users cause (the builders). Everything runs on 127.0.0.1 in the
test's own event loop, so no test needs a network or a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import tornado.httpserver
import tornado.netutil

from tests.support.delivery import Changes, Delivery
from tests.support.faults import FAULT_KINDS, Fault, FloodLimits
from tests.support.methods import BotMethods, Method
from tests.support.updates import UpdateBuilders
from tests.support.wire import JSON, ApiError, Inflight, application
from tests.support.world import World

_LOG = logging.getLogger(__name__)
_STOP_GRACE = 2.0  # seconds stop() lets requests in flight finish


def fake_token(bot_id: int = 777000111) -> str:
    """A well-formed token for the fake server only, assembled so no token-like literal is
    committed (secret scanners would rightly flag one)."""
    return f"{bot_id}:" + "loopback_only_".ljust(35, "x")


@dataclass
class Call:
    """One request the fake server received; ``response`` stays ``{}`` until it is answered."""

    method: str
    params: JSON
    at: float
    response: JSON
    status: int = 0

    @property
    def ok(self) -> bool:
        """Whether Telegram would have reported success."""
        return bool(self.response.get("ok"))


class FakeBotAPI(UpdateBuilders):
    """An in-process Telegram Bot API for one bot, served on a random loopback port."""

    def __init__(
        self,
        *,
        bot_id: int = 777000111,
        bot_username: str = "ThisBot",
        token: str = "",
        enforce_limits: bool = False,
        chat_admins: dict[int, set[int]] | None = None,
        port: int = 0,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.token = token or fake_token(bot_id)
        self.enforce_limits = enforce_limits
        self.url = ""
        self.base_url = ""
        self.calls: list[Call] = []  # in arrival order
        self.answered: list[Call] = []  # in the order they were answered
        self.flood_responses = 0  # 429s answered, injected or by enforce_limits
        self.world = World(bot_id, bot_username, chat_admins or {})
        self._changes = Changes()
        self._delivery = Delivery(self.world, self._changes)
        methods = {**self._delivery.table(), **BotMethods(self.world).table()}
        # Telegram matches method names case-insensitively; calls record the canonical name.
        self._methods = {name.lower(): (name, handler) for name, handler in methods.items()}
        self._faults: list[Fault] = []
        self._limits = FloodLimits()
        self._port = port
        self._server: tornado.httpserver.HTTPServer | None = None
        self._stop_event = asyncio.Event()
        self._inflight = Inflight()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 (a free port unless one was given) in the running event loop."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPI is already running")
        sockets = tornado.netutil.bind_sockets(self._port, "127.0.0.1")
        self._server = tornado.httpserver.HTTPServer(application(self._dispatch, self._inflight))
        self._server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        self.base_url = f"{self.url}/bot"
        self._delivery.stopping = False
        self._stop_event = asyncio.Event()

    async def stop(self) -> None:
        """Answer pending long polls and slow requests, then close every connection."""
        if self._server is None:
            return
        self._delivery.stopping = True
        self._stop_event.set()
        self._changes.notify()
        self._server.stop()
        deadline = time.monotonic() + _STOP_GRACE
        while self._inflight.count and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        await self._server.close_all_connections()
        self._server = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- updates --------------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update (anything without ``update_id``) for the next getUpdates."""
        return self._delivery.push(update)

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return len(self._delivery.queue)

    # -- observing ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every call to ``method`` so far (answered or not), in arrival order."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        after: int = 0,
    ) -> list[Call]:
        """Wait until ``count`` answered calls to ``method`` at index >= ``after`` match.

        Returns the first ``count`` matches. Only answered calls count, so the result and
        the server-side effects (stored messages, ...) are there when this returns.
        """
        deadline = time.monotonic() + timeout
        while True:
            matches = [
                call
                for call in self.calls[after:]
                if call.method.lower() == method.lower()
                and call.response
                and (predicate is None or predicate(call))
            ]
            if len(matches) >= count:
                return matches[:count]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._dump(method, count, after, timeout, len(matches)))
            await self.wait_changed(remaining)

    async def wait_changed(self, timeout: float) -> None:
        """Wait until a call arrives or is answered or an update is queued (or ``timeout``)."""
        await self._changes.wait(timeout)

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Parameters of every successful sendMessage, optionally only those to ``chat_id``."""
        return [call.params for call in self._successful_sends(chat_id)]

    def bot_messages(self, chat_id: int | None = None) -> list[JSON]:
        """The Message objects returned for successful sendMessage calls (for press_button)."""
        return [call.response["result"] for call in self._successful_sends(chat_id)]

    # -- fault injection ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        migrate_to_chat_id: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (optionally only for one chat) fail."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        chat_key = None if chat_id is None else self.world.resolve_chat(chat_id)["id"]
        self._faults.append(
            Fault(method, kind, times, chat_key, retry_after, migrate_to_chat_id, delay)
        )

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Who getChatMember reports as administrators of a chat."""
        self.world.admins[chat_id] = set(user_ids)

    def forbid_chat(self, chat_id: int | str) -> None:
        """Every send/edit to this chat gets 403 from now on (the user blocked the bot)."""
        chat = self.world.resolve_chat(chat_id)
        self.world.forbidden[chat["id"]] = "Forbidden: bot was blocked by the user"

    # -- answering ------------------------------------------------------------------------

    async def _dispatch(self, token: str, method: str, params: JSON) -> tuple[int, JSON]:
        """Record the call, answer it, and store the answer on the Call."""
        entry = self._methods.get(method.lower())
        call = Call(entry[0] if entry else method, params, time.monotonic(), {})
        self.calls.append(call)
        self._changes.notify()
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            result = await self._answer(entry[0], entry[1], params)
            status, response = 200, {"ok": True, "result": result}
        except ApiError as err:
            status, response = err.code, err.payload()
            if err.code == 429:
                self.flood_responses += 1
        except Exception as exc:  # a bug in the fake must not look like a hang
            _LOG.exception("FakeBotAPI failed on %s %r", method, params)
            status = 500
            response = {"ok": False, "error_code": 500, "description": f"FakeBotAPI bug: {exc!r}"}
        call.status, call.response = status, response
        self.answered.append(call)
        self._changes.notify()
        return status, response

    async def _answer(self, method: str, handler: Method, params: JSON) -> object:
        """Injected faults, blocked/migrated chats and flood limits, then the method itself."""
        fault = self._take_fault(method, params)
        if fault is not None:
            error = fault.error(params)
            if error is not None:
                raise error
            with contextlib.suppress(TimeoutError):  # a slow answer, cut short by stop()
                await asyncio.wait_for(self._stop_event.wait(), fault.delay)
        if method.startswith(("send", "edit")) and "chat_id" in params:
            chat_id = self.world.resolve_chat(params["chat_id"])["id"]
            self.world.check_reachable(chat_id)
            if method == "sendMessage" and self.enforce_limits:
                self._limits.check(chat_id)
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        for fault in self._faults:
            if fault.method.lower() != method.lower():
                continue
            if fault.chat_key is not None:
                if "chat_id" not in params:
                    continue
                if self.world.resolve_chat(params["chat_id"])["id"] != fault.chat_key:
                    continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _dump(self, method: str, count: int, after: int, timeout: float, found: int) -> str:
        """The wait_for failure message: what was expected and the last 40 calls."""
        lines = [
            f"FakeBotAPI: timed out after {timeout}s waiting for {count} answered {method} "
            f"call(s) at index >= {after}; {found} matched. Calls received:"
        ]
        for index, call in enumerate(self.calls):
            if index < len(self.calls) - 40:
                continue
            params = json.dumps(call.params, ensure_ascii=False, default=str)
            if len(params) > 200:
                params = params[:200] + "..."
            answer = (
                "(pending)"
                if not call.response
                else "ok"
                if call.ok
                else f"{call.status} {call.response.get('description')}"
            )
            lines.append(f"  #{index} {call.method} {params} -> {answer}")
        lines.append(f"  {self.pending_updates} update(s) not yet confirmed by getUpdates")
        return "\n".join(lines)

    def _successful_sends(self, chat_id: int | None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == "sendMessage"
            and call.ok
            and (
                chat_id is None
                or call.params.get("chat_id") == chat_id
                or call.response["result"]["chat"]["id"] == chat_id
            )
        ]
