"""The Telegram application: built from settings and the engine, run by polling or webhook."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.commands import FIXED_COMMANDS
from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store, StoreError, open_store
from bot.telegram import (
    feedback,
    flood,
    groups,
    handlers,
    knowledge_sync,
    languages,
    operator,
    teach,
)
from bot.telegram.alerts import OperatorAlerts
from bot.telegram.apiguard import GuardedRequest
from bot.telegram.broadcast import Broadcaster
from bot.telegram.conflict import ConflictReporter
from bot.telegram.digest import digest_duty
from bot.telegram.fatal import FatalStop
from bot.telegram.health import Health, HealthServer
from bot.telegram.logs import configure_logging
from bot.telegram.menu import set_commands, set_descriptions
from bot.telegram.metrics import MeteredRequest, Metrics
from bot.telegram.poller import keep_turn, poller_keeper, wait_for_turn_unless_stopped
from bot.telegram.render import ASK_PREFIX, CARD_PREFIX, FEEDBACK_PREFIX
from bot.telegram.request import AiohttpRequest
from bot.telegram.startup import StartupError, check_bot_api, failure_line
from bot.telegram.state import CONTEXT_TYPES, BotApplication, Context, Handler
from bot.telegram.storefaults import watch_database
from bot.telegram.webhook import ListenError, run_webhook

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
PURGE_SECONDS = 3600.0  # voter hashes and update ids past their day go at least this often
TELEGRAM_OVERALL_RATE = 30  # messages per second, Telegram's broadcast limit
TELEGRAM_GROUP_RATE = 20  # messages per minute and group
# Updates handled at once: enough to hide network latency; more only makes the HTTP pool churn.
CONCURRENT_UPDATES = 16

# The handler of each fixed command in bot.commands; a test keeps the two in step.
FIXED_HANDLERS: dict[str, Handler] = {
    "start": handlers.start,
    "help": handlers.help_command,
    "language": languages.language_command,
    "subscribe": groups.subscribe,
    "unsubscribe": groups.unsubscribe,
    "announce": operator.announce,
    "digest": operator.digest,
    "stats": operator.stats,
    "unanswered": teach.unanswered,
    "taught": teach.taught,
    "reload": operator.reload,
}


def file_url(base_url: str) -> str:
    """The file endpoint that pairs with a Bot API base URL (…/bot → …/file/bot)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    engine: QAEngine,
    *,
    store: Store | None = None,
    overall_rate: float | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> BotApplication:
    """The real Application, wired to our handlers; tests point it at a fake Bot API server."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram bot")
    fatal = FatalStop()
    metrics = Metrics()  # this application's own registry
    request = request or AiohttpRequest(connection_pool_size=CONCURRENT_UPDATES + 8)
    get_updates_request = get_updates_request or AiohttpRequest(
        connection_pool_size=1, read_timeout=40
    )
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_url(settings.api_base_url))
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .request(GuardedRequest(MeteredRequest(request, metrics), fatal, settings.api_base_url))
        .get_updates_request(
            GuardedRequest(
                MeteredRequest(get_updates_request, metrics), fatal, settings.api_base_url
            )
        )
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=overall_rate or TELEGRAM_OVERALL_RATE,
                overall_time_period=1,
                group_max_rate=TELEGRAM_GROUP_RATE,
                group_time_period=60,
                max_retries=3,
            )
        )
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    state = application.bot_data
    state.engine = engine
    state.knowledge = engine.kb
    state.settings = settings
    state.store = store or open_store(settings.database)
    state.broadcaster = Broadcaster(application.bot, state.store)
    state.broadcaster.render = state.rendered  # cards in each chat's language
    state.broadcaster.language_of = state.chosen_language  # reports in the operator's
    state.fatal = fatal
    state.alerts = OperatorAlerts()
    state.metrics = metrics
    metrics.watch_lease(lambda: state.broadcaster.keeper.held)
    state.broadcaster.sender.count = metrics.delivered
    register_handlers(application)
    watch_database(application)
    return application


def register_handlers(application: BotApplication) -> None:
    """Flood control first, then fixed commands, then topic commands (looked up in the
    knowledge base at each message, so /reload can add topics), then messages, buttons,
    inline queries, membership."""
    add = application.add_handler
    add(TypeHandler(Update, _count_update), group=-2)  # every update, dropped ones too
    add(TypeHandler(Update, flood.guard), group=-1)  # before all others: a fair share each
    for command in FIXED_COMMANDS:
        add(CommandHandler(command.name, FIXED_HANDLERS[command.name]))
    add(MessageHandler(filters.StatusUpdate.MIGRATE, groups.migrated))
    add(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGES, handlers.command_router))
    add(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGES, handlers.text_message
        )
    )
    add(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
            handlers.non_text_message,
        )
    )
    add(CallbackQueryHandler(handlers.button, pattern=f"^({CARD_PREFIX}|{ASK_PREFIX})"))
    add(CallbackQueryHandler(languages.choose, pattern=f"^{languages.LANGUAGE_PREFIX}"))
    add(CallbackQueryHandler(feedback.feedback_button, pattern=f"^{FEEDBACK_PREFIX}"))
    add(CallbackQueryHandler(operator.announce_button, pattern=f"^{operator.ANNOUNCE_PREFIX}"))
    add(CallbackQueryHandler(teach.teach_button, pattern=f"^{teach.TEACH_PREFIX}"))
    add(CallbackQueryHandler(teach.taught_button, pattern=f"^{teach.TAUGHT_PREFIX}"))
    add(InlineQueryHandler(handlers.inline_query))
    add(ChatMemberHandler(groups.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(ConflictReporter())  # first: it stops 409s going further
    application.add_error_handler(handlers.error_handler)


async def _count_update(update: Update, context: Context) -> None:
    context.bot_data.metrics.update(update)


async def _post_init(application: BotApplication) -> None:
    """Start-up: in polling mode the health port (HEALTH_PORT: first, so that a port taken
    stops the bot before anything else started), the taught phrasings, the command menu
    (scoped), the broadcaster (which sends, resumes interrupted broadcasts and posts the digest
    while it holds the sender lease), the question-log flusher, the hourly purge of expired
    voter hashes."""
    state = application.bot_data
    settings = state.settings
    if settings.health_port is not None and settings.webhook_url is None:
        server = HealthServer(Health(state), settings.listen_address, settings.health_port)
        await server.start()
        state.health_server = server
    state.chat_languages = await state.store.chats.languages()
    if state.poller is not None:  # polling under the lease: renewed, and stopped once lost
        state.poller_task = asyncio.create_task(keep_turn(state.poller, state.fatal.trigger))
    await knowledge_sync.start(state)  # the phrasings operators taught, over the YAML
    # What start-up made lives as long as the process: the collector need not walk it again,
    # which keeps its passes (and the event loop's pauses) short.
    gc.freeze()
    await set_commands(application.bot, state)
    await set_descriptions(application.bot)
    state.broadcaster.duties.append(functools.partial(digest_duty, state))
    await state.broadcaster.begin()
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _flush_job, interval=FLUSH_SECONDS, first=FLUSH_SECONDS, name="flush-question-log"
        )
        application.job_queue.run_repeating(
            _purge_job, interval=PURGE_SECONDS, first=PURGE_SECONDS, name="purge-expired"
        )
        application.job_queue.run_repeating(
            _follow_job,
            interval=knowledge_sync.CHECK_SECONDS,
            first=knowledge_sync.CHECK_SECONDS,
            name="follow-knowledge",
        )


async def _flush_job(context: Context) -> None:
    await context.bot_data.flush_question_log()


async def _follow_job(context: Context) -> None:
    """A /reload or a lesson on another process sharing the store reaches this one."""
    await knowledge_sync.follow(context.bot_data)


async def _purge_job(context: Context) -> None:
    """Votes keep no voter's hash past its day, even when nobody votes to clear it; the update
    ids replicas claimed are kept a day too."""
    await context.bot_data.store.votes.purge()
    await context.bot_data.store.seen_updates.purge()


async def _post_stop(application: BotApplication) -> None:
    """Before the event loop goes: a broadcast records its send in flight (or names it
    unconfirmed) and hands the sender lease over; logs are flushed."""
    state = application.bot_data
    if state.health_server is not None:
        await state.health_server.stop()
    await state.broadcaster.stop()
    if state.poller_task is not None:
        state.poller_task.cancel()
    if state.poller is not None:  # the next instance polls at once, not after the expiry
        await state.poller.release()
    await state.flush_question_log()


async def _post_shutdown(application: BotApplication) -> None:
    state = application.bot_data
    await state.flush_question_log()
    state.store.close()


def run_bot(settings: Settings, engine: QAEngine) -> int:
    """Run until interrupted: long polling, or a webhook server when WEBHOOK_URL is set. Exit
    status 1, after one line saying why, when it cannot start or had to stop itself."""
    configure_logging(settings.log_level, settings.token, webhook_secret=settings.webhook_secret)
    try:
        application = build_application(settings, engine)
    except StoreError as error:
        log.error("%s", error)
        return 1
    try:
        asyncio.run(check_bot_api(settings.api_base_url, settings.token or "", AiohttpRequest()))
    except StartupError as error:
        log.error("%s", error)
        application.bot_data.store.close()
        return 1
    fatal = application.bot_data.fatal
    fatal.stop = application.stop_running
    try:
        if settings.webhook_url is not None:
            log.info("starting webhook for %s", settings.webhook_url)
            routes = Health(application.bot_data).routes()
            status = run_webhook(application, settings, routes=routes)
            if status:
                return status
        else:
            state = application.bot_data
            state.poller = poller_keeper(state.store.leases, state.broadcaster.keeper.owner)
            health = None
            if settings.health_port is not None:
                health = HealthServer(Health(state), settings.listen_address, settings.health_port)
            if not wait_for_turn_unless_stopped(state.poller, health):
                log.info("stopped while waiting for the turn to poll")
                state.store.close()
                return 0
            log.info("starting long polling")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except StoreError as error:  # raised by a start-up hook
        fatal.trigger(str(error))
    except ListenError as error:  # HEALTH_PORT taken
        fatal.trigger(f"health: {error} (LISTEN_ADDRESS, HEALTH_PORT)")
    except TelegramError as error:
        fatal.trigger(failure_line(error, settings.api_base_url, settings.webhook_url))
    return fatal.exit_status
