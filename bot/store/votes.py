"""Votes on answers ("Was this helpful?"): what was voted on, how, in which language and on
which day, and no user id.

One press counts once per user per message. To know a second press from a first without
storing who pressed, a vote keeps a keyed hash (HMAC-SHA256) of (user, chat, message) under a
random salt drawn once and kept in `kv`; the hash is cleared `VOTER_TTL` seconds after the
first press, on the next write (a vote or `purge`), so after a day nothing ties a vote to a
person. Presses on cards older than `VOTE_WINDOW` are refused, so the hash of every message
that can still be voted on is there: the once-per-user rule always holds. The window is an
hour shorter than the hash's life, for clocks (Telegram's message date, ours) not quite in step.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from enum import StrEnum

from bot.store.interface import Connection, StoreDatabase

VOTER_TTL = 24 * 3600.0  # a voter's hash lives a day after the first press, then is cleared
VOTE_WINDOW = VOTER_TTL - 3600.0  # a card older than this takes no more votes
UP, DOWN = 1, -1
_SALT_KEY = "votes.salt"


class VoteOutcome(StrEnum):
    """What a press did."""

    NEW = "new"  # the first press of this user on this message: counted
    CHANGED = "changed"  # the other button: the vote now counts the other way
    UNCHANGED = "unchanged"  # the same button again: counted once already
    EXPIRED = "expired"  # the card is too old to vote on: nothing recorded


def vote_day(now: float) -> str:
    """The UTC day (YYYY-MM-DD) a vote is filed under: its only time stamp."""
    return time.strftime("%Y-%m-%d", time.gmtime(now))


def voter_hash(salt: bytes, user_id: int, chat_id: int, message_id: int) -> str:
    """Who pressed on which message, unreadable without the salt: HMAC-SHA256, hex."""
    key = f"{user_id}:{chat_id}:{message_id}".encode()
    return hmac.new(salt, key, hashlib.sha256).hexdigest()


class Votes:
    """One row per user per message; counts per fact for /stats."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database
        # The store's clock, replaceable on its own: a test moves votes a day on without
        # moving the leases and broadcasts that share the database.
        self.clock: Callable[[], float] = database.clock
        self._salt: bytes | None = None  # read (or drawn) once, then kept: it never changes

    async def record(
        self,
        *,
        fact_id: str,
        vote: int,
        language: str,
        user_id: int,
        chat_id: int,
        message_id: int,
        sent_at: float,
    ) -> VoteOutcome:
        """Count a press on the card `message_id` (sent at `sent_at`, unix seconds) voting
        `vote` (UP or DOWN) on `fact_id`: new, changed, unchanged, or refused as too old.
        Expired voter hashes are cleared in the same transaction."""
        if vote not in (UP, DOWN):
            raise ValueError(f"a vote is {UP} or {DOWN}, not {vote!r}")
        now = self.clock()
        if now - sent_at > VOTE_WINDOW:
            return VoteOutcome.EXPIRED

        def work(conn: Connection) -> tuple[VoteOutcome, bytes]:
            _purge(conn, now)
            salt = self._salt or _salt(conn, now)
            voter = voter_hash(salt, user_id, chat_id, message_id)
            return _count(conn, voter, fact_id, vote, language, now), salt

        outcome, self._salt = await self._db.write(work)  # kept once it is surely stored
        return outcome

    async def helpfulness(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """(fact_id, up, down) of the facts most voted on, most votes first."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                """
                SELECT fact_id, SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END) AS up,
                    SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END) AS down FROM votes
                GROUP BY fact_id ORDER BY COUNT(*) DESC, fact_id LIMIT ?
                """,
                (limit,),
            ).fetchall()
        )
        return [(row["fact_id"], int(row["up"]), int(row["down"])) for row in rows]

    async def purge(self) -> int:
        """Clear the voter hashes past their expiry; how many were. Writes only when there is
        one to clear, so running it often costs a read."""
        now = self.clock()
        due = await self._db.read(
            lambda conn: conn.execute(
                "SELECT 1 FROM votes WHERE voter IS NOT NULL AND voter_expires <= ? LIMIT 1",
                (now,),
            ).fetchone()
        )
        if due is None:
            return 0
        return await self._db.write(lambda conn: _purge(conn, now))


def _salt(conn: Connection, now: float) -> bytes:
    """The salt, drawn and stored by the first vote ever (of any process sharing the file:
    the first insert wins, everyone reads it back)."""
    conn.execute(
        "INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (_SALT_KEY, secrets.token_hex(32), now),
    )
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (_SALT_KEY,)).fetchone()
    return bytes.fromhex(row["value"])


def _count(
    conn: Connection, voter: str, fact_id: str, vote: int, language: str, now: float
) -> VoteOutcome:
    """A first press inserts the vote, the other button turns it, the same one does nothing."""
    row = conn.execute("SELECT id, vote FROM votes WHERE voter = ?", (voter,)).fetchone()
    if row is None:
        conn.execute(
            """
            INSERT INTO votes (fact_id, vote, language, day, voter, voter_expires)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (fact_id, vote, language, vote_day(now), voter, now + VOTER_TTL),
        )
        return VoteOutcome.NEW
    if row["vote"] == vote:
        return VoteOutcome.UNCHANGED
    # The hash keeps its first expiry: it must not outlive the first press by more.
    conn.execute(
        "UPDATE votes SET vote = ?, language = ?, day = ? WHERE id = ?",
        (vote, language, vote_day(now), row["id"]),
    )
    return VoteOutcome.CHANGED


def _purge(conn: Connection, now: float) -> int:
    cursor = conn.execute(
        """
        UPDATE votes SET voter = NULL, voter_expires = NULL
        WHERE voter IS NOT NULL AND voter_expires <= ?
        """,
        (now,),
    )
    return cursor.rowcount
