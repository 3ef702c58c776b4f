"""Tests of the fake Bot API's server: HTTP plumbing, call recording, waiting, the demo.

End-to-end tests are only as good as the server they hit.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, Update
from telegram.error import InvalidToken
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.settings import load_settings
from tests.support.client import KEYBOARD, make_bot, post, until
from tests.support.fakeapi import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]


# -- plumbing ----------------------------------------------------------------------------------


async def test_serves_on_loopback_random_port(api: FakeBotAPI) -> None:
    assert api.url.startswith("http://127.0.0.1:")
    assert api.base_url == f"{api.url}/bot"
    assert int(api.url.rsplit(":", 1)[1]) > 0


async def test_get_me_over_http_and_ptb(api: FakeBotAPI, bot: Bot) -> None:
    response = await post(api, "getMe")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "ThisBot"
    assert body["result"]["is_bot"] is True
    assert bot.username == "ThisBot"
    assert bot.bot.supports_inline_queries is True
    assert bot.bot.can_join_groups is True
    # Telegram treats method names case-insensitively; the canonical name is recorded.
    assert (await post(api, "getme")).json()["ok"] is True
    assert [call.method for call in api.calls] == ["getMe", "getMe", "getMe"]


async def test_wrong_token_unknown_method_and_path(api: FakeBotAPI) -> None:
    async with httpx.AsyncClient(verify=False) as client:
        wrong = await client.post(f"{api.base_url}123:nope/getMe")
        unknown = await client.post(f"{api.base_url}{api.token}/frobnicate")
        elsewhere = await client.get(f"{api.url}/favicon.ico")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert elsewhere.status_code == 404
    assert elsewhere.json()["ok"] is False
    with pytest.raises(InvalidToken):
        async with make_bot("123:nope", api.base_url):
            pass


async def test_ptb_parameters_are_decoded_to_python_values(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(
        1001,
        "123",
        reply_markup=KEYBOARD,
        entities=[MessageEntity(MessageEntity.BOLD, 0, 1)],
        disable_notification=True,
    )
    await bot.send_message(1001, "true")
    first, second = api.sent_messages()
    assert first == {
        "chat_id": 1001,
        "text": "123",
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
        "entities": [{"type": "bold", "offset": 0, "length": 1}],
        "disable_notification": True,
    }
    assert second == {"chat_id": 1001, "text": "true"}


async def test_json_body_and_query_string_are_accepted(api: FakeBotAPI) -> None:
    as_json = await post(api, "sendMessage", json={"chat_id": "1001", "text": "via json"})
    as_query = await post(api, "sendMessage", params={"chat_id": "1001", "text": "42"})
    assert as_json.json()["ok"] and as_query.json()["ok"]
    assert api.sent_messages(1001) == [
        {"chat_id": 1001, "text": "via json"},
        {"chat_id": 1001, "text": "42"},
    ]
    broken = await post(
        api, "sendMessage", content=b"[1]", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400


async def test_stop_answers_a_pending_long_poll(api: FakeBotAPI) -> None:
    poll = asyncio.create_task(post(api, "getUpdates", data={"timeout": "30"}))
    await until(lambda: bool(api.calls))
    started = time.monotonic()
    await api.stop()
    response = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert response.json() == {"ok": True, "result": []}
    await api.stop()  # idempotent, so fixtures may stop again


# -- observing ---------------------------------------------------------------------------------


async def test_wait_for_count_after_and_timeout_dump(api: FakeBotAPI, bot: Bot) -> None:
    mark = len(api.calls)

    async def later() -> None:
        await asyncio.sleep(0.05)
        for text in ("a", "b", "c"):
            await bot.send_message(1001, text)

    task = asyncio.create_task(later())
    calls = await api.wait_for("sendMessage", count=2, after=mark, timeout=2)
    assert [call.params["text"] for call in calls] == ["a", "b"]
    await task
    (call,) = await api.wait_for("sendMessage", lambda c: c.params["text"] == "c")
    assert call.response["result"]["text"] == "c" and call.at >= calls[1].at
    with pytest.raises(AssertionError, match=r"timed out .* sendMessage") as caught:
        await api.wait_for("sendMessage", count=4, timeout=0.1)
    assert '#3 sendMessage {"chat_id": 1001, "text": "c"} -> ok' in str(caught.value)


async def test_application_end_to_end(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Proceed?", reply_markup=KEYBOARD)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .request(HTTPXRequest(httpx_kwargs={"verify": False}))
        .get_updates_request(HTTPXRequest(httpx_kwargs={"verify": False}))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        api.send_text("/start")
        await api.wait_for("sendMessage")
        api.press_button(api.bot_messages(1001)[-1], "yes")
        (edit,) = await api.wait_for("editMessageText")
        await api.wait_for("answerCallbackQuery")
        await app.updater.stop()
        await app.stop()
    assert edit.response["result"]["text"] == "You chose yes"
    assert "reply_markup" not in edit.response["result"]
    assert api.pending_updates == 0  # the updater confirmed everything on stop


async def test_standalone_demo() -> None:
    """The README's demo command, run from the checkout as the README says: it prints the two
    variables the bot reads, ready to paste, then the bot's replies with their buttons."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fakeapi",
        "--port",
        "0",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        exports: dict[str, str] = {}
        while len(exports) < 2:
            line = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value
        settings = load_settings(exports, env_file=None)  # what `make run` would read
        assert settings.token and settings.api_base_url.startswith("http://127.0.0.1:")
        proc.stdin.write(b"hello bot\n")
        await proc.stdin.drain()
        async with make_bot(settings.token, settings.api_base_url) as bot:
            (update,) = await bot.get_updates(timeout=5)
            assert update.message is not None and update.message.text == "hello bot"
            buttons = [[InlineKeyboardButton("Which exercises?", callback_data="ask:x")]]
            await update.message.reply_text(
                "hello <b>human</b>",
                parse_mode="HTML",
                reply_markup=InlineKeyboardMarkup(buttons),
            )
        printed = []
        while "[Which exercises?]" not in printed[-1:]:
            line = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode().strip()
            printed.append(line)
        assert printed[-2:] == ["bot> hello human", "[Which exercises?]"]
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 5) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
