"""Conversations end to end: the real bot over loopback HTTP against the fake Bot API.

A private chat is one conversation, a group member's messages another; a follow-up resolves
against the sender's own last answer or card; a message that shows nothing gets no reply; a
message that asks two things gets one reply answering both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from itertools import count
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.telegram.texts import TEXT_ONLY_REPLY
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import bot_settings, running_bot, to_chat

_chat_ids = count(70_000)
SILENCE_SECONDS = 0.4
CHILE_AND_POLAND = "Is Chile a partner? And Poland?"


@pytest.fixture
async def bot(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        yield api
    for call in api.calls_to("sendMessage"):
        assert call.ok, f"sendMessage refused: {call.response} for {call.params}"


async def said(api: FakeBotAPI, chat_id: int, text: str, **options: object) -> str:
    """Send a message in a chat (a private one unless told) and return the bot's reply."""
    before = len(api.calls)
    options.setdefault("user_id", chat_id)
    api.send_text(text, chat_id=chat_id, **options)  # type: ignore[arg-type]  # the fake's keyword options, checked there
    [reply] = await api.wait_for("sendMessage", to_chat(chat_id), after=before)
    return str(reply.params["text"])


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def quiet_then(api: FakeBotAPI, chat_id: int, *, after: int) -> list[Call]:
    """The bot's sends to a chat since `after`, once it has had time to send anything more."""
    await asyncio.sleep(SILENCE_SECONDS)
    return [c for c in api.calls[after:] if c.method == "sendMessage" and to_chat(chat_id)(c)]


# -- private chats -----------------------------------------------------------------------------


async def test_and_spain_after_italy_is_about_spain(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    assert "Yes. <b>Italy</b>" in await said(bot, chat, "Is Italy a partner?")
    reply = await said(bot, chat, "and Spain?")
    assert "Yes. <b>Spain</b>" in reply and "Italy</b>" not in reply


async def test_a_question_the_document_does_not_answer_is_still_refused(bot: FakeBotAPI) -> None:
    """ "and its capital?" leans on Italy, but the document says nothing of capitals."""
    chat = next(_chat_ids)
    await said(bot, chat, "Is Italy a partner?")
    reply = await said(bot, chat, "and its capital?")
    assert "could not find that in the document" in reply
    assert "Rome" not in reply and "Yes." not in reply
    assert "Yes. <b>Spain</b>" in await said(bot, chat, "and Spain?")  # the context survives


async def test_a_follow_up_needs_the_conversation_before_it(bot: FakeBotAPI) -> None:
    """ "and in 2016?" on its own is about 2016's trainings; after the agreements it asks for
    2016's agreements. The same words in another chat are not affected."""
    chat, stranger = next(_chat_ids), next(_chat_ids)
    await said(bot, chat, "How many agreements were signed?")
    assert "7 countries" in await said(bot, chat, "and in 2016?")
    assert "TURAZ Shahini" in await said(bot, stranger, "and in 2016?")


async def test_a_command_card_is_the_context_of_the_next_question(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    await said(bot, chat, "/exercises")
    reply = await said(bot, chat, "when?")
    assert "TURAZ Shahini" in reply and "first half of 2016" in reply
    assert "could not find" in await said(bot, next(_chat_ids), "when?")


async def test_a_card_button_is_the_context_of_the_next_question(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    await said(bot, chat, "/partners")
    card = bot.bot_messages(chat)[-1]
    before = len(bot.calls)
    bot.press_button(card, "card:agreements_signed", user_id=chat)
    [shown] = await bot.wait_for("sendMessage", to_chat(chat), after=before)
    assert "34 countries" in shown.params["text"]
    assert "7 countries" in await said(bot, chat, "and in 2016?")


async def test_two_questions_in_one_message_get_one_reply_with_buttons(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    before = len(bot.calls)
    bot.send_text(CHILE_AND_POLAND, chat_id=chat, user_id=chat)
    await bot.wait_for("sendMessage", to_chat(chat), after=before)
    [reply] = await quiet_then(bot, chat, after=before)
    text = reply.params["text"]
    assert "No. <b>Chile</b>" in text and "Yes. <b>Poland</b>" in text
    assert text.index("Chile") < text.index("Poland")  # in the order asked
    assert "card:partners" in buttons(reply)
    # The last part is what the conversation is about now.
    assert "Yes. <b>Spain</b>" in await said(bot, chat, "and Spain?")


# -- silence and bad input ---------------------------------------------------------------------


async def test_a_message_that_shows_nothing_gets_no_reply(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    before = len(bot.calls)
    first = bot.send_text("Is Japan a partner?", chat_id=chat, user_id=chat)
    await bot.wait_for("sendMessage", to_chat(chat), after=before)
    for blank in ("", "   ", "\n\t", "\u200b"):
        bot.send_text(blank, chat_id=chat, user_id=chat)
    bot.edit_text(first, "  ")
    group = -next(_chat_ids)
    bot.send_text(" ", chat_id=group, chat_type="supergroup")
    assert len(await quiet_then(bot, chat, after=before)) == 1
    assert not await quiet_then(bot, group, after=before)
    # Nothing was lost: the conversation goes on from Japan.
    assert "<b>Turkey</b>" in await said(bot, chat, "and Turkey?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀", "could not find that in the document"),
        ("👍🏽🔥", "could not find that in the document"),
        ("<b></b>", "could not find that in the document"),
        ("???", "could not find that in the document"),
    ],
)
async def test_bad_input_gets_a_friendly_reply(bot: FakeBotAPI, text: str, expected: str) -> None:
    chat = next(_chat_ids)
    assert expected in await said(bot, chat, text)


async def test_a_sticker_and_a_captioned_photo_get_the_text_hint(bot: FakeBotAPI) -> None:
    chat = next(_chat_ids)
    before = len(bot.calls)
    bot.send_sticker(chat_id=chat, user_id=chat)
    bot.send_photo(chat_id=chat, user_id=chat, caption="Is Japan a partner?")
    sent = await bot.wait_for("sendMessage", to_chat(chat), count=2, after=before)
    assert [call.params["text"] for call in sent] == [TEXT_ONLY_REPLY] * 2


# -- groups ------------------------------------------------------------------------------------


async def test_group_members_each_have_their_own_conversation(bot: FakeBotAPI) -> None:
    """Alice asks about the agreements, Bob about the trilateral meetings, in one group; each
    one's "and in 2016?"/"and in 2017?" follows their own question, never the other's."""
    group = -next(_chat_ids)
    alice, bob = 71_001, 71_002
    opts = {"chat_type": "supergroup"}
    assert "34 countries" in await said(
        bot, group, "@ThisBot how many agreements were signed?", user_id=alice, **opts
    )
    assert "Georgia" in await said(
        bot, group, "@ThisBot who meets at the trilateral meetings?", user_id=bob, **opts
    )
    alice_followup = await said(bot, group, "@ThisBot and in 2016?", user_id=alice, **opts)
    assert "7 countries" in alice_followup
    bob_followup = await said(bot, group, "@ThisBot and in 2017?", user_id=bob, **opts)
    assert bob_followup.startswith("<b>Trilateral meetings in 2017</b>")
    # Alice's private chat with the bot is a conversation of its own too.
    assert "7 countries" not in await said(bot, alice, "and in 2016?")
