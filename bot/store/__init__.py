"""The state that must survive restarts and crashes, in one SQLite file: chats and
subscriptions, announcements and deliveries, the question log, the digest, votes on answers.

Every method is a coroutine that runs its SQL in the database's own thread, so a handler or
the broadcaster never blocks the event loop on a disk write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from bot.store.broadcasts import Broadcasts
from bot.store.chats import Chats
from bot.store.claims import Claims
from bot.store.database import Database
from bot.store.digest import Digest
from bot.store.generations import Generations
from bot.store.lease import Leases
from bot.store.problems import StoreError, StoreLostError, StoreOpenError, StoreWriteError
from bot.store.questions import Questions
from bot.store.records import Stats
from bot.store.taught import Taught
from bot.store.updates import SeenUpdates
from bot.store.votes import Votes

__all__ = ["Store", "StoreError", "StoreLostError", "StoreOpenError", "StoreWriteError"]


class Store:
    """One database, one object per concern: `chats`, `broadcasts`, `questions`, `digest`,
    `leases`, `claims`, `taught`, `votes`, `generations`, `seen_updates`.

    `read_only` is for commands that only look (`python -m bot unanswered`): the file is opened
    as it is, never migrated or created, so it works in a read-only folder too."""

    def __init__(
        self, path: Path | str, *, clock: Callable[[], float] = time.time, read_only: bool = False
    ) -> None:
        self.database = Database(path, clock=clock, read_only=read_only)
        self.chats = Chats(self.database)
        self.broadcasts = Broadcasts(self.database)
        self.questions = Questions(self.database)
        self.digest = Digest(self.database)
        self.leases = Leases(self.database)
        self.claims = Claims(self.database)
        self.taught = Taught(self.database)
        self.votes = Votes(self.database)
        self.generations = Generations(self.database)
        self.seen_updates = SeenUpdates(self.database)

    async def stats(self, *, top: int = 5) -> Stats:
        """Usage figures for /stats; `top` bounds each ranked list."""
        questions, answered, top_facts = await self.questions.totals(top=top)
        known, subscribed = await self.chats.counts()
        return Stats(
            questions=questions,
            answered=answered,
            fallbacks=questions - answered,
            top_facts=top_facts,
            top_unanswered=await self.questions.unanswered(top),
            subscribers=subscribed,
            known_chats=known,
            last_announcements=await self.broadcasts.recent_announcements(top),
        )

    def close(self) -> None:
        """Close after the calls already queued; safe to call twice."""
        self.database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
