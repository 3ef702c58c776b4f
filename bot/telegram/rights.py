"""Who may manage a group (its subscription, its language): a module of its own so that both
groups.py and languages.py can ask, and groups.py can still reply in the chat's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.telegram.state import Context

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})


async def may_manage_group(update: Update, context: Context) -> bool:
    """Group administrators (asked from the Bot API every time), the bot's operators, and an
    anonymous administrator: a message sent on behalf of the group itself, which only its
    administrators can send (its `from` is GroupAnonymousBot, so asking about it is useless)."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return False
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    if context.bot_data.settings.is_admin(user.id):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("cannot check admin rights in %s: %s", chat.id, error)
        return False
    return member.status in ADMIN_STATUSES
