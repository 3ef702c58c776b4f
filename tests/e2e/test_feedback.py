""" "Was this helpful?" end to end (issue 12): the real Application polling the fake Bot API
over loopback HTTP, the votes read back from the SQLite file as an operator would.

👍/👎 under a card that answers a question (in a group only under a reply to a question put to
the bot), a toast for each press, one vote per user per message, the other button changing it,
"What were you looking for?" after a 👎, the question filed as answered wrongly, /stats, and
no user id in the database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from bot.engine import QAEngine
from bot.fairness import Budgets
from bot.settings import Settings
from bot.store.votes import VOTE_WINDOW, VOTER_TTL
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, AnyApplication, bot_settings, running_bot, to_chat

_ids = count(7_700_000_001)
QUESTION = "Which exercises were held?"
UP, DOWN = "fb:+:exercises_2016", "fb:-:exercises_2016"
GROUP = -1007700000001
CHANNEL = -1007700000002
REPLY_METHODS = ("sendMessage", "answerCallbackQuery", "editMessageReplyMarkup")


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(api, tmp_path, announce_chat_ids=(GROUP, CHANNEL))


@pytest.fixture
async def app(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> AsyncIterator[AnyApplication]:
    async with running_bot(api, engine, settings) as application:
        # Presses are what these tests are about: a user's budget of replies (bot/fairness.py,
        # tested on its own) must not drop the seventh one.
        application.bot_data.fair_share.users = Budgets(1000, 1000.0)
        yield application
    for call in api.calls:  # Telegram accepted everything: data within 64 bytes, HTML, …
        if call.method in REPLY_METHODS and call.response:
            assert call.ok, f"{call.method} refused: {call.response} for {call.params}"


@pytest.fixture
def db(settings: Settings) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(settings.database_path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def votes(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in db.execute("SELECT * FROM votes ORDER BY id")]


def keyboard(message: dict) -> list[list[dict]]:
    rows: list[list[dict]] = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return rows


def datas(message: dict) -> list[str]:
    return [button["callback_data"] for row in keyboard(message) for button in row]


async def ask(
    api: FakeBotAPI, text: str, *, user: int | None = None, **options: Any
) -> dict[str, Any]:
    """A private message (or, with chat_id, one in that chat); the bot's message answering it."""
    sender = next(_ids) if user is None else user
    chat = options.pop("chat_id", sender)
    before = len(api.calls)
    api.send_text(text, chat_id=chat, user_id=sender, **options)
    [call] = await api.wait_for("sendMessage", to_chat(chat), after=before)
    assert call.ok
    result: dict[str, Any] = call.response["result"]
    return result


async def press(
    api: FakeBotAPI, message: dict, data: str, user: int, *, check: bool = True, stale: bool = False
) -> dict[str, Any]:
    """Press a button; the answerCallbackQuery that acknowledged it. `stale`: a second tap
    that left the phone before the bot took the buttons away, on the message as it was."""
    before = len(api.calls)
    if stale:
        query = {
            "id": str(api.world.next_object_id()),
            "from": api.world.user(user),
            "message": message,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
        }
        update = api.push_update({"callback_query": query})
    else:
        update = api.press_button(message, data, user_id=user, check=check)
    query_id = update["callback_query"]["id"]
    [answered] = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id, after=before
    )
    params: dict[str, Any] = answered.params
    return params


async def sent_after(api: FakeBotAPI, chat: int, before: int, n: int = 1) -> list[Call]:
    return await api.wait_for("sendMessage", to_chat(chat), after=before, count=n)


async def quiet(api: FakeBotAPI, chat: int, before: int) -> list[Call]:
    """What the bot sent to a chat since `before`, after a moment to send anything more."""
    await asyncio.sleep(0.3)
    return [c for c in api.calls[before:] if c.method == "sendMessage" and to_chat(chat)(c)]


# -- which messages carry the buttons ----------------------------------------------------------


async def test_a_card_answering_a_question_ends_with_thumbs_up_and_down(
    api: FakeBotAPI, app: AnyApplication
) -> None:
    card = await ask(api, QUESTION)
    rows = keyboard(card)
    assert [(b["text"], b["callback_data"]) for b in rows[-1]] == [("👍", UP), ("👎", DOWN)]
    assert len(rows) >= 2 and all(b["callback_data"].startswith("card:") for b in rows[0])
    per_name = await ask(api, "/partners Japan")  # a question put as a command
    assert datas(per_name)[-2:] == ["fb:+:partner_check", "fb:-:partner_check"]
    parts = await ask(api, "Is Japan a partner? And which exercises were held?")
    assert datas(parts)[-2:] == ["fb:+:partner_check", "fb:-:partner_check"]


async def test_no_vote_on_small_talk_fallbacks_bare_commands_or_inline_results(
    api: FakeBotAPI, app: AnyApplication
) -> None:
    for text in ("hello", "What is the defence budget?", "/exercises", "/start"):
        message = await ask(api, text)
        assert not [d for d in datas(message) if d.startswith("fb:")], text
    before = len(api.calls)
    update = api.inline_query("exercises")
    [answered] = await api.wait_for(
        "answerInlineQuery",
        lambda c: c.params["inline_query_id"] == update["inline_query"]["id"],
        after=before,
    )
    assert answered.params["results"]
    assert all("reply_markup" not in result for result in answered.params["results"])


async def test_in_a_group_only_replies_to_questions_put_to_the_bot_carry_them(
    api: FakeBotAPI, app: AnyApplication
) -> None:
    group, member = -next(_ids), next(_ids)
    options = {"chat_id": group, "chat_type": "supergroup"}
    mention = await ask(api, f"@ThisBot {QUESTION}", user=member, **options)
    assert datas(mention)[-2:] == [UP, DOWN]
    follow = await ask(
        api, "how many were planned for 2017?", user=member, reply_to_message=mention, **options
    )
    assert "reply_to_message" in follow and datas(follow)[-1].startswith("fb:-:")
    command = await ask(api, "/exercises@ThisBot", user=member, **options)
    assert not [d for d in datas(command) if d.startswith("fb:")]
    # A topic button opens a card for the whole group: no question, no vote.
    before = len(api.calls)
    await press(api, mention, datas(mention)[0], member)
    [opened] = await sent_after(api, group, before)
    assert not [d for d in datas(opened.response["result"]) if d.startswith("fb:")]
    # Unaddressed talk gets nothing at all.
    before = len(api.calls)
    api.send_text(QUESTION, chat_id=group, user_id=member, chat_type="supergroup")
    assert await quiet(api, group, before) == []


async def test_announcements_carry_no_buttons(api: FakeBotAPI, app: AnyApplication) -> None:
    api.chat_member_update(
        chat_id=CHANNEL, chat_type="channel", new_status="administrator", user_id=ADMIN_ID
    )
    before = len(api.calls)
    api.send_text("/announce exercises", chat_id=ADMIN_ID, user_id=ADMIN_ID)
    _, confirmation = await sent_after(api, ADMIN_ID, before, 2)
    send = next(d for d in datas(confirmation.response["result"]) if d.startswith("ann:send:"))
    before = len(api.calls)
    api.press_button(confirmation.response["result"], send, user_id=ADMIN_ID)
    await api.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID and "finished" in c.params["text"]
    )
    delivered = [
        c
        for c in api.calls[before:]
        if c.method == "sendMessage" and c.params["chat_id"] != ADMIN_ID
    ]
    assert {c.params["chat_id"] for c in delivered} == {GROUP, CHANNEL}
    assert all("Anadolu Gartali" in c.params["text"] for c in delivered)
    assert all("reply_markup" not in c.params for c in delivered)


# -- pressing them -----------------------------------------------------------------------------


async def test_a_press_counts_once_and_the_other_button_changes_the_vote(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection
) -> None:
    user = next(_ids)
    card = await ask(api, QUESTION, user=user)
    toast = await press(api, card, UP, user)
    assert toast["text"] == "Thanks for your feedback!" and not toast.get("show_alert")
    [row] = votes(db)
    assert (row["fact_id"], row["vote"], row["language"]) == ("exercises_2016", 1, "en")
    assert row["day"] == time.strftime("%Y-%m-%d", time.gmtime())

    before = len(api.calls)
    toast = await press(api, card, UP, user)
    assert toast["text"] == "Your vote is already counted."
    assert [r["vote"] for r in votes(db)] == [1]
    assert await quiet(api, user, before) == []  # no follow-up for a 👍

    toast = await press(api, card, DOWN, user)
    assert toast["text"] == "Vote changed."
    assert [r["vote"] for r in votes(db)] == [-1]
    assert (await press(api, card, DOWN, user))["text"] == "Your vote is already counted."
    assert [r["vote"] for r in votes(db)] == [-1]

    # Someone else's card: a vote of its own.
    other = next(_ids)
    await press(api, await ask(api, QUESTION, user=other), UP, other)
    assert sorted(r["vote"] for r in votes(db)) == [-1, 1]


async def test_thumbs_down_asks_what_was_wanted_and_something_else_files_the_question(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection, engine: QAEngine
) -> None:
    user = next(_ids)
    question = "Which exercises were held in 2017?"
    card = await ask(api, question, user=user)
    voted = engine.ask(question).fact_id
    before = len(api.calls)
    toast = await press(api, card, f"fb:-:{voted}", user)
    assert toast["text"] == "Thanks for your feedback!"
    [followup] = await sent_after(api, user, before)
    assert followup.params["text"] == "What were you looking for?"
    message = followup.response["result"]
    rows = keyboard(message)
    topics = [row[0] for row in rows[:-1]]
    assert 1 <= len(topics) <= 3 and all(len(row) == 1 for row in rows)
    assert all(b["callback_data"].startswith("fb:t:") for b in topics)
    assert f"fb:t:{voted}" not in datas(message)  # never the card voted down
    titles = {t.title for t in engine.topics}
    assert all(b["text"] in titles for b in topics)
    assert [(b["text"], b["callback_data"]) for b in rows[-1]] == [("Something else", "fb:x")]
    # The matcher's nearest other topic comes first.
    assert topics[0]["callback_data"] == "fb:t:exercises_2016"

    # Turning the vote up and down again does not ask twice.
    before = len(api.calls)
    await press(api, card, f"fb:+:{voted}", user)
    await press(api, card, f"fb:-:{voted}", user)
    assert await quiet(api, user, before) == []

    toast = await press(api, message, "fb:x", user)
    assert toast["text"] == "Thanks, noted."
    [edit] = await api.wait_for("editMessageReplyMarkup", to_chat(user))
    assert "reply_markup" not in edit.params  # the choices are gone
    [row] = db.execute("SELECT * FROM unanswered WHERE wrong > 0").fetchall()
    assert (row["normalised"], row["wrong"], row["count"], row["suggested"]) == (
        question.lower(),
        1,
        0,
        None,
    )
    # A double tap files nothing more; pressing buttons no longer shown is refused.
    toast = await press(api, message, "fb:x", user, stale=True)
    assert toast["text"] == "Already noted, thank you."
    toast = await press(api, message, keyboard(message)[0][0]["callback_data"], user, stale=True)
    assert toast["text"] == "Already noted, thank you."
    assert db.execute("SELECT wrong FROM unanswered").fetchall()[0][0] == 1
    toast = await press(api, message, "fb:x", user, check=False)  # as the message is now
    assert toast["show_alert"] is True and "not a valid button" in toast["text"]


async def test_choosing_a_topic_instead_opens_its_card_and_files_it(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection, engine: QAEngine
) -> None:
    user = next(_ids)
    card = await ask(api, QUESTION, user=user)
    before = len(api.calls)
    await press(api, card, DOWN, user)
    [followup] = await sent_after(api, user, before)
    choice = keyboard(followup.response["result"])[0][0]["callback_data"]
    chosen = choice.removeprefix("fb:t:")
    before = len(api.calls)
    toast = await press(api, followup.response["result"], choice, user)
    assert not toast.get("text")
    [shown] = await sent_after(api, user, before)
    topic = engine.card(chosen)
    assert topic is not None and shown.params["text"].startswith(f"<b>{topic.title}</b>")
    assert not [d for d in datas(shown.response["result"]) if d.startswith("fb:")]
    [row] = db.execute("SELECT normalised, wrong, suggested FROM unanswered").fetchall()
    assert tuple(row) == (QUESTION.lower(), 1, chosen)


async def test_the_toasts_and_the_question_are_in_the_cards_language(
    api: FakeBotAPI, app: AnyApplication, engine: QAEngine
) -> None:
    user = next(_ids)
    card = await ask(api, "Какие учения проводились?", user=user)  # the app is in English
    assert (await press(api, card, UP, user))["text"] == "Спасибо за отзыв!"
    before = len(api.calls)
    assert (await press(api, card, DOWN, user))["text"] == "Оценка изменена."
    [followup] = await sent_after(api, user, before)
    assert followup.params["text"] == "Что вы искали?"
    rows = keyboard(followup.response["result"])
    assert rows[-1][0]["text"] == "Другое"
    russian = {fact.translations["ru"].title for fact in engine.kb.facts}
    assert all(row[0]["text"] in russian for row in rows[:-1])


async def test_in_a_group_each_member_votes_once_and_the_question_replies_to_the_card(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection
) -> None:
    group, asker, other = -next(_ids), next(_ids), next(_ids)
    options = {"chat_id": group, "chat_type": "group"}
    card = await ask(api, f"@ThisBot {QUESTION}", user=asker, **options)
    await press(api, card, UP, asker)
    before = len(api.calls)
    await press(api, card, DOWN, other)
    [followup] = await sent_after(api, group, before)
    assert followup.params["reply_parameters"]["message_id"] == card["message_id"]
    await press(api, card, DOWN, asker)  # changed: the card was asked about once already
    assert sorted(r["vote"] for r in votes(db)) == [-1, -1]
    assert len(await quiet(api, group, before)) == 1


async def test_forged_or_foreign_data_is_refused_with_an_alert(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection
) -> None:
    user = next(_ids)
    card = await ask(api, QUESTION, user=user)
    for data in ("fb:+:partners", "fb:+:Exercises_2016", "fb:+:exercises_2016:1", "fb:?", "fb:x"):
        toast = await press(api, card, data, user, check=False)  # not on this card
        assert toast["show_alert"] is True and "not a valid button" in toast["text"], data
    assert votes(db) == []
    assert db.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] == 0


# -- privacy and time --------------------------------------------------------------------------


async def test_votes_hold_no_user_id_and_the_voters_hash_is_gone_after_a_day(
    api: FakeBotAPI, app: AnyApplication, db: sqlite3.Connection
) -> None:
    offset = 0.0
    app.bot_data.store.votes.clock = lambda: time.time() + offset
    user = 987_654_321_098
    card = await ask(api, QUESTION, user=user)
    await press(api, card, UP, user)
    [row] = votes(db)
    assert row["voter"] and row["voter_expires"] > time.time() + VOTER_TTL - 60
    for table in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]:
        for stored in db.execute(f"SELECT * FROM {table}"):
            assert all(str(user) not in str(value) for value in stored), (table, dict(stored))

    # Nearly a day later the card takes no more votes: the hash is still there, so it could
    # have told a second press from a first.
    offset = VOTE_WINDOW + 60
    toast = await press(api, card, DOWN, user)
    assert toast["text"] == "This answer is too old to rate."
    assert [(r["vote"], bool(r["voter"])) for r in votes(db)] == [(1, True)]

    # A day after the press, the next vote anywhere clears it; the vote itself stays.
    offset = VOTER_TTL + 60
    card = await ask(api, "Is Japan a partner?", user=next(_ids))
    chat = card["chat"]["id"]
    api.world.messages[(chat, card["message_id"])]["date"] += int(offset)  # sent "a day later"
    await press(api, card, "fb:+:partner_check", chat)
    first, second = votes(db)
    assert (first["vote"], first["voter"], first["voter_expires"]) == (1, None, None)
    assert second["voter"] is not None


async def test_after_a_restart_a_thumbs_down_still_counts_and_offers_related_topics(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: sqlite3.Connection
) -> None:
    user = next(_ids)
    async with running_bot(api, engine, settings):
        card = await ask(api, QUESTION, user=user)
    async with running_bot(api, engine, settings):  # the question is forgotten
        before = len(api.calls)
        assert (await press(api, card, DOWN, user))["text"] == "Thanks for your feedback!"
        [followup] = await sent_after(api, user, before)
        offered = datas(followup.response["result"])
        related = [
            t.fact_id for t in engine.cards.buttons(engine.kb.fact("exercises_2016").related)
        ]
        expected = [f"fb:t:{i}" for i in related if i != "exercises_2016"][:3]
        assert offered == [*expected, "fb:x"]
        assert (await press(api, followup.response["result"], "fb:x", user))["text"] == (
            "Thanks, noted."
        )
    assert [r["vote"] for r in votes(db)] == [-1]
    assert db.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] == 0  # no text to file


async def test_stats_show_helpfulness_and_the_most_down_voted_questions(
    api: FakeBotAPI, app: AnyApplication
) -> None:
    for vote in ("+", "+", "+", "-"):
        user = next(_ids)
        card = await ask(api, QUESTION, user=user)
        before = len(api.calls)
        await press(api, card, f"fb:{vote}:exercises_2016", user)
        if vote == "-":
            [followup] = await sent_after(api, user, before)
            await press(api, followup.response["result"], "fb:x", user)
    user = next(_ids)
    card = await ask(api, "Is Japan a partner?", user=user)
    await press(api, card, "fb:-:partner_check", user)

    stats = await ask(api, "/stats", user=ADMIN_ID)
    text = stats["text"]
    assert "Helpfulness (👍, 👎, share of 👍)\nexercises_2016: 👍 3, 👎 1, 75%\n" in text
    assert "partner_check: 👍 0, 👎 1, 0%\n" in text
    assert f"Most down-voted questions\n{QUESTION.lower()}: 👎 1\n" in text
    assert "Top unanswered\nnone yet\n" in text  # answered, though voted down

    russian = await ask(api, "/language", user=ADMIN_ID)
    before = len(api.calls)
    await press(api, russian, "lang:ru", ADMIN_ID)
    await sent_after(api, ADMIN_ID, before)  # "from now on I reply in Russian"
    text = (await ask(api, "/stats", user=ADMIN_ID))["text"]
    assert "Полезность (👍, 👎, доля 👍)\nexercises_2016: 👍 3, 👎 1, 75%\n" in text
    assert "Вопросы, чаще всего получавшие 👎\n" in text


async def test_stats_say_none_yet_before_any_vote(api: FakeBotAPI, app: AnyApplication) -> None:
    text = (await ask(api, "/stats", user=ADMIN_ID))["text"]
    assert "Helpfulness (👍, 👎, share of 👍)\nnone yet\n" in text
    assert "Most down-voted questions\nnone yet\n" in text
