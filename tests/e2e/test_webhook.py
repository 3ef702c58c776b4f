"""Webhook mode: Telegram's secret header is required, and an update with it is answered.

The real Application serves PTB's webhook server on 127.0.0.1 and registers itself with the
fake Bot API (setWebhook); updates are POSTed to it with httpx, as Telegram would.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.engine import QAEngine
from bot.telegram.app import build_application, file_url, webhook_path
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import bot_settings, loopback_request

SECRET = "s3cret-token"
PUBLIC_URL = "https://example.invalid/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Webhook:
    api: FakeBotAPI
    url: str  # where the bot listens on loopback

    async def post(self, update: dict, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=5.0) as client:
            return await client.post(self.url, json=update, headers=headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook(engine: QAEngine, tmp_path: Path) -> AsyncIterator[Webhook]:
    async with FakeBotAPI() as api:
        settings = bot_settings(api, tmp_path, webhook_url=PUBLIC_URL, webhook_secret=SECRET)
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        port = free_port()
        path = webhook_path(PUBLIC_URL)
        async with application:
            assert application.updater is not None
            await application.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path=path,
                webhook_url=PUBLIC_URL,
                secret_token=SECRET,
            )
            await application.start()
            try:
                yield Webhook(api, f"http://127.0.0.1:{port}/{path}")
            finally:
                await application.updater.stop()
                await application.stop()


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
    """Not JSON, or JSON that is no update: refused (PTB answers 500 and 400), no reply, and
    the next genuine update is answered."""
    async with httpx.AsyncClient(timeout=5.0) as client:
        for body in (b"not json", b'{"no": "update"}'):
            response = await client.post(
                webhook.url,
                content=body,
                headers={HEADER: SECRET, "Content-Type": "application/json"},
            )
            assert response.status_code in (400, 500)
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
