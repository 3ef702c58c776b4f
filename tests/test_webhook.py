"""Webhook mode: Telegram's secret header is required, and an update with it is answered."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.engine import QAEngine
from bot.telegram.app import build_application, file_url, webhook_path
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import bot_settings, loopback_request

SECRET = "s3cret-token_for-tests"
PUBLIC_URL = "https://bot.example.invalid/telegram/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook(engine: QAEngine, tmp_path: Path) -> AsyncIterator[tuple[FakeBotAPI, str]]:
    async with FakeBotAPI() as api:
        settings = bot_settings(api, tmp_path, webhook_url=PUBLIC_URL, webhook_secret=SECRET)
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        port = free_port()
        async with application:
            assert application.updater is not None
            await application.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path=webhook_path(PUBLIC_URL),
                webhook_url=PUBLIC_URL,
                secret_token=SECRET,
            )
            await application.start()
            try:
                yield api, f"http://127.0.0.1:{port}/{webhook_path(PUBLIC_URL)}"
            finally:
                await application.updater.stop()
                await application.stop()


def update(update_id: int, text: str) -> dict:
    user = {"id": 7001, "is_bot": False, "first_name": "Web"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": 7001, "type": "private", "first_name": "Web"},
            "from": user,
            "text": text,
        },
    }


async def test_webhook_is_registered_with_the_secret(webhook: tuple[FakeBotAPI, str]) -> None:
    api, _ = webhook
    registered = api.calls_to("setWebhook")[-1].params
    assert registered["url"] == PUBLIC_URL
    assert registered["secret_token"] == SECRET


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_update_without_the_secret_is_refused(
    webhook: tuple[FakeBotAPI, str], headers: dict[str, str]
) -> None:
    api, url = webhook
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=update(1, "Is Japan a partner?"), headers=headers)
    assert response.status_code == 403
    assert not api.calls_to("sendMessage")


async def test_update_with_the_secret_is_answered(webhook: tuple[FakeBotAPI, str]) -> None:
    api, url = webhook
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=update(2, "Is Japan a partner?"), headers=headers)
    assert response.status_code == 200
    sent = await api.wait_for("sendMessage")
    assert sent[0].params["chat_id"] == 7001
    assert "No. <b>Japan</b>" in sent[0].params["text"]


def test_webhook_path_and_file_url() -> None:
    assert webhook_path("https://bot.example.org/telegram/hook") == "telegram/hook"
    assert webhook_path("https://bot.example.org") == "telegram"
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
