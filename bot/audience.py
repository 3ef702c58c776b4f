"""Who receives an announcement: the configured targets, then every subscribed chat, each
chat once. Pure, so the rule is tested without Telegram or a database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.store.records import ChatId, ChatRecord


def audience(fixed: Sequence[ChatId], subscribed: Iterable[ChatRecord]) -> list[ChatId]:
    """Fixed targets first, then subscribed groups and channels, without duplicates.

    A fixed @channel is also subscribed under its numeric id once the bot is made its
    administrator (which posting there requires), so a subscribed chat is matched against the
    fixed targets by username too.
    """
    found: list[ChatId] = list(fixed)
    fixed_names = {target.lower() for target in fixed if isinstance(target, str)}
    for chat in subscribed:
        named = chat.username is not None and f"@{chat.username.lower()}" in fixed_names
        if chat.chat_id in found or named:
            continue
        found.append(chat.chat_id)
    return found
