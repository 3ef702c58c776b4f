"""Tests of the fake Bot API itself: end-to-end tests are only as good as the server they hit."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

from tests.fakebotapi import FakeBotAPI

# PTB warns on every RetryAfter that retry_after will become a timedelta; nothing to act on here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def limited() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(enforce_limits=True)
    await server.start()
    yield server
    await server.stop()


def make_bot(token: str, base_url: str, **request_kwargs: float) -> Bot:
    """A PTB Bot aimed at the fake; verify=False skips loading CA certificates (~0.1 s a client)."""
    return Bot(
        token,
        base_url=base_url,
        request=HTTPXRequest(httpx_kwargs={"verify": False}, **request_kwargs),  # type: ignore[arg-type]
        get_updates_request=HTTPXRequest(httpx_kwargs={"verify": False}),
    )


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(api.token, api.base_url) as client:
        yield client


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    """Poll for server state that wait_for cannot see (calls still being answered)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def post(api: FakeBotAPI, method: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(verify=False) as client:
        return await client.post(f"{api.base_url}{api.token}/{method}", **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- plumbing


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


# ---------------------------------------------------------------------- sending


async def test_send_message_shapes_and_per_chat_ids(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text("hi", chat_id=1001)
    first = await bot.send_message(1001, "hello", reply_markup=KEYBOARD)
    other = await bot.send_message(2002, "other chat")
    assert first.message_id == 2  # the user's message took id 1 in this chat
    assert other.message_id == 1
    assert first.from_user is not None and first.from_user.id == api.bot_id
    assert first.chat.type == "private" and first.chat.first_name == "Alice"
    assert first.text == "hello"
    assert first.reply_markup == KEYBOARD
    assert api.bot_messages(1001)[0]["message_id"] == 2
    assert [params["text"] for params in api.sent_messages(2002)] == ["other chat"]


async def test_send_to_channel_username(api: FakeBotAPI, bot: Bot) -> None:
    first = await bot.send_message("@news", "one")
    second = await bot.send_message("@News", "two")
    assert first.chat.id == second.chat.id < 0
    assert first.chat.type == "channel" and first.chat.username == "news"
    assert second.message_id == first.message_id + 1
    assert len(api.sent_messages(first.chat.id)) == 2


async def test_replies_need_an_existing_message(api: FakeBotAPI, bot: Bot) -> None:
    update = api.send_text("question?")
    answer = await bot.send_message(
        1001, "answer", reply_parameters=ReplyParameters(update["message"]["message_id"])
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "question?"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(1001, "x", reply_parameters=ReplyParameters(999))
    lenient = ReplyParameters(999, allow_sending_without_reply=True)
    assert (await bot.send_message(1001, "x", reply_parameters=lenient)).reply_to_message is None


@pytest.mark.parametrize(
    ("text", "parse_mode", "shown"),
    [
        ("<b>bold</b> &amp; <a href='https://x.org'>link</a>", ParseMode.HTML, "bold & link"),
        (
            "*bold* and `co.de` \\. [t](https://x.org/a_b)",
            ParseMode.MARKDOWN_V2,
            "bold and co.de . t",
        ),
        ("*bold* _it_ `c_d`", ParseMode.MARKDOWN, "bold it c_d"),
        ("plain <b> & *", None, "plain <b> & *"),
    ],
)
async def test_parse_modes_render_visible_text(
    bot: Bot, text: str, parse_mode: str | None, shown: str
) -> None:
    assert (await bot.send_message(1001, text, parse_mode=parse_mode)).text == shown


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("a < b", ParseMode.HTML),
        ("<b>open", ParseMode.HTML),
        ("<br>", ParseMode.HTML),
        ("Done.", ParseMode.MARKDOWN_V2),
        ("*open", ParseMode.MARKDOWN_V2),
        ("snake_case", ParseMode.MARKDOWN),
    ],
)
async def test_bad_markup_is_rejected_like_telegram(bot: Bot, text: str, parse_mode: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1001, text, parse_mode=parse_mode)


async def test_text_length_and_keyboard_limits(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(1001, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1001, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1001, "  ")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1001, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await post_keyboard(api, [[{"text": "no action"}]])


async def post_keyboard(api: FakeBotAPI, keyboard: list) -> None:
    """Send a raw keyboard PTB would refuse to build, and raise like PTB would."""
    response = await post(
        api,
        "sendMessage",
        json={"chat_id": 1001, "text": "k", "reply_markup": {"inline_keyboard": keyboard}},
    )
    if not response.json()["ok"]:
        raise BadRequest(response.json()["description"])


async def test_edits(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(1001, "v1", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v1", 1001, message.message_id, reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("v2", 1001, message.message_id)
    assert isinstance(edited, type(message))
    assert edited.text == "v2" and edited.edit_date is not None
    assert edited.reply_markup is None  # leaving reply_markup out removes the keyboard
    with_keyboard = await bot.edit_message_reply_markup(
        1001, message.message_id, reply_markup=KEYBOARD
    )
    assert with_keyboard.reply_markup == KEYBOARD  # type: ignore[union-attr]
    user_message = api.send_text("mine")["message"]
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("hacked", 1001, user_message["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)
    assert await bot.delete_message(1001, message.message_id) is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(1001, message.message_id)


# ---------------------------------------------------------------------- updates


async def test_get_updates_offset_limit_and_negative_offset(api: FakeBotAPI, bot: Bot) -> None:
    ids = [api.send_text(f"m{i}")["update_id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates are gone for good
    more = [api.send_text(f"n{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u.update_id for u in await bot.get_updates()] == more[-1:]


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    asyncio.get_running_loop().call_later(0.2, api.send_text, "late")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.15 < elapsed < 1.5


async def test_long_poll_waits_for_timeout_when_idle(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2.5


async def test_second_poll_terminates_the_first(api: FakeBotAPI) -> None:
    first = asyncio.create_task(post(api, "getUpdates", data={"timeout": "5"}))
    await until(lambda: bool(api.calls_to("getUpdates")))
    second = await post(api, "getUpdates", data={"timeout": "0"})
    assert second.json() == {"ok": True, "result": []}
    terminated = await asyncio.wait_for(first, 2)
    assert terminated.status_code == 409
    assert "terminated by other getUpdates request" in terminated.json()["description"]


async def test_allowed_updates_are_remembered(api: FakeBotAPI) -> None:
    api.push_update({"chat_member": {"raw": True}})
    message = api.send_text("hello")
    body = (await post(api, "getUpdates")).json()
    assert [u["update_id"] for u in body["result"]] == [message["update_id"]]  # default filter
    api.send_text("dropped")
    button = api.push_update({"callback_query": {"id": "1", "data": "x"}})
    body = (await post(api, "getUpdates", json={"allowed_updates": ["callback_query"]})).json()
    assert [u["update_id"] for u in body["result"]] == [button["update_id"]]
    api.send_text("still dropped")
    assert (await post(api, "getUpdates")).json()["result"] == [body["result"][0]]
    member = api.push_update({"chat_member": {"raw": True}})
    body = (await post(api, "getUpdates", json={"allowed_updates": ["chat_member"]})).json()
    assert [u["update_id"] for u in body["result"]] == [member["update_id"]]


async def test_push_update_rejects_its_own_update_id(api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="update_id"):
        api.push_update({"update_id": 5, "message": {}})


async def test_built_updates_parse_in_ptb(api: FakeBotAPI, bot: Bot) -> None:
    text = api.send_text(
        "/ask@ThisBot 😀 hey @some_one",
        chat_id=-100,
        chat_type="group",
        chat_title="Team",
        username="bob",
    )
    api.edit_text(text, "/ask fixed")
    api.send_sticker(chat_id=-100, chat_type="group")
    api.send_photo()
    api.inline_query("query text", user_id=5)
    api.chat_member_update(chat_id=-200, chat_type="supergroup", new_status="administrator")
    api.chat_member_update(
        chat_id=1001, chat_type="private", new_status="kicked", old_status="member"
    )
    api.chat_member_update(chat_id=-300, chat_type="group", new_status="restricted")
    api.migrate_message(old_chat_id=-100, new_chat_id=-100100)
    channel = api.send_text("news", chat_id=-1001234, chat_type="channel", chat_title="News")
    api.edit_text(channel["channel_post"], "news!")

    updates = await bot.get_updates()
    (
        message,
        edited,
        sticker,
        photo,
        inline,
        promoted,
        blocked,
        restricted,
        migrated,
        post_,
        edited_post,
    ) = updates
    assert message.message is not None and message.message.chat.title == "Team"
    assert message.message.from_user is not None and message.message.from_user.username == "bob"
    assert list(message.message.parse_entities().values()) == ["/ask@ThisBot", "@some_one"]
    assert edited.edited_message is not None
    assert edited.edited_message.message_id == message.message.message_id
    assert edited.edited_message.text == "/ask fixed" and edited.edited_message.edit_date
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.photo[-1].width == 1280
    assert inline.inline_query is not None and inline.inline_query.query == "query text"
    assert promoted.my_chat_member is not None
    assert promoted.my_chat_member.new_chat_member.status == "administrator"
    assert promoted.my_chat_member.new_chat_member.user.id == api.bot_id
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert restricted.my_chat_member is not None
    assert restricted.my_chat_member.new_chat_member.status == "restricted"
    assert migrated.message is not None and migrated.message.migrate_to_chat_id == -100100
    assert post_.channel_post is not None and post_.channel_post.sender_chat is not None
    assert edited_post.edited_channel_post is not None
    assert all(isinstance(update, Update) for update in updates)


async def test_buttons_and_callback_answers(api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(1001, "Proceed?", reply_markup=KEYBOARD)
    pressed = api.press_button(api.bot_messages(1001)[-1], "yes", user_id=1001)
    with pytest.raises(AssertionError, match="no button with callback_data 'no'"):
        api.press_button(sent.to_dict(), "no")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.id == pressed["callback_query"]["id"]
    assert query.data == "yes" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("done") is True
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")
    await bot.edit_message_text("Done", 1001, sent.message_id)
    with pytest.raises(AssertionError):
        api.press_button(sent.to_dict(), "yes")  # the edit removed the keyboard
    assert api.press_button(sent.to_dict(), "yes", check=False)["callback_query"]["data"] == "yes"


async def test_inline_query_answers(api: FakeBotAPI, bot: Bot) -> None:
    query_id = api.inline_query("tanks")["inline_query"]["id"]
    result = InlineQueryResultArticle("1", "Title", InputTextMessageContent("body"))
    assert await bot.answer_inline_query(query_id, [result], cache_time=0) is True
    params = api.calls_to("answerInlineQuery")[-1].params
    assert params["inline_query_id"] == query_id and isinstance(query_id, str)
    assert params["results"][0]["input_message_content"] == {"message_text": "body"}
    assert params["cache_time"] == 0
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [result, result])


async def test_commands_per_scope_and_language(api: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands) is True
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(1001)) is True
    assert await bot.get_my_commands() == tuple(commands)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1001)) == tuple(commands[:1])
    assert await bot.get_my_commands(language_code="az") == ()
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start!", "bad")])
    assert api.calls_to("setMyCommands")[0].params["commands"][0] == {
        "command": "start",
        "description": "Start",
    }


async def test_chats_and_members() -> None:
    api = FakeBotAPI(chat_admins={-300: {5}})
    async with api, make_bot(api.token, api.base_url) as bot:
        api.set_chat_admins(-400, {7, 8})
        assert (await bot.get_chat_member(-300, 5)).status == "administrator"
        assert (await bot.get_chat_member(-300, 6)).status == "member"
        admins = await bot.get_chat_administrators(-400)
        assert sorted(member.user.id for member in admins) == [7, 8]
        with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
            await bot.get_chat_administrators(1001)
        chat = await bot.get_chat(-300)
        assert chat.id == -300 and chat.type == "group"
        assert (await bot.get_chat("@chan")).type == "channel"
        assert await bot.send_chat_action(1001, "typing") is True
        with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
            await bot.send_chat_action(1001, "dancing")


async def test_webhook_blocks_polling(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text("pending")
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.set_webhook("https://example.org/hook") is True
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook" and info.pending_update_count == 1
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates() == ()
    assert await bot.close() is True
    assert await bot.log_out() is True


# ---------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        ("server_error", NetworkError, 500),
        ("bad_request", BadRequest, 400),
        ("flood", RetryAfter, 429),
        ("forbidden", Forbidden, 403),
        ("migrated", ChatMigrated, 400),
    ],
)
async def test_fail_next_maps_to_ptb_exceptions(
    api: FakeBotAPI, bot: Bot, kind: str, error: type[TelegramError], status: int
) -> None:
    api.fail_next("sendMessage", kind, retry_after=3)
    with pytest.raises(error) as caught:
        await bot.send_message(-42, "x")
    assert type(caught.value) is error  # not a subclass such as TimedOut
    assert api.calls[-1].status == status and not api.calls[-1].ok
    if isinstance(caught.value, RetryAfter):
        assert retry_seconds(caught.value) == 3
        assert api.flood_responses == 1
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -10042
    assert (await bot.send_message(-42, "x")).text == "x"  # only the next call failed
    assert len(api.sent_messages()) == 1


async def test_fail_next_migrated_to_given_chat(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", "migrated", migrate_to_chat_id=-1009)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-9, "x")
    assert caught.value.new_chat_id == -1009


async def test_fail_next_timeout_lets_the_client_time_out(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api.fail_next("sendMessage", "timeout", delay=0.4)
    async with make_bot(api.token, api.base_url, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow")
        # Like Telegram, the server still carries the request out after the client gave up.
        (call,) = await api.wait_for("sendMessage", timeout=2)
        assert call.ok and api.sent_messages() == [{"chat_id": 1001, "text": "slow"}]
        assert (await bot.send_message(1001, "fast")).text == "fast"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_fail_next_counts_and_chat_scope(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", "server_error", times=2, chat_id=-5)
    api.fail_next("sendMessage", "forbidden", chat_id="@chan")
    api.fail_next("getMe", "bad_request")
    await bot.send_message(1001, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(-5, "x")
    await bot.send_message(-5, "third works")
    with pytest.raises(Forbidden):
        await bot.send_message("@Chan", "x")
    await bot.send_message("@chan", "then works")
    with pytest.raises(BadRequest):
        await bot.get_me()
    with pytest.raises(ValueError, match="unknown fault kind"):
        api.fail_next("sendMessage", "gremlins")


async def test_forbid_and_membership(api: FakeBotAPI, bot: Bot) -> None:
    api.forbid_chat(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(1001, "typing")
    await bot.send_message(1002, "others are fine")
    api.chat_member_update(chat_id=-50, chat_type="group", new_status="kicked", old_status="member")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(-50, "x")
    api.chat_member_update(chat_id=-50, chat_type="group", new_status="member")
    await bot.send_message(-50, "back")


async def test_migrated_group_rejects_old_id(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text("hi", chat_id=-60, chat_type="group", chat_title="Old")
    api.migrate_message(old_chat_id=-60, new_chat_id=-10060)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-60, "x")
    assert caught.value.new_chat_id == -10060
    moved = await bot.send_message(-10060, "x")
    assert moved.chat.type == "supergroup" and moved.chat.title == "Old"


# ---------------------------------------------------------------------- flood limits


async def test_limits_private_chat_burst(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for i in range(3):
            await bot.send_message(1001, f"burst {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "too fast")
        assert retry_seconds(caught.value) == 1
        await bot.send_message(1002, "another user is fine")
        assert limited.flood_responses == 1
        assert len(limited.sent_messages()) == 4
        await asyncio.sleep(1.05)
        await bot.send_message(1001, "after waiting")


async def test_limits_per_group_per_minute(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for i in range(20):
            await bot.send_message(-77, f"group {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-77, "one too many")
        assert 50 <= retry_seconds(caught.value) <= 60
        await bot.send_message(-78, "another group is fine")
        assert limited.flood_responses == 1


async def test_limits_overall_per_second(limited: FakeBotAPI) -> None:
    async with make_bot(limited.token, limited.base_url) as bot:
        for chat_id in range(1, 31):
            await bot.send_message(chat_id, "broadcast")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(31, "broadcast")
        assert retry_seconds(caught.value) == 1
        assert limited.flood_responses == 1
        assert limited.calls[-1].response["parameters"] == {"retry_after": 1}


async def test_limits_are_off_by_default(bot: Bot, api: FakeBotAPI) -> None:
    for i in range(10):
        await bot.send_message(1001, f"{i}")
    assert api.flood_responses == 0


# ---------------------------------------------------------------------- observing


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
    info = (await post(api, "getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 0  # the updater confirmed everything on stop


async def test_standalone_demo() -> None:
    script = Path(__file__).with_name("fakebotapi.py")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        "--port",
        "0",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        header = {}
        while len(header) < 2:
            line = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
            key, _, value = line.partition(": ")
            if key in ("base_url", "token"):
                header[key] = value.strip()
        proc.stdin.write(b"hello bot\n")
        await proc.stdin.drain()
        async with make_bot(header["token"], header["base_url"]) as bot:
            (update,) = await bot.get_updates(timeout=5)
            assert update.message is not None and update.message.text == "hello bot"
            await update.message.reply_text("hello human")
        while (
            "bot> hello human" not in (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
        ):
            pass
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 5) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
