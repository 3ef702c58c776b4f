"""The Telegram application: built from settings and the engine, run by polling or webhook."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from telegram import (
    Update,
)
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import Store
from bot.telegram import handlers, operator
from bot.telegram.logs import configure_logging
from bot.telegram.menu import set_commands
from bot.telegram.render import ASK_PREFIX, CARD_PREFIX
from bot.telegram.request import AiohttpRequest
from bot.telegram.state import STATE_KEY, BotState, flush_question_log

log = logging.getLogger("bot.app")

FLUSH_SECONDS = 2.0
TELEGRAM_OVERALL_RATE = 30  # messages per second, Telegram's broadcast limit
TELEGRAM_GROUP_RATE = 20  # messages per minute and group
# Updates handled at once: enough to hide network latency; more only makes the HTTP pool churn.
CONCURRENT_UPDATES = 16


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
    overall_rate: float = TELEGRAM_OVERALL_RATE,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:  # type: ignore[type-arg]
    """The real Application, wired to our handlers; tests point it at a fake Bot API server."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram bot")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_url(settings.api_base_url))
        .request(request or AiohttpRequest(connection_pool_size=CONCURRENT_UPDATES + 8))
        .get_updates_request(
            get_updates_request or AiohttpRequest(connection_pool_size=1, read_timeout=40)
        )
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=overall_rate,
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
    )
    application = builder.build()
    database = store or Store(settings.database_path)
    application.bot_data[STATE_KEY] = BotState(engine=engine, settings=settings, store=database)
    register_handlers(application, engine)
    return application


def register_handlers(application: Application, engine: QAEngine) -> None:  # type: ignore[type-arg]
    """Fixed commands first, then topic commands (looked up in the knowledge base at each
    message, so /reload can add topics), then messages, buttons, inline queries, membership."""
    del engine  # topics are resolved per message from the current engine
    add = application.add_handler
    add(CommandHandler("start", handlers.start))
    add(CommandHandler("help", handlers.help_command))
    for name, callback in (
        ("announce", operator.announce),
        ("digest", operator.digest),
        ("stats", operator.stats),
        ("unanswered", operator.unanswered),
        ("reload", operator.reload),
        ("subscribe", operator.subscribe),
        ("unsubscribe", operator.unsubscribe),
    ):
        add(CommandHandler(name, callback))
    add(MessageHandler(filters.StatusUpdate.MIGRATE, operator.migrated))
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
    add(CallbackQueryHandler(operator.announce_button, pattern=f"^{operator.ANNOUNCE_PREFIX}"))
    add(InlineQueryHandler(handlers.inline_query))
    add(ChatMemberHandler(operator.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Start-up: the command menu (scoped), interrupted broadcasts and the digest schedule
    resumed, the question-log flusher."""
    state: BotState = application.bot_data[STATE_KEY]
    await set_commands(application, state)
    await operator.on_startup(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _flush_job, interval=FLUSH_SECONDS, first=FLUSH_SECONDS, name="flush-question-log"
        )


async def _flush_job(context: Any) -> None:
    await flush_question_log(context.application.bot_data[STATE_KEY])


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    """Before the event loop goes: let a broadcast record its send in flight, flush logs."""
    await operator.on_shutdown(application)
    await flush_question_log(application.bot_data[STATE_KEY])


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    state: BotState = application.bot_data[STATE_KEY]
    await flush_question_log(state)
    state.store.close()


def webhook_path(url: str) -> str:
    """The path Telegram will post to, so a reverse proxy can forward it unchanged."""
    return urlparse(url).path.lstrip("/") or "telegram"


async def _check_bot_api(application: Application) -> None:  # type: ignore[type-arg]
    """Reach the Bot API once (getMe) and close cleanly, so a bad token or URL is reported in
    one line instead of a retry loop's traceback and unclosed connections."""
    try:
        await application.bot.initialize()
    finally:
        await application.bot.shutdown()


def run_bot(settings: Settings, engine: QAEngine) -> int:
    """Run until interrupted: long polling, or a webhook server when WEBHOOK_URL is set."""
    configure_logging(settings.log_level, settings.token)
    Path(settings.database_path).parent.mkdir(parents=True, exist_ok=True)
    application = build_application(settings, engine)
    try:
        asyncio.run(_check_bot_api(application))
        if settings.webhook_url:
            log.info("starting webhook on port %d for %s", settings.port, settings.webhook_url)
            application.run_webhook(
                listen="0.0.0.0",  # all interfaces: the container port is the entry point
                port=settings.port,
                url_path=webhook_path(settings.webhook_url),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            log.info("starting long polling")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        log.error("TELEGRAM_BOT_TOKEN was refused by the Bot API: the token is invalid or revoked")
        return 1
    except NetworkError as error:
        log.error("cannot reach the Bot API at TELEGRAM_API_BASE_URL: %s", error)
        return 1
    return 0
