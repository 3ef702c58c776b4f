"""The bot's fixed commands in one table: handlers, menus, help and the names the knowledge
base may not take all derive from it, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_


class Audience(StrEnum):
    """Who may run a command, and so whose command menu shows it."""

    EVERYONE = "everyone"
    GROUP_ADMINS = "group_admins"  # a group's administrators, and the operators
    OPERATORS = "operators"  # the users in ADMIN_USER_IDS


@dataclass(frozen=True)
class FixedCommand:
    """A command the bot defines itself, as opposed to a fact's `command:` in the YAML."""

    name: str
    description: str  # in English; the menus show it in each language (bot/i18n.py)
    audience: Audience
    in_menu: bool = True


# What /start says, on Telegram and in the console alike (the console shows it without markup),
# after "Hello!" or a greeting by name.
GREETING_NAMELESS = N_("Hello!")
START = N_(
    "I answer questions about one document: <b>the bilateral and multilateral military "
    "cooperation of the Ministry of Defence of Azerbaijan</b>. Every answer cites the sentence "
    "it comes from.\n\nAsk in your own words, or open a topic: {topics}. /help explains more."
    "\n\nTry one of these:"
)

FIXED_COMMANDS: tuple[FixedCommand, ...] = (
    # Telegram's own Start button sends /start, so the menu need not list it.
    FixedCommand(
        "start", N_("What I do, with example questions"), Audience.EVERYONE, in_menu=False
    ),
    FixedCommand("help", N_("How to ask, and all commands"), Audience.EVERYONE),
    FixedCommand("language", N_("Reply in Azərbaycan, Русский or English"), Audience.EVERYONE),
    FixedCommand("subscribe", N_("Receive announcements in this group"), Audience.GROUP_ADMINS),
    FixedCommand("unsubscribe", N_("Stop announcements in this group"), Audience.GROUP_ADMINS),
    FixedCommand(
        "announce", N_("Announce a text or a fact's card to every target"), Audience.OPERATORS
    ),
    FixedCommand(
        "digest", N_("Daily fact of the day: /digest on HH:MM or /digest off"), Audience.OPERATORS
    ),
    FixedCommand("stats", N_("Questions, fallbacks, top facts, subscribers"), Audience.OPERATORS),
    FixedCommand(
        "unanswered",
        N_("Review the questions the bot could not answer, and teach it"),
        Audience.OPERATORS,
    ),
    FixedCommand("taught", N_("Phrasings taught from Telegram, with undo"), Audience.OPERATORS),
    FixedCommand("reload", N_("Reload and validate the knowledge base"), Audience.OPERATORS),
)

RESERVED_NAMES = frozenset(command.name for command in FIXED_COMMANDS)
"""Names a fact's `command:` may not take: the bot's own commands would shadow it."""


def commands_for(audience: Audience, *, menu_only: bool = False) -> tuple[FixedCommand, ...]:
    """The fixed commands of one audience, in table order."""
    return tuple(
        command
        for command in FIXED_COMMANDS
        if command.audience is audience and (command.in_menu or not menu_only)
    )
