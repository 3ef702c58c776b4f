"""The Telegram layer's own words (greeting, help, hints, refusals, the operators' replies),
marked for the catalogues and translated where they are sent, in the reply's language
(bot/i18n.py). Each text is a whole sentence with named {placeholders}, filled in after
translation, so a translator can reorder it."""

from __future__ import annotations

import html

from bot.commands import Audience, commands_for
from bot.i18n import ENGLISH, N_, describe, gettext
from bot.store.records import AnnouncementOrigin, AnnouncementStatus
from bot.telegram.state import BotState

TEXT_ONLY_REPLY = N_(
    "I can only read text. Send me a question as a message, for example "
    "“Which exercises were held in 2016?”, or type /help."
)
GREETING = N_("Hello, {name}!")
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

# -- refusals and faults, to anyone ------------------------------------------------------------

SLOW_DOWN = N_(
    "You are sending messages faster than I can answer everyone. Please slow down a little."
)
COULD_NOT_SAVE = N_("Sorry, I could not save that. Please try again later.")
OPERATORS_ONLY = N_("Sorry, this command is for the bot's operators only.")

# -- group subscriptions -----------------------------------------------------------------------

GROUP_ADMIN_REFUSAL = N_(
    "Only this group's administrators can change its announcement subscription."
)
NOT_A_GROUP = N_(
    "Use this command in a group. Channels receive announcements when they are in "
    "ANNOUNCE_CHAT_IDS or when the bot is made an administrator there."
)
SUBSCRIBED = N_("This group now receives announcements.")
ALREADY_SUBSCRIBED = N_("Already subscribed.")
UNSUBSCRIBED = N_("This group no longer receives announcements.")
NOT_SUBSCRIBED = N_("Not subscribed.")

# -- the operators' commands -------------------------------------------------------------------

ANNOUNCE_USAGE = N_(
    "Usage: /announce TEXT, or /announce FACT_ID to post a fact's card (a topic command works "
    "too: {commands})."
)
SEND_BUTTON = N_("✅ Send to {count} chats")
CANCEL_BUTTON = N_("✖️ Cancel")
PREVIEW = N_("Preview above. Announcement #{id} goes to <b>{count}</b> target chats.")
INVALID_BUTTON = N_("This is not a valid announcement button; nothing was sent.")
NOT_FOUND = N_("Announcement #{id} was not found; nothing was sent.")
CANCELLED_ALERT = N_("Cancelled.")
CANCELLED = N_("Announcement #{id} cancelled; nothing was sent.")
SENDING_ALERT = N_("Sending…")
SENDING = N_("Sending announcement #{id} to {count} chats. I will report when done.")
ALREADY_SENDING = N_("Announcement #{id} is already sending.")
ALREADY_SENT = N_("Announcement #{id} is already sent.")
ALREADY_CANCELLED = N_("Announcement #{id} is already cancelled.")
DIGEST_OFF = N_("Daily digest is off.")
DIGEST_TIME = N_("Give the time as HH:MM (UTC), for example /digest on 09:30.")
DIGEST_ON = N_("Daily digest on at {time} UTC to {count} target chats.")
DIGEST_IS_ON_USAGE = N_("Daily digest is on at {time} UTC. Usage: /digest on HH:MM or /digest off.")
DIGEST_IS_OFF_USAGE = N_("Daily digest is off. Usage: /digest on HH:MM or /digest off.")
STATS = N_("Statistics")
STATS_QUESTIONS = N_("Questions: {questions} (answered {answered}, fallbacks {fallbacks})")
STATS_CHATS = N_("Subscribed chats: {subscribed}; known chats: {known}; fixed targets: {fixed}")
STATS_TOP_TOPICS = N_("Top topics")
STATS_TOP_UNANSWERED = N_("Top unanswered")
STATS_HELPFULNESS = N_("Helpfulness (👍, 👎, share of 👍)")
STATS_DOWN_VOTED = N_("Most down-voted questions")
STATS_LAST_ANNOUNCEMENTS = N_("Last announcements")
NONE_YET = N_("none yet")
# An announcement's origin and status as /stats lists them (the store keeps them in English).
ORIGINS = {
    AnnouncementOrigin.CARD: N_("card"),
    AnnouncementOrigin.TEXT: N_("text"),
    AnnouncementOrigin.DIGEST: N_("digest"),
}
STATUSES = {
    AnnouncementStatus.DRAFT: N_("draft"),
    AnnouncementStatus.SENDING: N_("sending"),
    AnnouncementStatus.DONE: N_("done"),
    AnnouncementStatus.CANCELLED: N_("cancelled"),
}
# A YAML comment (the code writes its "# ") under a list cut to one message.
UNANSWERED_MORE = N_("… and {count} more: `python -m bot unanswered` on the server lists them all")
RELOAD_REFUSED = N_("Reload refused; the previous knowledge base is still in use.")
RELOADED = N_("Reloaded: {facts} facts, {phrasings} phrasings.")

# -- the operators' alerts ---------------------------------------------------------------------

DATABASE_PROBLEM = N_("⚠️ <b>Database problem</b>")
DATABASE_STOPPING = N_("The bot is stopping; restart it once the file is restored or gone.")
DATABASE_RETRY = N_(
    "Users are asked to try again later. While this lasts, you get this alert at most every "
    "10 minutes; the log has every failure."
)


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
