"""The command menu Telegram shows, scoped: everyone, group administrators, operators. Fixed
commands come from bot.commands, topic commands from the current knowledge base."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.commands import Audience, commands_for
from bot.engine import QAEngine
from bot.telegram.privacy import pseudonym
from bot.telegram.state import BotState

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 256  # Telegram's limit for a command's description


def menu(engine: QAEngine, audience: Audience) -> list[BotCommand]:
    """What one audience sees: everyone's fixed commands, one per topic, then its own."""
    fixed = [
        BotCommand(c.name, c.description) for c in commands_for(Audience.EVERYONE, menu_only=True)
    ]
    topics = [
        BotCommand(topic.command, topic.title[:MAX_DESCRIPTION])
        for topic in engine.topics
        if topic.command
    ]
    own = [] if audience is Audience.EVERYONE else commands_for(audience, menu_only=True)
    return fixed + topics + [BotCommand(c.name, c.description) for c in own]


async def set_commands(bot: Bot, state: BotState) -> None:
    """Everyone's menu in private chats and groups, subscription commands for group
    administrators, and operator commands in each operator's private chat."""
    everyone = menu(state.engine, Audience.EVERYONE)
    await bot.set_my_commands(everyone, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(everyone, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        menu(state.engine, Audience.GROUP_ADMINS), scope=BotCommandScopeAllChatAdministrators()
    )
    operators = menu(state.engine, Audience.OPERATORS)
    for user_id in sorted(state.settings.admin_user_ids):
        try:
            await bot.set_my_commands(operators, scope=BotCommandScopeChat(user_id))
        except TelegramError as error:  # the operator has not started a chat with the bot yet
            log.warning("operator menu for %s not set: %s", pseudonym(user_id), error)
