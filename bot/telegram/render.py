"""Answers as Telegram messages: HTML text within Telegram's limits, buttons within 64 bytes."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import MessageLimit

from bot.answers import Answer, Topic
from bot.text import plain_text

CARD_PREFIX = "card:"
ASK_PREFIX = "ask:"
MAX_CALLBACK_BYTES = 64
MAX_BUTTONS = 4
MAX_DESCRIPTION = 120
ELLIPSIS = "…"


def card_data(fact_id: str) -> str:
    """A card button's callback data; ValueError when the id does not fit Telegram's 64 bytes."""
    data = CARD_PREFIX + fact_id
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"fact id too long for a button: {fact_id}")
    return data


def ask_data(question: str) -> str | None:
    """A question that fits a button's callback data, or None when it does not."""
    data = ASK_PREFIX + question
    return data if len(data.encode()) <= MAX_CALLBACK_BYTES else None


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


def fit(text_html: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """Keep a message within Telegram's length limit without breaking its HTML: drop the
    source quote first, then cut whole paragraphs."""
    if len(text_html) <= limit:
        return text_html
    paragraphs = text_html.split("\n\n")
    while len(paragraphs) > 1 and len("\n\n".join(paragraphs)) > limit - 2:
        paragraphs.pop()
    kept = "\n\n".join(paragraphs)
    if len(kept) <= limit - 2:
        return kept + "\n" + ELLIPSIS
    escaped = html.escape(plain_text(kept))[: limit - 1]
    entity = escaped.rfind("&")
    if entity != -1 and ";" not in escaped[entity:]:
        escaped = escaped[:entity]  # never end in half an entity ("&am"): Telegram refuses it
    return escaped + ELLIPSIS


def card_message(answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
    """An answer as a message: its HTML within Telegram's limit, and its buttons."""
    return fit(answer.html), answer_keyboard(answer)


def one_line(text: str, limit: int = MAX_DESCRIPTION) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + ELLIPSIS


def inline_article(answer: Answer) -> InlineQueryResultArticle:
    """A card offered in inline mode: title, a one-line description, the card as the message."""
    key = f"{answer.fact_id}:{answer.title}"
    result_id = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:32]
    return InlineQueryResultArticle(
        id=result_id,
        title=answer.title or "Answer",
        description=one_line(plain_text(answer.body)),
        input_message_content=InputTextMessageContent(fit(answer.html)),
    )
