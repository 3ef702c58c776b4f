"""The operators' commands: announcements with preview and confirmation, the digest
schedule, statistics, unanswered questions and knowledge reload. Every one checks the caller
on every call."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.engine import QAEngine
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeError
from bot.store.questions import unanswered_yaml
from bot.store.records import AnnouncementOrigin, AnnouncementStatus
from bot.telegram.menu import set_commands
from bot.telegram.state import BotState, Context, Handler
from bot.timeofday import parse_hhmm

log = logging.getLogger(__name__)

ANNOUNCE_PREFIX = "ann:"
REFUSAL = "Sorry, this command is for the bot's operators only."
MAX_PROBLEMS_SHOWN = 15
MAX_PRE_CHARS = 3900  # a <pre> block under Telegram's 4096, with room for the tags

OperatorCommand = Callable[[Update, Context, Message, BotState], Coroutine[Any, Any, None]]


def operator_command(command: OperatorCommand) -> Handler:
    """Let only ADMIN_USER_IDS run the command, checked on every call; anyone else is refused
    politely and the attempt logged. The command gets the message and the bot's state."""

    @functools.wraps(command)
    async def checked(update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        state = context.bot_data
        if not state.settings.is_admin(user.id):
            name = (message.text or "").split(maxsplit=1)[0][:40] if message.text else ""
            log.warning("refused operator command %s from user %s", name, user.id)
            await message.reply_text(REFUSAL)
            return
        await command(update, context, message, state)

    return checked


# -- announcements -------------------------------------------------------------------------


@operator_command
async def announce(update: Update, context: Context, message: Message, state: BotState) -> None:
    """`/announce TEXT` or `/announce FACT_ID`: store a draft, show a preview with Send/Cancel."""
    argument = " ".join(context.args or [])
    if not argument:
        commands = ", ".join(topic.command for topic in state.engine.topics if topic.command)
        await message.reply_text(
            "Usage: /announce TEXT, or /announce FACT_ID to post a fact's card "
            f"(a topic command works too: {commands})."
        )
        return
    card = None
    if " " not in argument:
        card = state.engine.command(argument.lower()) or state.engine.card(argument.lower())
    if card is not None:
        body, origin, fact_id = card.html, AnnouncementOrigin.CARD, card.fact_id
    else:
        body, origin, fact_id = (
            _text_after_command(message.text_html),
            AnnouncementOrigin.TEXT,
            None,
        )
    announcement_id = await state.store.broadcasts.create_announcement(
        html=body,
        origin=origin,
        fact_id=fact_id,
        created_by=message.from_user.id if message.from_user else 0,
    )
    count = len(await state.announcement_targets())
    await message.reply_text(body)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✅ Send to {count} chats",
                    callback_data=f"{ANNOUNCE_PREFIX}send:{announcement_id}",
                ),
                InlineKeyboardButton(
                    "✖️ Cancel", callback_data=f"{ANNOUNCE_PREFIX}cancel:{announcement_id}"
                ),
            ]
        ]
    )
    await message.reply_text(
        f"Preview above. Announcement #{announcement_id} goes to <b>{count}</b> target chats.",
        reply_markup=keyboard,
    )


def _text_after_command(text_html: str) -> str:
    """The operator's formatted text without the leading /announce[@bot]."""
    parts = text_html.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def announce_button(update: Update, context: Context) -> None:
    """Send or Cancel under a preview; only an operator's press counts."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    state = context.bot_data
    if not state.settings.is_admin(query.from_user.id):
        log.warning("refused announcement button from user %s", query.from_user.id)
        await query.answer(REFUSAL, show_alert=True)
        return
    action, _, raw_id = query.data.removeprefix(ANNOUNCE_PREFIX).partition(":")
    announcement_id = int(raw_id)
    broadcasts = state.store.broadcasts
    announcement = await broadcasts.get_announcement(announcement_id)
    if announcement is None or announcement.status is not AnnouncementStatus.DRAFT:
        status = announcement.status if announcement else "unknown"
        await query.answer(f"Announcement #{announcement_id} is already {status}.")
        return
    if action == "cancel":
        await broadcasts.cancel_announcement(announcement_id)
        await query.answer("Cancelled.")
        await query.edit_message_text(
            f"Announcement #{announcement_id} cancelled; nothing was sent."
        )
        return
    chats = await state.announcement_targets()
    count = await broadcasts.start_announcement(announcement_id, chats)
    await query.answer("Sending…")
    await query.edit_message_text(
        f"Sending announcement #{announcement_id} to {count} chats. I will report when done."
    )
    state.broadcaster.start(announcement_id, report_to=query.from_user.id)


# -- digest ----------------------------------------------------------------------------------


@operator_command
async def digest(update: Update, context: Context, message: Message, state: BotState) -> None:
    """`/digest on HH:MM` (UTC) or `/digest off`; the schedule is stored and survives restarts."""
    args = [a.lower() for a in (context.args or [])]
    if args[:1] == ["off"]:
        await state.store.digest.set_time(None)
        await message.reply_text("Daily digest is off.")
        return
    if len(args) == 2 and args[0] == "on":
        try:
            hhmm = parse_hhmm(args[1])
        except ValueError:
            await message.reply_text("Give the time as HH:MM (UTC), for example /digest on 09:30.")
            return
        await state.store.digest.set_time(hhmm)
        targets = len(await state.announcement_targets())
        await message.reply_text(f"Daily digest on at {hhmm} UTC to {targets} target chats.")
        return
    current = await state.store.digest.time()
    status = f"on at {current} UTC" if current else "off"
    await message.reply_text(f"Daily digest is {status}. Usage: /digest on HH:MM or /digest off.")


# -- statistics and knowledge --------------------------------------------------------------


@operator_command
async def stats(update: Update, context: Context, message: Message, state: BotState) -> None:
    """Questions answered, fallbacks, top facts and unanswered, subscribers, announcements."""
    await state.flush_question_log()
    figures = await state.store.stats()
    lines = [
        "<b>Statistics</b>",
        f"Questions: {figures.questions} (answered {figures.answered}, "
        f"fallbacks {figures.fallbacks})",
        f"Subscribed chats: {figures.subscribers}; known chats: {figures.known_chats}; "
        f"fixed targets: {len(state.settings.announce_chat_ids)}",
        "",
        "<b>Top topics</b>",
    ]
    lines += [f"{html.escape(f)}: {n}" for f, n in figures.top_facts] or ["none yet"]
    lines += ["", "<b>Top unanswered</b>"]
    lines += [f"{html.escape(q[:80])}: {n}" for q, n in figures.top_unanswered] or ["none yet"]
    lines += ["", "<b>Last announcements</b>"]
    lines += [
        f"#{a.id} {a.origin} {html.escape(a.fact_id or '')} — {a.status}"
        for a in figures.last_announcements
    ] or ["none yet"]
    await message.reply_text("\n".join(lines))


@operator_command
async def unanswered(update: Update, context: Context, message: Message, state: BotState) -> None:
    """The most frequent unanswered questions, as YAML ready to paste as phrasings."""
    await state.flush_question_log()
    rows = await state.store.questions.unanswered(20)
    text = unanswered_yaml(rows)
    await message.reply_text(f"<pre>{html.escape(text[:MAX_PRE_CHARS])}</pre>")


@operator_command
async def reload(update: Update, context: Context, message: Message, state: BotState) -> None:
    """Reload and validate the knowledge base; a broken file keeps the old one running."""
    try:
        kb = await asyncio.to_thread(load_knowledge, state.settings.knowledge_folder)
    except KnowledgeError as error:
        shown = [html.escape(str(p)) for p in error.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(error.problems) - len(shown)
        tail = f"\n… and {more} more" if more > 0 else ""
        await message.reply_text(
            "Reload refused; the previous knowledge base is still in use.\n"
            f"<pre>{chr(10).join(shown)}{tail}</pre>"
        )
        return
    state.engine = await asyncio.to_thread(QAEngine, kb)
    try:
        await set_commands(context.bot, state)
    except TelegramError as error:
        log.warning("command menu not refreshed: %s", error)
    phrasings = sum(len(fact.questions) for fact in kb.facts)
    await message.reply_text(f"Reloaded: {len(kb.facts)} facts, {phrasings} phrasings.")
