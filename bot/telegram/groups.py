"""The bot's place in groups and channels: group administrators subscribe a group to
announcements, membership updates record or forget chats, and a migrated group keeps its
subscription."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.i18n import gettext
from bot.telegram.languages import chat_language
from bot.telegram.privacy import chat_ref, pseudonym
from bot.telegram.rights import may_manage_group
from bot.telegram.state import Context
from bot.telegram.texts import (
    ALREADY_SUBSCRIBED,
    GROUP_ADMIN_REFUSAL,
    NOT_A_GROUP,
    NOT_SUBSCRIBED,
    SUBSCRIBED,
    UNSUBSCRIBED,
)

log = logging.getLogger(__name__)


async def _subscription(update: Update, context: Context, subscribe: bool) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    language = chat_language(update, context)
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(gettext(language, NOT_A_GROUP))
        return
    if not await may_manage_group(update, context):
        user = update.effective_user
        sender = message.sender_chat
        log.warning(
            "refused subscription change in %s by %s",
            chat.id,
            f"chat {chat_ref(sender.id)}" if sender else pseudonym(user.id) if user else None,
        )
        await message.reply_text(gettext(language, GROUP_ADMIN_REFUSAL))
        return
    changed = await context.bot_data.store.chats.set_subscribed(
        chat.id, subscribe, chat_type=chat.type, title=chat.title
    )
    if subscribe:
        text = SUBSCRIBED if changed else ALREADY_SUBSCRIBED
    else:
        text = UNSUBSCRIBED if changed else NOT_SUBSCRIBED
    await message.reply_text(gettext(language, text))


async def subscribe(update: Update, context: Context) -> None:
    """`/subscribe` in a group: its administrators opt in to announcements."""
    await _subscription(update, context, True)


async def unsubscribe(update: Update, context: Context) -> None:
    """`/unsubscribe` in a group."""
    await _subscription(update, context, False)


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot added to / removed from a chat: remember or forget it. A channel that makes the
    bot an administrator who can post is subscribed: that is the channel owner's opt-in."""
    change = update.my_chat_member
    if change is None:
        return
    chats = context.bot_data.store.chats
    chat = change.chat
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await chats.remove_chat(chat.id)
        log.info("removed from chat %s (%s)", chat_ref(chat.id), chat.type)
        return
    await chats.upsert_chat(chat.id, chat_type=chat.type, title=chat.title, username=chat.username)
    if chat.type == ChatType.CHANNEL:
        # Posting rights are the channel's opt-in; losing them ends the subscription.
        can_post = bool(getattr(change.new_chat_member, "can_post_messages", False))
        await chats.set_subscribed(
            chat.id,
            status == ChatMemberStatus.ADMINISTRATOR and can_post,
            chat_type=chat.type,
            title=chat.title,
        )
    log.info("member of chat %s (%s) as %s", chat_ref(chat.id), chat.type, status)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription moves to the new id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await context.bot_data.store.chats.migrate_chat(message.chat_id, message.migrate_to_chat_id)
    log.info("chat %s migrated to %s", message.chat_id, message.migrate_to_chat_id)
