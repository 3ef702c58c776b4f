"""Tests of the Bot API methods the bot calls and of the HTML and limit checks they apply."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from tests.support.client import KEYBOARD, make_bot, post
from tests.support.fakeapi import FakeBotAPI

# -- sending -----------------------------------------------------------------------------------


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


# -- HTML and limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parse_mode", "shown"),
    [
        ("<b>bold</b> &amp; <a href='https://x.org'>link</a>", ParseMode.HTML, "bold & link"),
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
    ],
)
async def test_bad_markup_is_rejected_like_telegram(bot: Bot, text: str, parse_mode: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1001, text, parse_mode=parse_mode)


@pytest.mark.parametrize("parse_mode", [ParseMode.MARKDOWN, ParseMode.MARKDOWN_V2])
async def test_other_parse_modes_are_refused_not_passed_unchecked(
    bot: Bot, parse_mode: str
) -> None:
    """The bot sends only HTML; a change to Markdown must fail here, not reach Telegram untried."""
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(1001, "*bold*", parse_mode=parse_mode)


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


async def post_keyboard(api: FakeBotAPI, keyboard: list[list[dict[str, str]]]) -> None:
    """Send a raw keyboard PTB would refuse to build, and raise like PTB would."""
    response = await post(
        api,
        "sendMessage",
        json={"chat_id": 1001, "text": "k", "reply_markup": {"inline_keyboard": keyboard}},
    )
    if not response.json()["ok"]:
        raise BadRequest(response.json()["description"])


# -- edits, queries, commands, members ---------------------------------------------------------


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
    assert isinstance(with_keyboard, Message) and with_keyboard.reply_markup == KEYBOARD
    user_message = api.send_text("mine")["message"]
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("hacked", 1001, user_message["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)


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


async def test_commands_are_validated_and_recorded_per_scope(api: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands) is True
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(1001)) is True
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start!", "bad")])
    first, scoped, _ = api.calls_to("setMyCommands")
    assert first.params["commands"][0] == {"command": "start", "description": "Start"}
    assert scoped.params["scope"] == {"type": "chat", "chat_id": 1001}


async def test_chats_and_members() -> None:
    api = FakeBotAPI(chat_admins={-300: {5}})
    async with api, make_bot(api.token, api.base_url) as bot:
        api.set_chat_admins(-400, {7, 8})
        assert (await bot.get_chat_member(-300, 5)).status == "administrator"
        assert (await bot.get_chat_member(-300, 6)).status == "member"
        for user_id in (7, 8):
            assert (await bot.get_chat_member(-400, user_id)).status == "administrator"
        chat = await bot.get_chat(-300)
        assert chat.id == -300 and chat.type == "group"
        assert (await bot.get_chat("@chan")).type == "channel"
