"""The update ids processes sharing the store have taken, so that each update is handled once
however many replicas Telegram's redeliveries reach (bot/telegram/redelivery.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.interface import Connection, StoreDatabase

# Telegram redelivers an unconfirmed update for at most a day; ids restart only after a week.
KEEP_SECONDS = 24 * 3600.0
MAX_BATCH = 500  # ids in one statement: well within SQLite's and PostgreSQL's parameter limits


class SeenUpdates:
    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def claim(self, update_id: int) -> bool:
        """True for the first process to claim this id: of several at once exactly one wins."""
        return update_id in await self.claim_many([update_id])

    async def claim_many(self, update_ids: Sequence[int]) -> set[int]:
        """The ids this process is the first to claim, in one statement for the lot: an insert
        that does nothing on a conflict and returns what it inserted."""
        found: set[int] = set()
        for start in range(0, len(update_ids), MAX_BATCH):
            batch = update_ids[start : start + MAX_BATCH]
            now = self._db.clock()
            rows = await self._db.write_one(
                "INSERT INTO seen_updates (update_id, seen_at) VALUES "
                + ", ".join("(?, ?)" for _ in batch)
                + " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
                [value for update_id in batch for value in (update_id, now)],
            )
            found.update(int(row[0]) for row in rows)
        return found

    async def purge(self) -> int:
        """Forget the ids older than KEEP_SECONDS; how many."""
        cutoff = self._db.clock() - KEEP_SECONDS

        def work(conn: Connection) -> int:
            return conn.execute("DELETE FROM seen_updates WHERE seen_at < ?", (cutoff,)).rowcount

        return await self._db.write(work)
