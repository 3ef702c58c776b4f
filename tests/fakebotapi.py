"""A fake Telegram Bot API server on 127.0.0.1, so end-to-end tests run the real bot offline.

The real python-telegram-bot ``Application`` talks to it over HTTP exactly as it talks to
Telegram: ``ApplicationBuilder().token(api.token).base_url(api.base_url)``. Tests queue updates
(``send_text``, ``press_button``, ...), let the bot poll them with ``getUpdates``, and then look at
what the bot called (``calls``, ``wait_for``, ``sent_messages``). Faults Telegram really produces
(flood limits, blocked users, migrated groups, 5xx, slow answers) can be injected on demand.

Standalone demo: ``python tests/fakebotapi.py --port 8081`` prints the base URL and token to
point a bot at, then turns every line typed on stdin into a private-chat message and prints the
bot's replies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import html
import inspect
import json
import logging
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

JSON = dict[str, Any]

_LOG = logging.getLogger(__name__)


def fake_token(bot_id: int = 777000111) -> str:
    """A well-formed token for the fake server only, assembled so no token-like literal is
    committed (secret scanners would rightly flag one)."""
    return f"{bot_id}:" + "loopback_only_".ljust(35, "x")


# Update types Telegram leaves out unless they are asked for by name in allowed_updates.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters Telegram types as String: PTB sends strings unencoded, so "123" or "true" in these
# must stay text instead of being JSON-decoded into a number or a boolean.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "custom_emoji_id",
        "custom_title",
        "data",
        "description",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "game_short_name",
        "inline_message_id",
        "inline_query_id",
        "invite_link",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "phone_number",
        "pre_checkout_query_id",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "shipping_query_id",
        "short_description",
        "start_parameter",
        "sticker_set_name",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "title",
        "url",
        "vcard",
        "web_app_query_id",
    }
)
# Parameters Telegram types as "Integer or String" (a numeric id or an @username).
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id", "sender_chat_id"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_FORBIDDEN_BY_CHAT_TYPE = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}
_FAULT_KINDS = frozenset(
    {"server_error", "flood", "forbidden", "bad_request", "migrated", "timeout"}
)
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{3,32}\b")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-emoji",
        "tg-spoiler",
        "tg-time",
        "u",
    }
)
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_MARKS = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler"}


@dataclass
class Call:
    """One request the fake server received; ``response`` stays ``{}`` until it is answered."""

    method: str
    params: dict[str, Any]
    at: float
    response: dict[str, Any]
    status: int = 0

    @property
    def ok(self) -> bool:
        """Whether Telegram would have reported success."""
        return bool(self.response.get("ok"))


@dataclass
class _Fault:
    """A pending ``fail_next`` rule."""

    method: str
    kind: str
    times: int
    chat_key: int | None
    retry_after: int
    migrate_to_chat_id: int | None
    delay: float


class _ApiError(Exception):
    """An error answer, shaped like Telegram's: ok=false, error_code, description, parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str, parameters: JSON | None = None) -> _ApiError:
    return _ApiError(400, f"Bad Request: {detail}", parameters)


def _utf16_len(text: str) -> int:
    """Telegram measures text, offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports parse errors at UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


def _decode_value(name: str, raw: str) -> Any:
    """Undo PTB's form encoding: strings travel as-is, everything else as JSON text."""
    if name in _STRING_PARAMS:
        return raw
    if name in _CHAT_ID_PARAMS:
        return int(raw) if re.fullmatch(r"-?\d+", raw) else raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    # PTB never JSON-encodes strings, so a JSON string literal here was meant literally.
    return raw if isinstance(value, str) else value


def _parse_params(request: tornado.httputil.HTTPServerRequest) -> JSON:
    """Collect parameters the ways Telegram accepts them: query string, form, multipart, JSON."""
    params: JSON = {}
    for name, values in request.query_arguments.items():
        params[name] = _decode_value(name, values[-1].decode("utf-8"))
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
            for name, value in body.items():
                if name in _CHAT_ID_PARAMS and isinstance(value, str):
                    value = _decode_value(name, value)
                params[name] = value
        return params
    for name, values in request.body_arguments.items():
        params[name] = _decode_value(name, values[-1].decode("utf-8"))
    for name, files in request.files.items():
        upload = files[-1]
        params[name] = {
            "filename": upload.filename,
            "content_type": upload.content_type,
            "size": len(upload.body),
        }
    return params


def _parse_error(text: str, index: int, detail: str) -> _ApiError:
    return _bad_request(f"can't parse entities: {detail.format(offset=_byte_offset(text, index))}")


def _render_html(text: str) -> str:
    """Strip Telegram-HTML to the visible text, rejecting markup Telegram would reject."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while (start := text.find("<", pos)) != -1:
        out.append(text[pos:start])
        match = _HTML_TAG_RE.match(text, start)
        if match is None:
            raise _parse_error(text, start, 'Unsupported start tag "" at byte offset {offset}')
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _HTML_TAGS:
            raise _parse_error(
                text, start, f'Unsupported start tag "{tag}" at byte offset {{offset}}'
            )
        if not closing:
            stack.append(tag)
        elif not stack or stack[-1] != tag:
            expected = f'"</{stack[-1]}>"' if stack else "no end tag"
            raise _parse_error(
                text,
                start,
                f"Unmatched end tag at byte offset {{offset}}, expected {expected}, "
                f'found "</{tag}>"',
            )
        else:
            stack.pop()
        pos = match.end()
    if stack:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    out.append(text[pos:])
    return html.unescape("".join(out))


def _find_unescaped(text: str, token: str, start: int) -> int:
    """Index of the next ``token`` at or after ``start`` that is not backslash-escaped, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(token, i):
            return i
        i += 1
    return -1


def _unescape_markdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _render_markdown_v2(text: str) -> str:
    """Strip MarkdownV2 to the visible text; unescaped reserved characters are errors."""
    out: list[str] = []
    open_marks: dict[str, int] = {}
    links: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        line_start = i == 0 or text[i - 1] == "\n"
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif text.startswith("```", i):
            end = _find_unescaped(text, "```", i + 3)
            if end == -1:
                raise _parse_error(text, i, "Can't find end of Pre entity at byte offset {offset}")
            body = text[i + 3 : end]
            first, newline, rest = body.partition("\n")
            if newline and re.fullmatch(r"[A-Za-z0-9_+#-]*", first):
                body = rest
            out.append(_unescape_markdown(body))
            i = end + 3
        elif char == "`":
            end = _find_unescaped(text, "`", i + 1)
            if end == -1:
                raise _parse_error(text, i, "Can't find end of Code entity at byte offset {offset}")
            out.append(_unescape_markdown(text[i + 1 : end]))
            i = end + 1
        elif text.startswith(("||", "__"), i) or char in "*_~":
            mark = text[i : i + 2] if text.startswith(("||", "__"), i) else char
            if mark in open_marks:
                del open_marks[mark]
            else:
                open_marks[mark] = i
            i += len(mark)
        elif char == "[" or (char == "!" and text.startswith("[", i + 1)):
            links.append(i)
            i += 1 if char == "[" else 2
        elif char == "]" and links:
            links.pop()
            if not text.startswith("(", i + 1):
                raise _parse_error(
                    text, i, "Can't find end of TextUrl entity at byte offset {offset}"
                )
            end = _find_unescaped(text, ")", i + 2)
            if end == -1:
                raise _parse_error(text, i, "Can't find end of a URL at byte offset {offset}")
            i = end + 1
        elif char == ">" and line_start:
            i += 1
        elif char in _MDV2_RESERVED:
            raise _parse_error(
                text,
                i,
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'",
            )
        else:
            out.append(char)
            i += 1
    if links:
        raise _parse_error(
            text, links[0], "Can't find end of TextUrl entity at byte offset {offset}"
        )
    if open_marks:
        mark, index = min(open_marks.items(), key=lambda item: item[1])
        raise _parse_error(
            text, index, f"Can't find end of {_MDV2_MARKS[mark]} entity at byte offset {{offset}}"
        )
    return "".join(out)


def _render_markdown(text: str) -> str:
    """Strip legacy Markdown to the visible text; an unclosed ``*``, ``_`` or ``` ` ``` fails."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        token = "```" if text.startswith("```", i) else char
        if token in ("```", "*", "_", "`"):
            end = text.find(token, i + len(token))
            if end == -1:
                raise _parse_error(
                    text, i, "Can't find end of the entity starting at byte offset {offset}"
                )
            out.append(text[i + len(token) : end])
            i = end + len(token)
            continue
        if char == "[":
            close = text.find("]", i + 1)
            if close != -1 and text.startswith("(", close + 1):
                end = text.find(")", close + 2)
                if end == -1:
                    raise _parse_error(
                        text, i, "Can't find end of the entity starting at byte offset {offset}"
                    )
                out.append(text[i + 1 : close])
                i = end + 1
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _render(text: str, parse_mode: Any) -> str:
    """The text Telegram would show for ``text`` in ``parse_mode`` (raises like Telegram)."""
    mode = str(parse_mode or "").lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return _render_markdown(text)
    if mode:
        raise _bad_request(f"unsupported parse_mode {parse_mode}")
    return text


def _text_entities(text: str) -> list[JSON]:
    """Entities the Telegram client would attach: a leading /command and @mentions."""
    entities: list[JSON] = []
    command = _COMMAND_RE.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])})
    for mention in _MENTION_RE.finditer(text):
        if command and mention.start() < command.end():
            continue
        entities.append(
            {
                "type": "mention",
                "offset": _utf16_len(text[: mention.start()]),
                "length": _utf16_len(mention[0]),
            }
        )
    return entities


def _strip_reply(message: JSON) -> JSON:
    """Telegram nests replies only one level deep."""
    reply = copy.deepcopy(message)
    reply.pop("reply_to_message", None)
    return reply


def _message_of(obj: JSON) -> JSON:
    """Accept a Message, an update carrying one, or a ``{"ok", "result"}`` response."""
    if "message_id" in obj:
        return obj
    if isinstance(obj.get("result"), dict):
        return _message_of(obj["result"])
    for value in obj.values():
        if isinstance(value, dict) and "message_id" in value:
            return value
    raise ValueError(f"no message in {obj!r}")


def _member(user: JSON, status: str, *, can_post_messages: bool | None = None) -> JSON:
    """A ChatMember of the given status with every field PTB requires for it (and, for a
    channel administrator, the channel-only right to post)."""
    member: JSON = {"status": status, "user": user}
    if status == "administrator" and can_post_messages is not None:
        member["can_post_messages"] = can_post_messages
    if status == "administrator":
        member.update(
            dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                    "can_pin_messages",
                ),
                True,
            )
        )
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "restricted":
        member.update(
            dict.fromkeys(
                (
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_send_messages",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_manage_topics",
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_edit_tag",
                    "can_react_to_messages",
                ),
                False,
            )
        )
        member.update(is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    return member


class _Handler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` to the FakeBotAPI that owns the server."""

    def initialize(self, api: FakeBotAPI) -> None:
        self.api = api

    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def _serve(self, token: str, method: str) -> None:
        self.api._inflight += 1
        try:
            try:
                params = _parse_params(self.request)
            except ValueError as exc:
                status, payload = 400, _bad_request(f"can't parse request: {exc}").payload()
            else:
                status, payload = await self.api._dispatch(token, method, params)
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(payload, ensure_ascii=False))
        finally:
            self.api._inflight -= 1


class _NotFound(tornado.web.RequestHandler):
    """Telegram answers any other path with a JSON 404."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))


class FakeBotAPI:
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
        self.base_file_url = ""
        self.calls: list[Call] = []
        self.flood_responses = 0
        self._port = port
        self._server: tornado.httpserver.HTTPServer | None = None
        self._stopping = False
        self._stop_event: asyncio.Event | None = None
        self._changed = asyncio.Event()
        self._inflight = 0
        self._answered: list[Call] = []
        self._methods: dict[str, tuple[str, Callable[[JSON], Any]]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("answerInlineQuery", self._answer_inline_query),
            ("setMyCommands", self._set_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
            ("getChatMember", self._get_chat_member),
            ("getChatAdministrators", self._get_chat_administrators),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("close", lambda _params: True),
            ("logOut", lambda _params: True),
        ):
            self._methods[name.lower()] = (name, handler)
        # Telegram-side state.
        self._bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_username,
            "username": bot_username,
        }
        self._users: dict[int, JSON] = {bot_id: self._bot_user}
        self._chats: dict[int, JSON] = {}
        self._channel_ids: dict[str, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_message_id: dict[int, int] = {}
        self._admins: dict[int, set[int]] = {
            chat: set(users) for chat, users in (chat_admins or {}).items()
        }
        self._forbidden: dict[int, str] = {}
        self._migrated: dict[int, int] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._callback_ids: set[str] = set()
        self._inline_ids: set[str] = set()
        self._faults: list[_Fault] = []
        # Update queue and long polling.
        self._queue: list[JSON] = []
        self._last_update_id = 0
        self._last_object_id = 4_000_000_000_000_000_000
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        # enforce_limits bookkeeping.
        self._recent_sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}
        self._private_tokens: dict[int, tuple[float, float]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 (a free port unless one was given) in the running event loop."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPI is already running")
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _Handler, {"api": self})],
            default_handler_class=_NotFound,
            log_function=lambda handler: _LOG.debug(
                "%d %s", handler.get_status(), handler.request.uri
            ),
        )
        sockets = tornado.netutil.bind_sockets(self._port, "127.0.0.1")
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/bot"
        self.base_file_url = f"{self.url}/file/bot"
        self._stopping = False
        self._stop_event = asyncio.Event()

    async def stop(self) -> None:
        """Answer pending long polls and slow requests, then close every connection."""
        if self._server is None:
            return
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()
        self._notify()
        self._server.stop()
        deadline = time.monotonic() + 2.0
        while self._inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        await self._server.close_all_connections()
        self._server = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ updates

    def push_update(self, update: dict) -> dict:
        """Queue a raw update (anything without ``update_id``) for the next getUpdates."""
        if "update_id" in update:
            raise ValueError("push_update assigns update_id itself")
        self._last_update_id += 1
        queued = {"update_id": self._last_update_id, **copy.deepcopy(update)}
        for kind, payload in queued.items():
            if not isinstance(payload, dict):
                continue
            if "message_id" in payload and isinstance(payload.get("chat"), dict):
                self._store(payload)
            elif kind == "callback_query":
                self._callback_ids.add(str(payload.get("id")))
            elif kind == "inline_query":
                self._inline_ids.add(str(payload.get("id")))
        self._queue.append(queued)
        self._notify()
        return copy.deepcopy(queued)

    def send_text(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        first_name: str = "Alice",
        username: str | None = None,
        reply_to_message: dict | None = None,
        chat_title: str | None = None,
    ) -> dict:
        """A text message from a user; /commands and @mentions get entities as in Telegram."""
        message = self._new_message(chat_id, user_id, chat_type, first_name, username, chat_title)
        message["text"] = text
        if entities := _text_entities(text):
            message["entities"] = entities
        if reply_to_message is not None:
            message["reply_to_message"] = _strip_reply(_message_of(reply_to_message))
        return self.push_update({self._message_kind(chat_type): message})

    def edit_text(self, message: dict, new_text: str) -> dict:
        """The user edited an earlier message: same message_id, new text, edit_date set."""
        original = _message_of(message)
        key = (original["chat"]["id"], original["message_id"])
        edited = copy.deepcopy(self._messages.get(key, original))
        edited["text"] = new_text
        edited.pop("entities", None)
        if entities := _text_entities(new_text):
            edited["entities"] = entities
        edited["edit_date"] = max(int(time.time()), edited["date"])
        kind = "edited_channel_post" if edited["chat"]["type"] == "channel" else "edited_message"
        return self.push_update({kind: edited})

    def send_sticker(
        self, *, chat_id: int = 1001, user_id: int = 1001, chat_type: str = "private"
    ) -> dict:
        """A non-text message: a regular sticker."""
        message = self._new_message(chat_id, user_id, chat_type)
        file_id = self._next_object_id()
        message["sticker"] = {
            "file_id": f"CAACAgIAAxkBAAI{file_id}",
            "file_unique_id": f"AgAD{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "set_name": "FakeStickers",
            "file_size": 20480,
        }
        return self.push_update({self._message_kind(chat_type): message})

    def send_photo(
        self,
        *,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict:
        """A non-text message: a photo in three sizes, optionally with a caption."""
        message = self._new_message(chat_id, user_id, chat_type)
        file_id = self._next_object_id()
        message["photo"] = [
            {
                "file_id": f"AgACAgIAAxkBAAI{file_id}_{side}",
                "file_unique_id": f"AQAD{file_id}_{side}",
                "width": side,
                "height": side * 3 // 4,
                "file_size": side * side // 8,
            }
            for side in (90, 320, 1280)
        ]
        if caption is not None:
            message["caption"] = caption
        return self.push_update({self._message_kind(chat_type): message})

    def press_button(
        self, bot_message: dict, data: str, *, user_id: int = 1001, check: bool = True
    ) -> dict:
        """A user pressed an inline button on a message the bot sent.

        With ``check`` (the default) the message as it is now (after the bot's edits) must
        still carry a button with this callback_data, as a real client could only press that.
        """
        given = _message_of(bot_message)
        message = self._messages.get((given["chat"]["id"], given["message_id"]), given)
        if check:
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            datas = [button.get("callback_data") for row in keyboard for button in row]
            if data not in datas:
                raise AssertionError(
                    f"message {message['message_id']} in chat {message['chat']['id']} has no "
                    f"button with callback_data {data!r}; its buttons: {datas}"
                )
        query = {
            "id": str(self._next_object_id()),
            "from": self._user(user_id),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(message["chat"]["id"]) * 7919 + self.bot_id),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def inline_query(self, query: str, *, user_id: int = 1001) -> dict:
        """A user typed ``@bot query`` in some chat."""
        inline = {
            "id": str(self._next_object_id()),
            "from": self._user(user_id),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        return self.push_update({"inline_query": inline})

    def chat_member_update(
        self,
        *,
        chat_id: int,
        chat_type: str,
        new_status: str,
        old_status: str = "left",
        user_id: int = 1001,
        chat_title: str = "Group",
        chat_username: str | None = None,
        can_post_messages: bool | None = None,
    ) -> dict:
        """The bot's own membership changed (added, promoted, removed, blocked by a user).

        Like Telegram, sends to the chat fail with 403 while the bot is "left" or "kicked".
        `can_post_messages` is the channel administrator's right to post.
        """
        user = self._user(user_id)
        if chat_username:
            self._chats.setdefault(chat_id, {})["username"] = chat_username
        chat = self._remember_chat(chat_id, chat_type, chat_title, user)
        if new_status in ("left", "kicked"):
            self._forbidden[chat_id] = _FORBIDDEN_BY_CHAT_TYPE.get(chat_type, "Forbidden")
        else:
            self._forbidden.pop(chat_id, None)
        admins = self._admins.setdefault(chat_id, set())
        if new_status in ("administrator", "creator"):
            admins.add(self.bot_id)
        else:
            admins.discard(self.bot_id)
        update = {
            "chat": chat,
            "from": user,
            "date": int(time.time()),
            "old_chat_member": _member(self._bot_user, old_status),
            "new_chat_member": _member(
                self._bot_user, new_status, can_post_messages=can_post_messages
            ),
        }
        return self.push_update({"my_chat_member": update})

    def migrate_message(self, *, old_chat_id: int, new_chat_id: int) -> dict:
        """A group became a supergroup; from now on sends to the old id get 400 "migrated"."""
        old_chat = self._chats.get(old_chat_id, {})
        title = old_chat.get("title", "Group")
        message = self._new_message(old_chat_id, 1001, "group", chat_title=title)
        message["migrate_to_chat_id"] = new_chat_id
        self._migrated[old_chat_id] = new_chat_id
        self._remember_chat(new_chat_id, "supergroup", title, None)
        if old_chat_id in self._admins:
            self._admins.setdefault(new_chat_id, set()).update(self._admins[old_chat_id])
        return self.push_update({"message": message})

    # ------------------------------------------------------------------ observing

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
            await self._wait_changed(remaining)

    def sent_messages(self, chat_id: int | None = None) -> list[dict]:
        """Parameters of every successful sendMessage, optionally only those to ``chat_id``."""
        return [call.params for call in self._successful_sends(chat_id)]

    def bot_messages(self, chat_id: int | None = None) -> list[dict]:
        """The Message objects returned for successful sendMessage calls (for press_button)."""
        return [call.response["result"] for call in self._successful_sends(chat_id)]

    # ------------------------------------------------------------------ fault injection

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
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(_FAULT_KINDS)}")
        chat_key = None if chat_id is None else self._resolve_chat(chat_id)["id"]
        self._faults.append(
            _Fault(method, kind, times, chat_key, retry_after, migrate_to_chat_id, delay)
        )

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Who getChatMember / getChatAdministrators report as administrators of a chat."""
        self._admins[chat_id] = set(user_ids)

    def forbid_chat(self, chat_id: int | str) -> None:
        """Every send/edit to this chat gets 403 from now on (the user blocked the bot)."""
        chat = self._resolve_chat(chat_id)
        self._forbidden[chat["id"]] = "Forbidden: bot was blocked by the user"

    # ------------------------------------------------------------------ internals: plumbing

    def _notify(self) -> None:
        """Wake everything waiting for a new update, call or answer."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    async def _sleep(self, delay: float) -> None:
        """Sleep, but not past stop()."""
        if self._stop_event is None:
            await asyncio.sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), delay)

    async def _dispatch(self, token: str, method: str, params: JSON) -> tuple[int, JSON]:
        """Record the call, answer it, and store the answer on the Call."""
        entry = self._methods.get(method.lower())
        call = Call(entry[0] if entry else method, params, time.monotonic(), {})
        self.calls.append(call)
        self._notify()
        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found: method not found")
            result = await self._answer(entry[0], entry[1], params)
            status, response = 200, {"ok": True, "result": result}
        except _ApiError as err:
            status, response = err.code, err.payload()
        except Exception as exc:  # a bug in the fake must not look like a hang
            _LOG.exception("FakeBotAPI failed on %s %r", method, params)
            status = 500
            response = {"ok": False, "error_code": 500, "description": f"FakeBotAPI bug: {exc!r}"}
        call.status, call.response = status, response
        self._answered.append(call)
        self._notify()
        return status, response

    async def _answer(self, method: str, handler: Callable[[JSON], Any], params: JSON) -> Any:
        """Injected faults, blocked/migrated chats and flood limits, then the method itself."""
        fault = self._take_fault(method, params)
        if fault is not None:
            if fault.kind != "timeout":
                raise self._fault_error(fault, params)
            await self._sleep(fault.delay)
        if method.startswith(("send", "edit", "delete")) and "chat_id" in params:
            chat_id = self._resolve_chat(params["chat_id"])["id"]
            if chat_id in self._migrated:
                raise _bad_request(
                    "group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self._migrated[chat_id]},
                )
            if chat_id in self._forbidden:
                raise _ApiError(403, self._forbidden[chat_id])
            if method == "sendMessage" and self.enforce_limits:
                self._check_flood(chat_id)
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _take_fault(self, method: str, params: JSON) -> _Fault | None:
        for fault in self._faults:
            if fault.method.lower() != method.lower():
                continue
            if fault.chat_key is not None:
                if "chat_id" not in params:
                    continue
                if self._resolve_chat(params["chat_id"])["id"] != fault.chat_key:
                    continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _fault_error(self, fault: _Fault, params: JSON) -> _ApiError:
        if fault.kind == "server_error":
            return _ApiError(500, "Internal Server Error")
        if fault.kind == "flood":
            return self._flood(fault.retry_after)
        if fault.kind == "forbidden":
            return _ApiError(403, "Forbidden: bot was blocked by the user")
        if fault.kind == "bad_request":
            return _bad_request("injected by FakeBotAPI.fail_next")
        new_id = fault.migrate_to_chat_id
        if new_id is None:
            old = params.get("chat_id")
            new_id = int(f"-100{abs(old)}") if isinstance(old, int) else -1001000000000
        return _bad_request(
            "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_id}
        )

    def _flood(self, retry_after: int) -> _ApiError:
        self.flood_responses += 1
        retry_after = max(1, int(retry_after))
        return _ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _check_flood(self, chat_id: int) -> None:
        """Telegram's documented limits: 30 msg/s overall, 20 msg/min per group, ~1/s per user."""
        now = time.monotonic()
        waits: list[float] = []
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= 30:
            waits.append(self._recent_sends[0] + 1.0 - now)
        tokens = 0.0
        if chat_id < 0:
            sends = self._group_sends.setdefault(chat_id, deque())
            while sends and sends[0] <= now - 60.0:
                sends.popleft()
            if len(sends) >= 20:
                waits.append(sends[0] + 60.0 - now)
        else:
            tokens, last = self._private_tokens.get(chat_id, (3.0, now))
            tokens = min(3.0, tokens + (now - last))
            if tokens < 1.0:
                waits.append(1.0 - tokens)
        if waits:
            raise self._flood(math.ceil(max(waits)))
        self._recent_sends.append(now)
        if chat_id < 0:
            self._group_sends[chat_id].append(now)
        else:
            self._private_tokens[chat_id] = (tokens - 1.0, now)

    def _dump(self, method: str, count: int, after: int, timeout: float, found: int) -> str:
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
        lines.append(f"  {len(self._queue)} update(s) not yet confirmed by getUpdates")
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

    # ------------------------------------------------------------------ internals: state

    def _next_object_id(self) -> int:
        self._last_object_id += 1
        return self._last_object_id

    def _user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> JSON:
        """The user with this id, created or renamed as asked."""
        user = self._users.get(user_id)
        if user is None or (first_name and user["first_name"] != first_name) or username:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or (user or {}).get("first_name", "Alice"),
                "language_code": "en",
            }
            if username:
                user["username"] = username
            self._users[user_id] = user
        return copy.deepcopy(user)

    def _remember_chat(
        self, chat_id: int, chat_type: str, title: str | None, user: JSON | None
    ) -> JSON:
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            user = user or self._user(chat_id)
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            known = self._chats.get(chat_id, {})
            chat["title"] = title or known.get("title", "Group")
            if "username" in known:
                chat["username"] = known["username"]
        self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _resolve_chat(self, chat_id: Any) -> JSON:
        """The chat a chat_id parameter names; unknown ids and @usernames are created on the fly."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:]
            key = name.lower()
            if key not in self._channel_ids:
                new_id = -1001000000001 - len(self._channel_ids)
                self._channel_ids[key] = new_id
                self._chats[new_id] = {
                    "id": new_id,
                    "type": "channel",
                    "title": name,
                    "username": name,
                }
            return copy.deepcopy(self._chats[self._channel_ids[key]])
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        if chat_id not in self._chats:
            if chat_id > 0:
                return self._remember_chat(chat_id, "private", None, None)
            kind = "supergroup" if chat_id <= -1000000000000 else "group"
            return self._remember_chat(chat_id, kind, None, None)
        return copy.deepcopy(self._chats[chat_id])

    def _message_kind(self, chat_type: str) -> str:
        return "channel_post" if chat_type == "channel" else "message"

    def _new_message(
        self,
        chat_id: int,
        user_id: int,
        chat_type: str,
        first_name: str | None = None,
        username: str | None = None,
        chat_title: str | None = None,
    ) -> JSON:
        """A message skeleton from a user (or a channel's post) with the chat's next id."""
        user = self._user(user_id, first_name, username)
        chat = self._remember_chat(chat_id, chat_type, chat_title, user)
        message: JSON = {"message_id": self._next_message_id(chat_id)}
        if chat_type == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = user
        message.update(chat=chat, date=int(time.time()))
        return message

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _store(self, message: JSON) -> None:
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self._messages[(chat_id, message_id)] = copy.deepcopy(message)
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def _bot_message(self, params: JSON, action: str) -> JSON:
        """The stored bot message an edit/delete names (chat_id + message_id)."""
        chat = self._resolve_chat(params.get("chat_id"))
        message = self._messages.get((chat["id"], params.get("message_id")))
        if message is None:
            raise _bad_request(f"message to {action} not found")
        if message.get("from", {}).get("id") != self.bot_id and chat["type"] != "channel":
            if action == "delete":
                raise _bad_request("message can't be deleted")
            raise _bad_request("message can't be edited")
        return message

    def _check_text(self, params: JSON) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        visible = _render(text, params.get("parse_mode"))
        if not visible.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(visible) > 4096:
            raise _bad_request("message is too long")
        return visible

    def _check_markup(self, markup: Any) -> JSON | None:
        """Validate reply_markup; return it if Telegram would echo it (inline keyboards only)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                if not _BUTTON_ACTIONS & button.keys():
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    def _allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _NOT_DELIVERED_BY_DEFAULT
        return kind in self._allowed_updates

    # ------------------------------------------------------------------ Bot API methods

    def _get_me(self, _params: JSON) -> JSON:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        """Long polling: confirm below ``offset``, then wait up to ``timeout`` for updates."""
        if self._webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._queue = [u for u in self._queue if self._allowed(u)]
            if self._queue or self._stopping:
                return copy.deepcopy(self._queue[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._wait_changed(remaining)

    def _send_message(self, params: JSON) -> JSON:
        if "chat_id" not in params:
            raise _bad_request("chat_id is empty")
        chat = self._resolve_chat(params["chat_id"])
        visible = self._check_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "from": copy.deepcopy(self._bot_user),
            "chat": chat,
            "date": int(time.time()),
            "text": visible,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        if params.get("entities") and not params.get("parse_mode"):
            message["entities"] = params["entities"]
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if isinstance(reply, dict):
            reply_chat = self._resolve_chat(reply.get("chat_id", chat["id"]))["id"]
            target = self._messages.get((reply_chat, reply.get("message_id")))
            if target is not None:
                message["reply_to_message"] = _strip_reply(target)
            elif not (
                reply.get("allow_sending_without_reply")
                or params.get("allow_sending_without_reply")
            ):
                raise _bad_request("message to be replied not found")
        if markup is not None:
            message["reply_markup"] = markup
        self._store(message)
        return message

    def _edit_message_text(self, params: JSON) -> JSON | bool:
        if "inline_message_id" in params:
            self._check_text(params)
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._bot_message(params, "edit")
        visible = self._check_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if message.get("text") == visible and message.get("reply_markup") == markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a content and reply markup of the current message"
            )
        message["text"] = visible
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        if "inline_message_id" in params:
            self._check_markup(params.get("reply_markup"))
            return True
        message = self._bot_message(params, "edit")
        markup = self._check_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a content and reply markup of the current message"
            )
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    @staticmethod
    def _set_markup(message: JSON, markup: JSON | None) -> None:
        """Edits replace the keyboard; leaving reply_markup out removes it, as on Telegram."""
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    def _delete_message(self, params: JSON) -> bool:
        message = self._bot_message(params, "delete")
        del self._messages[(message["chat"]["id"], message["message_id"])]
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        if str(params.get("callback_query_id")) not in self._callback_ids:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    def _answer_inline_query(self, params: JSON) -> bool:
        if str(params.get("inline_query_id")) not in self._inline_ids:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad_request("RESULTS_TOO_MUCH")
        ids = [str(result.get("id")) for result in results]
        if len(set(ids)) != len(ids):
            raise _bad_request("RESULT_ID_DUPLICATE")
        if any(not 1 <= len(i.encode("utf-8")) <= 64 for i in ids):
            raise _bad_request("RESULT_ID_INVALID")
        return True

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _send_chat_action(self, params: JSON) -> bool:
        self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params.get("chat_id"))
        gift_types = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gift_types, True), "gifts_from_channels": True},
        }

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params.get("chat_id"))
        user_id = params.get("user_id")
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise _bad_request("invalid user_id specified")
        user = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
        }
        admin = user_id in self._admins.get(chat["id"], set())
        return _member(copy.deepcopy(user), "administrator" if admin else "member")

    def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat = self._resolve_chat(params.get("chat_id"))
        if chat["type"] == "private":
            raise _bad_request("there are no administrators in the private chat")
        return [
            self._get_chat_member({"chat_id": chat["id"], "user_id": user_id})
            for user_id in sorted(self._admins.get(chat["id"], set()))
        ]

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        self._webhook_url = url
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self._webhook_url = ""
        return True

    def _get_webhook_info(self, _params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info


# ---------------------------------------------------------------------- standalone demo


async def _print_replies(api: FakeBotAPI) -> None:
    """Echo what the bot does to the terminal as it happens."""
    seen = 0
    while True:
        for call in api._answered[seen:]:
            if call.method in ("sendMessage", "editMessageText") and call.ok:
                print(f"bot> {call.params.get('text')}", flush=True)
            elif not call.ok:
                print(f"[{call.method} -> {call.response.get('description')}]", flush=True)
        seen = len(api._answered)
        await api._wait_changed(1.0)


async def _demo(port: int) -> None:
    api = FakeBotAPI(port=port)
    await api.start()
    print(f"base_url: {api.base_url}", flush=True)
    print(f"token: {api.token}", flush=True)
    print("Point the bot at it: ApplicationBuilder().token(token).base_url(base_url)", flush=True)
    print("Type a message and press Enter to send it from a private chat; Ctrl-D quits.")
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    printer = asyncio.create_task(_print_replies(api))
    try:
        while (line := await lines.get()) is not None:
            if line.strip():
                api.send_text(line)
    finally:
        printer.cancel()
        await api.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the fake server until stdin ends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_demo(args.port))


if __name__ == "__main__":
    main()
