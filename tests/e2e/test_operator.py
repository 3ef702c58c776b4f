"""The operator's tools end to end: the real Application polling the fake Bot API over loopback
HTTP, with the SQLite store inspected directly, so every assertion is about what Telegram saw
and what survived in the database, never about internal calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.ext import Application

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.telegram import sending, texts
from bot.telegram.privacy import pseudonym
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, running_bot, say, to_chat

STRANGER = 5550001  # a user who is neither an operator nor a group administrator
GROUP_ADMIN = 5550002
FIXED_GROUP = -1001100000001
FIXED_CHANNEL = "@milcoop_news"


# -- harness -----------------------------------------------------------------------------------


@asynccontextmanager
async def serving(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, **options: Any
) -> AsyncIterator[Application]:
    """The bot as run_polling runs it (the harness calls the start-up and shutdown hooks that
    resume broadcasts and restore the digest): a restart is a real restart."""
    async with running_bot(api, engine, settings, **options) as application:
        yield application


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(api, tmp_path, announce_chat_ids=(FIXED_GROUP, FIXED_CHANNEL))


@pytest.fixture
def db(settings: Settings) -> Iterator[Store]:
    """A second connection to the bot's database, as an operator with sqlite3 would have."""
    store = Store(settings.database_path)
    yield store
    store.close()


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "BACKOFF_SECONDS", 0.05)


async def subscribed(store: Store) -> list[int]:
    return [chat.chat_id for chat in await store.chats.subscribed_chats()]


async def is_subscribed(store: Store, chat_id: int) -> bool:
    return chat_id in await subscribed(store)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 5.0) -> None:
    """Wait for a state change that produces no Bot API call (membership updates)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)


def sends(api: FakeBotAPI, *, ok: bool | None = None, after: int = 0) -> Counter[int | str]:
    """sendMessage calls per chat (only successful ones with ok=True)."""
    return Counter(
        call.params.get("chat_id")
        for call in api.calls[after:]
        if call.method == "sendMessage" and (ok is None or call.ok == ok)
    )


async def announce(api: FakeBotAPI, argument: str) -> tuple[Call, Call]:
    """`/announce …` by the operator: the preview and the confirmation with its buttons."""
    preview, confirmation = await say(api, f"/announce {argument}", replies=2)
    return preview, confirmation


def buttons(call: Call) -> dict[str, str]:
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


def announcement_id(confirmation: Call) -> int:
    found = re.search(r"Announcement #(\d+)", confirmation.response["result"]["text"])
    assert found, confirmation.params["text"]
    return int(found[1])


async def press(api: FakeBotAPI, confirmation: Call, label: str, *, user_id: int = ADMIN_ID) -> int:
    """Press Send or Cancel on the confirmation; returns the call index to wait after."""
    data = next(d for text, d in buttons(confirmation).items() if label in text)
    before = len(api.calls)
    api.press_button(confirmation.response["result"], data, user_id=user_id)
    return before


async def report(api: FakeBotAPI, after: int, timeout: float = 10.0) -> str:
    """The operator's end-of-broadcast report (visible text)."""
    calls = await api.wait_for(
        "sendMessage",
        lambda c: c.params.get("chat_id") == ADMIN_ID and "finished" in c.params["text"],
        after=after,
        timeout=timeout,
    )
    return str(calls[0].response["result"]["text"])


def promote_in_channel(
    api: FakeBotAPI, chat_id: int, *, username: str | None = None, can_post: bool = True
) -> None:
    """The channel owner makes the bot an administrator (posting rights are the opt-in)."""
    api.chat_member_update(
        chat_id=chat_id,
        chat_type="channel",
        new_status="administrator",
        user_id=ADMIN_ID,
        chat_title="News",
        chat_username=username,
        can_post_messages=can_post,
    )


def visible(call: Call) -> str:
    return str(call.response["result"]["text"])


# -- subscriptions -----------------------------------------------------------------------------


async def test_subscribe_and_unsubscribe_by_group_admins_only(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    group, other = -1002000000001, -1002000000002
    api.set_chat_admins(group, {GROUP_ADMIN})
    async with serving(api, engine, settings):
        [refused] = await say(
            api, "/subscribe", user_id=STRANGER, chat_id=group, chat_type="supergroup"
        )
        assert visible(refused) == texts.GROUP_ADMIN_REFUSAL
        assert group not in await subscribed(db)

        [done] = await say(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup"
        )
        assert visible(done) == "This group now receives announcements."
        assert await subscribed(db) == [group]
        [again] = await say(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup"
        )
        assert visible(again) == "Already subscribed."

        # An operator is trusted in any group without being its administrator.
        [by_operator] = await say(
            api, "/subscribe@ThisBot", user_id=ADMIN_ID, chat_id=other, chat_type="group"
        )
        assert visible(by_operator) == "This group now receives announcements."
        assert set(await subscribed(db)) == {group, other}

        [refused] = await say(
            api, "/unsubscribe", user_id=STRANGER, chat_id=group, chat_type="supergroup"
        )
        assert visible(refused) == texts.GROUP_ADMIN_REFUSAL
        assert group in await subscribed(db)
        [undone] = await say(
            api, "/unsubscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup"
        )
        assert visible(undone) == "This group no longer receives announcements."
        assert await subscribed(db) == [other]

        [private] = await say(api, "/subscribe", user_id=GROUP_ADMIN)
        assert "Use this command in a group" in visible(private)
        assert await subscribed(db) == [other]


# -- refusals ----------------------------------------------------------------------------------


async def test_operator_commands_refuse_everyone_else_and_log_it(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store, caplog: Any
) -> None:
    commands = ("/announce exercises", "/digest on 07:30", "/stats", "/unanswered", "/reload")
    caplog.set_level(logging.WARNING, logger="bot.telegram.operator")
    async with serving(api, engine, settings):
        start = len(api.calls)
        for text in commands:
            [reply] = await say(api, text, user_id=STRANGER)
            assert visible(reply) == texts.OPERATORS_ONLY
        await asyncio.sleep(0.2)  # room for anything wrongly started to show up
        # Nothing happened besides the refusals: no draft, no digest, no menu refresh, no send.
        assert sends(api, after=start) == Counter({STRANGER: len(commands)})
        assert [c.method for c in api.calls[start:] if c.method == "setMyCommands"] == []
        assert await db.broadcasts.recent_announcements() == []
        assert await db.digest.time() is None
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.telegram.operator" and r.levelname == "WARNING"
    ]
    for text in commands:
        name = text.split()[0]
        refusal = f"refused operator command {name} from {pseudonym(STRANGER)}"
        assert any(refusal in w for w in warnings)


# -- announcements -----------------------------------------------------------------------------


async def test_announce_topic_preview_send_and_report(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    groups = (-1003000000001, -1003000000002)
    for group in groups:
        api.set_chat_admins(group, {GROUP_ADMIN})
    async with serving(api, engine, settings):
        for group in groups:
            await say(api, "/subscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup")
        targets: list[int | str] = [FIXED_GROUP, FIXED_CHANNEL, *groups]
        start = len(api.calls)
        preview, confirmation = await announce(api, "exercises")

        # The preview is the exercises card itself; the confirmation counts the targets.
        card = engine.command("exercises")
        assert card is not None
        assert preview.params["text"] == card.html and preview.params["parse_mode"] == "HTML"
        assert "Anadolu Gartali" in visible(preview)
        labels = buttons(confirmation)
        assert set(labels) == {f"✅ Send to {len(targets)} chats", "✖️ Cancel"}
        assert f"goes to {len(targets)} target chats" in visible(confirmation)

        # Stored as a draft before anything leaves for the targets.
        number = announcement_id(confirmation)
        draft = await db.broadcasts.get_announcement(number)
        assert draft is not None and draft.status == "draft" and draft.origin == "card"
        assert draft.html == card.html and draft.created_by == ADMIN_ID
        assert await db.broadcasts.deliveries(number) == []
        assert set(sends(api, after=start)) == {ADMIN_ID}

        pressed = await press(api, confirmation, "Send")
        text = await report(api, pressed)
        assert f"Announcement #{number} finished in " in text
        assert f"Delivered: {len(targets)}" in text and "Failed: 0" in text
        assert "Dropped (bot removed or blocked): 0" in text
        await asyncio.sleep(0.1)

        delivered = sends(api, ok=True, after=pressed)
        assert delivered == Counter({**dict.fromkeys(targets, 1), ADMIN_ID: 1})
        for call in api.calls[pressed:]:
            if call.method == "sendMessage" and call.params["chat_id"] in targets:
                assert call.params["text"] == card.html and call.params["parse_mode"] == "HTML"
        done = await db.broadcasts.get_announcement(number)
        assert done is not None and done.status == "done"
        rows = await db.broadcasts.deliveries(number)
        assert [r.chat_id for r in rows] == targets
        assert all(r.status == "sent" and r.message_id for r in rows)
        edited = await api.wait_for("editMessageText", after=pressed)
        assert f"Sending announcement #{number} to {len(targets)} chats" in edited[0].params["text"]

        # A second announcement, cancelled: nothing goes out.
        _, confirmation = await announce(api, "partners")
        second = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Cancel")
        edited = await api.wait_for("editMessageText", after=pressed)
        assert "cancelled; nothing was sent" in edited[0].params["text"]
        await asyncio.sleep(0.2)
        assert sends(api, after=pressed) == Counter()
        cancelled = await db.broadcasts.get_announcement(second)
        assert cancelled is not None and cancelled.status == "cancelled"
        assert await db.broadcasts.deliveries(second) == []


async def test_a_card_announcement_reaches_each_chat_in_its_language(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    russian_group, english_group = -1003000000011, -1003000000012
    async with serving(api, engine, settings):
        for group in (russian_group, english_group):
            api.set_chat_admins(group, {GROUP_ADMIN})
            await say(api, "/subscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup")
        [choice] = await say(
            api, "/language", user_id=GROUP_ADMIN, chat_id=russian_group, chat_type="supergroup"
        )
        before = len(api.calls)
        api.press_button(choice.response["result"], "lang:ru", user_id=GROUP_ADMIN)
        await api.wait_for("sendMessage", to_chat(russian_group), after=before)

        _, confirmation = await announce(api, "exercises")
        pressed = await press(api, confirmation, "Send")
        await report(api, pressed)
        sent = {
            call.params["chat_id"]: call.params["text"]
            for call in api.calls[pressed:]
            if call.method == "sendMessage"
        }
        english = engine.command("exercises")
        russian = engine.command("exercises", language="ru")
        assert english is not None and russian is not None
        assert sent[english_group] == english.message_html()
        assert sent[russian_group] == russian.message_html()
        assert russian.title in sent[russian_group] and "Anadolu Gartali" in sent[russian_group]

        _, confirmation = await announce(api, "Meeting at 10:00")  # the operator's own words
        pressed = await press(api, confirmation, "Send")
        await report(api, pressed)
        texts = {
            call.params["text"]
            for call in api.calls[pressed:]
            if call.method == "sendMessage"
            and call.params["chat_id"] in (russian_group, english_group)
        }
        assert texts == {"Meeting at 10:00"}


async def test_send_pressed_by_a_non_operator_is_refused(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram.operator")
    async with serving(api, engine, settings):
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send", user_id=STRANGER)
        [answer] = await api.wait_for("answerCallbackQuery", after=pressed)
        assert answer.params["text"] == texts.OPERATORS_ONLY
        assert answer.params["show_alert"] is True
        await asyncio.sleep(0.2)
        assert sends(api, after=pressed) == Counter()
        assert api.calls_to("editMessageText") == []
        draft = await db.broadcasts.get_announcement(number)
        assert draft is not None and draft.status == "draft"
    assert any(
        f"refused announcement button from {pseudonym(STRANGER)}" in r.getMessage()
        for r in caplog.records
    )


async def test_announce_free_text_is_valid_escaped_html(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path, announce_chat_ids=(FIXED_GROUP,))
    async with serving(api, engine, settings):
        # Plain text with characters HTML gives a meaning to: shown literally.
        typed = "Drill on <b>Monday</b> & x<y > z"
        preview, confirmation = await announce(api, typed)
        assert preview.params["text"] == ("Drill on &lt;b&gt;Monday&lt;/b&gt; &amp; x&lt;y &gt; z")
        assert visible(preview) == typed
        pressed = await press(api, confirmation, "Send")
        await report(api, pressed)
        [sent] = await api.wait_for("sendMessage", to_chat(FIXED_GROUP), after=pressed)
        assert sent.ok and visible(sent) == typed

        # Formatting typed with the client (entities) becomes Telegram HTML.
        text = "/announce Meeting at 10:00 & bring ID"
        before = len(api.calls)
        api.push_update(
            {
                "message": {
                    "message_id": 900001,
                    "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Op"},
                    "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Op"},
                    "date": int(time.time()),
                    "text": text,
                    "entities": [
                        {"type": "bot_command", "offset": 0, "length": 9},
                        {"type": "bold", "offset": 10, "length": 7},
                        {"type": "italic", "offset": 35, "length": 2},
                    ],
                }
            }
        )
        preview, confirmation = await api.wait_for(
            "sendMessage", to_chat(ADMIN_ID), count=2, after=before
        )
        html_text = "<b>Meeting</b> at 10:00 &amp; bring <i>ID</i>"
        assert preview.params["text"] == html_text and preview.ok
        pressed = await press(api, confirmation, "Send")
        await report(api, pressed)
        [sent] = await api.wait_for("sendMessage", to_chat(FIXED_GROUP), after=pressed)
        assert sent.ok and sent.params["text"] == html_text
        assert visible(sent) == "Meeting at 10:00 & bring ID"


async def test_channel_in_fixed_targets_and_subscribed_gets_one_copy(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    """A fixed @channel target is also subscribed under its numeric id once the owner makes
    the bot an administrator (which posting there requires): still one message."""
    async with serving(api, engine, settings) as application:
        channel = await application.bot.get_chat(FIXED_CHANNEL)
        promote_in_channel(api, channel.id, username=FIXED_CHANNEL[1:])
        await eventually(lambda: is_subscribed(db, channel.id), "the channel is subscribed")
        _, confirmation = await announce(api, "exercises")
        assert "Send to 2 chats" in " ".join(buttons(confirmation))
        pressed = await press(api, confirmation, "Send")
        assert "Delivered: 2" in await report(api, pressed)
        assert len(api.sent_messages(channel.id)) == 1


# -- faults during a broadcast -----------------------------------------------------------------


@pytest.mark.usefixtures("fast_backoff")
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's RetryAfter
async def test_broadcast_faults(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, db: Store
) -> None:
    blocked, flooded, migrating, slow, flaky, fine = (-1004000000000 - n for n in range(1, 7))
    moved_to = -1004000000099
    for chat in (blocked, flooded, migrating, slow, flaky, fine):
        await db.chats.set_subscribed(chat, True, chat_type="supergroup")
    settings = bot_settings(api, tmp_path)
    async with serving(api, engine, settings, read_timeout=0.5):
        api.forbid_chat(blocked)
        api.fail_next("sendMessage", "flood", chat_id=flooded, retry_after=1)
        api.fail_next("sendMessage", "migrated", chat_id=migrating, migrate_to_chat_id=moved_to)
        api.fail_next("sendMessage", "timeout", chat_id=slow, delay=1.2)
        api.fail_next("sendMessage", "server_error", chat_id=flaky)
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send")
        text = await report(api, pressed)
        # The slow request is still answered by the server (Telegram delivered it anyway).
        await api.wait_for("sendMessage", lambda c: to_chat(slow)(c) and c.ok, after=pressed)

    assert "Delivered: 4" in text and "Failed: 1" in text
    assert f"{slow}: timed out" in text
    assert "Dropped (bot removed or blocked): 1" in text and str(blocked) in text
    assert api.flood_responses == 1

    attempts = sends(api, after=pressed)
    delivered = sends(api, ok=True, after=pressed)
    assert delivered == Counter({flooded: 1, moved_to: 1, slow: 1, flaky: 1, fine: 1, ADMIN_ID: 1})
    assert attempts[slow] == 1  # a read timeout is never retried: it may have arrived
    assert attempts[flaky] == 2 and attempts[migrating] == 1 and attempts[blocked] == 1

    with Store(settings.database_path) as after:
        outcome = {
            d.chat_id: (d.status, d.error) for d in await after.broadcasts.deliveries(number)
        }
        assert outcome[blocked][0] == "dropped"
        assert outcome[slow] == ("failed", sending.UNSURE_TIMEOUT)
        assert migrating not in outcome and outcome[moved_to][0] == "sent"
        assert {outcome[c][0] for c in (flooded, flaky, fine)} == {"sent"}
        chats = {c.chat_id: c.subscribed for c in await after.chats.known_chats()}
        assert blocked not in chats and migrating not in chats
        assert chats[moved_to] is True


async def test_migration_to_a_chat_already_targeted_sends_once(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, db: Store
) -> None:
    """An old group id (fixed target) and its supergroup (subscribed) in one broadcast: the
    migration follows to the supergroup, which must not then get its own copy too."""
    old, new = -4005, -1004005
    await db.chats.set_subscribed(new, True, chat_type="supergroup")
    settings = bot_settings(api, tmp_path, announce_chat_ids=(old,))
    async with serving(api, engine, settings):
        api.fail_next("sendMessage", "migrated", chat_id=old, migrate_to_chat_id=new)
        _, confirmation = await announce(api, "exercises")
        pressed = await press(api, confirmation, "Send")
        text = await report(api, pressed)
    assert sends(api, ok=True, after=pressed) == Counter({new: 1, ADMIN_ID: 1})
    assert "Delivered: 1" in text and "Failed: 0" in text


async def test_a_group_migrating_mid_broadcast_gets_it_once_under_its_new_id(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, db: Store
) -> None:
    """The migration message arrives before the group's turn: its pending delivery moves to
    the new id, and the broadcast still reaches it there."""
    chats = [-1005100000000 - n for n in range(12)]
    old, new = -5107, -1005107
    for chat in [*chats, old]:
        await db.chats.set_subscribed(chat, True, chat_type="supergroup")
    settings = bot_settings(api, tmp_path)
    async with serving(api, engine, settings) as application:
        application.bot_data.broadcaster.pacer.rate = 20.0
        _, confirmation = await announce(api, "exercises")
        pressed = await press(api, confirmation, "Send")
        await api.wait_for("sendMessage", lambda c: c.params.get("chat_id") in chats, after=pressed)
        api.migrate_message(old_chat_id=old, new_chat_id=new)
        text = await report(api, pressed)
    assert "Delivered: 13\nFailed: 0\n" in text
    delivered = sends(api, ok=True, after=pressed)
    assert delivered == Counter({**dict.fromkeys([*chats, new], 1), ADMIN_ID: 1})


async def test_restart_mid_broadcast_resumes_without_gap_or_duplicate(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    chats = [-1005000000000 - n for n in range(40)]
    for chat in chats:
        await db.chats.set_subscribed(chat, True, chat_type="supergroup")
    targets: list[int | str] = [FIXED_GROUP, FIXED_CHANNEL, *chats]
    async with serving(api, engine, settings) as application:
        application.bot_data.broadcaster.pacer.rate = 20.0  # ~2 s for 42 chats
        _, confirmation = await announce(api, "exercises")
        number = announcement_id(confirmation)
        pressed = await press(api, confirmation, "Send")
        await api.wait_for(
            "sendMessage", lambda c: c.params.get("chat_id") in chats, count=10, after=pressed
        )
    halfway = {d.chat_id: d.status for d in await db.broadcasts.deliveries(number)}
    sent_before = [chat for chat, status in halfway.items() if status == "sent"]
    assert 10 <= len(sent_before) < len(targets)
    assert set(halfway.values()) == {"sent", "pending"}
    stopped = await db.broadcasts.get_announcement(number)
    assert stopped is not None and stopped.status == "sending"

    async with serving(api, engine, settings):
        text = await report(api, pressed)
    assert f"Announcement #{number} finished" in text and f"Delivered: {len(targets)}" in text
    assert sends(api, after=pressed) == Counter(
        {**dict.fromkeys(targets, 1), ADMIN_ID: 1}
    )  # one report
    assert {d.status for d in await db.broadcasts.deliveries(number)} == {"sent"}


# -- digest ------------------------------------------------------------------------------------


class Clock:
    """The broadcaster's notion of now, for the digest's day (the lease keeps real time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


DAY = 86400.0
MONDAY_0605 = dt.datetime(2026, 3, 2, 6, 5, tzinfo=dt.UTC).timestamp()


async def test_digest_schedule_survives_restart_and_rotates_facts(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    async with serving(api, engine, settings):
        [reply] = await say(api, "/digest on 07:30")
        assert visible(reply) == "Daily digest on at 07:30 UTC to 2 target chats."
        assert await db.digest.time() == "07:30"

        [reply] = await say(api, "/digest on 25:00")
        assert "HH:MM" in visible(reply) and await db.digest.time() == "07:30"

        [reply] = await say(api, "/digest off")
        assert visible(reply) == "Daily digest is off."
        assert await db.digest.time() is None

        await say(api, "/digest on 6:05")
        assert await db.digest.time() == "06:05"

    clock = Clock(MONDAY_0605 - 60)
    async with serving(api, engine, settings) as application:
        broadcaster = application.bot_data.broadcaster
        broadcaster.clock = clock
        [reply] = await say(api, "/digest")
        assert "Daily digest is on at 06:05 UTC" in visible(reply)

        async def looks(now: float) -> Counter[int | str]:
            """What the holder posts to the targets after a look at `now`."""
            clock.now = now
            before = len(api.calls)
            broadcaster.wake()
            await asyncio.sleep(0.3)
            return sends(api, ok=True, after=before)

        assert await looks(MONDAY_0605 - 60) == Counter()  # 06:04: not yet
        titles = []
        for day in range(3):
            before = len(api.calls)
            clock.now = MONDAY_0605 + day * DAY + 30 * day  # on time, or a little late
            broadcaster.wake()
            calls = await api.wait_for(
                "sendMessage",
                lambda c: c.params.get("chat_id") in (FIXED_GROUP, FIXED_CHANNEL),
                count=2,
                after=before,
            )
            texts = {visible(call) for call in calls}
            assert len(texts) == 1  # both targets get the same card
            [text] = texts
            assert text.startswith("📌 Fact of the day\n\n")
            titles.append(text.split("\n")[2])
            # Later the same day, the schedule moved to a later time: that day is done.
            await say(api, "/digest on 06:30")
            assert await looks(MONDAY_0605 + day * DAY + 30 * 60) == Counter()
            await say(api, "/digest on 06:05")
        assert len(set(titles)) == 3, titles  # consecutive digests rotate through the facts
        assert titles == [t.title for t in engine.topics[:3]]
        # More than an hour late (the bot was down): that day is skipped, not posted at noon.
        assert await looks(MONDAY_0605 + 3 * DAY + 3601) == Counter()
        await asyncio.sleep(0.2)
    digests = [a for a in await db.broadcasts.recent_announcements(10) if a.origin == "digest"]
    assert len(digests) == 3 and {a.status for a in digests} == {"done"}
    assert not any("finished" in m["text"] for m in api.sent_messages(ADMIN_ID))


# -- statistics --------------------------------------------------------------------------------


async def test_stats_and_unanswered_without_user_ids(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    askers = [987654321987 + n for n in range(6)]  # one question each: within everyone's budget
    questions = [
        "Which exercises were held?",
        "Which exercises were held in 2016?",
        "Is Japan a partner?",
        "what is the weather on mars",
        "What is   the weather on Mars",
        "best pizza recipe please",
    ]
    answers = [engine.ask(q) for q in questions]
    answered = sum(a.matched for a in answers)
    assert 0 < answered < len(questions)
    async with serving(api, engine, settings):
        for asker, question in zip(askers, questions, strict=True):
            await say(api, question, user_id=asker)
        [reply] = await say(api, "/stats")
        text = visible(reply)
        assert (
            f"Questions: {len(questions)} (answered {answered}, "
            f"fallbacks {len(questions) - answered})" in text
        )
        facts = Counter(a.fact_id for a in answers if a.matched).most_common()
        top = "\n".join(f"{fact_id}: {count}" for fact_id, count in facts)
        assert f"<b>Top topics</b>\n{top}\n\n" in reply.params["text"]
        assert (
            "<b>Top unanswered</b>\nwhat is the weather on mars: 2\n"
            "best pizza recipe please: 1\n\n" in reply.params["text"]
        )

        [reply] = await say(api, "/unanswered yaml")
        assert reply.params["text"].startswith("<pre>") and reply.params["text"].endswith("</pre>")
        listed = yaml.safe_load(visible(reply))
        assert listed == ["what is the weather on mars", "best pizza recipe please"]
        assert '"what is the weather on mars"  # asked 2x' in visible(reply)

    # The question log has no user column, and no user's id is anywhere in the database.
    connection = sqlite3.connect(settings.database_path)
    try:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(questions)")}
        assert columns == {
            "id",
            "asked_at",
            "text",
            "fact_id",
            "matched",
            "confidence",
            "chat_type",
        }
        assert connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == len(questions)
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            for row in connection.execute(f"SELECT * FROM {table}"):
                for asker in askers:
                    assert all(str(asker) not in str(value) for value in row), (table, row)
    finally:
        connection.close()


# -- reload ------------------------------------------------------------------------------------

NEW_FACT = """\
- id: academy_plans
  title: Plans at the Academy
  command: academy
  answer: >-
    The conduct of <b>English language courses</b> is being planned at the Academy of the
    Armed Forces of Azerbaijan.
  source: >-
    Moreover, the conduct of English language courses is being planned at the Academy of the
    Armed Forces of Azerbaijan.
  questions:
{questions}
  related: [courses]
"""
# The new fact in the other languages, since every fact is translated (issue 11).
NEW_TRANSLATION = """- id: academy_plans
  title: {title}
  answer: >-
    <b>{courses}</b>
  questions:
{questions}
"""


async def test_reload_adds_a_topic_and_a_broken_file_keeps_the_old_knowledge(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path, knowledge_copy: Path
) -> None:
    settings = bot_settings(api, tmp_path, knowledge_dir=knowledge_copy)
    questions = "\n".join(f"    - reload check phrasing number {n} zqx" for n in range(14))
    async with serving(api, engine, settings):
        [reply] = await say(api, "/academy")
        assert "I don't know /academy" in visible(reply)

        (knowledge_copy / "extra.yaml").write_text(NEW_FACT.format(questions=questions))
        for language, title, courses in (
            ("az", "Akademiyada planlar", "İngilis dili kursları"),
            ("ru", "Планы в Академии", "Курсы английского языка"),
        ):
            with (knowledge_copy / "i18n" / f"{language}.yaml").open("a", encoding="utf-8") as f:
                f.write(NEW_TRANSLATION.format(title=title, courses=courses, questions=questions))
        menus = len(api.calls_to("setMyCommands"))
        [reply] = await say(api, "/reload")
        facts = len(engine.kb.facts) + 1
        assert visible(reply).startswith(f"Reloaded: {facts} facts, ")
        assert len(api.calls_to("setMyCommands")) > menus
        menu = api.calls_to("setMyCommands")[-1].params["commands"]
        assert "academy" in {c["command"] for c in menu}

        [card] = await say(api, "/academy")
        assert visible(card).startswith("Plans at the Academy\n")

        (knowledge_copy / "broken.yaml").write_text("- id: broken\n  title: [unclosed\n")
        [reply] = await say(api, "/reload")
        text = visible(reply)
        assert text.startswith("Reload refused; the previous knowledge base is still in use.")
        assert re.search(r"broken\.yaml:\d+: YAML syntax error", text), text
        assert reply.params["text"].count("<pre>") == 1

        [card] = await say(api, "/academy")
        assert visible(card).startswith("Plans at the Academy\n")
        [card] = await say(api, "Which exercises were held?")
        assert "Anadolu Gartali" in visible(card)


# -- membership --------------------------------------------------------------------------------


async def test_membership_updates_and_migration(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, db: Store
) -> None:
    group, channel, quiet_channel, old, new = (
        -1006000000001,
        -1006000000002,
        -1006000000003,
        -6004,
        -1006000000004,
    )

    async def chats() -> dict[int, bool]:
        return {c.chat_id: c.subscribed for c in await db.chats.known_chats()}

    async def known(chat_id: int) -> bool:
        return chat_id in await chats()

    async def dropped(*chat_ids: int) -> bool:
        return not set(chat_ids) & set(await chats())

    async with serving(api, engine, settings):
        api.chat_member_update(chat_id=group, chat_type="supergroup", new_status="member")
        await eventually(lambda: known(group), "the group is recorded")
        assert (await chats())[group] is False  # added is not opted in

        promote_in_channel(api, channel)
        await eventually(lambda: is_subscribed(db, channel), "the channel is subscribed")
        promote_in_channel(api, quiet_channel, can_post=False)
        await eventually(lambda: known(quiet_channel), "the channel is recorded")
        assert (await chats())[quiet_channel] is False  # cannot post there: not a target

        api.chat_member_update(
            chat_id=group, chat_type="supergroup", new_status="left", old_status="member"
        )
        api.chat_member_update(
            chat_id=channel, chat_type="channel", new_status="kicked", old_status="administrator"
        )
        await eventually(lambda: dropped(group, channel), "both chats are dropped")

        await say(api, "/subscribe", user_id=ADMIN_ID, chat_id=old, chat_type="group")
        assert old in await subscribed(db)
        api.migrate_message(old_chat_id=old, new_chat_id=new)
        await eventually(lambda: known(new), "the subscription moved")
        assert (await chats())[new] is True and old not in await chats()

        _, confirmation = await announce(api, "exercises")
        pressed = await press(api, confirmation, "Send")
        await report(api, pressed)
    delivered = sends(api, ok=True, after=pressed)
    assert delivered[new] == 1 and delivered[old] == 0 and delivered[channel] == 0


# -- persistence -------------------------------------------------------------------------------


async def test_subscriptions_and_digest_survive_a_restart(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    group = -1007000000001
    api.set_chat_admins(group, {GROUP_ADMIN})
    async with serving(api, engine, settings):
        await say(api, "/subscribe", user_id=GROUP_ADMIN, chat_id=group, chat_type="supergroup")
        await say(api, "/digest on 21:45")

    async with serving(api, engine, settings):
        [reply] = await say(api, "/digest")
        assert "Daily digest is on at 21:45 UTC" in visible(reply)
        _, confirmation = await announce(api, "exercises")
        assert "✅ Send to 3 chats" in buttons(confirmation)
        [reply] = await say(api, "/stats")
        assert "Subscribed chats: 1;" in visible(reply)
