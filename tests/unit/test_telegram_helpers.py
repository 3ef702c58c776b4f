"""The Telegram adapter's pure helpers, without a server: command parsing, what in a group
message is addressed to the bot, button data, the operator's report and the pacing of a
broadcast. Fitting a card into one message is in test_limits.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time

import pytest
from telegram import Chat, Message, MessageEntity, User

from bot.engine import QAEngine
from bot.kb.rules import html_problems
from bot.store.records import (
    Announcement,
    AnnouncementOrigin,
    AnnouncementStatus,
    DeliveryReport,
)
from bot.telegram.broadcast import format_report
from bot.telegram.handlers import addressed_text, parse_command
from bot.telegram.pacer import Pacer
from bot.telegram.render import ask_data, card_data
from bot.telegram.state import DIGEST_HEADING, BotState

BOT = User(id=777, first_name="Bot", is_bot=True, username="ThisBot")
PERSON = User(id=5, first_name="Ann", is_bot=False)
GROUP = Chat(id=-100, type=Chat.SUPERGROUP, title="Crew")
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/exercises", ("exercises", None, "")),
        ("/Partners Japan", ("partners", None, "Japan")),
        ("/partners@ThisBot  South Korea ", ("partners", "ThisBot", "South Korea")),
        ("/partners\nJapan", ("partners", None, "Japan")),
        ("  /help@OtherBot", ("help", "OtherBot", "")),
        (
            "/announce Drill on <b>Monday</b>\nsecond line",
            ("announce", None, "Drill on <b>Monday</b>\nsecond line"),
        ),
    ],
)
def test_parse_command(text: str, parsed: tuple[str, str | None, str]) -> None:
    assert parse_command(text) == parsed


def group_message(
    text: str,
    entities: list[MessageEntity] | None = None,
    *,
    reply_to_message: Message | None = None,
) -> Message:
    return Message(
        message_id=1,
        date=WHEN,
        chat=GROUP,
        from_user=PERSON,
        text=text,
        entities=entities or [],
        reply_to_message=reply_to_message,
    )


def mention(text: str, name: str) -> MessageEntity:
    return MessageEntity(MessageEntity.MENTION, offset=text.index(name), length=len(name))


def test_a_mention_of_the_bot_is_addressed_and_removed() -> None:
    text = "@ThisBot which   exercises were held?"
    message = group_message(text, [mention(text, "@ThisBot")])
    assert addressed_text(message, BOT.id, "ThisBot") == "which exercises were held?"


def test_the_mention_is_matched_without_regard_to_case() -> None:
    text = "hey @thisbot, who are the partners"
    message = group_message(text, [mention(text, "@thisbot")])
    assert addressed_text(message, BOT.id, "ThisBot") == "hey , who are the partners"


def test_a_mention_of_someone_else_is_not_addressed() -> None:
    text = "@OtherBot which exercises were held?"
    message = group_message(text, [mention(text, "@OtherBot")])
    assert addressed_text(message, BOT.id, "ThisBot") is None
    assert addressed_text(group_message("which exercises were held?"), BOT.id, "ThisBot") is None


def test_a_reply_to_the_bot_is_addressed_a_reply_to_others_is_not() -> None:
    ours = Message(message_id=0, date=WHEN, chat=GROUP, from_user=BOT, text="a card")
    theirs = Message(message_id=0, date=WHEN, chat=GROUP, from_user=PERSON, text="hi")
    assert (
        addressed_text(group_message("and in 2017?", reply_to_message=ours), BOT.id, "ThisBot")
        == "and in 2017?"
    )
    assert (
        addressed_text(group_message("and in 2017?", reply_to_message=theirs), BOT.id, "ThisBot")
        is None
    )


def test_a_text_mention_of_the_bot_is_addressed() -> None:
    entity = MessageEntity(MessageEntity.TEXT_MENTION, offset=0, length=3, user=BOT)
    assert addressed_text(
        group_message("Bot, who are the partners?", [entity]), BOT.id, "ThisBot"
    ) == ("Bot, who are the partners?")


# -- buttons -------------------------------------------------------------------------------------


def test_button_data_fits_telegrams_64_bytes() -> None:
    assert card_data("exercises_2016") == "card:exercises_2016"
    with pytest.raises(ValueError):
        card_data("x" * 60)
    assert ask_data("Who are the partners?") == "ask:Who are the partners?"
    assert ask_data("ə" * 40) is None  # 80 bytes in UTF-8


# -- the operator's report ------------------------------------------------------------------------


def test_report_counts_escapes_and_truncates() -> None:
    failed = [(-1000 - n, f"Bad Request: <chat {n}> & co") for n in range(25)]
    report = DeliveryReport(
        7, 970, failed, ["@gone_channel", -5], started_at=100.0, finished_at=133.4
    )
    text = format_report(report)
    assert text.startswith("<b>Announcement #7 finished</b> in 33.4 s")
    assert "Delivered: 970\nFailed: 25\n" in text
    assert "&lt;chat 0&gt; &amp; co" in text and "<chat" not in text
    assert "chat 19" in text and "chat 20" not in text and "… and 5 more" in text
    assert "Dropped (bot removed or blocked): 2\n  • @gone_channel\n  • -5" in text
    assert html_problems(text) == []


# -- pacing -------------------------------------------------------------------------------------


async def test_pacer_spaces_sends_evenly_even_when_tasks_race() -> None:
    """Ten sends at 50/s from five tasks take at least 9 gaps of 20 ms, never a burst."""
    pacer = Pacer(rate=50.0)
    stamps: list[float] = []

    async def sender() -> None:
        for _ in range(2):
            await pacer.wait()
            stamps.append(time.monotonic())

    await asyncio.gather(*(sender() for _ in range(5)))
    stamps.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    assert len(stamps) == 10
    assert min(gaps) >= 0.02 * 0.9
    assert stamps[-1] - stamps[0] >= 9 * 0.02 * 0.95


def test_an_announcement_is_rendered_in_each_chats_language(engine: QAEngine) -> None:
    state = BotState()
    state.engine = engine
    state.chat_languages = {-1: "az", -2: "en"}
    card = engine.card("partners")
    assert card is not None

    def stored(origin: AnnouncementOrigin, html: str, fact_id: str | None) -> Announcement:
        return Announcement(
            1, html, origin, fact_id, 1, 0.0, AnnouncementStatus.SENDING, None, None
        )

    digest = stored(AnnouncementOrigin.DIGEST, f"{DIGEST_HEADING}\n\n{card.html}", "partners")
    azerbaijani = engine.card("partners", language="az")
    assert azerbaijani is not None
    assert state.rendered(digest, -1) == f"📌 <b>Günün faktı</b>\n\n{azerbaijani.html}"
    assert state.rendered(digest, -2) == digest.html  # English: as stored
    assert state.rendered(digest, "@channel") == digest.html  # a channel by name chose nothing
    text = stored(AnnouncementOrigin.TEXT, "Hello", None)
    assert state.rendered(text, -1) == "Hello"  # the operator's words are sent as written
    gone = stored(AnnouncementOrigin.CARD, "<b>Old</b>", "no_such_fact")
    assert state.rendered(gone, -1) == "<b>Old</b>"  # removed by a /reload since
