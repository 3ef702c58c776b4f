"""Taught phrasings: what operators added to the knowledge base from Telegram or the command
line, kept in the store so they survive restarts (and reach every replica) until exported into
the YAML, which stays the source of truth."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.interface import Connection, Row, StoreDatabase
from bot.store.records import TaughtPhrasing, UnansweredStatus, normalise_question


def _phrasing(row: Row) -> TaughtPhrasing:
    return TaughtPhrasing(
        row["id"], row["fact_id"], row["language"], row["question"], row["taught_at"]
    )


class Taught:
    """One row per taught question; a question is taught to one fact at most."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def add(self, fact_id: str, language: str, question: str) -> TaughtPhrasing | None:
        """Store a validated phrasing, and mark the same unanswered question taught; None when
        the question (normalised) is taught already."""
        text = " ".join(question.split())
        key = normalise_question(text)
        now = self._db.clock()

        def work(conn: Connection) -> TaughtPhrasing | None:
            row = conn.execute(
                """
                INSERT INTO taught (fact_id, language, question, normalised, taught_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (normalised) DO NOTHING RETURNING id
                """,
                (fact_id, language, text, key, now),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE unanswered SET status = ? WHERE normalised = ?",
                (UnansweredStatus.TAUGHT.value, key),
            )
            return TaughtPhrasing(int(row["id"]), fact_id, language, text, now)

        return await self._db.write(work)

    async def all(self) -> list[TaughtPhrasing]:
        """Every taught phrasing, oldest first; none in a database opened read-only before a
        bot that teaches ever migrated it."""

        def work(conn: Connection) -> list[Row]:
            if not self._db.has_table(conn, "taught"):
                return []
            return conn.execute("SELECT * FROM taught ORDER BY id").fetchall()

        return [_phrasing(row) for row in await self._db.read(work)]

    async def get(self, phrasing_id: int) -> TaughtPhrasing | None:
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM taught WHERE id = ?", (phrasing_id,)
            ).fetchone()
        )
        return _phrasing(row) if row is not None else None

    async def remove(self, ids: Iterable[int], *, reopen: bool = True) -> int:
        """Remove phrasings: an undo (`reopen`: the questions they came from go back to the
        unanswered list), or exported into the YAML (they stay answered). How many were."""
        wanted = sorted(set(ids))

        def work(conn: Connection) -> int:
            removed = 0
            for phrasing_id in wanted:
                row = conn.execute(
                    "DELETE FROM taught WHERE id = ? RETURNING normalised", (phrasing_id,)
                ).fetchone()
                if row is None:
                    continue
                removed += 1
                if not reopen:
                    continue
                conn.execute(
                    "UPDATE unanswered SET status = ? WHERE normalised = ? AND status = ?",
                    (UnansweredStatus.OPEN.value, row["normalised"], UnansweredStatus.TAUGHT.value),
                )
            return removed

        return await self._db.write(work)
