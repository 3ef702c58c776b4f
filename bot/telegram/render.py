"""Answers as Telegram messages: HTML text within Telegram's limits (counted in UTF-16 code
units, as Telegram counts, by bot.limits), buttons within 64 bytes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from bot.answers import Answer, Topic
from bot.i18n import N_, gettext
from bot.limits import MAX_CALLBACK_DATA, shorten, utf8_len
from bot.text import plain_text

CARD_PREFIX = "card:"
ASK_PREFIX = "ask:"
FEEDBACK_PREFIX = "fb:"
MAX_BUTTONS = 4
MAX_DESCRIPTION = 120
UNTITLED = N_("Answer")  # an inline result's title when the answer has none (a reply in parts)
SOMETHING_ELSE = N_("Something else")  # under "What were you looking for?"
VOTE_LABELS = {"+": "👍", "-": "👎"}
# Exactly what the feedback buttons carry: fb:+:<fact> and fb:-:<fact> under a card, fb:t:<fact>
# and fb:x under "What were you looking for?". Fact ids are snake_case (bot/kb/rules.py).
_FEEDBACK_DATA = re.compile(r"fb:(?:([-+t]):([a-z][a-z0-9_]*)|(x))", re.ASCII)


def card_data(fact_id: str) -> str:
    """A card button's callback data; ValueError when the id does not fit Telegram's 64 bytes."""
    data = CARD_PREFIX + fact_id
    if utf8_len(data) > MAX_CALLBACK_DATA:
        raise ValueError(f"fact id too long for a button: {fact_id}")
    return data


def ask_data(question: str) -> str | None:
    """A question that fits a button's callback data, or None when it does not."""
    data = ASK_PREFIX + question
    return data if utf8_len(data) <= MAX_CALLBACK_DATA else None


class Press(StrEnum):
    """What a feedback button says."""

    UP = "+"  # 👍 under a card
    DOWN = "-"  # 👎 under a card
    TOPIC = "t"  # a topic under "What were you looking for?"
    ELSE = "x"  # "Something else" there


@dataclass(frozen=True)
class FeedbackData:
    press: Press
    fact_id: str | None = None  # the card voted on, or the topic chosen instead


def feedback_data(press: Press, fact_id: str | None = None) -> str | None:
    """A feedback button's callback data, or None when the fact id would not fit 64 bytes."""
    data = f"{FEEDBACK_PREFIX}{press.value}" + (f":{fact_id}" if fact_id else "")
    return data if utf8_len(data) <= MAX_CALLBACK_DATA else None


def parse_feedback(data: str) -> FeedbackData | None:
    """A feedback button's meaning, or None for anything the bot never put on one."""
    match = _FEEDBACK_DATA.fullmatch(data) if utf8_len(data) <= MAX_CALLBACK_DATA else None
    if match is None:
        return None
    if match[3]:
        return FeedbackData(Press.ELSE)
    return FeedbackData(Press(match[1]), match[2])


def topic_keyboard(topics: Iterable[Topic], *, prefix: str = "") -> InlineKeyboardMarkup | None:
    """One button per topic, one per row, so long titles stay readable on phones."""
    rows = [
        [InlineKeyboardButton(f"{prefix}{topic.title}", callback_data=card_data(topic.fact_id))]
        for topic in list(topics)[:MAX_BUTTONS]
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def question_keyboard(questions: Sequence[str]) -> InlineKeyboardMarkup | None:
    rows = []
    for question in questions:
        data = ask_data(question)
        if data is not None:
            rows.append([InlineKeyboardButton(question, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def answer_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """Related topics under a card; "did you mean" topics under a fallback."""
    if answer.matched:
        return topic_keyboard(answer.related)
    return topic_keyboard(answer.suggestions, prefix="🔎 ")


def vote_row(fact_id: str) -> list[InlineKeyboardButton] | None:
    """👍 and 👎 for a card, or None when its fact id is too long for the buttons' data."""
    up, down = feedback_data(Press.UP, fact_id), feedback_data(Press.DOWN, fact_id)
    if up is None or down is None:
        return None
    return [
        InlineKeyboardButton(VOTE_LABELS["+"], callback_data=up),
        InlineKeyboardButton(VOTE_LABELS["-"], callback_data=down),
    ]


def card_message(
    answer: Answer, *, votes: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """An answer as a message: its HTML within Telegram's limit, and its buttons; with
    `votes` (the fact voted on), 👍 and 👎 on one row after the related topics."""
    keyboard = answer_keyboard(answer)
    row = vote_row(votes) if votes else None
    if row is not None:
        rows = keyboard.inline_keyboard if keyboard is not None else ()
        keyboard = InlineKeyboardMarkup((*rows, row))
    return answer.message_html(), keyboard


def instead_keyboard(topics: Iterable[Topic], language: str) -> InlineKeyboardMarkup:
    """Under "What were you looking for?": one topic a row, then "Something else"."""
    rows = []
    for topic in topics:
        data = feedback_data(Press.TOPIC, topic.fact_id)
        if data is not None:
            rows.append([InlineKeyboardButton(topic.title, callback_data=data)])
    other = InlineKeyboardButton(
        gettext(language, SOMETHING_ELSE), callback_data=f"{FEEDBACK_PREFIX}{Press.ELSE.value}"
    )
    return InlineKeyboardMarkup([*rows, [other]])


def one_line(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """Text on one line within `limit` UTF-16 units: an inline result's description."""
    return shorten(" ".join(text.split()), limit)


def inline_article(answer: Answer) -> InlineQueryResultArticle:
    """A card offered in inline mode: title, a one-line description, the card as the message."""
    key = f"{answer.fact_id}:{answer.title}"
    result_id = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:32]
    return InlineQueryResultArticle(
        id=result_id,
        title=answer.title or gettext(answer.language, UNTITLED),
        description=one_line(plain_text(answer.body)),
        input_message_content=InputTextMessageContent(answer.message_html()),
    )
