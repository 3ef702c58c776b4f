"""Flood control: every update the bot would answer spends its sender's budget (and its
group's), and an update over budget is dropped before any handler runs, with one "please slow
down" notice per burst. Operators are exempt. The budgets are in bot/fairness.py."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.fairness import Budgets
from bot.i18n import gettext
from bot.telegram.handlers import addressed_text, parse_command
from bot.telegram.languages import chat_language
from bot.telegram.state import Context
from bot.telegram.texts import SLOW_DOWN
from bot.text import is_blank

log = logging.getLogger(__name__)


def _costs_a_reply(update: Update, context: Context) -> bool:
    """Whether the bot would answer this update: private messages, buttons, inline queries,
    and group messages addressed to it (a command for it, a mention, a reply to it); never a
    message that shows nothing, which gets no reply."""
    if update.callback_query is not None or update.inline_query is not None:
        return True
    message = update.message or update.edited_message
    chat = update.effective_chat
    if message is None or chat is None:
        return False
    if message.text is not None and is_blank(message.text):
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP) or not message.text:
        return False
    if message.text.startswith("/"):
        _, target, _ = parse_command(message.text)
        return target is None or target.lower() == context.bot.username.lower()
    return addressed_text(message, context.bot.id, context.bot.username) is not None


async def guard(update: object, context: Context) -> None:
    """Runs before every handler: drop an update over its sender's or group's budget."""
    if not isinstance(update, Update):
        return
    user = update.effective_user
    if user is None or context.bot_data.settings.is_admin(user.id):
        return
    if not _costs_a_reply(update, context):
        return
    share = context.bot_data.fair_share
    chat = update.effective_chat
    in_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if in_group and chat is not None and not share.groups.take(("chat", chat.id)):
        await _refuse(update, context, share.groups, ("chat", chat.id))
    if not share.users.take(("user", user.id)):
        await _refuse(update, context, share.users, ("user", user.id))


async def _refuse(update: Update, context: Context, budgets: Budgets, key: tuple[str, int]) -> None:
    """Drop the update; the first time in a burst, say why."""
    chat = update.effective_chat
    log.info("over budget: %s update dropped (%s)", key[0], chat.type if chat else "inline")
    if budgets.first_refusal(key):
        text = gettext(chat_language(update, context), SLOW_DOWN)
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif update.effective_message is not None and chat is not None:
            await context.bot.send_message(chat.id, text)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # stop the button's spinner, quietly
    raise ApplicationHandlerStop
