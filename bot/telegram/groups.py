"""The bot's place in groups and channels: group administrators subscribe a group to
announcements, membership updates record or forget chats, and a migrated group keeps its
subscription."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.telegram.privacy import chat_ref, pseudonym
from bot.telegram.state import Context

log = logging.getLogger(__name__)

GROUP_ADMIN_REFUSAL = "Only this group's administrators can change its announcement subscription."
NOT_A_GROUP = (
    "Use this command in a group. Channels receive announcements when they are in "
    "ANNOUNCE_CHAT_IDS or when the bot is made an administrator there."
)
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


async def _subscription(update: Update, context: Context, subscribe: bool) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(NOT_A_GROUP)
        return
    if not await may_manage_group(update, context):
        user = update.effective_user
        sender = message.sender_chat
        log.warning(
            "refused subscription change in %s by %s",
            chat.id,
            f"chat {chat_ref(sender.id)}" if sender else pseudonym(user.id) if user else None,
        )
        await message.reply_text(GROUP_ADMIN_REFUSAL)
        return
    changed = await context.bot_data.store.chats.set_subscribed(
        chat.id, subscribe, chat_type=chat.type, title=chat.title
    )
    if subscribe:
        text = "This group now receives announcements." if changed else "Already subscribed."
    else:
        text = "This group no longer receives announcements." if changed else "Not subscribed."
    await message.reply_text(text)


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
