"""Conversation handlers: each turns an update into a question and an Answer into a message.

No matching happens here; everything goes through QAEngine, the same as the console and CLI.
"""

from __future__ import annotations

import html
import json
import logging
import time
from typing import Any

from telegram import InlineKeyboardMarkup, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, NetworkError

from bot.answers import Answer, Outcome
from bot.commands import GREETING_NAMELESS, START
from bot.conversations import ConversationKey, conversation_key
from bot.feedback import shown_facts, vote_fact
from bot.i18n import ENGLISH, gettext
from bot.limits import shorten
from bot.store import StoreError
from bot.store.records import AskedQuestion
from bot.telegram.languages import chat_language, language_keyboard, sender_language
from bot.telegram.privacy import describe_update
from bot.telegram.render import (
    ASK_PREFIX,
    CARD_PREFIX,
    ask_data,
    card_message,
    inline_article,
    question_keyboard,
)
from bot.telegram.state import BotState, Context
from bot.telegram.storefaults import report_store_error
from bot.telegram.texts import (
    GREETING,
    START_LANGUAGE,
    TEXT_ONLY_REPLY,
    TOPIC_GONE,
    UNKNOWN_COMMAND,
    help_text,
)
from bot.text import is_blank

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = 4
MAX_COMMAND_SHOWN = 40  # UTF-16 units of an unknown command quoted back
INLINE_RESULTS = 10


# -- helpers -----------------------------------------------------------------------------------


def _chat_type(update: Update) -> str:
    chat = update.effective_chat
    return chat.type if chat else "inline"


def _is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def conversation_of(update: Update) -> ConversationKey | None:
    """The sender's conversation: the chat in private; in groups the member, or the chat a
    message was sent on behalf of (an anonymous administrator, a channel)."""
    chat = update.effective_chat
    sender = update.effective_sender
    if chat is None:
        return None
    return conversation_key(chat.type, chat.id, sender.id if sender is not None else None)


async def send_answer(
    update: Update,
    context: Context,
    answer: Answer,
    *,
    started: float,
    match_seconds: float = 0.0,
    log_question: bool = True,
    asked: bool = False,
) -> None:
    """Reply with a card (replying to the question in groups), then log one line. The card
    is what the sender's conversation is about now, so a follow-up resolves against it.
    `asked`: the card answers a question the sender wrote, so it takes votes (👍/👎) when it
    states a document fact."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return
    context.bot_data.conversations.remember(conversation_of(update), answer)
    context.bot_data.metrics.answered(answer, match_seconds)
    reply_to = None
    if message is not None and _is_group(update):
        reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    votes = vote_fact(answer) if asked else None
    text, keyboard = card_message(answer, votes=votes)
    sent = await context.bot.send_message(
        chat.id,
        text,
        reply_markup=keyboard,
        reply_parameters=reply_to,
        link_preview_options=None,
    )
    if votes is not None:  # what a 👎 needs to ask what was wanted instead
        context.bot_data.asked_cards.remember(
            (chat.id, sent.message_id),
            question=answer.question,
            fact_id=votes,
            language=answer.language,
            shown=shown_facts(answer),
        )
    if log_question:
        context.bot_data.pending_logs.append(
            AskedQuestion(
                answer.question,
                answer.fact_id,
                answer.matched,
                answer.confidence,
                _chat_type(update),
            )
        )
    log.info(
        "update chat=%s fact=%s confidence=%.2f match_ms=%.2f total_ms=%.1f",
        _chat_type(update),
        answer.fact_id or "fallback",
        answer.confidence,
        match_seconds * 1000,
        (time.perf_counter() - started) * 1000,
    )


async def answer_question(update: Update, context: Context, question: str) -> None:
    """A question read in the light of what the sender's conversation was last about."""
    started = time.perf_counter()
    state = context.bot_data
    conversation = state.conversations.get(conversation_of(update))
    answer = state.engine.ask(question, conversation, default=chat_language(update, context))
    await send_answer(
        update,
        context,
        answer,
        started=started,
        match_seconds=time.perf_counter() - started,
        asked=True,
    )


def example_questions(state: BotState, language: str = ENGLISH) -> list[str]:
    """A few questions people can tap, each short enough for a button's callback data."""
    return state.engine.examples(
        EXAMPLE_QUESTIONS, lambda q: ask_data(q) is not None, language=language
    )


# -- commands ----------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Greet with example questions as buttons, or open a deep-linked topic (?start=exercises)."""
    started = time.perf_counter()
    state = context.bot_data
    message = update.effective_message
    if message is None:
        return
    if context.args:
        topic = context.args[0].lower()
        language = chat_language(update, context)
        answer = state.engine.command(topic, language=language) or state.engine.card(
            topic, language=language
        )
        if answer is not None:
            await send_answer(update, context, answer, started=started, log_question=False)
            return
    user = update.effective_user
    language = chat_language(update, context)

    def _(message: str) -> str:
        return gettext(language, message)

    topics = ", ".join(f"/{topic.command}" for topic in state.engine.topics if topic.command)
    greeting = (
        _(GREETING).format(name=html.escape(user.first_name))
        if user and user.first_name
        else _(GREETING_NAMELESS)
    )
    keyboard = question_keyboard(example_questions(state, language))
    if sender_language(update) is None:  # Telegram does not say, or speaks none of the three
        rows = keyboard.inline_keyboard if keyboard is not None else ()
        keyboard = InlineKeyboardMarkup((*rows, *language_keyboard().inline_keyboard))
        greeting = f"{greeting} {_(START_LANGUAGE)}"
    await message.reply_text(f"{greeting} {_(START).format(topics=topics)}", reply_markup=keyboard)
    log.info(
        "update chat=%s command=start total_ms=%.1f",
        _chat_type(update),
        (time.perf_counter() - started) * 1000,
    )


async def help_command(update: Update, context: Context) -> None:
    """List the commands and how to ask."""
    message = update.effective_message
    if message is None:
        return
    language = chat_language(update, context)
    await message.reply_text(help_text(context.bot_data, context.bot.username, language))


def parse_command(text: str) -> tuple[str, str | None, str]:
    """`/name@Bot args` → ("name", "Bot", "args"); the name lower-cased. The arguments may
    follow on the next line, as phones send them."""
    head, *rest = text.strip().split(maxsplit=1)
    name, _, target = head[1:].partition("@")
    return name.lower(), target or None, rest[0].strip() if rest else ""


async def command_router(update: Update, context: Context) -> None:
    """Topic commands from the current knowledge base (`/exercises`, `/partners Japan`), so a
    /reload can add topics; `/cmd@OtherBot` is left alone; unknown commands get a hint."""
    started = time.perf_counter()
    message = update.effective_message
    if message is None or not message.text:
        return
    name, target, argument = parse_command(message.text)
    if target is not None and target.lower() != context.bot.username.lower():
        return  # addressed to another bot
    engine = context.bot_data.engine
    language = engine.language_of(argument) or chat_language(update, context)
    answer = engine.command(name, argument, language)
    if answer is not None:
        await send_answer(
            update,
            context,
            answer,
            started=started,
            match_seconds=time.perf_counter() - started,
            log_question=bool(argument),
            asked=bool(argument),  # "/partners Japan" asks; a bare "/partners" opens a card
        )
        return
    if _is_group(update) and target is None:
        return  # a bare command in a group may belong to another bot: stay quiet
    shown = html.escape(shorten(name, MAX_COMMAND_SHOWN))  # "/abc" + 2,000 emoji is one word
    language = chat_language(update, context)
    await message.reply_text(gettext(language, UNKNOWN_COMMAND).format(command=shown))


# -- messages ----------------------------------------------------------------------------------


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message meant for us (mention or reply to us), else None."""
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    addressed = False
    for value in message.parse_entities([MessageEntity.MENTION]).values():
        if value.lower() == mention:
            addressed = True
            text = text.replace(value, " ")
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            addressed = True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        addressed = True
    return " ".join(text.split()) if addressed else None


async def text_message(update: Update, context: Context) -> None:
    """Private chats: every text is a question. Groups: only text addressed to us. A message
    that shows nothing (spaces, zero-width characters) asks nothing: no reply."""
    message = update.effective_message
    if message is None or message.text is None or is_blank(message.text):
        return
    question = message.text
    if _is_group(update):
        addressed = addressed_text(message, context.bot.id, context.bot.username)
        if addressed is None:
            return
        question = addressed
    elif update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return
    await answer_question(update, context, question)


async def non_text_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice in a private chat: ask for text instead. An empty text (no
    text filter passes it) is silence, like a blank one."""
    message = update.effective_message
    if message is None or (message.text is not None and is_blank(message.text)):
        return
    await message.reply_text(gettext(chat_language(update, context), TEXT_ONLY_REPLY))
    log.info("update chat=%s non_text", _chat_type(update))


# -- buttons and inline mode -------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    """A topic or example-question button: acknowledge the press, then show the card."""
    started = time.perf_counter()
    query = update.callback_query
    if query is None:
        return
    state = context.bot_data
    data = query.data or ""
    answer: Answer | None = None
    language = chat_language(update, context)
    if data.startswith(CARD_PREFIX):
        answer = state.engine.card(data.removeprefix(CARD_PREFIX), language=language)
    elif data.startswith(ASK_PREFIX):
        conversation = state.conversations.get(conversation_of(update))
        answer = state.engine.ask(data.removeprefix(ASK_PREFIX), conversation, default=language)
    if answer is None or query.message is None:
        await query.answer(gettext(language, TOPIC_GONE), show_alert=False)
        return
    await query.answer()
    await send_answer(update, context, answer, started=started, log_question=False)


async def inline_query(update: Update, context: Context) -> None:
    """`@Bot exercises` anywhere: the best cards; an empty query lists the topics; an
    unanswerable one offers the nearest topics, never a wrong card."""
    started = time.perf_counter()
    query = update.inline_query
    if query is None:
        return
    engine = context.bot_data.engine
    text = query.query.strip()
    answers: list[Answer] = []
    language = sender_language(update) or ENGLISH
    if text:
        answer = engine.ask(text, default=language)
        context.bot_data.metrics.answered(answer, time.perf_counter() - started)
        language = answer.language  # the cards below in the query's language
        if answer.outcome is Outcome.FACT:
            answers.append(answer)
            topics = answer.related
        else:
            topics = answer.suggestions if not answer.matched else tuple(engine.topics)
    else:
        topics = tuple(engine.topics)
    for topic in topics:
        card = engine.card(topic.fact_id, language=language)
        if card is not None and all(a.fact_id != card.fact_id for a in answers):
            answers.append(card)
    results = [inline_article(answer) for answer in answers[:INLINE_RESULTS]]
    await query.answer(results, cache_time=30, is_personal=False)
    log.info(
        "update chat=inline results=%d best=%s total_ms=%.1f",
        len(results),
        answers[0].fact_id if answers else None,
        (time.perf_counter() - started) * 1000,
    )


# -- errors ------------------------------------------------------------------------------------


async def error_handler(update: object, context: Context) -> None:
    """Log what failed without who or what they wrote (the whole update only at DEBUG); store
    faults are reported to the user and the operators; the application serves the next update."""
    error = context.error
    if isinstance(error, StoreError):
        await report_store_error(update, context, error)
        return
    if context.bot_data.fatal.stopping and isinstance(error, (InvalidToken, NetworkError)):
        return  # the bot is stopping for a reason already logged; this is its echo
    if update is None and isinstance(error, NetworkError):
        # Polling hiccups (connection reset, Bot API restarting): PTB retries by itself.
        log.warning("Bot API unreachable while polling, retrying: %s", error)
        return
    log.error("error while handling %s", describe_update(update), exc_info=error)
    if log.isEnabledFor(logging.DEBUG):
        payload: Any = update.to_dict() if isinstance(update, Update) else repr(update)
        log.debug("the failing update: %s", json.dumps(payload, ensure_ascii=False, default=str))
