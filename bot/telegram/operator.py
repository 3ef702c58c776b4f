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

from bot.i18n import AND_MORE, ENGLISH, Translator, gettext
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeError
from bot.limits import MAX_CALLBACK_ANSWER, MAX_TEXT, fit_html, fit_lines, shorten
from bot.store.questions import unanswered_yaml
from bot.store.records import AnnouncementOrigin, AnnouncementStatus
from bot.telegram import knowledge_sync
from bot.telegram.languages import chat_language
from bot.telegram.menu import set_commands
from bot.telegram.privacy import pseudonym
from bot.telegram.state import BotState, Context, Handler
from bot.telegram.texts import (
    ALREADY_CANCELLED,
    ALREADY_SENDING,
    ALREADY_SENT,
    ANNOUNCE_USAGE,
    CANCEL_BUTTON,
    CANCELLED,
    CANCELLED_ALERT,
    DIGEST_IS_OFF_USAGE,
    DIGEST_IS_ON_USAGE,
    DIGEST_OFF,
    DIGEST_ON,
    DIGEST_TIME,
    INVALID_BUTTON,
    NONE_YET,
    NOT_FOUND,
    OPERATORS_ONLY,
    ORIGINS,
    PREVIEW,
    RELOAD_REFUSED,
    RELOADED,
    SEND_BUTTON,
    SENDING,
    SENDING_ALERT,
    STATS,
    STATS_CHATS,
    STATS_DOWN_VOTED,
    STATS_HELPFULNESS,
    STATS_LAST_ANNOUNCEMENTS,
    STATS_QUESTIONS,
    STATS_TOP_TOPICS,
    STATS_TOP_UNANSWERED,
    STATUSES,
    UNANSWERED_MORE,
)
from bot.timeofday import parse_hhmm

log = logging.getLogger(__name__)

ANNOUNCE_PREFIX = "ann:"
# Exactly what the preview's buttons carry: ann:send:<id> or ann:cancel:<id>, ASCII digits.
ANNOUNCE_DATA = re.compile(r"ann:(send|cancel):([1-9][0-9]{0,17})", re.ASCII)
MAX_PROBLEMS_SHOWN = 15
MAX_UNANSWERED_SHOWN = 300  # UTF-16 units of one unanswered question in /unanswered
MAX_STATS_QUESTION = 80  # and in /stats
MAX_STATS_VOTED = 10  # topics listed under Helpfulness in /stats
MAX_STATS_DOWN_VOTED = 5  # and questions under Most down-voted

OperatorCommand = Callable[[Update, Context, Message, BotState, str], Coroutine[Any, Any, None]]


def operator_command(command: OperatorCommand) -> Handler:
    """Let only ADMIN_USER_IDS run the command, checked on every call; anyone else is refused
    politely, in the chat's language, and the attempt logged. The command gets the message,
    the bot's state and the language to reply in (the chat's choice, else the operator's
    Telegram language, as for every reply)."""

    @functools.wraps(command)
    async def checked(update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        state = context.bot_data
        language = chat_language(update, context)
        if not state.settings.is_admin(user.id):
            name = (message.text or "").split(maxsplit=1)[0][:40] if message.text else ""
            log.warning("refused operator command %s from %s", name, pseudonym(user.id))
            await message.reply_text(gettext(language, OPERATORS_ONLY))
            return
        await command(update, context, message, state, language)

    return checked


# -- announcements -------------------------------------------------------------------------


@operator_command
async def announce(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """`/announce TEXT` or `/announce FACT_ID`: store a draft, show a preview with Send/Cancel."""
    _ = Translator(language)
    argument = " ".join(context.args or [])
    if not argument:
        commands = ", ".join(topic.command for topic in state.engine.topics if topic.command)
        await message.reply_text(_(ANNOUNCE_USAGE, commands=commands))
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
                    _(SEND_BUTTON, count=count),
                    callback_data=f"{ANNOUNCE_PREFIX}send:{announcement_id}",
                ),
                InlineKeyboardButton(
                    _(CANCEL_BUTTON), callback_data=f"{ANNOUNCE_PREFIX}cancel:{announcement_id}"
                ),
            ]
        ]
    )
    await message.reply_text(_(PREVIEW, id=announcement_id, count=count), reply_markup=keyboard)


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
    language = chat_language(update, context)
    _ = Translator(language)
    if not state.settings.is_admin(query.from_user.id):
        log.warning("refused announcement button from %s", pseudonym(query.from_user.id))
        await query.answer(_(OPERATORS_ONLY), show_alert=True)
        return
    parsed = parse_announce_data(query.data)
    if parsed is None:
        log.warning("refused malformed announcement button (%d bytes)", len(query.data))
        await query.answer(_(INVALID_BUTTON), show_alert=True)
        return
    action, announcement_id = parsed
    lock = _button_locks.setdefault(state, asyncio.Lock())
    async with lock:
        broadcasts = state.store.broadcasts
        announcement = await broadcasts.get_announcement(announcement_id)
        if announcement is None:
            await query.answer(_(NOT_FOUND, id=announcement_id), show_alert=True)
            return
        if announcement.status is not AnnouncementStatus.DRAFT:
            await query.answer(_already(announcement_id, announcement.status, language))
            return
        if action == "cancel":
            await broadcasts.cancel_announcement(announcement_id)
        else:
            chats = await state.announcement_targets()
            count = await broadcasts.start_announcement(announcement_id, chats)
    if action == "cancel":
        await query.answer(_(CANCELLED_ALERT))
        await query.edit_message_text(_(CANCELLED, id=announcement_id))
        return
    await query.answer(_(SENDING_ALERT))
    await query.edit_message_text(_(SENDING, id=announcement_id, count=count))
    state.broadcaster.start(announcement_id, report_to=query.from_user.id, language=language)


# What a press on an announcement that is no longer a draft is told; a draft is never asked.
_ALREADY = {
    AnnouncementStatus.SENDING: ALREADY_SENDING,
    AnnouncementStatus.DONE: ALREADY_SENT,
    AnnouncementStatus.CANCELLED: ALREADY_CANCELLED,
}


def _already(announcement_id: int, status: AnnouncementStatus, language: str) -> str:
    """The answer to a press on an announcement that is no longer a draft."""
    text = Translator(language)(_ALREADY.get(status, ALREADY_SENDING), id=announcement_id)
    return shorten(text, MAX_CALLBACK_ANSWER)


# -- digest ----------------------------------------------------------------------------------


@operator_command
async def digest(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """`/digest on HH:MM` (UTC) or `/digest off`; the schedule is stored and survives restarts."""
    _ = Translator(language)
    args = [a.lower() for a in (context.args or [])]
    if args[:1] == ["off"]:
        await state.store.digest.set_time(None)
        await message.reply_text(_(DIGEST_OFF))
        return
    if len(args) == 2 and args[0] == "on":
        try:
            hhmm = parse_hhmm(args[1])
        except ValueError:
            await message.reply_text(_(DIGEST_TIME))
            return
        await state.store.digest.set_time(hhmm)
        targets = len(await state.announcement_targets())
        await message.reply_text(_(DIGEST_ON, time=hhmm, count=targets))
        return
    current = await state.store.digest.time()
    usage = _(DIGEST_IS_ON_USAGE, time=current) if current else _(DIGEST_IS_OFF_USAGE)
    await message.reply_text(usage)


# -- statistics and knowledge --------------------------------------------------------------


@operator_command
async def stats(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """Questions answered, fallbacks, top facts and unanswered, how helpful each topic was
    voted and the questions most voted down, subscribers, announcements."""
    _ = Translator(language)
    await state.flush_question_log()
    figures = await state.store.stats()
    helpfulness = await state.store.votes.helpfulness(MAX_STATS_VOTED)
    down_voted = await state.store.questions.down_voted(MAX_STATS_DOWN_VOTED)
    questions = _(
        STATS_QUESTIONS,
        questions=figures.questions,
        answered=figures.answered,
        fallbacks=figures.fallbacks,
    )
    chats = _(
        STATS_CHATS,
        subscribed=figures.subscribers,
        known=figures.known_chats,
        fixed=len(state.settings.announce_chat_ids),
    )
    lines = [f"<b>{_(STATS)}</b>", questions, chats, "", f"<b>{_(STATS_TOP_TOPICS)}</b>"]
    none_yet = [_(NONE_YET)]
    lines += [f"{html.escape(f)}: {n}" for f, n in figures.top_facts] or none_yet
    lines += ["", f"<b>{_(STATS_TOP_UNANSWERED)}</b>"]
    lines += [
        f"{html.escape(shorten(q, MAX_STATS_QUESTION))}: {n}" for q, n in figures.top_unanswered
    ] or none_yet
    lines += ["", f"<b>{_(STATS_HELPFULNESS)}</b>"]
    lines += [
        f"{html.escape(f)}: 👍 {up}, 👎 {down}, {round(100 * up / (up + down))}%"
        for f, up, down in helpfulness
    ] or none_yet
    lines += ["", f"<b>{_(STATS_DOWN_VOTED)}</b>"]
    lines += [
        f"{html.escape(shorten(q, MAX_STATS_QUESTION))}: 👎 {n}" for q, n in down_voted
    ] or none_yet
    lines += ["", f"<b>{_(STATS_LAST_ANNOUNCEMENTS)}</b>"]
    lines += [
        f"#{a.id} {_(ORIGINS[a.origin])} {html.escape(a.fact_id or '')} — {_(STATUSES[a.status])}"
        for a in figures.last_announcements
    ] or none_yet
    await message.reply_text(fit_html("\n".join(lines)))


def unanswered_message(rows: list[tuple[str, int]], language: str = ENGLISH) -> str:
    """The YAML in a <pre> block within one message: long questions shortened, and as many
    whole lines as fit, so what is shown can still be pasted; its comments in `language`."""
    shown = [(shorten(text, MAX_UNANSWERED_SHOWN), count) for text, count in rows]
    lines = unanswered_yaml(shown, language).splitlines()
    more = gettext(language, UNANSWERED_MORE)
    fitted = fit_lines(lines, MAX_TEXT, lambda n: "# " + more.format(count=n))
    return "<pre>" + html.escape("\n".join(fitted)) + "</pre>"


@operator_command
async def reload(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """Reload and validate the knowledge base; a broken file keeps the old one running. The
    problems are listed as `check` lists them, in English, with their files and lines. The
    taught phrasings are added to the new one as to the old."""
    _ = Translator(language)
    try:
        kb = await asyncio.to_thread(load_knowledge, state.settings.knowledge_folder)
    except KnowledgeError as error:
        shown = [html.escape(str(p)) for p in error.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(error.problems) - len(shown)
        tail = "\n" + _(AND_MORE, count=more) if more > 0 else ""
        problems = "\n".join(shown)
        await message.reply_text(fit_html(f"{_(RELOAD_REFUSED)}\n<pre>{problems}{tail}</pre>"))
        return
    async with state.teaching:  # the other processes on the store follow (knowledge_sync)
        reloads = await state.store.generations.reloaded()
        await knowledge_sync.rebuild(state, knowledge=kb, reloads=reloads)
    try:
        await set_commands(context.bot, state)
    except TelegramError as error:
        log.warning("command menu not refreshed: %s", error)
    phrasings = sum(len(fact.questions) for fact in kb.facts)
    await message.reply_text(_(RELOADED, facts=len(kb.facts), phrasings=phrasings))
