"""Which knowledge every process should answer with: a number that /reload raises, and the
taught phrasings (how many, the newest). Processes sharing the store compare it with what their
engine was built from, and rebuild when it differs, so a /reload or a lesson on one reaches
them all (bot/telegram/knowledge_sync.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.interface import Connection, StoreDatabase
from bot.store.records import TaughtPhrasing

_RELOADS_KEY = "knowledge.reloads"


@dataclass(frozen=True)
class Generation:
    """What an engine was built from. Taught ids only grow, so any lesson raises `newest` and
    any undo alone lowers `taught`: two different sets of phrasings never look the same."""

    reloads: int
    taught: int
    newest: int

    @classmethod
    def of(cls, reloads: int, taught: Sequence[TaughtPhrasing]) -> Generation:
        return cls(reloads, len(taught), max((p.id for p in taught), default=0))


class Generations:
    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def current(self) -> Generation:
        """The generation in the store now: one cheap read, made every few seconds."""

        def work(conn: Connection) -> Generation:
            row = conn.execute(
                """
                SELECT (SELECT value FROM kv WHERE key = ?) AS reloads,
                    COUNT(*) AS taught, COALESCE(MAX(id), 0) AS newest
                FROM taught
                """,
                (_RELOADS_KEY,),
            ).fetchone()
            return Generation(int(row["reloads"] or 0), int(row["taught"]), int(row["newest"]))

        return await self._db.read(work)

    async def reloaded(self) -> int:
        """Count one more reload of the knowledge base: the number the others will see."""
        now = self._db.clock()

        def work(conn: Connection) -> int:
            row = conn.execute(
                """
                INSERT INTO kv (key, value, updated_at) VALUES (?, '1', ?)
                ON CONFLICT (key) DO UPDATE SET
                    value = CAST(CAST(kv.value AS INTEGER) + 1 AS TEXT),
                    updated_at = excluded.updated_at
                RETURNING value
                """,
                (_RELOADS_KEY, now),
            ).fetchone()
            return int(row["value"])

        return await self._db.write(work)
