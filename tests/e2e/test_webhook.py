"""Webhook mode: our own server judges a request on its headers before reading its body,
reads at most a megabyte, caps requests in flight, and answers each update once.

The real Application runs behind bot.telegram.webhook's server on 127.0.0.1 and registers
itself with the fake Bot API (setWebhook); updates are POSTed to it as Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from bot.engine import QAEngine
from bot.settings import load_settings
from bot.telegram.app import build_application, file_url
from bot.telegram.webhook import WebhookConfig, config_of, serving, webhook_path
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import bot_settings, loopback_request

SECRET = "s3cret-token"
PUBLIC_URL = "https://example.invalid/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
BIG = 100 * 1024 * 1024


@dataclass
class Webhook:
    api: FakeBotAPI
    url: str  # where the bot listens on loopback
    host: str
    port: int
    path: str

    async def post(self, update: dict, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=5.0) as client:
            return await client.post(self.url, json=update, headers=headers)

    async def raw(self, head: str, body: bytes = b"") -> tuple[str, float]:
        """Send a hand-made request; the status line and how long the answer took."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(head.encode() + b"\r\n" + body)
            await writer.drain()
            status = (await asyncio.wait_for(reader.readline(), 5.0)).decode().strip()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        return status, loop.time() - started


@contextlib.asynccontextmanager
async def webhook_bot(
    engine: QAEngine, tmp_path: Path, **config_overrides: object
) -> AsyncIterator[Webhook]:
    async with FakeBotAPI() as api:
        settings = bot_settings(api, tmp_path, webhook_url=PUBLIC_URL, webhook_secret=SECRET)
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        config = replace(config_of(settings), port=0, **config_overrides)  # type: ignore[arg-type]  # only WebhookConfig fields are passed
        async with serving(application, settings, config) as server:
            host, port = server.address
            yield Webhook(api, f"http://{host}:{port}/{config.path}", host, port, config.path)


@pytest.fixture
async def webhook(engine: QAEngine, tmp_path: Path) -> AsyncIterator[Webhook]:
    async with webhook_bot(engine, tmp_path) as served:
        yield served


def update(update_id: int, text: str, chat_id: int) -> dict:
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
    }


async def test_webhook_is_registered_with_the_secret(webhook: Webhook) -> None:
    calls = webhook.api.calls_to("setWebhook")
    assert len(calls) == 1 and calls[0].ok
    assert calls[0].params["url"] == PUBLIC_URL
    assert calls[0].params["secret_token"] == SECRET
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


async def test_malformed_bodies_are_rejected_and_serving_goes_on(webhook: Webhook) -> None:
    """Not JSON, or JSON that is no update: 400, no reply, and the next genuine update is
    answered."""
    async with httpx.AsyncClient(timeout=5.0) as client:
        for body in (b"not json", b'{"no": "update"}'):
            response = await client.post(
                webhook.url,
                content=body,
                headers={HEADER: SECRET, "Content-Type": "application/json"},
            )
            assert response.status_code == 400
    ok = await webhook.post(update(4, "/exercises", chat_id=7004), {HEADER: SECRET})
    assert ok.status_code == 200
    sent = await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7004)
    assert "TURAZ Shahini" in sent[0].params["text"]
    assert len(webhook.api.calls_to("sendMessage")) == 1


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


# -- what a stranger on the network can do ----------------------------------------------------


def post_head(path: str, *, secret: str | None, length: int | None, chunked: bool = False) -> str:
    lines = [f"POST /{path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"{HEADER}: {secret}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return "\r\n".join(lines) + "\r\n"


async def test_a_wrong_secret_is_refused_before_the_body_is_read(webhook: Webhook) -> None:
    """Headers announcing 100 MB and not one byte of body: the answer comes at once."""
    status, seconds = await webhook.raw(post_head(webhook.path, secret="wrong", length=BIG))
    assert status == "HTTP/1.1 403 Forbidden"
    assert seconds < 2.0


async def test_an_oversized_body_is_refused_without_reading_it(webhook: Webhook) -> None:
    status, seconds = await webhook.raw(post_head(webhook.path, secret=SECRET, length=BIG))
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert seconds < 2.0


async def test_an_oversized_chunked_body_is_cut_off(webhook: Webhook) -> None:
    """No declared length: the server reads until the limit, then refuses."""
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))  # 1.25 MB
    status, _ = await webhook.raw(
        post_head(webhook.path, secret=SECRET, length=None, chunked=True), body
    )
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    ok = await webhook.post(update(5, "Is Japan a partner?", chat_id=7005), {HEADER: SECRET})
    assert ok.status_code == 200  # and the server serves on


async def test_wrong_path_method_and_content_type(webhook: Webhook) -> None:
    async with httpx.AsyncClient(timeout=5.0) as client:
        base = webhook.url.rsplit("/", 2)[0]
        assert (
            await client.post(f"{base}/elsewhere", json={}, headers={HEADER: SECRET})
        ).status_code == 404
        assert (await client.get(webhook.url, headers={HEADER: SECRET})).status_code == 405
        text = await client.post(webhook.url, content=b"{}", headers={HEADER: SECRET})
        assert text.status_code == 415
    assert webhook.api.calls_to("sendMessage") == []


async def test_an_update_delivered_twice_is_answered_once(webhook: Webhook) -> None:
    for _ in range(3):
        response = await webhook.post(
            update(6, "Is Japan a partner?", chat_id=7006), {HEADER: SECRET}
        )
        assert response.status_code == 200  # Telegram must not deliver it yet again
    await webhook.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7006)
    await asyncio.sleep(0.3)
    assert len(webhook.api.sent_messages(7006)) == 1


async def test_requests_in_flight_are_capped(engine: QAEngine, tmp_path: Path) -> None:
    """Two slow senders hold both slots; a third request is turned away at once, and a
    genuine update is accepted again when a slot is free."""
    async with webhook_bot(engine, tmp_path, max_concurrent=2) as served:
        slow = []
        for _ in range(2):
            reader, writer = await asyncio.open_connection(served.host, served.port)
            writer.write(post_head(served.path, secret=SECRET, length=1000).encode() + b"\r\n{")
            await writer.drain()
            slow.append((reader, writer))
        await asyncio.sleep(0.2)
        status, seconds = await served.raw(post_head(served.path, secret=SECRET, length=2), b"{}")
        assert status == "HTTP/1.1 503 Service Unavailable" and seconds < 2.0
        for _, writer in slow:
            writer.close()
        await asyncio.sleep(0.2)
        ok = await served.post(update(7, "Is Japan a partner?", chat_id=7007), {HEADER: SECRET})
        assert ok.status_code == 200


def test_listen_address_is_loopback_unless_configured() -> None:
    assert load_settings({}, env_file=None).listen_address == "127.0.0.1"
    assert load_settings({"LISTEN_ADDRESS": "0.0.0.0"}, env_file=None).listen_address == "0.0.0.0"
    with pytest.raises(ValueError, match="LISTEN_ADDRESS"):
        load_settings({"LISTEN_ADDRESS": "not an address!"}, env_file=None)


async def test_the_server_binds_the_configured_address(webhook: Webhook) -> None:
    assert webhook.host == "127.0.0.1"


def test_webhook_config_comes_from_the_settings() -> None:
    settings = load_settings(
        {"WEBHOOK_URL": "https://bot.example.org/tg/hook", "WEBHOOK_SECRET": "abc", "PORT": "8080"},
        env_file=None,
    )
    assert config_of(settings) == WebhookConfig(
        path="tg/hook", secret="abc", listen="127.0.0.1", port=8080
    )
