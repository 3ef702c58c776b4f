"""The "Was this helpful?" buttons: 👍 and 👎 under a card that answered a question, and the
one line that follows a 👎, "What were you looking for?", with the nearest other topics and
"Something else".

A press counts once per user per message (bot/store/votes.py keeps no user id); the other
button changes the vote; each is acknowledged with a toast in the card's language. Choosing a
topic there opens its card and files the question as answered wrongly with that topic;
"Something else" files it without one. Only data the bot wrote on the very message pressed is
accepted: anything else gets an alert and changes nothing.
"""

from __future__ import annotations

import logging
import time

from telegram import InlineKeyboardButton, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.feedback import AskedCard, MessageKey, offered_instead
from bot.i18n import N_, gettext
from bot.store import StoreError
from bot.store.votes import DOWN, UP, VoteOutcome
from bot.telegram.handlers import send_answer
from bot.telegram.languages import chat_language
from bot.telegram.render import FeedbackData, Press, instead_keyboard, parse_feedback
from bot.telegram.state import Context
from bot.telegram.texts import TOPIC_GONE

log = logging.getLogger(__name__)

VOTE_THANKS = N_("Thanks for your feedback!")
VOTE_CHANGED = N_("Vote changed.")
VOTE_COUNTED = N_("Your vote is already counted.")
VOTE_CLOSED = N_("This answer is too old to rate.")
INVALID_FEEDBACK = N_("This is not a valid button; nothing was recorded.")
LOOKING_FOR = N_("What were you looking for?")
NOTED = N_("Thanks, noted.")
ALREADY_NOTED = N_("Already noted, thank you.")
TOASTS = {
    VoteOutcome.NEW: VOTE_THANKS,
    VoteOutcome.CHANGED: VOTE_CHANGED,
    VoteOutcome.UNCHANGED: VOTE_COUNTED,
    VoteOutcome.EXPIRED: VOTE_CLOSED,
}


def carries(message: Message, data: str) -> bool:
    """Whether the message pressed has a button with exactly this data: the bot wrote it."""
    markup = message.reply_markup
    rows: tuple[tuple[InlineKeyboardButton, ...], ...] = markup.inline_keyboard if markup else ()
    return any(button.callback_data == data for row in rows for button in row)


async def feedback_button(update: Update, context: Context) -> None:
    """👍/👎 under a card, or a choice under "What were you looking for?"."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    data = query.data or ""
    parsed = parse_feedback(data)
    message = query.message
    if parsed is None or (isinstance(message, Message) and not carries(message, data)):
        log.warning("refused malformed feedback button (%d bytes)", len(data.encode()))
        language = chat_language(update, context)
        await query.answer(gettext(language, INVALID_FEEDBACK), show_alert=True)
        return
    if not isinstance(message, Message):  # too old for Telegram to show it to the bot
        await query.answer(gettext(chat_language(update, context), VOTE_CLOSED))
        return
    if parsed.press in (Press.UP, Press.DOWN):
        await _vote(update, context, message, parsed)
    else:
        await _choose(update, context, message, parsed)


async def _vote(update: Update, context: Context, message: Message, parsed: FeedbackData) -> None:
    """Count the press, say so, and after a 👎 that counts ask what was wanted instead."""
    query = update.callback_query
    assert query is not None and parsed.fact_id is not None
    state = context.bot_data
    key = (message.chat.id, message.message_id)
    card = state.asked_cards.get(key)
    language = card.language if card is not None else chat_language(update, context)
    vote = UP if parsed.press is Press.UP else DOWN
    outcome = await state.store.votes.record(
        fact_id=parsed.fact_id,
        vote=vote,
        language=language,
        user_id=query.from_user.id,
        chat_id=message.chat.id,
        message_id=message.message_id,
        sent_at=message.date.timestamp(),
    )
    await query.answer(gettext(language, TOASTS[outcome]))
    log.info("update chat=%s vote=%+d fact=%s %s", message.chat.type, vote, parsed.fact_id, outcome)
    if vote == DOWN and outcome in (VoteOutcome.NEW, VoteOutcome.CHANGED):
        if card is None:  # sent before a restart: its question is forgotten
            card = state.asked_cards.remember(
                key, question=None, fact_id=parsed.fact_id, language=language
            )
        await _ask_instead(context, message, card)


async def _ask_instead(context: Context, card_message: Message, card: AskedCard) -> None:
    """ "What were you looking for?" with the nearest other topics: once per card."""
    if card.followed_up:
        return
    card.followed_up = True
    state = context.bot_data
    topics = offered_instead(state.engine, card)
    chat = card_message.chat
    reply_to = None
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):  # which card, among the group's
        reply_to = ReplyParameters(card_message.message_id, allow_sending_without_reply=True)
    sent = await context.bot.send_message(
        chat.id,
        gettext(card.language, LOOKING_FOR),
        reply_markup=instead_keyboard(topics, card.language),
        reply_parameters=reply_to,
    )
    followup: MessageKey = (chat.id, sent.message_id)
    state.asked_cards.link(followup, card)


async def _choose(update: Update, context: Context, message: Message, parsed: FeedbackData) -> None:
    """A topic (its card opens) or "Something else": the question is filed as answered
    wrongly, once, and the choices leave the message."""
    started = time.perf_counter()
    query = update.callback_query
    assert query is not None
    state = context.bot_data
    card = state.asked_cards.get((message.chat.id, message.message_id))
    language = card.language if card is not None else chat_language(update, context)
    if card is not None and card.resolved:
        await query.answer(gettext(language, ALREADY_NOTED))
        return
    answer = None
    if parsed.press is Press.TOPIC and parsed.fact_id is not None:
        answer = state.engine.card(parsed.fact_id, language=language)
        if answer is None:
            await query.answer(gettext(language, TOPIC_GONE))
            return
    if card is not None:
        card.resolved = True  # before the write: a double tap must not file it twice
        if card.question:
            questions = state.store.questions
            try:
                await questions.answered_wrongly(card.question, suggested=parsed.fact_id)
            except StoreError:
                card.resolved = False
                raise
    await query.answer(gettext(language, NOTED) if answer is None else None)
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:  # already gone (a double tap): nothing to take back
        log.debug("follow-up keyboard not removed: %s", error)
    log.info("update chat=%s instead=%s", message.chat.type, parsed.fact_id or "something_else")
    if answer is not None:
        await send_answer(update, context, answer, started=started, log_question=False)
