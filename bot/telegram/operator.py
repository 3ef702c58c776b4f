"""The operators' commands: announcements with preview and confirmation, the digest
schedule, statistics, unanswered questions and knowledge reload. Every one checks the caller
on every call."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.engine import QAEngine
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeError
from bot.limits import MAX_CALLBACK_ANSWER, MAX_TEXT, fit_html, fit_lines, shorten
from bot.store.questions import unanswered_yaml
from bot.store.records import AnnouncementOrigin, AnnouncementStatus
from bot.telegram.menu import set_commands
from bot.telegram.privacy import pseudonym
from bot.telegram.state import BotState, Context, Handler
from bot.timeofday import parse_hhmm

log = logging.getLogger(__name__)

ANNOUNCE_PREFIX = "ann:"
# Exactly what the preview's buttons carry: ann:send:<id> or ann:cancel:<id>, ASCII digits.
ANNOUNCE_DATA = re.compile(r"ann:(send|cancel):([1-9][0-9]{0,17})", re.ASCII)
INVALID_BUTTON = "This is not a valid announcement button; nothing was sent."
REFUSAL = "Sorry, this command is for the bot's operators only."
MAX_PROBLEMS_SHOWN = 15
MAX_UNANSWERED_SHOWN = 300  # UTF-16 units of one unanswered question in /unanswered
MAX_STATS_QUESTION = 80  # and in /stats

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
            log.warning("refused operator command %s from %s", name, pseudonym(user.id))
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
        body, origin, fact_id = card.message_html(), AnnouncementOrigin.CARD, card.fact_id
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
    await message.reply_text(fit_html(body))
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


# Presses on preview buttons are handled one at a time per bot: updates run concurrently, and a
# double-tapped Send must find the announcement already sending, not start it twice.
_button_locks: weakref.WeakKeyDictionary[BotState, asyncio.Lock] = weakref.WeakKeyDictionary()


def parse_announce_data(data: str) -> tuple[str, int] | None:
    """("send" or "cancel", announcement id) from a preview button, or None for anything the
    bot never put on a button."""
    match = ANNOUNCE_DATA.fullmatch(data)
    return (match[1], int(match[2])) if match else None


async def announce_button(update: Update, context: Context) -> None:
    """Send or Cancel under a preview; only an operator's press counts, and only on data the
    bot wrote: anything else is refused with an alert and nothing is sent."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    state = context.bot_data
    if not state.settings.is_admin(query.from_user.id):
        log.warning("refused announcement button from %s", pseudonym(query.from_user.id))
        await query.answer(REFUSAL, show_alert=True)
        return
    parsed = parse_announce_data(query.data)
    if parsed is None:
        log.warning("refused malformed announcement button (%d bytes)", len(query.data))
        await query.answer(INVALID_BUTTON, show_alert=True)
        return
    action, announcement_id = parsed
    lock = _button_locks.setdefault(state, asyncio.Lock())
    async with lock:
        broadcasts = state.store.broadcasts
        announcement = await broadcasts.get_announcement(announcement_id)
        if announcement is None:
            await query.answer(
                f"Announcement #{announcement_id} was not found; nothing was sent.",
                show_alert=True,
            )
            return
        if announcement.status is not AnnouncementStatus.DRAFT:
            await query.answer(_already(announcement_id, announcement.status))
            return
        if action == "cancel":
            await broadcasts.cancel_announcement(announcement_id)
        else:
            chats = await state.announcement_targets()
            count = await broadcasts.start_announcement(announcement_id, chats)
    if action == "cancel":
        await query.answer("Cancelled.")
        await query.edit_message_text(
            f"Announcement #{announcement_id} cancelled; nothing was sent."
        )
        return
    await query.answer("Sending…")
    await query.edit_message_text(
        f"Sending announcement #{announcement_id} to {count} chats. I will report when done."
    )
    state.broadcaster.start(announcement_id, report_to=query.from_user.id)


def _already(announcement_id: int, status: AnnouncementStatus) -> str:
    """The answer to a press on an announcement that is no longer a draft."""
    done = {
        AnnouncementStatus.SENDING: "already sending",
        AnnouncementStatus.DONE: "already sent",
        AnnouncementStatus.CANCELLED: "already cancelled",
    }.get(status, f"already {status}")
    return shorten(f"Announcement #{announcement_id} is {done}.", MAX_CALLBACK_ANSWER)


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
    lines += [
        f"{html.escape(shorten(q, MAX_STATS_QUESTION))}: {n}" for q, n in figures.top_unanswered
    ] or ["none yet"]
    lines += ["", "<b>Last announcements</b>"]
    lines += [
        f"#{a.id} {a.origin} {html.escape(a.fact_id or '')} — {a.status}"
        for a in figures.last_announcements
    ] or ["none yet"]
    await message.reply_text(fit_html("\n".join(lines)))


@operator_command
async def unanswered(update: Update, context: Context, message: Message, state: BotState) -> None:
    """The most frequent unanswered questions, as YAML ready to paste as phrasings."""
    await state.flush_question_log()
    rows = await state.store.questions.unanswered(20)
    await message.reply_text(unanswered_message(rows))


def unanswered_message(rows: list[tuple[str, int]]) -> str:
    """The YAML in a <pre> block within one message: long questions shortened, and as many
    whole lines as fit, so what is shown can still be pasted."""
    shown = [(shorten(text, MAX_UNANSWERED_SHOWN), count) for text, count in rows]
    lines = unanswered_yaml(shown).splitlines()
    fitted = fit_lines(
        lines,
        MAX_TEXT,
        lambda n: f"# … and {n} more: `python -m bot unanswered` on the server lists them all",
    )
    return "<pre>" + html.escape("\n".join(fitted)) + "</pre>"


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
            fit_html(
                "Reload refused; the previous knowledge base is still in use.\n"
                f"<pre>{chr(10).join(shown)}{tail}</pre>"
            )
        )
        return
    state.engine = await asyncio.to_thread(QAEngine, kb)
    try:
        await set_commands(context.bot, state)
    except TelegramError as error:
        log.warning("command menu not refreshed: %s", error)
    phrasings = sum(len(fact.questions) for fact in kb.facts)
    await message.reply_text(f"Reloaded: {len(kb.facts)} facts, {phrasings} phrasings.")
