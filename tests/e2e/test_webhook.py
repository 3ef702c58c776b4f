"""Webhook mode: our aiohttp server judges each request on its headers before reading a byte of
its body, caps bodies and concurrent requests, drops redelivered updates, and answers the rest.

The real Application runs with the same start and stop steps as `python -m bot run` (hooks
included) against the fake Bot API; requests are POSTed to it as Telegram would, with httpx, or
byte by byte over a socket where the test must control what is sent and when.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from bot.engine import QAEngine
from bot.telegram.app import build_application, file_url
from bot.telegram.webhook import (
    MAX_BODY,
    MAX_CONCURRENT,
    WebhookConfig,
    WebhookServer,
    run_webhook,
    start,
    stop,
    webhook_path,
)
from tests.conftest import ROOT
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import bot_settings, loopback_request

SECRET = "s3cret-token"
PUBLIC_URL = "https://example.invalid/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
HUNDRED_MB = 100 * 1024 * 1024
JSON_HEADERS = {HEADER: SECRET, "Content-Type": "application/json"}


@dataclass
class Webhook:
    api: FakeBotAPI
    port: int
    path: str  # where the bot listens on loopback
    server: WebhookServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def post(self, update: dict, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10.0) as client:
            return await client.post(self.url, json=update, headers=headers)

    async def raw(self, head: dict[str, str], body: bytes = b"", *, declared: int | None = None):
        """Send a POST's headers and `body` (of a declared length), then read the answer."""
        return await raw_post(self.port, self.path, head, body, declared=declared)


@asynccontextmanager
async def serving(engine: QAEngine, tmp_path: Path, **limits: object) -> AsyncIterator[Webhook]:
    async with FakeBotAPI() as api:
        settings = bot_settings(api, tmp_path, webhook_url=PUBLIC_URL, webhook_secret=SECRET)
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        # mypy cannot match **limits against WebhookConfig's fields; replace() checks them.
        config = replace(WebhookConfig.from_settings(settings), port=0, **limits)  # type: ignore[arg-type]
        server = WebhookServer(config, application.bot, application.update_queue)
        await start(application, server)
        try:
            yield Webhook(api, server.port, config.path, server)
        finally:
            await stop(application, server)


@pytest.fixture
async def webhook(engine: QAEngine, tmp_path: Path) -> AsyncIterator[Webhook]:
    async with serving(engine, tmp_path) as running:
        yield running


@dataclass
class RawAnswer:
    status: int
    headers: str
    closed: bool  # the server closed the connection after answering
    seconds: float


async def raw_post(
    port: int,
    path: str,
    head: dict[str, str],
    body: bytes = b"",
    *,
    declared: int | None = None,
    chunked: bool = False,
) -> RawAnswer:
    """A POST written by hand: `declared` can promise far more body than is ever sent, and a
    chunked body is framed here, so the test sees exactly how much the server waited for."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {len(body) if declared is None else declared}")
    lines += [f"{name}: {value}" for name, value in head.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        if chunked:
            for at in range(0, len(body), 65536):
                piece = body[at : at + 65536]
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await writer.drain()
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(body)
        await writer.drain()
    except ConnectionError:
        pass  # the server refused before the body was all sent: its answer is still there
    try:
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        length = int(_header(answer, "Content-Length") or 0)
        await asyncio.wait_for(reader.readexactly(length), 10)
        status = int(answer.split(b" ", 2)[1])
        # A refusal closes the connection once the client stops sending (or after a second).
        closed = status >= 400 and await asyncio.wait_for(reader.read(1), 10) == b""
    except ConnectionResetError:
        pytest.fail("the server reset the connection before answering")
    finally:
        writer.close()
    return RawAnswer(status, answer.decode("latin-1"), closed, loop.time() - began)


def _header(answer: bytes, name: str) -> str | None:
    for line in answer.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def update(update_id: int, text: str, chat_id: int, **extra: object) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Web"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Web"},
            "from": user,
            "text": text,
        },
        **extra,
    }


async def test_webhook_is_registered_with_the_secret(webhook: Webhook) -> None:
    calls = webhook.api.calls_to("setWebhook")
    assert len(calls) == 1 and calls[0].ok
    assert calls[0].params["url"] == PUBLIC_URL
    assert calls[0].params["secret_token"] == SECRET
    assert int(calls[0].params["max_connections"]) == MAX_CONCURRENT
    assert "callback_query" in calls[0].params["allowed_updates"]
    assert not webhook.api.calls_to("getUpdates")  # no polling alongside the webhook


@pytest.mark.parametrize("headers", [{}, {HEADER: "wrong"}, {HEADER: SECRET.upper()}])
async def test_update_without_the_right_secret_is_refused(
    webhook: Webhook, headers: dict[str, str]
) -> None:
    """403 and no reply: a genuine update sent afterwards is the only one answered."""
    refused = await webhook.post(update(1, "Is Japan a partner?", chat_id=7001), headers)
    assert refused.status_code == 403
    accepted = await webhook.post(update(2, "Is Turkey a partner?", chat_id=7002), {HEADER: SECRET})
    assert accepted.status_code == 200
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7002)
    assert [p["chat_id"] for p in webhook.api.sent_messages()] == [7002]


async def test_update_with_the_secret_is_answered(webhook: Webhook) -> None:
    response = await webhook.post(update(3, "Is Japan a partner?", chat_id=7003), {HEADER: SECRET})
    assert response.status_code == 200
    sent = await webhook.api.wait_for("sendMessage")
    assert sent[0].ok and sent[0].params["chat_id"] == 7003
    assert "No. <b>Japan</b>" in sent[0].params["text"]
    assert sent[0].params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"no": "update"}',
        b'{"update_id": "5"}',
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe{}",
        b'{"update_id": 5, "message": {"chat": "not a chat"}}',
    ],
)
async def test_malformed_bodies_are_rejected_and_serving_goes_on(
    webhook: Webhook, body: bytes
) -> None:
    """Not JSON, not an object, no integer update_id, or fields PTB cannot read: 400, no
    reply, and the next genuine update is answered."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.post(
            webhook.url, content=body, headers={HEADER: SECRET, "Content-Type": "application/json"}
        )
    assert response.status_code == 400
    ok = await webhook.post(update(4, "/exercises", chat_id=7004), {HEADER: SECRET})
    assert ok.status_code == 200
    sent = await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7004)
    assert "TURAZ Shahini" in sent[0].params["text"]
    assert len(webhook.api.calls_to("sendMessage")) == 1


async def test_wrong_method_path_or_content_type_gets_the_right_error(webhook: Webhook) -> None:
    good = json.dumps(update(6, "/exercises", chat_id=7006))
    async with httpx.AsyncClient(timeout=10.0) as client:
        get = await client.get(webhook.url, headers={HEADER: SECRET})
        elsewhere = await client.post(webhook.url + "x", content=good, headers=JSON_HEADERS)
        form = await client.post(
            webhook.url,
            content=good,
            headers={HEADER: SECRET, "Content-Type": "application/x-www-form-urlencoded"},
        )
        gzipped = await client.post(
            webhook.url, content=good, headers=JSON_HEADERS | {"Content-Encoding": "gzip"}
        )
    assert (get.status_code, elsewhere.status_code) == (405, 404)
    assert (form.status_code, gzipped.status_code) == (415, 415)
    assert not webhook.api.calls_to("sendMessage")


async def test_the_secret_is_checked_before_the_body_is_read(webhook: Webhook) -> None:
    """A stranger promising 100 MB is answered 403 at once and the connection closed, though
    only 64 KB were sent: the server never waited for (or read) the body."""
    json_type = {"Content-Type": "application/json"}
    answers = await asyncio.gather(
        webhook.raw(json_type, b"x" * 65536, declared=HUNDRED_MB),
        webhook.raw(json_type | {HEADER: "wrong"}, b"x" * 65536, declared=HUNDRED_MB),
        # Expect: 100-continue gets no "continue" from a stranger: the refusal comes instead.
        webhook.raw(json_type | {"Expect": "100-continue"}, declared=HUNDRED_MB),
    )
    assert [(a.status, a.closed) for a in answers] == [(403, True)] * 3
    assert all(a.seconds < 5 for a in answers)
    assert not webhook.api.calls_to("sendMessage")


async def test_oversized_bodies_get_413_unread(webhook: Webhook) -> None:
    """Over 1 MB, declared (refused before reading) or chunked (refused once 1 MB was read):
    413, nothing handled; a large but allowed chunked update is still answered."""
    big = json.dumps(update(7, "/exercises", chat_id=7007, pad="x" * (2 * MAX_BODY))).encode()
    allowed = json.dumps(update(8, "/exercises", chat_id=7008, pad="x" * (MAX_BODY // 2)))
    headers = JSON_HEADERS
    declared, chunked, with_continue, ok = await asyncio.gather(
        webhook.raw(headers, big[:65536], declared=len(big)),
        raw_post(webhook.port, webhook.path, headers, big, chunked=True),
        webhook.raw(headers | {"Expect": "100-continue"}, declared=HUNDRED_MB),
        raw_post(webhook.port, webhook.path, headers, allowed.encode(), chunked=True),
    )
    assert (declared.status, declared.closed) == (413, True) and declared.seconds < 5
    assert (chunked.status, chunked.closed) == (413, True)
    assert (with_continue.status, with_continue.closed) == (413, True)
    assert ok.status == 200
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7008, timeout=10)
    assert [p["chat_id"] for p in webhook.api.sent_messages()] == [7008]


async def test_a_redelivered_update_is_answered_once(webhook: Webhook) -> None:
    """Telegram redelivers an update whose answer was slow: 200 each time (so it stops), one
    reply. Concurrent copies too; a new update_id from the same chat is answered again."""
    first = update(20, "Is Japan a partner?", chat_id=7020)
    assert (await webhook.post(first, {HEADER: SECRET})).status_code == 200
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7020)
    assert (await webhook.post(first, {HEADER: SECRET})).status_code == 200

    copies = update(21, "/exercises", chat_id=7021)
    answers = await asyncio.gather(*(webhook.post(copies, {HEADER: SECRET}) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5

    again = update(22, "Is Japan a partner?", chat_id=7020)
    assert (await webhook.post(again, {HEADER: SECRET})).status_code == 200
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7021, timeout=10)
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7020, count=2)
    await asyncio.sleep(0.5)  # time for a second reply, had a copy been handled
    assert len(webhook.api.sent_messages(7021)) == 1
    assert len(webhook.api.sent_messages(7020)) == 2


async def test_concurrent_requests_are_capped(engine: QAEngine, tmp_path: Path) -> None:
    """Two requests trickling their bodies hold both slots: a third gets 503 with Retry-After
    at once; when they finish, the next one is accepted. Strangers never take a slot."""
    async with serving(engine, tmp_path, max_concurrent=2) as webhook:
        head = (
            f"POST {webhook.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
            f"{HEADER}: {SECRET}\r\nContent-Type: application/json\r\n\r\n"
        )
        bodies = [
            json.dumps(update(30 + n, "/exercises", chat_id=7030 + n)).encode() for n in (0, 1)
        ]
        slow = []
        for body in bodies:
            reader, writer = await asyncio.open_connection("127.0.0.1", webhook.port)
            writer.write((head % len(body)).encode() + body[:10])
            await writer.drain()
            slow.append((reader, writer, body))
        assert webhook.server is not None
        for _ in range(1000):  # until both requests are in the handler, waiting for their bodies
            if webhook.server.active == 2:
                break
            await asyncio.sleep(0.01)
        assert webhook.server.active == 2

        stranger = await webhook.post(update(39, "/exercises", chat_id=7039), {})
        assert stranger.status_code == 403
        third = await webhook.post(update(32, "/exercises", chat_id=7032), {HEADER: SECRET})
        assert third.status_code == 503 and third.headers["Retry-After"] == "1"

        for reader, writer, body in slow:
            writer.write(body[10:])
            await writer.drain()
            assert (await asyncio.wait_for(reader.readline(), 10)).startswith(b"HTTP/1.1 200")
            writer.close()
        later = await webhook.post(update(33, "/exercises", chat_id=7033), {HEADER: SECRET})
        assert later.status_code == 200
        await webhook.api.wait_for("sendMessage", count=3, timeout=10)
        assert sorted(p["chat_id"] for p in webhook.api.sent_messages()) == [7030, 7031, 7033]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://bot.example.org/telegram/hook", "telegram/hook"),
        ("https://example.invalid/telegram/hook", "telegram/hook"),
        ("https://bot.example.org/hook?x=1", "hook"),
        ("https://bot.example.org:8443/a/b", "a/b"),
        ("https://bot.example.org", "telegram"),
        ("https://bot.example.org/", "telegram"),
    ],
)
def test_webhook_path(url: str, path: str) -> None:
    assert webhook_path(url) == path


@pytest.mark.parametrize(
    ("base", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://localhost:8081/custom", "http://localhost:8081/custom/file/bot"),
        ("http://localhost:8081/custom/", "http://localhost:8081/custom/file/bot"),
    ],
)
def test_file_url(base: str, files: str) -> None:
    assert file_url(base) == files


# --- `python -m bot run` in webhook mode: where it listens, how it stops ---------------------


def listening(port: int) -> set[str]:
    """The IPv4 addresses a socket on this machine listens on at `port` (from /proc)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bot_process(
    api: FakeBotAPI, database: Path, port: int, **env: str
) -> asyncio.subprocess.Process:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    for name in ("LISTEN_ADDRESS", "PORT", "DATABASE_PATH", "DATABASE_URL", "LOG_LEVEL"):
        keep.pop(name, None)
    keep |= {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "DATABASE_PATH": str(database),
    } | env
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=keep, stderr=asyncio.subprocess.PIPE
    )


async def test_run_listens_on_loopback_by_default_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    """No LISTEN_ADDRESS: 127.0.0.1 only (PTB's server bound every interface). An update is
    answered; /healthz, /readyz and /metrics answer on the same port; SIGTERM stops it with
    status 0, after post_stop flushed the question log."""
    port = free_port()
    async with FakeBotAPI() as api:
        process = await bot_process(api, tmp_path / "bot.sqlite3", port)
        try:
            await api.wait_for("setWebhook", timeout=60)
            assert listening(port) == {"127.0.0.1"}
            posted = update(40, "Is Japan a partner?", chat_id=7040)
            await Webhook(api, port, "/telegram/hook").post(posted, {HEADER: SECRET})
            await api.wait_for("sendMessage", timeout=10)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                assert (await client.get("/healthz")).status_code == 200
                assert (await client.get("/readyz")).text == "ready\n"
                scraped = (await client.get("/metrics")).text
            assert 'milcoop_answers_total{intent="partner_check",outcome="matched"} 1.0' in scraped
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 0, text
    assert "Traceback" not in text and api.token not in text and SECRET not in text
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT text FROM questions").fetchall() == [("Is Japan a partner?",)]


async def test_run_listens_where_listen_address_says_and_a_signal_cancels_start_up(
    tmp_path: Path,
) -> None:
    """LISTEN_ADDRESS=127.0.0.2: there and nowhere else (the port is bound before setWebhook,
    which is held back here). SIGTERM meanwhile cancels start-up and exits 0."""
    port = free_port()
    async with FakeBotAPI() as api:
        api.fail_next("setWebhook", "timeout", delay=10)
        process = await bot_process(api, tmp_path / "bot.sqlite3", port, LISTEN_ADDRESS="127.0.0.2")
        try:
            while not api.calls_to("setWebhook"):
                await api.wait_changed(60)
            assert listening(port) == {"127.0.0.2"}
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection("127.0.0.1", port)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 0, text
    assert "webhook: stopped while starting" in text
    assert "Traceback" not in text and "Unclosed" not in text


@contextmanager
def api_on_a_thread() -> Iterator[tuple[FakeBotAPI, asyncio.AbstractEventLoop]]:
    """The fake Bot API served by a loop on another thread, for code that runs its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    api = FakeBotAPI()
    asyncio.run_coroutine_threadsafe(api.start(), loop).result(30)
    try:
        yield api, loop
    finally:
        asyncio.run_coroutine_threadsafe(api.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_run_webhook_says_in_one_line_when_it_cannot_listen(
    engine: QAEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The port is taken: one error line naming address and port, status 1, no webhook
    registered. run_webhook runs here as `python -m bot run` runs it (main thread, own loop)."""
    with socket.socket() as taken, api_on_a_thread() as (api, _):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = bot_settings(
            api, tmp_path, webhook_url=PUBLIC_URL, webhook_secret=SECRET, port=port
        )
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        with caplog.at_level(logging.INFO):
            assert run_webhook(application, settings) == 1
    # post_init had started the broadcaster: it was stopped before the store was closed.
    assert not application.bot_data.broadcaster.may_send()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [
        f"webhook: cannot listen on 127.0.0.1 port {port}: Address already in use "
        "(LISTEN_ADDRESS, PORT)"
    ]
    assert not api.calls_to("setWebhook")
    assert not application.running
