"""Every process sharing a store answers with the same knowledge.

/reload and lessons change what a process answers with; other processes on the same store
(a rolling deploy, replicas) learn of it from the store's generation (bot/store/generations.py),
read every CHECK_SECONDS: a changed one makes them reload the YAML from their own knowledge
folder (when /reload raised it) and lay the store's taught phrasings over it, building the new
engine off the event loop and swapping it in. A knowledge base that does not load here is
refused here too: the process keeps answering with the one it has, and says so once.
"""

from __future__ import annotations

import asyncio
import logging

from bot.engine import QAEngine
from bot.kb import KnowledgeBase, KnowledgeError, load_knowledge
from bot.quiet import quietly
from bot.store.generations import Generation
from bot.teaching import with_taught
from bot.telegram.state import BotState

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # how soon a change made by another process reaches this one


async def rebuild(
    state: BotState, *, knowledge: KnowledgeBase | None = None, reloads: int | None = None
) -> None:
    """The engine of `knowledge` (else the YAML loaded now) and what is taught now, built off
    the event loop and swapped in; the generation it was built from is recorded. The caller
    holds `state.teaching`."""
    taught = await state.store.taught.all()
    kb = knowledge or state.knowledge
    engine = await asyncio.to_thread(quietly, lambda: QAEngine(with_taught(kb, taught)))
    await state.swap_engine(engine)
    state.knowledge = kb
    if reloads is None:
        reloads = state.generation.reloads if state.generation else 0
    state.generation = Generation.of(reloads, taught)


async def start(state: BotState) -> None:
    """At start-up: the taught phrasings over the YAML, and the generation they make."""
    current = await state.store.generations.current()
    async with state.teaching:
        if current.taught:
            await rebuild(state, reloads=current.reloads)
        else:
            state.generation = Generation(current.reloads, 0, 0)


async def follow(state: BotState) -> None:
    """Catch up with the store's generation when another process changed it."""
    if await state.store.generations.current() == state.generation:
        return
    async with state.teaching:  # after any lesson of this process's own
        current = await state.store.generations.current()
        known = state.generation
        if known is None or current == known:
            return
        knowledge = state.knowledge
        if current.reloads != known.reloads:
            folder = state.settings.knowledge_folder
            try:
                knowledge = await asyncio.to_thread(load_knowledge, folder)
            except KnowledgeError as error:
                log.warning(
                    "another instance reloaded the knowledge base, but %s does not load here "
                    "(%d problems): this one keeps answering with the one it has",
                    folder,
                    len(error.problems),
                )
        await rebuild(state, knowledge=knowledge, reloads=current.reloads)
        log.info("knowledge base brought in step with another instance's change")
