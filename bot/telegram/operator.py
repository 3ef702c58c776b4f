"""The operator's tools and the bot speaking first: announcements with preview and
confirmation, the daily digest, statistics, unanswered questions, knowledge reload, and group
subscriptions. Every operator command checks the caller on every call."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.cli import unanswered_yaml
from bot.engine import QAEngine
from bot.knowledge import KnowledgeError, default_knowledge_dir, load_knowledge
from bot.store import parse_hhmm
from bot.telegram.broadcast import Broadcaster
from bot.telegram.menu import set_commands
from bot.telegram.state import STATE_KEY, BotState, flush_question_log, state_of

log = logging.getLogger("bot.operator")

Context = ContextTypes.DEFAULT_TYPE
ANNOUNCE_PREFIX = "ann:"
DIGEST_JOB = "daily-digest"
REFUSAL = "Sorry, this command is for the bot's operators only."
GROUP_ADMIN_REFUSAL = "Only this group's administrators can change its announcement subscription."
MAX_PROBLEMS_SHOWN = 15
ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def broadcaster_of(application: Application) -> Broadcaster:  # type: ignore[type-arg]
    state: BotState = application.bot_data[STATE_KEY]
    if state.broadcaster is None:
        state.broadcaster = Broadcaster(application.bot, state.store)
    return state.broadcaster


OperatorCommand = Callable[[Update, Context, Message, BotState], Awaitable[None]]


def operator_command(command: OperatorCommand) -> Callable[[Update, Context], Awaitable[None]]:
    """Let only ADMIN_USER_IDS run the command, checked on every call; anyone else is refused
    politely and the attempt logged. The command gets the message and the bot's state."""

    @functools.wraps(command)
    async def checked(update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        state = state_of(context)
        if not state.settings.is_admin(user.id):
            name = (message.text or "").split(maxsplit=1)[0][:40] if message.text else ""
            log.warning("refused operator command %s from user %s", name, user.id)
            await message.reply_text(REFUSAL)
            return
        await command(update, context, message, state)

    return checked


def targets(state: BotState) -> list[int | str]:
    """Fixed targets first, then subscribed groups and channels, without duplicates. A fixed
    @channel is also subscribed under its numeric id once the bot is made its administrator
    (which posting there requires), so subscribed chats are matched by username too."""
    found: list[int | str] = list(state.settings.announce_chat_ids)
    fixed_names = {target.lower() for target in found if isinstance(target, str)}
    usernames = {chat.chat_id: chat.username for chat in state.store.known_chats()}
    for chat_id in state.store.subscribed_chats():
        username = usernames.get(chat_id)
        if chat_id in found or (username and f"@{username.lower()}" in fixed_names):
            continue
        found.append(chat_id)
    return found


# -- announcements -------------------------------------------------------------------------


@operator_command
async def announce(update: Update, context: Context, message: Message, state: BotState) -> None:
    """`/announce TEXT` or `/announce TOPIC`: store a draft, show a preview with Send/Cancel."""
    argument = " ".join(context.args or [])
    if not argument:
        topics = ", ".join(f.command for f in state.engine.kb.commands if f.command)
        await message.reply_text(f"Usage: /announce TEXT, or /announce TOPIC (one of: {topics}).")
        return
    card = state.engine.command(argument.lower()) if " " not in argument else None
    if card is None:
        card = state.engine.card(argument.lower())
    if card is not None:
        body, kind, topic = card.html, "topic", card.intent
    else:
        body = _text_after_command(message.text_html or "")
        kind, topic = "text", None
    announcement_id = await asyncio.to_thread(
        state.store.create_announcement,
        html=body,
        kind=kind,
        topic=topic,
        created_by=message.from_user.id if message.from_user else 0,
    )
    count = len(targets(state))
    await message.reply_text(body, parse_mode=ParseMode.HTML)
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
        parse_mode=ParseMode.HTML,
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
    state = state_of(context)
    if not state.settings.is_admin(query.from_user.id):
        log.warning("refused announcement button from user %s", query.from_user.id)
        await query.answer(REFUSAL, show_alert=True)
        return
    action, _, raw_id = query.data[len(ANNOUNCE_PREFIX) :].partition(":")
    announcement_id = int(raw_id)
    announcement = state.store.get_announcement(announcement_id)
    if announcement is None or announcement.status != "draft":
        status = announcement.status if announcement else "unknown"
        await query.answer(f"Announcement #{announcement_id} is already {status}.")
        return
    if action == "cancel":
        state.store.cancel_announcement(announcement_id)
        await query.answer("Cancelled.")
        await query.edit_message_text(
            f"Announcement #{announcement_id} cancelled; nothing was sent."
        )
        return
    chats = targets(state)
    count = await asyncio.to_thread(state.store.start_announcement, announcement_id, chats)
    await query.answer("Sending…")
    await query.edit_message_text(
        f"Sending announcement #{announcement_id} to {count} chats. I will report when done."
    )
    broadcaster_of(context.application).start(announcement_id, report_to=query.from_user.id)


async def resume_broadcasts(application: Application) -> None:  # type: ignore[type-arg]
    """Start-up: a broadcast interrupted by a crash or restart continues where it stopped."""
    state: BotState = application.bot_data[STATE_KEY]
    for announcement in state.store.unfinished_announcements():
        log.info("resuming announcement #%d", announcement.id)
        broadcaster_of(application).start(
            announcement.id, report_to=announcement.created_by or None
        )


# -- digest ----------------------------------------------------------------------------------


def digest_fact_ids(engine: QAEngine) -> list[str]:
    return [t.id for t in engine.topics]


async def digest_job(context: Context) -> None:
    """Fact of the day: the next card in rotation, announced like any other announcement."""
    state = state_of(context)
    chats = targets(state)
    if not chats:
        log.info("digest skipped: no announcement targets")
        return
    fact_id = await asyncio.to_thread(state.store.next_digest_fact, digest_fact_ids(state.engine))
    card = state.engine.card(fact_id)
    if card is None:
        return
    body = f"📌 <b>Fact of the day</b>\n\n{card.html}"
    announcement_id = await asyncio.to_thread(
        state.store.create_announcement, html=body, kind="digest", topic=fact_id, created_by=0
    )
    await asyncio.to_thread(state.store.start_announcement, announcement_id, chats)
    broadcaster_of(context.application).start(announcement_id, report_to=None)


def schedule_digest(application: Application, hhmm: str | None) -> None:  # type: ignore[type-arg]
    """(Re)place the daily job; times are UTC."""
    queue = application.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(DIGEST_JOB):
        job.schedule_removal()
    if hhmm is None:
        return
    hours, minutes = (int(part) for part in hhmm.split(":"))
    queue.run_daily(digest_job, time=dt.time(hours, minutes, tzinfo=dt.UTC), name=DIGEST_JOB)


@operator_command
async def digest(update: Update, context: Context, message: Message, state: BotState) -> None:
    """`/digest on HH:MM` (UTC) or `/digest off`; the schedule is stored and survives restarts."""
    args = [a.lower() for a in (context.args or [])]
    if args[:1] == ["off"]:
        state.store.set_digest(None)
        schedule_digest(context.application, None)
        await message.reply_text("Daily digest is off.")
        return
    if len(args) == 2 and args[0] == "on":
        try:
            hhmm = parse_hhmm(args[1])
        except ValueError:
            await message.reply_text("Give the time as HH:MM (UTC), for example /digest on 09:30.")
            return
        state.store.set_digest(hhmm)
        schedule_digest(context.application, hhmm)
        await message.reply_text(
            f"Daily digest on at {hhmm} UTC to {len(targets(state))} target chats."
        )
        return
    current = state.store.digest_time()
    status = f"on at {current} UTC" if current else "off"
    await message.reply_text(f"Daily digest is {status}. Usage: /digest on HH:MM or /digest off.")


# -- statistics and knowledge --------------------------------------------------------------


@operator_command
async def stats(update: Update, context: Context, message: Message, state: BotState) -> None:
    """Questions answered, fallbacks, top intents and unanswered, subscribers, announcements."""
    await flush_question_log(state)
    figures = await asyncio.to_thread(state.store.stats)
    lines = [
        "<b>Statistics</b>",
        f"Questions: {figures.questions} (answered {figures.answered}, "
        f"fallbacks {figures.fallbacks})",
        f"Subscribed chats: {figures.subscribers}; known chats: {figures.known_chats}; "
        f"fixed targets: {len(state.settings.announce_chat_ids)}",
        "",
        "<b>Top topics</b>",
    ]
    lines += [f"{html.escape(i)}: {n}" for i, n in figures.top_intents] or ["none yet"]
    lines += ["", "<b>Top unanswered</b>"]
    lines += [f"{html.escape(q[:80])}: {n}" for q, n in figures.top_unanswered] or ["none yet"]
    lines += ["", "<b>Last announcements</b>"]
    lines += [
        f"#{a.id} {a.kind} {html.escape(a.topic or '')} — {a.status}"
        for a in figures.last_announcements
    ] or ["none yet"]
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


@operator_command
async def unanswered(update: Update, context: Context, message: Message, state: BotState) -> None:
    """The most frequent unanswered questions, as YAML ready to paste as phrasings."""
    await flush_question_log(state)
    rows = await asyncio.to_thread(state.store.unanswered, 20)
    text = unanswered_yaml(rows)
    await message.reply_text(f"<pre>{html.escape(text[:3900])}</pre>", parse_mode=ParseMode.HTML)


@operator_command
async def reload(update: Update, context: Context, message: Message, state: BotState) -> None:
    """Reload and validate the knowledge base; a broken file keeps the old one running."""
    directory = state.settings.knowledge_dir or default_knowledge_dir()
    try:
        kb = await asyncio.to_thread(load_knowledge, directory)
    except KnowledgeError as error:
        shown = [html.escape(str(p)) for p in error.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(error.problems) - len(shown)
        tail = f"\n… and {more} more" if more > 0 else ""
        await message.reply_text(
            "Reload refused; the previous knowledge base is still in use.\n"
            f"<pre>{chr(10).join(shown)}{tail}</pre>",
            parse_mode=ParseMode.HTML,
        )
        return
    state.engine = await asyncio.to_thread(QAEngine, kb)
    try:
        await set_commands(context.application, state)
    except TelegramError as error:
        log.warning("command menu not refreshed: %s", error)
    phrasings = sum(len(fact.questions) for fact in kb.facts)
    await message.reply_text(f"Reloaded: {len(kb.facts)} facts, {phrasings} phrasings.")


# -- subscriptions and membership --------------------------------------------------------------


async def _may_manage_group(update: Update, context: Context) -> bool:
    """Group administrators (asked from the Bot API every time) and the bot's operators."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return False
    if state_of(context).settings.is_admin(user.id):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("cannot check admin rights in %s: %s", chat.id, error)
        return False
    return member.status in ADMIN_STATUSES


async def _subscription(update: Update, context: Context, subscribe: bool) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(
            "Use this command in a group. Channels receive announcements when they are in "
            "ANNOUNCE_CHAT_IDS or when the bot is made an administrator there."
        )
        return
    if not await _may_manage_group(update, context):
        user = update.effective_user
        log.warning(
            "refused subscription change in %s by user %s", chat.id, user.id if user else None
        )
        await message.reply_text(GROUP_ADMIN_REFUSAL)
        return
    state = state_of(context)
    changed = await asyncio.to_thread(
        state.store.set_subscribed, chat.id, subscribe, chat_type=chat.type, title=chat.title
    )
    if subscribe:
        text = "This group now receives announcements." if changed else "Already subscribed."
    else:
        text = "This group no longer receives announcements." if changed else "Not subscribed."
    await message.reply_text(text)


async def subscribe(update: Update, context: Context) -> None:
    """`/subscribe` in a group: its administrators opt in to announcements."""
    await _subscription(update, context, True)


async def unsubscribe(update: Update, context: Context) -> None:
    """`/unsubscribe` in a group."""
    await _subscription(update, context, False)


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot added to / removed from a chat: remember or forget it. A channel that makes the
    bot an administrator who can post is subscribed: that is the channel owner's opt-in."""
    change = update.my_chat_member
    if change is None:
        return
    state = state_of(context)
    chat = change.chat
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await asyncio.to_thread(state.store.remove_chat, chat.id)
        log.info("removed from chat %s (%s)", chat.id, chat.type)
        return
    await asyncio.to_thread(
        state.store.upsert_chat,
        chat.id,
        chat_type=chat.type,
        title=chat.title,
        username=chat.username,
    )
    if chat.type == ChatType.CHANNEL:
        # Posting rights are the channel's opt-in; losing them ends the subscription.
        can_post = bool(getattr(change.new_chat_member, "can_post_messages", False))
        await asyncio.to_thread(
            state.store.set_subscribed,
            chat.id,
            status == ChatMemberStatus.ADMINISTRATOR and can_post,
            chat_type=chat.type,
            title=chat.title,
        )
    log.info("member of chat %s (%s) as %s", chat.id, chat.type, status)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription moves to the new id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    state = state_of(context)
    await asyncio.to_thread(state.store.migrate_chat, message.chat_id, message.migrate_to_chat_id)
    log.info("chat %s migrated to %s", message.chat_id, message.migrate_to_chat_id)


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Resume broadcasts and the digest schedule stored by the previous run."""
    state: BotState = application.bot_data[STATE_KEY]
    schedule_digest(application, state.store.digest_time())
    await resume_broadcasts(application)


async def on_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    state: BotState = application.bot_data[STATE_KEY]
    if state.broadcaster is not None:
        await state.broadcaster.stop()
