"""The command menu Telegram shows, scoped: everyone, group administrators, operators."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError
from telegram.ext import Application

from bot.engine import QAEngine
from bot.telegram.state import BotState

log = logging.getLogger("bot.menu")

HELP_DESCRIPTION = "How to ask, and all commands"
OPERATOR_COMMANDS = (
    ("announce", "Announce a text or a topic card to every target"),
    ("digest", "Daily fact of the day: /digest on HH:MM or /digest off"),
    ("stats", "Questions, fallbacks, top topics, subscribers"),
    ("unanswered", "Most frequent questions the bot could not answer"),
    ("reload", "Reload and validate the knowledge base"),
)
GROUP_ADMIN_COMMANDS = (
    ("subscribe", "Receive announcements in this group"),
    ("unsubscribe", "Stop announcements in this group"),
)


def public_commands(engine: QAEngine) -> list[BotCommand]:
    """The menu everyone sees: help plus one command per topic card."""
    commands = [BotCommand("help", HELP_DESCRIPTION)]
    commands += [
        BotCommand(fact.command, fact.title[:256]) for fact in engine.kb.commands if fact.command
    ]
    return commands


async def set_commands(application: Application, state: BotState) -> None:  # type: ignore[type-arg]
    """Public commands in private chats and groups, subscription commands for group
    administrators, and operator commands in each operator's private chat."""
    bot = application.bot
    public = public_commands(state.engine)
    await bot.set_my_commands(public, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(public, scope=BotCommandScopeAllGroupChats())
    group_admins = public + [BotCommand(n, d) for n, d in GROUP_ADMIN_COMMANDS]
    await bot.set_my_commands(group_admins, scope=BotCommandScopeAllChatAdministrators())
    operator = public + [BotCommand(n, d) for n, d in OPERATOR_COMMANDS]
    for user_id in sorted(state.settings.admin_user_ids):
        try:
            await bot.set_my_commands(operator, scope=BotCommandScopeChat(user_id))
        except TelegramError as error:  # the operator has not started a chat with the bot yet
            log.warning("operator menu for user %s not set: %s", user_id, error)
