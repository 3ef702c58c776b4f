"""The daily digest's state: its time of day, which facts the current round has shown (so the
fact of the day never repeats until every fact has had its turn), and which days were posted
(so no day is posted twice, whichever process posts it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.store.broadcasts import freeze_targets, insert_announcement
from bot.store.claims import lease_held
from bot.store.interface import Connection, StoreDatabase
from bot.store.records import AnnouncementOrigin, ChatId
from bot.timeofday import parse_hhmm

_TIME_KEY = "digest.time"


class Digest:
    """The schedule and the rotation, both surviving restarts."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def set_time(self, time_hhmm: str | None) -> None:
        """Schedule the daily digest at HH:MM (normalised, e.g. '9:05' -> '09:05'); None = off."""
        value = None if time_hhmm is None else parse_hhmm(time_hhmm)
        now = self._db.clock()

        def work(conn: Connection) -> None:
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
        candidates = _candidates(fact_ids)
        now = self._db.clock()
        return await self._db.write(lambda conn: _next_fact(conn, candidates, now))

    async def ran_on(self, day: str) -> bool:
        """Whether the digest of this UTC day (YYYY-MM-DD) was posted, or begun, already."""
        row = await self._db.read(
            lambda conn: conn.execute("SELECT 1 FROM digest_runs WHERE day = ?", (day,)).fetchone()
        )
        return row is not None

    async def post_once(
        self, day: str, cards: Mapping[str, str], targets: Sequence[ChatId], owner: str
    ) -> int | None:
        """The day's digest, at most once per UTC day across restarts and processes.

        In one transaction, under the sender lease: record the day's run (insert-or-ignore),
        pick the next fact of `cards` (fact id -> HTML, in rotation order), store it as an
        announcement and freeze its targets. Returns the announcement's id, or None when the
        day already has its run, the lease is not `owner`'s, or there is no target (the day
        then counts as done).
        """
        candidates = _candidates(cards)
        now = self._db.clock()

        def work(conn: Connection) -> int | None:
            if not lease_held(conn, owner, now):
                return None
            cursor = conn.execute(
                """
                INSERT INTO digest_runs (day, owner, created_at) VALUES (?, ?, ?)
                ON CONFLICT (day) DO NOTHING
                """,
                (day, owner, now),
            )
            if cursor.rowcount == 0 or not targets:
                return None
            fact_id = _next_fact(conn, candidates, now)
            announcement_id = insert_announcement(
                conn,
                html=cards[fact_id],
                origin=AnnouncementOrigin.DIGEST,
                fact_id=fact_id,
                created_by=0,
                now=now,
            )
            freeze_targets(conn, announcement_id, targets, now)
            conn.execute(
                "UPDATE digest_runs SET announcement_id = ?, fact_id = ? WHERE day = ?",
                (announcement_id, fact_id, day),
            )
            return announcement_id

        return await self._db.write(work)


def _candidates(fact_ids: Iterable[str]) -> list[str]:
    candidates = list(dict.fromkeys(fact_ids))
    if not candidates:
        raise ValueError("no facts to choose from")
    return candidates


def _next_fact(conn: Connection, candidates: list[str], now: float) -> str:
    shown = {row[0] for row in conn.execute("SELECT fact_id FROM digest_shown").fetchall()}
    choice = next((fact for fact in candidates if fact not in shown), None)
    if choice is None:
        conn.execute("DELETE FROM digest_shown")
        choice = candidates[0]
    conn.execute("INSERT INTO digest_shown (fact_id, shown_at) VALUES (?, ?)", (choice, now))
    return choice
