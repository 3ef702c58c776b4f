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
from bot.i18n import ENGLISH, LANGUAGES, N_, gettext
from bot.telegram.privacy import pseudonym
from bot.telegram.state import BotState

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 256  # Telegram's limit for a command's description


MAX_DESCRIPTION = 256  # Telegram's limit for a command's description
# The bot's profile, shown before a chat starts (description) and on its page (short).
DESCRIPTION = N_(
    "I answer questions about the bilateral and multilateral military cooperation of the "
    "Ministry of Defence of Azerbaijan, from one document, and cite the sentence each answer "
    "rests on. Ask in English, Azerbaijani or Russian."
)
SHORT_DESCRIPTION = N_(
    "Questions on Azerbaijan's military cooperation, answered from one document."
)


def menu(engine: QAEngine, audience: Audience, language: str = ENGLISH) -> list[BotCommand]:
    """What one audience sees: everyone's fixed commands, one per topic, then its own, with
    their descriptions in `language`."""

    def command(name: str, description: str) -> BotCommand:
        return BotCommand(name, gettext(language, description)[:MAX_DESCRIPTION])

    fixed = [
        command(c.name, c.description) for c in commands_for(Audience.EVERYONE, menu_only=True)
    ]
    topics = [
        BotCommand(topic.command, topic.title[:MAX_DESCRIPTION])
        for topic in engine.localiser.topics(engine.topics, language)
        if topic.command
    ]
    own = [] if audience is Audience.EVERYONE else commands_for(audience, menu_only=True)
    return fixed + topics + [command(c.name, c.description) for c in own]


def _code(language: str) -> str | None:
    """English is every other language's menu too: set without a language code."""
    return None if language == ENGLISH else language


async def set_commands(bot: Bot, state: BotState) -> None:
    """In each language: everyone's menu in private chats and groups, subscription commands
    for group administrators, and operator commands in each operator's private chat."""
    for language in LANGUAGES:
        code = _code(language)
        everyone = menu(state.engine, Audience.EVERYONE, language)
        await bot.set_my_commands(everyone, BotCommandScopeAllPrivateChats(), code)
        await bot.set_my_commands(everyone, BotCommandScopeAllGroupChats(), code)
        await bot.set_my_commands(
            menu(state.engine, Audience.GROUP_ADMINS, language),
            BotCommandScopeAllChatAdministrators(),
            code,
        )
        operators = menu(state.engine, Audience.OPERATORS, language)
        for user_id in sorted(state.settings.admin_user_ids):
            try:
                await bot.set_my_commands(operators, BotCommandScopeChat(user_id), code)
            except TelegramError as error:  # the operator has not started a chat with the bot
                log.warning("operator menu for %s not set: %s", pseudonym(user_id), error)


async def set_descriptions(bot: Bot) -> None:
    """The bot's profile texts in each language; a refusal only leaves the old ones."""
    for language in LANGUAGES:
        code = _code(language)
        try:
            await bot.set_my_description(gettext(language, DESCRIPTION), code)
            await bot.set_my_short_description(gettext(language, SHORT_DESCRIPTION), code)
        except TelegramError as error:
            log.warning("bot description (%s) not set: %s", language, error)
