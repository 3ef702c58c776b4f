"""The Telegram layer's own words (greeting, help, hints), marked for the catalogues and
translated where they are sent, in the reply's language (bot/i18n.py)."""

from __future__ import annotations

import html

from bot.commands import Audience, commands_for
from bot.i18n import ENGLISH, N_, describe, gettext
from bot.telegram.state import BotState

TEXT_ONLY_REPLY = N_(
    "I can only read text. Send me a question as a message, for example "
    "“Which exercises were held in 2016?”, or type /help."
)
GREETING = N_("Hello, {name}!")
GREETING_NAMELESS = N_("Hello!")
START = N_(
    "I answer questions about one document: <b>the bilateral and multilateral military "
    "cooperation of the Ministry of Defence of Azerbaijan</b>. Every answer cites the sentence "
    "it comes from.\n\nAsk in your own words, or open a topic: {topics}. /help explains more."
    "\n\nTry one of these:"
)
START_LANGUAGE = N_("I reply in English, Azerbaijani or Russian: /language chooses.")
UNKNOWN_COMMAND = N_("I don't know /{command}. Type /help to see what I can do.")
TOPIC_GONE = N_("That topic is no longer available. Type /help.")
HELP_HOW = N_("How to ask")
HELP_WORDS = N_(
    "Write a question in your own words, e.g. <i>Which exercises were held in 2016?</i> or "
    "<i>Is Japan a partner?</i>. Answers come only from the document, with the sentence they "
    "rest on."
)
HELP_TOPICS = N_("Topics")
HELP_PARTNER = N_("/partners <i>country</i> — is that country a partner?")
HELP_ELSEWHERE = N_("Elsewhere")
HELP_GROUPS = N_(
    "In groups, mention me ({bot}) or reply to my message. In any chat, type {bot} and a few "
    "words to share a card."
)
HELP_ADMINS = N_("Group admins: {commands} a group to announcements.")
HELP_LANGUAGE = N_("/language — reply in Azərbaycan, Русский or English")


def help_text(state: BotState, bot_username: str, language: str = ENGLISH) -> str:
    def _(message: str) -> str:
        return gettext(language, message)

    lines = [f"<b>{_(HELP_HOW)}</b>", _(HELP_WORDS), "", f"<b>{_(HELP_TOPICS)}</b>"]
    topics = state.engine.localiser.topics(state.engine.topics, language)
    for topic in topics:
        if topic.command:
            lines.append(f"/{topic.command} — {html.escape(topic.title)}")
    bot = f"@{html.escape(bot_username)}"
    lines += [
        _(HELP_PARTNER),
        _(HELP_LANGUAGE),
        "",
        f"<b>{_(HELP_ELSEWHERE)}</b>",
        _(HELP_GROUPS).format(bot=bot),
    ]
    group_commands = describe([f"/{c.name}" for c in commands_for(Audience.GROUP_ADMINS)])
    lines += ["", _(HELP_ADMINS).format(commands=group_commands)]
    return "\n".join(lines)
