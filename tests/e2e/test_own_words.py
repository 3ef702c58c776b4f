"""The bot's own messages beyond the answers, end to end (issue 11): refusals, subscriptions,
the operators' commands, their buttons and reports, and flood notices reach each chat in its
language (its /language choice, else the sender's Telegram language), through the real
Application polling the fake Bot API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.i18n import gettext
from bot.telegram import teach, texts
from bot.telegram.broadcast import REPORT_DELIVERED, REPORT_FINISHED
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, running_bot, say, to_chat

STRANGER = 5560001
GROUP_ADMIN = 5560002
MEMBER = 5560003
GROUP = -1005600000001
TARGET = -1005600000009  # a fixed announcement target
QUESTION = "Which exercises were held?"


def speaks(api: FakeBotAPI, user_id: int, language_code: str) -> None:
    """The user's Telegram app is set to this language: every update from them carries it."""
    api.world.user(user_id)
    api.world.users[user_id]["language_code"] = language_code


def shown(call: Call) -> str:
    return str(call.params["text"])


def own(language: str, text: str, **values: object) -> str:
    """One of the bot's texts as a chat in `language` gets it; never the English one."""
    translated = gettext(language, text).format(**values)
    assert translated != text.format(**values)
    return translated


@pytest.fixture
async def bot(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    settings = bot_settings(api, tmp_path, announce_chat_ids=(TARGET,))
    async with running_bot(api, engine, settings):
        yield api
    for call in api.calls:  # every translated text was valid HTML within Telegram's limits
        if call.method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
            assert call.ok, f"{call.method} refused: {call.response} for {call.params}"


async def choose(
    api: FakeBotAPI, language: str, *, chat_id: int, user_id: int, **chat: str
) -> None:
    """`/language` in a chat, then its button pressed by `user_id`."""
    before = len(api.calls)
    api.send_text("/language", chat_id=chat_id, user_id=user_id, **chat)
    [keyboard] = await api.wait_for("sendMessage", to_chat(chat_id), after=before)
    api.press_button(keyboard.response["result"], f"lang:{language}", user_id=user_id)
    await api.wait_for("sendMessage", to_chat(chat_id), after=before, count=2)


async def pressed(
    api: FakeBotAPI, message: Call, label: str, *, user_id: int, check: bool = True
) -> list[Call]:
    """Press the button whose label contains `label` (with `check`, only while the message
    still shows it); the query's answer."""
    keyboard = message.params["reply_markup"]["inline_keyboard"]
    data = next(b["callback_data"] for row in keyboard for b in row if label in b["text"])
    before = len(api.calls)
    update = api.press_button(message.response["result"], data, user_id=user_id, check=check)
    query_id = update["callback_query"]["id"]
    return await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id, after=before
    )


async def test_a_russian_speaker_who_is_no_operator_is_refused_in_russian(bot: FakeBotAPI) -> None:
    speaks(bot, STRANGER, "ru")
    for command in ("/stats", "/digest off", "/announce exercises", "/reload"):
        [reply] = await say(bot, command, user_id=STRANGER)
        assert shown(reply) == own("ru", texts.OPERATORS_ONLY), command


async def test_a_group_that_chose_azerbaijani_refuses_and_confirms_in_azerbaijani(
    bot: FakeBotAPI,
) -> None:
    bot.set_chat_admins(GROUP, {GROUP_ADMIN})
    group = {"chat_type": "supergroup", "chat_title": "Qrup"}
    await choose(bot, "az", chat_id=GROUP, user_id=GROUP_ADMIN, **group)
    # The member's own app is in English: the group's choice decides.
    [refused] = await say(bot, "/subscribe", user_id=MEMBER, chat_id=GROUP, **group)
    assert shown(refused) == own("az", texts.GROUP_ADMIN_REFUSAL)
    [done] = await say(bot, "/subscribe", user_id=GROUP_ADMIN, chat_id=GROUP, **group)
    assert shown(done) == own("az", texts.SUBSCRIBED)
    # (Five updates: the group's burst. A sixth would meet the group's flood limit.)
    [undone] = await say(bot, "/unsubscribe", user_id=GROUP_ADMIN, chat_id=GROUP, **group)
    assert shown(undone) == own("az", texts.UNSUBSCRIBED)
    speaks(bot, MEMBER, "az")  # in a private chat, the sender's language
    [private] = await say(bot, "/subscribe", user_id=MEMBER)
    assert shown(private) == own("az", texts.NOT_A_GROUP)


async def test_an_operator_whose_chat_chose_russian_is_answered_in_russian(
    bot: FakeBotAPI,
) -> None:
    await choose(bot, "ru", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    [usage] = await say(bot, "/digest")
    assert shown(usage) == own("ru", texts.DIGEST_IS_OFF_USAGE)
    [wrong] = await say(bot, "/digest on 25:00")
    assert shown(wrong) == own("ru", texts.DIGEST_TIME)
    [on] = await say(bot, "/digest on 07:30")
    assert shown(on) == own("ru", texts.DIGEST_ON, time="07:30", count=1)
    [usage] = await say(bot, "/digest")
    assert shown(usage) == own("ru", texts.DIGEST_IS_ON_USAGE, time="07:30")
    [off] = await say(bot, "/digest off")
    assert shown(off) == own("ru", texts.DIGEST_OFF)
    [announce] = await say(bot, "/announce")
    assert shown(announce).startswith("Использование: /announce ТЕКСТ")
    [stats] = await say(bot, "/stats")
    assert shown(stats).startswith("<b>Статистика</b>\nВопросы: ")
    assert f"<b>{own('ru', texts.STATS_TOP_TOPICS)}</b>\n{own('ru', texts.NONE_YET)}" in shown(
        stats
    )
    [unanswered] = await say(bot, "/unanswered yaml")
    assert shown(unanswered) == "<pre># вопросов без ответа нет\n[]</pre>"
    [review] = await say(bot, "/unanswered")
    assert shown(review) == own("ru", teach.NOTHING_TO_REVIEW)


async def test_an_announcement_speaks_the_operators_telegram_language_to_the_end(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    speaks(bot, ADMIN_ID, "az")
    _, confirmation = await say(bot, "/announce exercises", replies=2)
    number = int(shown(confirmation).split("#")[1].split()[0])
    assert shown(confirmation) == own("az", texts.PREVIEW, id=number, count=1)
    labels = [
        b["text"] for row in confirmation.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert labels == [own("az", texts.SEND_BUTTON, count=1), own("az", texts.CANCEL_BUTTON)]
    before = len(bot.calls)
    [answer] = await pressed(bot, confirmation, "✅", user_id=ADMIN_ID)
    assert answer.params["text"] == own("az", texts.SENDING_ALERT)
    [edited] = await bot.wait_for("editMessageText", after=before)
    assert shown(edited) == own("az", texts.SENDING, id=number, count=1)
    delivered = own("az", REPORT_DELIVERED, count=1)
    [report] = await bot.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN_ID and delivered in c.params["text"],
        after=before,
    )
    finished = re.escape(own("az", REPORT_FINISHED, id=number, seconds="0")).replace("0", "[0-9.]+")
    assert re.match(finished, shown(report)) and "Delivered" not in shown(report)
    # A second press finds it sent; a stranger's press is refused in the stranger's language.
    [again] = await pressed(bot, confirmation, "✅", user_id=ADMIN_ID, check=False)
    assert again.params["text"] in {
        own("az", texts.ALREADY_SENDING, id=number),
        own("az", texts.ALREADY_SENT, id=number),
    }
    speaks(bot, STRANGER, "ru")
    _, draft = await say(bot, "/announce partners", replies=2)
    [refused] = await pressed(bot, draft, "✖️", user_id=STRANGER)
    assert refused.params["text"] == own("ru", texts.OPERATORS_ONLY)  # the presser reads it
    [cancelled] = await pressed(bot, draft, "✖️", user_id=ADMIN_ID)
    assert cancelled.params["text"] == own("az", texts.CANCELLED_ALERT)


async def test_a_flooding_azerbaijani_speaker_is_asked_to_slow_down_in_azerbaijani(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    flooder = 5560100
    speaks(bot, flooder, "az")
    before = len(bot.calls)
    for _ in range(10):
        bot.send_text(QUESTION, chat_id=flooder, user_id=flooder)
    notice = own("az", texts.SLOW_DOWN)
    await bot.wait_for("sendMessage", lambda c: c.params["text"] == notice, after=before)
    await asyncio.sleep(0.3)
    sent = [m["text"] for m in bot.sent_messages(flooder)]
    assert sent.count(notice) == 1 and texts.SLOW_DOWN not in sent
    # The answers themselves follow the question's own language: English.
    title = engine.ask(QUESTION).title
    answers = [text for text in sent if text != notice]
    assert answers and all(text.startswith(f"<b>{title}</b>") for text in answers)
