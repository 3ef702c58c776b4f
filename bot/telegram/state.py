"""What every handler shares, typed: PTB creates it as `bot_data` (ContextTypes), and
build_application fills it in before the bot starts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.audience import audience
from bot.conversations import Conversations
from bot.engine import QAEngine
from bot.fairness import FairShare
from bot.feedback import AskedCards
from bot.i18n import ENGLISH, N_, gettext
from bot.kb.model import KnowledgeBase
from bot.quiet import let_go
from bot.settings import Settings
from bot.store import Store
from bot.store.generations import Generation
from bot.store.records import Announcement, AnnouncementOrigin, AskedQuestion, ChatId
from bot.telegram.alerts import OperatorAlerts
from bot.telegram.broadcast import Broadcaster
from bot.telegram.fatal import FatalStop
from bot.telegram.leader import LeaseKeeper
from bot.telegram.metrics import Metrics


class Listener(Protocol):
    """A server the bot starts and stops with itself (polling mode's HEALTH_PORT)."""

    @property
    def port(self) -> int: ...

    async def stop(self) -> None: ...


class BotState:
    """Engine (swapped by /reload), settings, store and broadcaster, and what each
    conversation was last about (in memory only); one per application.

    PTB instantiates it without arguments, so the services are attributes assigned once by
    `build_application`, not constructor parameters."""

    engine: QAEngine
    knowledge: KnowledgeBase  # the YAML's, without the taught phrasings the engine adds
    settings: Settings
    store: Store
    broadcaster: Broadcaster
    fatal: FatalStop  # stops the process on a fault it cannot serve through
    alerts: OperatorAlerts  # rate-limited private messages to the operators
    metrics: Metrics  # this application's Prometheus registry (bot/telegram/metrics.py)
    health_server: Listener | None = None  # /healthz, /readyz, /metrics when polling

    def __init__(self) -> None:
        self.pending_logs: list[AskedQuestion] = []
        self.fair_share = FairShare()
        self.conversations = Conversations()
        # The cards that take votes, for a day: what 👎 needs to ask what was wanted instead.
        self.asked_cards = AskedCards()
        # The chats' /language choices, read from the store once at start-up (few chats
        # choose): the reply's language then costs no store read per update.
        self.chat_languages: dict[int, str] = {}
        self.teaching = asyncio.Lock()  # one lesson (or undo) at a time: each builds on the last
        # In polling mode, the lease this process polls under (bot/telegram/poller.py).
        self.poller: LeaseKeeper | None = None
        # What the engine was built from, as the store counts it (bot/telegram/knowledge_sync.py).
        self.generation: Generation | None = None
        self.poller_task: asyncio.Task[None] | None = None  # its renewals

    async def swap_engine(self, engine: QAEngine) -> None:
        """Answer with `engine` from now on; the one it replaces is freed in the background
        (all at once it would hold up the event loop for about 10 ms)."""
        retired: list[object] = [self.engine]
        self.engine = engine
        await let_go(retired)

    def rendered(self, announcement: Announcement, chat_id: ChatId) -> str:
        """An announcement as one chat gets it: a card (or the digest's) in the language the
        chat chose; the operator's own text, and every chat that chose none, as stored."""
        language = self.chat_languages.get(chat_id) if isinstance(chat_id, int) else None
        if language in (None, ENGLISH) or announcement.fact_id is None:
            return announcement.html
        card = self.engine.card(announcement.fact_id, language=language)
        if card is None or announcement.origin is AnnouncementOrigin.TEXT:
            return announcement.html  # the fact was removed since, or the text is the operator's
        if announcement.origin is AnnouncementOrigin.DIGEST:
            return f"{gettext(language, DIGEST_HEADING)}\n\n{card.html}"
        return card.message_html()

    def chosen_language(self, chat_id: int) -> str:
        """The language a chat chose with /language, else English: for what the bot sends
        unasked, with no update to tell (an operator's alert, a broadcast's report)."""
        return self.chat_languages.get(chat_id, ENGLISH)

    async def set_chat_language(
        self, chat_id: int, language: str, chat_type: str, title: str | None
    ) -> None:
        await self.store.chats.set_language(chat_id, language, chat_type=chat_type, title=title)
        self.chat_languages[chat_id] = language

    async def flush_question_log(self) -> None:
        """Write the buffered question log in one transaction, off the event loop."""
        if not self.pending_logs:
            return
        batch, self.pending_logs = self.pending_logs, []
        await self.store.questions.log(batch)

    async def announcement_targets(self) -> list[ChatId]:
        """Every chat an announcement goes to now: configured targets, then subscribers."""
        return audience(self.settings.announce_chat_ids, await self.store.chats.subscribed_chats())


DIGEST_HEADING = N_("📌 <b>Fact of the day</b>")  # heads the digest's card

# PTB's generics: the bot's type argument is its rate limiter's, and the builder does not
# carry the context type into the job queue's, so both are left open.
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotState]
BotApplication = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotState, Any]
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
CONTEXT_TYPES = ContextTypes(bot_data=BotState)
