"""The bot end to end: the real Application polling a fake Bot API server over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import QAEngine
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import bot_settings, running_bot


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        yield api


async def reply_to(api: FakeBotAPI, text: str, **kwargs: object) -> dict:
    before = len(api.calls)
    api.send_text(text, **kwargs)
    calls = await api.wait_for("sendMessage", after=before)
    return calls[0].params


async def test_free_question_gets_a_card_with_source_and_buttons(bot: FakeBotAPI) -> None:
    params = await reply_to(bot, "Which exercises were held?")
    assert params["parse_mode"] == "HTML"
    assert "Anadolu Gartali" in params["text"] and "<blockquote>" in params["text"]
    buttons = [b for row in params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons and all(len(b["callback_data"].encode()) <= 64 for b in buttons)
