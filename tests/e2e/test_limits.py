"""Hostile input against Telegram's limits and the operator's buttons, end to end: the real
Application polling the fake Bot API, which refuses what Telegram would refuse (lengths counted
in UTF-16 code units), with the store inspected directly."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pycountry
import pytest
import yaml

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.telegram import texts
from tests.support.checks import MAX_TEXT, utf16_len
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, running_bot, say

EMOJI = "😀"  # outside the Basic Multilingual Plane: two UTF-16 code units, one code point
TARGET_GROUP = -1001300000001
GROUP = -1002300000001
CHANNEL = -1002300000099
STRANGER = 5550101


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(api, tmp_path, announce_chat_ids=(TARGET_GROUP,))


@pytest.fixture
def db(settings: Settings) -> Iterator[Store]:
    store = Store(settings.database_path)
    yield store
    store.close()


def shown(call: Call) -> str:
    """The text Telegram shows for a successful send: the fake stores the visible text."""
    assert call.ok, call.response
    return str(call.response["result"]["text"])


# -- item 4: lengths in UTF-16 code units --------------------------------------------------------


async def emoji_flood(api: FakeBotAPI) -> list[str]:
    """The issue's repro: twenty users each ask "NN " and 497 emoji; each gets the fallback.
    The numbers are none of the document's figures: a bare "11" asks about the 11 countries."""
    questions = [f"{n:02d} " + EMOJI * 497 for n in range(41, 61)]
    before = len(api.calls)
    for n, question in enumerate(questions, start=1):
        api.send_text(question, chat_id=9000 + n, user_id=9000 + n)
    replies = await api.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] > 9000, count=20, after=before, timeout=20
    )
    assert all(call.ok for call in replies)
    return questions


async def test_unanswered_lists_emoji_heavy_questions_within_one_message(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    async with running_bot(api, engine, settings):
        questions = await emoji_flood(api)
        [reply] = await say(api, "/unanswered yaml")
        text = shown(reply)  # before the fix: 400 "message is too long", and no reply at all
        assert utf16_len(text) <= MAX_TEXT
        assert reply.params["text"].startswith("<pre>") and reply.params["text"].endswith("</pre>")
        listed = yaml.safe_load(text)  # still YAML an operator can paste
        assert 1 <= len(listed) < 20
        for entry in listed:
            assert entry.endswith("…") or entry in questions
            assert any(q.startswith(entry.rstrip("…")) for q in questions)
        more = re.search(r"… and (\d+) more", text)
        assert more and int(more[1]) == 20 - len(listed)
        assert "python -m bot unanswered" in text

        [stats] = await say(api, "/stats")
        figures = shown(stats)
        assert utf16_len(figures) <= MAX_TEXT
        assert "Questions: 20 (answered 0, fallbacks 20)" in figures


async def test_an_answer_naming_many_countries_fits_and_keeps_its_source(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    """One paragraph per country named: sixty of them are over 4096 units; the reply keeps
    the first paragraphs and, always, the source sentence."""
    names = [c.name for c in pycountry.countries if not set(c.name) & set(",()'")]
    countries = names[:60]
    async with running_bot(api, engine, settings):
        [reply] = await say(api, f"Are {', '.join(countries)} partners?")
        text = shown(reply)
    assert utf16_len(text) <= MAX_TEXT
    assert f"No. {countries[0]} is not among" in text and countries[-1] not in text
    assert "…" in text
    assert "Source:" in text and "Republic of Korea." in text  # the quote, whole, at the end
    assert "<blockquote expandable>" in reply.params["text"]


async def test_a_long_unknown_command_gets_a_short_reply(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    """Telegram marks only "/abc" as the command; the rest of the word came along into the
    "I don't know" reply and made it too long to send."""
    async with running_bot(api, engine, settings):
        [reply] = await say(api, "/abc" + EMOJI * 2040, user_id=1234)
    text = shown(reply)
    assert text.startswith("I don't know /abc") and "/help" in text
    assert utf16_len(text) < 200


async def test_an_inline_card_naming_many_countries_fits_and_keeps_its_source(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    """Inline queries stop at 256 characters: enough short country names for a card over
    4096 units. The fake checks each result's message as sendMessage would."""
    names = sorted((c.name for c in pycountry.countries if " " not in c.name), key=len)
    query = "partners " + ", ".join(names)[:240].rsplit(",", 1)[0]
    async with running_bot(api, engine, settings):
        before = len(api.calls)
        api.inline_query(query)
        [answer] = await api.wait_for("answerInlineQuery", after=before)
    assert answer.ok, answer.response
    [card, *_others] = answer.params["results"]
    content = card["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text = content["message_text"]
    assert text.count("is not among") > 10 and "…" in text
    assert text.endswith("Republic of Korea.</blockquote>")  # the source, whole
    for result in answer.params["results"]:
        assert utf16_len(result["description"]) <= 120


# -- item 9: the announcement buttons --------------------------------------------------------------


async def draft_announcement(api: FakeBotAPI) -> tuple[int, Call]:
    """`/announce exercises`: the draft's id and the confirmation carrying Send and Cancel."""
    _preview, confirmation = await say(api, "/announce exercises", replies=2)
    found = re.search(r"Announcement #(\d+)", shown(confirmation))
    assert found
    return int(found[1]), confirmation


def press(api: FakeBotAPI, confirmation: Call, data: str, *, check: bool = False) -> int:
    before = len(api.calls)
    api.press_button(confirmation.response["result"], data, user_id=ADMIN_ID, check=check)
    return before


FORGED = (
    "ann:send:abc",
    "ann:send:",
    "ann:",
    "ann:send:" + "9" * 5000,
    "ann:foo:{id}",
    "ann:send:{id}:more",
    "ann:send:-{id}",
    "ann:send:0{id}",
    "ann:send: {id}",
    "ann:SEND:{id}",
    "ann:send:{id}\n",
    "ann:send:٣",  # an Arabic-Indic digit: int() would take it
)


def bot_actions(api: FakeBotAPI, after: int) -> list[str]:
    """What the bot did since `after`, besides polling."""
    return [c.method for c in api.calls[after:] if c.method != "getUpdates"]


async def test_forged_or_malformed_announcement_buttons_send_nothing(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    async with running_bot(api, engine, settings):
        number, confirmation = await draft_announcement(api)
        start = len(api.calls)
        for forged in FORGED:
            pressed = press(api, confirmation, forged.format(id=number))
            [answer] = await api.wait_for("answerCallbackQuery", after=pressed)
            assert answer.ok and answer.params.get("show_alert") is True, forged
            assert answer.params["text"] == texts.INVALID_BUTTON, forged
        await asyncio.sleep(0.3)  # room for a wrong send or edit to show up
        assert bot_actions(api, start) == ["answerCallbackQuery"] * len(FORGED)
    draft = await db.broadcasts.get_announcement(number)
    assert draft is not None and draft.status == "draft"
    assert await db.broadcasts.deliveries(number) == []


async def test_a_button_for_an_unknown_announcement_is_refused_with_an_alert(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    async with running_bot(api, engine, settings):
        number, confirmation = await draft_announcement(api)
        pressed = press(api, confirmation, f"ann:send:{number + 1}")
        [answer] = await api.wait_for("answerCallbackQuery", after=pressed)
        await asyncio.sleep(0.2)
        assert answer.params.get("show_alert") is True
        assert f"#{number + 1}" in answer.params["text"] and "not found" in answer.params["text"]
        assert bot_actions(api, pressed) == ["answerCallbackQuery"]
    assert await db.broadcasts.get_announcement(number + 1) is None


async def test_send_pressed_twice_sends_once_and_says_already_sending(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    async with running_bot(api, engine, settings):
        number, confirmation = await draft_announcement(api)
        send = f"ann:send:{number}"
        pressed = press(api, confirmation, send, check=True)
        press(api, confirmation, send, check=True)  # the double tap, before any edit arrives
        answers = await api.wait_for("answerCallbackQuery", count=2, after=pressed)
        texts = sorted(str(call.params.get("text")) for call in answers)
        assert texts[1] == "Sending…"
        assert re.fullmatch(rf"Announcement #{number} is already (sending|sent)\.", texts[0])
        await api.wait_for(
            "sendMessage", lambda c: "finished" in c.params["text"], after=pressed, timeout=10
        )
        await asyncio.sleep(0.3)  # room for a second broadcast or report to show up
        edits = [c for c in api.calls[pressed:] if c.method == "editMessageText"]
        assert len(edits) == 1 and all(c.ok for c in edits)
        reports = [c for c in api.sent_messages(ADMIN_ID) if "finished" in c["text"]]
        assert len(reports) == 1
        assert len(api.sent_messages(TARGET_GROUP)) == 1


# -- item 9: anonymous group administrators ------------------------------------------------------


async def test_an_anonymous_group_admin_may_subscribe_and_unsubscribe(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    """An administrator posting as the group: `from` is GroupAnonymousBot, `sender_chat` the
    group itself, which only administrators can do."""
    async with running_bot(api, engine, settings):
        [done] = await say(
            api, "/subscribe", chat_id=GROUP, chat_type="supergroup", sender_chat_id=GROUP
        )
        assert shown(done) == "This group now receives announcements."
        assert [c.chat_id for c in await db.chats.subscribed_chats()] == [GROUP]

        # Someone posting as their own channel is not the group's administrator.
        [refused] = await say(
            api,
            "/unsubscribe",
            chat_id=GROUP,
            chat_type="supergroup",
            user_id=STRANGER,
            sender_chat_id=CHANNEL,
        )
        assert shown(refused) == texts.GROUP_ADMIN_REFUSAL
        assert [c.chat_id for c in await db.chats.subscribed_chats()] == [GROUP]

        [stopped] = await say(
            api, "/unsubscribe", chat_id=GROUP, chat_type="supergroup", sender_chat_id=GROUP
        )
        assert shown(stopped) == "This group no longer receives announcements."
        assert await db.chats.subscribed_chats() == []
