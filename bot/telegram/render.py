"""Answers as Telegram messages: HTML text within Telegram's limits (counted in UTF-16 code
units, as Telegram counts, by bot.limits), buttons within 64 bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

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
MAX_BUTTONS = 4
MAX_DESCRIPTION = 120
UNTITLED = N_("Answer")  # an inline result's title when the answer has none (a reply in parts)


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


def card_message(answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
    """An answer as a message: its HTML within Telegram's limit, and its buttons."""
    return answer.message_html(), answer_keyboard(answer)


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
