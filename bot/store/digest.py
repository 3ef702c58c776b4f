"""The daily digest's state: its time of day, and which facts the current round has shown,
so the fact of the day never repeats until every fact has had its turn."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.store.database import Database
from bot.timeofday import parse_hhmm

_TIME_KEY = "digest.time"


class Digest:
    """The schedule and the rotation, both surviving restarts."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def set_time(self, time_hhmm: str | None) -> None:
        """Schedule the daily digest at HH:MM (normalised, e.g. '9:05' -> '09:05'); None = off."""
        value = None if time_hhmm is None else parse_hhmm(time_hhmm)
        now = self._db.clock()

        def work(conn: sqlite3.Connection) -> None:
            if value is None:
                conn.execute("DELETE FROM kv WHERE key = ?", (_TIME_KEY,))
                return
            conn.execute(
                """
                INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    value = excluded.value, updated_at = excluded.updated_at
                """,
                (_TIME_KEY, value, now),
            )

        await self._db.write(work)

    async def time(self) -> str | None:
        """The scheduled HH:MM, or None when the digest is off."""
        row = await self._db.read(
            lambda conn: conn.execute("SELECT value FROM kv WHERE key = ?", (_TIME_KEY,)).fetchone()
        )
        return str(row["value"]) if row is not None else None

    async def next_fact(self, fact_ids: Sequence[str]) -> str:
        """Pick and record the next fact: none repeats until every current fact was shown.

        Returns the first id, in the given order, not shown in this round; when all were shown a
        new round starts. Ids no longer given are ignored. ValueError when `fact_ids` is empty.
        """
        candidates = list(dict.fromkeys(fact_ids))
        if not candidates:
            raise ValueError("no facts to choose from")
        now = self._db.clock()

        def work(conn: sqlite3.Connection) -> str:
            shown = {row[0] for row in conn.execute("SELECT fact_id FROM digest_shown")}
            choice = next((fact for fact in candidates if fact not in shown), None)
            if choice is None:
                conn.execute("DELETE FROM digest_shown")
                choice = candidates[0]
            conn.execute(
                "INSERT INTO digest_shown (fact_id, shown_at) VALUES (?, ?)", (choice, now)
            )
            return choice

        return await self._db.write(work)
