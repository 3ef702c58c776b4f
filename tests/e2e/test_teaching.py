"""Teaching from Telegram (issue 12), through the real Application against the fake Bot API:
/unanswered one question at a time with its buttons, the lesson taking effect at once and
across a restart, /taught with its undo, and only operators pressing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.telegram import teach, texts
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, running_bot, say

ASKER = 7001001
OTHER_ASKER = 7001003  # a second user: one asking everything would meet the flood limit
STRANGER = 7001002
GRANDPA = "my grandpa keeps quoting that line about soldiers holding up the whole nation"
VARIANT = "grandpa quotes that line about soldiers holding up the nation"
PILLAR = "The army is a pillar of our country"  # the quote's card
NATO = "Which of the partners are in NATO?"


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(api, tmp_path)


def buttons(message: dict[str, object]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def current(api: FakeBotAPI, call: Call) -> dict[str, object]:
    """A bot message as it is now, after the bot's edits."""
    sent = call.response["result"]
    return dict(api.world.messages[(sent["chat"]["id"], sent["message_id"])])


async def press(
    api: FakeBotAPI, call: Call, data: str, *, user_id: int = ADMIN_ID, check: bool = True
) -> int:
    before = len(api.calls)
    api.press_button(call.response["result"], data, user_id=user_id, check=check)
    return before


async def asked(api: FakeBotAPI, question: str, user_id: int = ASKER) -> str:
    [reply] = await say(api, question, user_id=user_id)
    return str(reply.params["text"])


async def test_an_operator_teaches_a_question_which_is_answered_at_once_and_after_a_restart(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    async with running_bot(api, engine, settings):
        assert PILLAR not in await asked(api, VARIANT, user_id=OTHER_ASKER)
        fallback = await asked(api, GRANDPA)
        assert PILLAR not in fallback and fallback == await asked(api, GRANDPA, OTHER_ASKER)
        [review] = await say(api, "/unanswered")
        text = str(review.params["text"])
        assert "Question 1 of 2" in text and "asked 2×" in text and f"«{GRANDPA}»" in text
        offered = buttons(review.params)
        assert {"Other topic…", "🚫 Not in the document", "Skip ▶"} <= offered.keys()
        assert 1 <= sum(label.startswith("➕ ") for label in offered) <= teach.NEAREST
        # "Other topic…": every fact, the quote among them
        pressed = await press(api, review, offered["Other topic…"])
        await api.wait_for("editMessageReplyMarkup", after=pressed)
        every = buttons(current(api, review))
        assert len(every) == len(engine.kb.facts) + 1  # and Back
        quote = every[engine.kb.fact("quote").title]
        pressed = await press(api, review, quote)
        [done] = await api.wait_for("editMessageText", after=pressed, timeout=20)
        assert str(done.params["text"]).startswith("✅ Taught: «my grandpa")
        # The other way of putting it is answered now too: put aside, not shown.
        [empty] = await api.wait_for("sendMessage", after=pressed)
        assert empty.params["text"] == teach.NOTHING_TO_REVIEW
        await_text = await asked(api, GRANDPA)
        assert PILLAR in await_text and "Heydar Aliyev" in await_text
        # the near misses are still refused by the engine that learnt it
        for near_miss in ("Is Iraq a partner?", "Is Austria a partner?"):
            assert await asked(api, near_miss) == engine.ask(near_miss).message_html()
    async with running_bot(api, engine, settings):  # a restart keeps what was taught
        assert await asked(api, GRANDPA) == await_text
        [listing] = await say(api, "/taught")
        assert f"1. «{GRANDPA}» → " in str(listing.params["text"])
        pressed = await press(api, listing, buttons(listing.params)["✖ 1"])
        [toast] = await api.wait_for("answerCallbackQuery", after=pressed, timeout=20)
        assert toast.params["text"] == teach.REMOVED
        [edited] = await api.wait_for("editMessageText", after=pressed)
        assert edited.params["text"] == teach.NONE_TAUGHT
        assert await asked(api, GRANDPA) == fallback  # undone at once
        [review] = await say(api, "/unanswered")
        assert f"«{GRANDPA}»" in str(review.params["text"])  # back in the list


async def test_refusals_skips_and_the_document_not_saying_it(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    async with running_bot(api, engine, settings):
        await asked(api, NATO)
        await asked(api, NATO)
        await asked(api, "what is the weather in Baku today")
        [review] = await say(api, "/unanswered")
        assert "Question 1 of 2" in str(review.params["text"]) and NATO in review.params["text"]
        offered = buttons(review.params)
        question_id = offered["Other topic…"].split(":")[2]
        # Only operators press, and only what the bot wrote.
        pressed = await press(
            api, review, f"tq:a:{question_id}:partner_group", user_id=STRANGER, check=False
        )
        [alert] = await api.wait_for("answerCallbackQuery", after=pressed)
        assert alert.params["text"] == texts.OPERATORS_ONLY and alert.params["show_alert"]
        for forged in (f"tq:a:{question_id}:../x", "tq:z:1", f"tq:a:{question_id}:no_such_fact"):
            pressed = await press(api, review, forged, check=False)
            [alert] = await api.wait_for("answerCallbackQuery", after=pressed)
            assert alert.params["text"] == texts.INVALID_BUTTON
        # A name the document never mentions is refused, with the reason.
        pressed = await press(api, review, f"tq:a:{question_id}:partner_group", check=False)
        [alert] = await api.wait_for("answerCallbackQuery", after=pressed, timeout=20)
        assert alert.params["text"].startswith("Not taught: it names “nato”")
        # Skip shows the next question in place; "Not in the document" takes one off the list.
        pressed = await press(api, review, offered["Skip ▶"])
        [skipped] = await api.wait_for("editMessageText", after=pressed)
        assert "Question 2 of 2" in str(skipped.params["text"])
        assert "«what is the weather in Baku today»" in str(skipped.params["text"])
        pressed = await press(api, review, buttons(current(api, review))["🚫 Not in the document"])
        [marked] = await api.wait_for("editMessageText", after=pressed)
        assert str(marked.params["text"]).startswith("🚫 Marked as not in the document")
        [following] = await api.wait_for("sendMessage", after=pressed)
        assert "Question 1 of 1" in str(following.params["text"]) and NATO in str(following.params)
    with Store(settings.database_path) as store:
        assert await store.taught.all() == []
        assert [q.text for q in await store.questions.to_review()] == [NATO]


async def test_teaching_commands_are_for_operators_only(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    async with running_bot(api, engine, settings):
        for command in ("/unanswered", "/taught"):
            [reply] = await say(api, command, user_id=STRANGER)
            assert reply.params["text"] == texts.OPERATORS_ONLY
