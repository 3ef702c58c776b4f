"""Delivery claims: how a broadcast reaches each chat at most once, across crashes and
processes.

Only the holder of the sender lease (`SENDER_LEASE`) sends. Before each send it claims the
delivery: one UPDATE turns it from 'pending' into 'in_flight' under the sender's name, and only
while the sender's lease is live (checked in the same statement), so a process that lost the
lease can claim nothing. The outcome is recorded after the send. A delivery whose sender
vanished in between (killed, or a send still hanging at shutdown) is never sent again: it
becomes 'unconfirmed', and the operator's report names it. The report itself is claimed the
same way, so one process sends it; a successor re-sends a report whose sender vanished.
"""

from __future__ import annotations

from bot.store.broadcasts import build_report, settle_announcement
from bot.store.interface import Connection, StoreDatabase
from bot.store.lease import LEASE_HELD
from bot.store.records import (
    UNCONFIRMED_ERROR,
    ChatId,
    Claim,
    DeliveryReport,
    DeliveryStatus,
    chat_key,
    stored_chat_id,
)

SENDER_LEASE = "sender"
"""The lease whose holder sends broadcasts and posts the digest."""

SHUTDOWN_ERROR = "unconfirmed: the bot shut down while the send was in flight"
_OUTCOMES = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.DROPPED})


def lease_held(conn: Connection, owner: str, now: float) -> bool:
    """Inside a transaction: whether `owner` holds the sender lease at `now`."""
    return bool(conn.execute(f"SELECT {LEASE_HELD}", (SENDER_LEASE, owner, now)).fetchone()[0])


class Claims:
    """Claims and outcomes of deliveries, and of the operator's report, under the lease."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def claim(self, announcement_id: int, chat_id: ChatId, owner: str) -> Claim:
        """Take a pending delivery for sending. Atomic: of several claimants one wins, and
        nobody without the live sender lease does."""
        key, _ = chat_key(chat_id)
        now = self._db.clock()

        def work(conn: Connection) -> Claim:
            if not lease_held(conn, owner, now):
                return Claim.NO_LEASE
            cursor = conn.execute(
                f"""
                UPDATE deliveries SET status = 'in_flight', claimed_by = ?, claimed_at = ?,
                    attempts = attempts + 1, error = NULL, updated_at = ?
                WHERE announcement_id = ? AND chat_key = ? AND status = 'pending'
                    AND {LEASE_HELD}
                """,
                (owner, now, now, announcement_id, key, SENDER_LEASE, owner, now),
            )
            return Claim.CLAIMED if cursor.rowcount > 0 else Claim.GONE

        return await self._db.write(work)

    async def record(
        self,
        announcement_id: int,
        chat_id: ChatId,
        owner: str,
        *,
        status: DeliveryStatus,
        error: str | None = None,
        message_id: int | None = None,
    ) -> bool:
        """The outcome of `owner`'s own claim. Needs no lease: it is the truth about a send
        already made, and it wins over 'unconfirmed' set by a successor meanwhile."""
        if status not in _OUTCOMES:
            raise ValueError(f"{status!r} is not an outcome")
        key, _ = chat_key(chat_id)
        now = self._db.clock()

        def work(conn: Connection) -> bool:
            cursor = conn.execute(
                """
                UPDATE deliveries SET status = ?, error = ?, message_id = ?, updated_at = ?
                WHERE announcement_id = ? AND chat_key = ? AND claimed_by = ?
                    AND status IN ('in_flight', 'unconfirmed')
                """,
                (str(status), error, message_id, now, announcement_id, key, owner),
            )
            return cursor.rowcount > 0

        return await self._db.write(work)

    async def unclaim(self, announcement_id: int, chat_id: ChatId, owner: str) -> bool:
        """Hand back a claim whose send surely did not happen (it was refused, or never left),
        so whoever holds the lease next sends it."""
        key, _ = chat_key(chat_id)
        now = self._db.clock()

        def work(conn: Connection) -> bool:
            cursor = conn.execute(
                """
                UPDATE deliveries SET status = 'pending', updated_at = ?
                WHERE announcement_id = ? AND chat_key = ? AND claimed_by = ?
                    AND status = 'in_flight'
                """,
                (now, announcement_id, key, owner),
            )
            return cursor.rowcount > 0

        return await self._db.write(work)

    async def settle_unknown(self, announcement_id: int, owner: str) -> list[ChatId]:
        """Deliveries left in flight by an earlier sender become 'unconfirmed' (they may have
        arrived: never resend them); only the lease holder does this. Returns those chats."""
        now = self._db.clock()

        def work(conn: Connection) -> list[ChatId]:
            if not lease_held(conn, owner, now):
                return []
            rows = conn.execute(
                """
                SELECT chat_key, chat_id FROM deliveries
                WHERE announcement_id = ? AND status = 'in_flight'
                    AND (claimed_by IS NULL OR claimed_by <> ?)
                ORDER BY rowid
                """,
                (announcement_id, owner),
            ).fetchall()
            for row in rows:
                conn.execute(
                    """
                    UPDATE deliveries SET status = 'unconfirmed', error = ?, updated_at = ?
                    WHERE announcement_id = ? AND chat_key = ? AND status = 'in_flight'
                    """,
                    (UNCONFIRMED_ERROR, now, announcement_id, row["chat_key"]),
                )
            return [stored_chat_id(row["chat_id"]) for row in rows]

        return await self._db.write(work)

    async def settle_own(self, owner: str, *, may_have_arrived: bool) -> list[ChatId]:
        """Shutdown cut `owner`'s send short: a request that was on the wire may have arrived,
        so it is recorded as unconfirmed now rather than left for a successor to guess; a
        claim not yet sent goes back to pending. Returns those chats."""
        now = self._db.clock()
        status, error = ("unconfirmed", SHUTDOWN_ERROR) if may_have_arrived else ("pending", None)

        def work(conn: Connection) -> list[ChatId]:
            rows = conn.execute(
                "SELECT chat_id FROM deliveries WHERE claimed_by = ? AND status = 'in_flight'",
                (owner,),
            ).fetchall()
            conn.execute(
                """
                UPDATE deliveries SET status = ?, error = ?, updated_at = ?
                WHERE claimed_by = ? AND status = 'in_flight'
                """,
                (status, error, now, owner),
            )
            return [stored_chat_id(row["chat_id"]) for row in rows]

        return await self._db.write(work)

    async def finish(self, announcement_id: int, owner: str) -> DeliveryReport | None:
        """Mark the broadcast done and claim its report, under the lease. Returns the report
        to send, or None when this caller did not finish it (another did, or the lease is
        gone). An announcement nobody is to be told about (no creator) counts as reported."""
        now = self._db.clock()

        def work(conn: Connection) -> DeliveryReport | None:
            if not lease_held(conn, owner, now):
                return None
            if not settle_announcement(conn, announcement_id, now):
                return None
            conn.execute(
                """
                UPDATE announcements SET report_owner = ?,
                    reported_at = CASE WHEN created_by = 0 THEN ? ELSE NULL END
                WHERE id = ?
                """,
                (owner, now, announcement_id),
            )
            return build_report(conn, announcement_id)

        return await self._db.write(work)

    async def orphaned_reports(self, owner: str) -> list[int]:
        """Finished announcements whose report another sender claimed and never confirmed."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                """
                SELECT id FROM announcements
                WHERE status = 'done' AND reported_at IS NULL
                    AND (report_owner IS NULL OR report_owner <> ?)
                ORDER BY id
                """,
                (owner,),
            ).fetchall()
        )
        return [int(row["id"]) for row in rows]

    async def claim_report(self, announcement_id: int, owner: str) -> DeliveryReport | None:
        """Take over an orphaned report (see `orphaned_reports`); None if someone else did."""
        now = self._db.clock()

        def work(conn: Connection) -> DeliveryReport | None:
            cursor = conn.execute(
                f"""
                UPDATE announcements SET report_owner = ?
                WHERE id = ? AND status = 'done' AND reported_at IS NULL
                    AND (report_owner IS NULL OR report_owner <> ?) AND {LEASE_HELD}
                """,
                (owner, announcement_id, owner, SENDER_LEASE, owner, now),
            )
            return build_report(conn, announcement_id) if cursor.rowcount > 0 else None

        return await self._db.write(work)

    async def reported(self, announcement_id: int) -> None:
        """The report went out (or cannot: the operator blocked the bot): never send again."""
        now = self._db.clock()
        await self._db.write(
            lambda conn: conn.execute(
                "UPDATE announcements SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
                (now, announcement_id),
            )
        )
