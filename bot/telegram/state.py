"""What every handler shares, kept in `application.bot_data` under one typed key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import AskedQuestion, Store

if TYPE_CHECKING:
    from bot.telegram.broadcast import Broadcaster

STATE_KEY = "state"


@dataclass
class BotState:
    """Engine (swapped by /reload), settings and store; one per application."""

    engine: QAEngine
    settings: Settings
    store: Store
    pending_logs: list[AskedQuestion] = field(default_factory=list)
    broadcaster: Broadcaster | None = None


async def flush_question_log(state: BotState) -> None:
    """Write the buffered question log in a worker thread, off the event loop."""
    if not state.pending_logs:
        return
    batch, state.pending_logs = state.pending_logs, []
    await asyncio.to_thread(state.store.log_questions, batch)


def state_of(context: CallbackContext[Any, Any, Any, Any]) -> BotState:
    state = context.application.bot_data[STATE_KEY]
    assert isinstance(state, BotState)
    return state
