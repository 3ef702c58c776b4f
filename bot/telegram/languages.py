"""Which language the bot replies in, in Telegram: the message's own when it tells; otherwise
the chat's choice (/language, kept in the store and, once read, in memory); otherwise the
sender's Telegram language when the bot speaks it; otherwise English."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.i18n import ENGLISH, LANGUAGES, N_, gettext
from bot.telegram.rights import may_manage_group
from bot.telegram.state import Context

log = logging.getLogger(__name__)

LANGUAGE_PREFIX = "lang:"
# Each language's own name, as its speakers write it: the buttons show all three.
LANGUAGE_NAMES = {"az": "Azərbaycan", "ru": "Русский", "en": "English"}
CHOOSE = N_("Choose the language of my replies in this chat:")
CHOSEN = N_("From now on I reply in English in this chat.")  # each says its own language
ADMINS_ONLY = N_("Only this group's administrators can choose its language.")


def sender_language(update: Update) -> str | None:
    """The sender's Telegram language when the bot speaks it ("ru", "az", "ru-RU")."""
    user = update.effective_user
    code = (user.language_code or "").split("-")[0].lower() if user else ""
    return code if code in LANGUAGES else None


def chat_language(update: Update, context: Context) -> str:
    """The reply's language when the message itself does not tell."""
    chat = update.effective_chat
    chosen = context.bot_data.chat_languages.get(chat.id) if chat is not None else None
    return chosen or sender_language(update) or ENGLISH


def language_keyboard() -> InlineKeyboardMarkup:
    """One row: Azərbaycan, Русский, English."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(name, callback_data=LANGUAGE_PREFIX + code)
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


async def language_command(update: Update, context: Context) -> None:
    """`/language`: three buttons, one per language the bot speaks."""
    message = update.effective_message
    if message is None:
        return
    language = chat_language(update, context)
    await message.reply_text(gettext(language, CHOOSE), reply_markup=language_keyboard())


async def choose(update: Update, context: Context) -> None:
    """A language button: the chat's replies from now on (in a group, its administrators'
    choice, checked on every press)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    language = (query.data or "").removeprefix(LANGUAGE_PREFIX)
    if language not in LANGUAGES:
        await query.answer()
        return
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and not await may_manage_group(
        update, context
    ):
        current = chat_language(update, context)
        await query.answer(gettext(current, ADMINS_ONLY), show_alert=True)
        return
    await context.bot_data.set_chat_language(chat.id, language, chat.type, chat.title)
    await query.answer()
    await context.bot.send_message(chat.id, gettext(language, CHOSEN))
    log.info("update chat=%s language=%s", chat.type, language)
