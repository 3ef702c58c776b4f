"""The state that must survive restarts and crashes: chats and subscriptions, announcements
and deliveries, the question log, the digest, votes on answers; in one SQLite file (the
default, one process) or in PostgreSQL (DATABASE_URL, shared by replicas).

Every method is a coroutine that runs its SQL in the database's own threads, so a handler or
the broadcaster never blocks the event loop on a disk write. The sub-stores' SQL is one copy
for both databases (`interface.py` says what they need of a database).
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
from bot.store.database import SqliteDatabase
from bot.store.digest import Digest
from bot.store.generations import Generations
from bot.store.interface import StoreDatabase
from bot.store.lease import Leases
from bot.store.problems import (
    StoreError,
    StoreLostError,
    StoreOpenError,
    StoreReadError,
    StoreWriteError,
)
from bot.store.questions import Questions
from bot.store.records import Stats
from bot.store.taught import Taught
from bot.store.updates import SeenUpdates
from bot.store.votes import Votes

__all__ = [
    "Store",
    "StoreError",
    "StoreLostError",
    "StoreOpenError",
    "StoreReadError",
    "StoreWriteError",
    "is_postgres_url",
    "open_store",
    "store_exists",
]
_URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | Path) -> bool:
    """Whether `target` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


def store_exists(target: str | Path) -> bool:
    """Whether there may be data to read: a SQLite file that exists, or any PostgreSQL URL."""
    return is_postgres_url(target) or Path(target).exists()


def open_store(
    target: str | Path, *, clock: Callable[[], float] = time.time, read_only: bool = False
) -> Store:
    """A store on `target`: a postgresql:// URL (DATABASE_URL) or a SQLite file
    (DATABASE_PATH). psycopg is imported only for the first."""
    if is_postgres_url(target):
        from bot.store.postgres import PostgresDatabase

        return Store(PostgresDatabase(str(target), clock=clock, read_only=read_only))
    return Store(target, clock=clock, read_only=read_only)


class Store:
    """One database, one object per concern: `chats`, `broadcasts`, `questions`, `digest`,
    `leases`, `claims`, `taught`, `votes`, `generations`, `seen_updates`.

    `target` is a SQLite file, or a database already opened (`open_store` opens either).
    `read_only` is for commands that only look (`python -m bot unanswered`): the file is opened
    as it is, never migrated or created, so it works in a read-only folder too."""

    def __init__(
        self,
        target: Path | str | StoreDatabase,
        *,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        self.database: StoreDatabase = (
            SqliteDatabase(target, clock=clock, read_only=read_only)
            if isinstance(target, (str, Path))
            else target
        )
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
