"""The bot end to end: the real Application polling a fake Bot API server over loopback HTTP.

Each test talks to the bot the way Telegram would and asserts what the bot actually sent.
Every conversation uses its own chat id, so replies are told apart without timing tricks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from itertools import count
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.telegram.logs import configure_logging
from tests.fakebotapi import Call, FakeBotAPI
from tests.telegram_harness import bot_settings, running_bot

_chat_ids = count(50_000)
SILENCE_SECONDS = 0.4


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        yield api


def new_chat() -> int:
    return next(_chat_ids)


def buttons(params: dict) -> list[dict]:
    markup = params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def replies(api: FakeBotAPI, chat_id: int, *, after: int, count: int = 1) -> list[Call]:
    return await api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == chat_id, after=after, count=count
    )


async def ask(api: FakeBotAPI, text: str, **kwargs: object) -> dict:
    """Send a private message from a fresh chat and return the bot's reply parameters."""
    chat_id = int(kwargs.pop("chat_id", new_chat()))  # type: ignore[call-overload]
    before = len(api.calls)
    api.send_text(text, chat_id=chat_id, user_id=chat_id, **kwargs)  # type: ignore[arg-type]
    return (await replies(api, chat_id, after=before))[0].params


async def assert_silent(api: FakeBotAPI, chat_id: int, after: int) -> None:
    await asyncio.sleep(SILENCE_SECONDS)
    sent = [c for c in api.calls[after:] if c.method == "sendMessage"]
    assert all(c.params.get("chat_id") != chat_id for c in sent)


# -- start-up ----------------------------------------------------------------------------------


async def test_command_menu_is_scoped_and_complete(bot: FakeBotAPI, engine: QAEngine) -> None:
    calls = bot.calls_to("setMyCommands")
    scopes = {c.params.get("scope", {}).get("type"): c.params["commands"] for c in calls}
    topics = {fact.command for fact in engine.kb.commands}
    for scope in ("all_private_chats", "all_group_chats"):
        names = {command["command"] for command in scopes[scope]}
        assert names == topics | {"help"}
        assert not names & {"announce", "stats", "reload"}
    operator = [c for c in calls if c.params.get("scope", {}).get("type") == "chat"]
    assert operator and "announce" in {c["command"] for c in operator[0].params["commands"]}


# -- commands ----------------------------------------------------------------------------------


async def test_start_greets_with_example_buttons(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/start", first_name="<b>Eve</b>")
    assert "&lt;b&gt;Eve&lt;/b&gt;" in params["text"]
    assert "military cooperation" in params["text"]
    examples = buttons(params)
    assert examples
    assert all(len(b["callback_data"].encode()) <= 64 for b in examples)


async def test_deep_link_opens_the_card(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/start exercises")
    assert "TURAZ Shahini" in params["text"] and "<blockquote>" in params["text"]


async def test_help_lists_every_topic_command(bot: FakeBotAPI, engine: QAEngine) -> None:
    params = await ask(bot, "/help")
    for fact in engine.kb.commands:
        assert f"/{fact.command}" in params["text"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("exercises", "Anadolu Gartali"),
        ("partners", "Kirgizstan"),
        ("agreements", "34 countries"),
        ("events", "250-300"),
        ("courses", "French"),
        ("trilateral", "Georgia"),
        ("partnership", "Partnership Goals"),
        ("quote", "Heydar Aliyev"),
        ("about", "Bilateral and multilateral military cooperation"),
        ("overview", "every year"),
    ],
)
async def test_each_topic_command_shows_its_card(
    bot: FakeBotAPI, engine: QAEngine, command: str, expected: str
) -> None:
    fact = engine.kb.by_command(command)
    assert fact is not None
    params = await ask(bot, f"/{command}")
    assert fact.title in params["text"]
    assert expected in params["text"]
    assert params["parse_mode"] == "HTML"


async def test_every_command_in_the_knowledge_base_is_served(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    for fact in engine.kb.commands:
        params = await ask(bot, f"/{fact.command}")
        assert fact.title in params["text"]


async def test_partner_command_with_a_country(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/partners Japan")
    assert "No. <b>Japan</b>" in params["text"]


async def test_unknown_command_is_explained_and_escaped(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/nonsense_here")
    assert "/help" in params["text"] and "nonsense_here" in params["text"]


# -- free questions ----------------------------------------------------------------------------


async def test_free_question_gets_a_card_with_source_and_buttons(bot: FakeBotAPI) -> None:
    params = await ask(bot, "Which exercises were held?")
    assert params["parse_mode"] == "HTML"
    assert "Anadolu Gartali" in params["text"] and "<blockquote>" in params["text"]
    related = buttons(params)
    assert related and all(len(b["callback_data"].encode()) <= 64 for b in related)


async def test_partner_yes_with_document_spelling(bot: FakeBotAPI) -> None:
    params = await ask(bot, "Is Czechia a partner?")
    assert "Yes." in params["text"] and "“Check Republic”" in params["text"]


async def test_near_miss_is_a_no(bot: FakeBotAPI) -> None:
    params = await ask(bot, "Is Iraq a partner?")
    assert "No. <b>Iraq</b>" in params["text"]
    assert "<b>Iran</b>" not in params["text"]


async def test_unanswerable_question_offers_did_you_mean(bot: FakeBotAPI) -> None:
    params = await ask(bot, "What is the defence budget?")
    assert "could not find that in the document" in params["text"]
    for figure in ("34", "900", "250-300"):
        assert figure not in params["text"]
    suggestions = buttons(params)
    assert 1 <= len(suggestions) <= 4
    assert all(b["callback_data"].startswith("card:") for b in suggestions)


async def test_html_in_the_question_never_breaks_the_reply(bot: FakeBotAPI) -> None:
    params = await ask(bot, "<b>Which</b> exercises were <i>held</i>?")
    assert "Anadolu Gartali" in params["text"]
    params = await ask(bot, "<script>alert(1)</script> & <unclosed")
    assert "<script>" not in params["text"] and "<unclosed" not in params["text"]


async def test_long_message_is_answered_within_limits(bot: FakeBotAPI) -> None:
    text = ("Which exercises were held in 2016? " * 120)[:4000]
    params = await ask(bot, text)
    assert len(params["text"]) <= 4096
    assert params["text"]


async def test_edited_question_is_answered_again(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    before = len(bot.calls)
    update = bot.send_text("Is Japan a partner?", chat_id=chat_id, user_id=chat_id)
    first = (await replies(bot, chat_id, after=before))[0].params
    assert "Japan" in first["text"]
    before = len(bot.calls)
    bot.edit_text(update, "Is Turkey a partner?")
    second = (await replies(bot, chat_id, after=before))[0].params
    assert "Yes. <b>Turkey</b>" in second["text"]


async def test_sticker_and_photo_in_private_get_a_hint(bot: FakeBotAPI) -> None:
    for send in (bot.send_sticker, bot.send_photo):
        chat_id = new_chat()
        before = len(bot.calls)
        send(chat_id=chat_id, user_id=chat_id)
        params = (await replies(bot, chat_id, after=before))[0].params
        assert "question as a message" in params["text"]


# -- groups ------------------------------------------------------------------------------------


async def test_group_stays_silent_unless_addressed(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    bot.send_text("which exercises were held?", chat_id=group, chat_type="supergroup")
    bot.send_sticker(chat_id=group, chat_type="supergroup")
    bot.send_text("/exercises@OtherBot", chat_id=group, chat_type="supergroup")
    await assert_silent(bot, group, before)


async def test_group_mention_is_answered_as_a_reply(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    update = bot.send_text(
        "@ThisBot which exercises were held?", chat_id=group, chat_type="supergroup"
    )
    params = (await replies(bot, group, after=before))[0].params
    assert "Anadolu Gartali" in params["text"]
    message_id = update["message"]["message_id"]
    assert params["reply_parameters"]["message_id"] == message_id


async def test_reply_to_the_bot_in_a_group_is_answered(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    bot.send_text("/agreements@ThisBot", chat_id=group, chat_type="group")
    await replies(bot, group, after=before)
    own = bot.bot_messages(group)[-1]
    before = len(bot.calls)
    bot.send_text(
        "how many agreements were signed in 2016?",
        chat_id=group,
        chat_type="group",
        reply_to_message=own,
    )
    params = (await replies(bot, group, after=before))[0].params
    assert "7 countries" in params["text"]


async def test_command_for_this_bot_in_a_group(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    bot.send_text("/exercises@ThisBot", chat_id=group, chat_type="supergroup")
    params = (await replies(bot, group, after=before))[0].params
    assert "TURAZ Shahini" in params["text"]


# -- buttons and inline mode -------------------------------------------------------------------


async def test_button_press_answers_the_query_and_shows_the_card(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    before = len(bot.calls)
    bot.send_text("/agreements", chat_id=chat_id, user_id=chat_id)
    await replies(bot, chat_id, after=before)
    card = bot.bot_messages(chat_id)[-1]
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    before = len(bot.calls)
    update = bot.press_button(card, data, user_id=chat_id)
    answered = await bot.wait_for("answerCallbackQuery", after=before)
    assert answered[0].params["callback_query_id"] == update["callback_query"]["id"]
    params = (await replies(bot, chat_id, after=before))[0].params
    assert "<blockquote>" in params["text"]


async def test_inline_query_offers_the_best_card_first(bot: FakeBotAPI) -> None:
    before = len(bot.calls)
    bot.inline_query("exercises")
    results = (await bot.wait_for("answerInlineQuery", after=before))[0].params["results"]
    assert results
    first = results[0]
    assert first["type"] == "article" and first["title"] and first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "TURAZ Shahini" in content["message_text"]
    assert len({r["id"] for r in results}) == len(results)


async def test_empty_inline_query_lists_the_topics(bot: FakeBotAPI, engine: QAEngine) -> None:
    before = len(bot.calls)
    bot.inline_query("")
    results = (await bot.wait_for("answerInlineQuery", after=before))[0].params["results"]
    titles = {r["title"] for r in results}
    assert {fact.title for fact in engine.kb.commands} & titles


async def test_unanswerable_inline_query_never_gives_a_wrong_card(bot: FakeBotAPI) -> None:
    before = len(bot.calls)
    bot.inline_query("population of Turkey")
    results = (await bot.wait_for("answerInlineQuery", after=before))[0].params["results"]
    for result in results:
        text = result["input_message_content"]["message_text"]
        assert "Yes. <b>Turkey</b>" not in text and "population" not in text.lower()


# -- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "delivered"),
    [("server_error", False), ("forbidden", False), ("bad_request", False), ("flood", True)],
)
async def test_bot_api_fault_then_next_update_is_answered(
    bot: FakeBotAPI, kind: str, delivered: bool, caplog: pytest.LogCaptureFixture
) -> None:
    chat_id = new_chat()
    bot.fail_next("sendMessage", kind, chat_id=chat_id, retry_after=1)
    before = len(bot.calls)
    with caplog.at_level(logging.ERROR, logger="bot.updates"):
        bot.send_text("Which exercises were held?", chat_id=chat_id, user_id=chat_id)
        if delivered:  # 429: the rate limiter waits retry_after and sends again
            params = (await replies(bot, chat_id, after=before))[0].params
            assert "Anadolu Gartali" in params["text"]
        else:
            await bot.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat_id)
            for _ in range(40):
                if any("error while handling update" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
            assert any(r.exc_info for r in caplog.records), "the error handler logs the traceback"
    params = await ask(bot, "Is Japan a partner?")
    assert "Japan" in params["text"]


async def test_timeout_then_next_update_is_answered(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    async with running_bot(api, engine, bot_settings(api, tmp_path), read_timeout=0.5):
        chat_id = new_chat()
        api.fail_next("sendMessage", "timeout", chat_id=chat_id, delay=1.5)
        api.send_text("Which exercises were held?", chat_id=chat_id, user_id=chat_id)
        await asyncio.sleep(0.8)
        params = await ask(api, "Is Japan a partner?")
        assert "Japan" in params["text"]


async def test_logs_never_contain_the_token(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG", api.token)
    try:
        async with running_bot(api, engine, bot_settings(api, tmp_path)):
            api.fail_next("sendMessage", "server_error")
            api.send_text("Which exercises were held?")
            await api.wait_for("sendMessage")
            params = await ask(api, "Is Japan a partner?")
            assert "Japan" in params["text"]
            await asyncio.sleep(0.2)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capfd.readouterr().err
    assert "update chat=private intent=partner_check" in err
    assert "error while handling update" in err
    assert api.token not in err and api.token.split(":", 1)[1] not in err


async def test_run_with_a_refused_token_says_so_in_one_line(api: FakeBotAPI) -> None:
    """`python -m bot run` against a Bot API that answers 401: one clear line, exit 1."""
    import os
    import sys

    from tests.conftest import ROOT

    wrong = api.token.split(":", 1)[0] + ":" + "x" * 35
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env |= {"TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_BASE_URL": api.base_url}
    env["DATABASE_PATH"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"refused-{os.getpid()}.db")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 1, text
    assert "TELEGRAM_BOT_TOKEN was refused" in text
    assert "Traceback" not in text
    assert wrong not in text and wrong.split(":", 1)[1] not in text
