"""How calls reach the fake and how its answers look: Telegram's URL layout, request
encodings and error shape, served by tornado.

PTB sends parameters form-encoded, strings as they are and everything else as JSON text, so
the fake has to know which parameters are strings to hand tests the values the bot meant.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httputil
import tornado.web

JSON = dict[str, Any]
# Answers one call: (token, method, decoded parameters) -> (HTTP status, JSON body).
Serve = Callable[[str, str, JSON], Awaitable[tuple[int, JSON]]]

# Parameters of the remaining methods that Telegram types as String: "123" or "true" in these
# must stay text instead of being JSON-decoded into a number or a boolean.
STRING_PARAMS = frozenset(
    {
        "business_connection_id",
        "callback_query_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "next_offset",
        "parse_mode",
        "secret_token",
        "text",
        "url",
    }
)
# Telegram types chat_id as "Integer or String" (a numeric id or an @username).
CHAT_ID = "chat_id"
_INTEGER_RE = re.compile(r"-?\d+")
_LOG = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer, shaped like Telegram's: ok=false, error_code, description, parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram would answer with."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: JSON | None = None) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix, which PTB maps to BadRequest."""
    return ApiError(400, f"Bad Request: {detail}", parameters)


def decode_value(name: str, raw: str) -> Any:
    """Undo PTB's form encoding: strings travel as-is, everything else as JSON text."""
    if name in STRING_PARAMS:
        return raw
    if name == CHAT_ID:
        return int(raw) if _INTEGER_RE.fullmatch(raw) else raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    # PTB never JSON-encodes strings, so a JSON string literal here was meant literally.
    return raw if isinstance(value, str) else value


def parse_params(request: tornado.httputil.HTTPServerRequest) -> JSON:
    """Collect parameters the ways Telegram accepts them: query string, form or JSON body.

    Raises ValueError for a body Telegram could not read either. File uploads are not
    decoded: the bot sends none.
    """
    params: JSON = {}
    for name, values in request.query_arguments.items():
        params[name] = decode_value(name, values[-1].decode("utf-8"))
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
            for name, value in body.items():
                params[name] = (
                    decode_value(name, value)
                    if name == CHAT_ID and isinstance(value, str)
                    else value
                )
        return params
    for name, values in request.body_arguments.items():
        params[name] = decode_value(name, values[-1].decode("utf-8"))
    return params


class Inflight:
    """Requests being answered, so stopping can let them finish before closing connections."""

    def __init__(self) -> None:
        self.count = 0


class _MethodHandler(tornado.web.RequestHandler):
    """``/bot<token>/<method>``, by GET or POST, as Telegram serves it."""

    def initialize(self, serve: Serve, inflight: Inflight) -> None:
        self.serve = serve
        self.inflight = inflight

    async def get(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def _answer(self, token: str, method: str) -> None:
        self.inflight.count += 1
        try:
            try:
                params = parse_params(self.request)
            except ValueError as exc:
                status, payload = 400, bad_request(f"can't parse request: {exc}").payload()
            else:
                status, payload = await self.serve(token, method, params)
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(payload, ensure_ascii=False))
        finally:
            self.inflight.count -= 1


class _NotFound(tornado.web.RequestHandler):
    """Telegram answers any other path with a JSON 404."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))


def application(serve: Serve, inflight: Inflight) -> tornado.web.Application:
    """The tornado application serving the Bot API's URL layout."""
    return tornado.web.Application(
        [
            (
                r"/bot([^/]+)/([A-Za-z0-9_]+)/?",
                _MethodHandler,
                {"serve": serve, "inflight": inflight},
            )
        ],
        default_handler_class=_NotFound,
        log_function=lambda handler: _LOG.debug("%d %s", handler.get_status(), handler.request.uri),
    )
