"""The update ids processes sharing the store have taken, so that each update is handled once
however many replicas Telegram's redeliveries reach (bot/telegram/redelivery.py)."""

from __future__ import annotations

from bot.store.interface import Connection, StoreDatabase

# Telegram redelivers an unconfirmed update for at most a day; ids restart only after a week.
KEEP_SECONDS = 24 * 3600.0


class SeenUpdates:
    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def claim(self, update_id: int) -> bool:
        """True for the first process to claim this id: one insert that does nothing on a
        conflict, so of several at once exactly one wins."""
        changed = await self._db.write_one(
            "INSERT INTO seen_updates (update_id, seen_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, self._db.clock()),
        )
        return changed == 1

    async def purge(self) -> int:
        """Forget the ids older than KEEP_SECONDS; how many."""
        cutoff = self._db.clock() - KEEP_SECONDS

        def work(conn: Connection) -> int:
            return conn.execute("DELETE FROM seen_updates WHERE seen_at < ?", (cutoff,)).rowcount

        return await self._db.write(work)
