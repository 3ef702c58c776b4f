"""Announcements and their deliveries: drafts, the frozen target list, each chat's outcome,
and the report, so a broadcast resumes after a crash without a repeat (claims.py says how)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.interface import Connection, Row, StoreDatabase
from bot.store.records import (
    NOT_SENT_ERROR,
    UNCONFIRMED_ERROR,
    Announcement,
    AnnouncementOrigin,
    AnnouncementStatus,
    ChatId,
    Delivery,
    DeliveryReport,
    DeliveryStatus,
    chat_key,
    stored_chat_id,
)


class Broadcasts:
    """What the bot announced, and to whom."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def create_announcement(
        self, *, html: str, origin: AnnouncementOrigin, fact_id: str | None, created_by: int
    ) -> int:
        """Store a draft; returns its id."""
        now = self._db.clock()

        return await self._db.write(
            lambda conn: insert_announcement(
                conn, html=html, origin=origin, fact_id=fact_id, created_by=created_by, now=now
            )
        )

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        """The announcement, or None when the id is unknown."""
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
            ).fetchone()
        )
        return _announcement(row) if row is not None else None

    async def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel a draft; returns False when it is unknown or already sending or done."""
        now = self._db.clock()

        def work(conn: Connection) -> bool:
            cursor = conn.execute(
                """
                UPDATE announcements SET status = 'cancelled', finished_at = ?
                WHERE id = ? AND status = 'draft'
                """,
                (now, announcement_id),
            )
            return cursor.rowcount > 0

        return await self._db.write(work)

    async def start_announcement(self, announcement_id: int, targets: Sequence[ChatId]) -> int:
        """Freeze the target list and mark the announcement 'sending'; returns the target count.

        Atomic and idempotent: once sending, a repeated call changes nothing and returns the
        number already recorded, so a retried command cannot send twice. Raises KeyError for an
        unknown id and ValueError for a cancelled or finished announcement.
        """
        now = self._db.clock()

        def work(conn: Connection) -> int:
            row = _announcement_row(conn, announcement_id)
            if row["status"] == AnnouncementStatus.DRAFT:
                freeze_targets(conn, announcement_id, targets, now)
            elif row["status"] != AnnouncementStatus.SENDING:
                raise ValueError(f"announcement {announcement_id} is {row['status']}")
            count = conn.execute(
                "SELECT COUNT(*) FROM deliveries WHERE announcement_id = ?", (announcement_id,)
            ).fetchone()[0]
            return int(count)

        return await self._db.write(work)

    async def pending_deliveries(self, announcement_id: int) -> list[Delivery]:
        """Deliveries still to send, in target order: what the delivery loop resumes with."""
        return await self._deliveries(announcement_id, "AND status = 'pending'")

    async def deliveries(self, announcement_id: int) -> list[Delivery]:
        """Every delivery of an announcement, in target order."""
        return await self._deliveries(announcement_id, "")

    async def _deliveries(self, announcement_id: int, where: str) -> list[Delivery]:
        rows = await self._db.read(
            lambda conn: conn.execute(
                f"SELECT * FROM deliveries WHERE announcement_id = ? {where} ORDER BY rowid",
                (announcement_id,),
            ).fetchall()
        )
        return [_delivery(row) for row in rows]

    async def delivery_status(self, announcement_id: int, chat_id: ChatId) -> DeliveryStatus | None:
        """The delivery's current status, or None when there is none under this chat id."""
        key, _ = chat_key(chat_id)
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT status FROM deliveries WHERE announcement_id = ? AND chat_key = ?",
                (announcement_id, key),
            ).fetchone()
        )
        return DeliveryStatus(row["status"]) if row is not None else None

    async def mark_delivery(
        self,
        announcement_id: int,
        chat_id: ChatId,
        *,
        status: DeliveryStatus,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        """Record one send attempt and its outcome; KeyError when there is no such delivery."""
        if status not in DeliveryStatus.__members__.values():
            raise ValueError(f"unknown delivery status {status!r}")
        key, _ = chat_key(chat_id)
        now = self._db.clock()

        def work(conn: Connection) -> None:
            cursor = conn.execute(
                """
                UPDATE deliveries SET status = ?, error = ?, message_id = ?,
                    attempts = attempts + 1, updated_at = ?
                WHERE announcement_id = ? AND chat_key = ?
                """,
                (str(status), error, message_id, now, announcement_id, key),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"announcement {announcement_id} has no delivery to {chat_id!r}")

        await self._db.write(work)

    async def move_delivery(
        self, announcement_id: int, old_chat_id: ChatId, new_chat_id: int
    ) -> None:
        """The chat migrated mid-broadcast: the delivery goes to the new id, pending again.

        When the new id is already a target of the same announcement the old row is removed,
        so the chat still gets the message once.
        """
        now = self._db.clock()
        await self._db.write(
            lambda conn: move_delivery_rows(conn, announcement_id, old_chat_id, new_chat_id, now)
        )

    async def finish_announcement(self, announcement_id: int) -> DeliveryReport:
        """Mark the broadcast done and report it, for a single process (the sender uses
        `Claims.finish`, which also checks its lease).

        Deliveries still pending are marked failed (NOT_SENT_ERROR), those in flight
        unconfirmed. Calling it again returns the same report. KeyError for an unknown id,
        ValueError for a draft or cancelled one.
        """
        now = self._db.clock()

        def work(conn: Connection) -> DeliveryReport:
            if settle_announcement(conn, announcement_id, now):
                conn.execute(  # the caller has the report: nobody else is to send it
                    "UPDATE announcements SET reported_at = ? WHERE id = ?", (now, announcement_id)
                )
            return build_report(conn, announcement_id)

        return await self._db.write(work)

    async def unfinished_announcements(self) -> list[Announcement]:
        """Broadcasts interrupted by a stop or crash, oldest first, to resume on start-up."""
        return await self._announcements("WHERE status = 'sending' ORDER BY id", ())

    async def recent_announcements(self, limit: int = 5) -> list[Announcement]:
        """The latest announcements of any status, newest first."""
        return await self._announcements("ORDER BY id DESC LIMIT ?", (limit,))

    async def _announcements(self, clause: str, params: tuple[int, ...]) -> list[Announcement]:
        rows = await self._db.read(
            lambda conn: conn.execute(f"SELECT * FROM announcements {clause}", params).fetchall()
        )
        return [_announcement(row) for row in rows]


def insert_announcement(
    conn: Connection,
    *,
    html: str,
    origin: AnnouncementOrigin,
    fact_id: str | None,
    created_by: int,
    now: float,
) -> int:
    """A new draft inside the caller's transaction; returns its id."""
    row = conn.execute(
        """
        INSERT INTO announcements (html, origin, fact_id, created_by, created_at, status)
        VALUES (?, ?, ?, ?, ?, 'draft') RETURNING id
        """,
        (html, origin.value, fact_id, created_by, now),
    ).fetchone()
    return int(row["id"])


def freeze_targets(
    conn: Connection, announcement_id: int, targets: Sequence[ChatId], now: float
) -> None:
    """A draft becomes 'sending' with one pending delivery per target (duplicates once)."""
    conn.execute(
        "UPDATE announcements SET status = 'sending', started_at = ? WHERE id = ?",
        (now, announcement_id),
    )
    for target in targets:
        key, value = chat_key(target)
        conn.execute(
            """
            INSERT INTO deliveries (announcement_id, chat_key, chat_id, status, updated_at)
            VALUES (?, ?, ?, 'pending', ?)
            ON CONFLICT (announcement_id, chat_key) DO NOTHING
            """,
            (announcement_id, key, value, now),
        )


def settle_announcement(conn: Connection, announcement_id: int, now: float) -> bool:
    """Mark a sending announcement done: pending deliveries failed (never sent), those in
    flight unconfirmed. Returns whether it was sending; ValueError for a draft or cancelled one.
    """
    row = _announcement_row(conn, announcement_id)
    if row["status"] not in (AnnouncementStatus.SENDING, AnnouncementStatus.DONE):
        raise ValueError(f"announcement {announcement_id} is {row['status']}")
    if row["status"] == AnnouncementStatus.DONE:
        return False
    conn.execute(
        """
        UPDATE deliveries SET status = 'failed', error = ?, updated_at = ?
        WHERE announcement_id = ? AND status = 'pending'
        """,
        (NOT_SENT_ERROR, now, announcement_id),
    )
    conn.execute(
        """
        UPDATE deliveries SET status = 'unconfirmed', error = ?, updated_at = ?
        WHERE announcement_id = ? AND status = 'in_flight'
        """,
        (UNCONFIRMED_ERROR, now, announcement_id),
    )
    conn.execute(
        "UPDATE announcements SET status = 'done', finished_at = ? WHERE id = ?",
        (now, announcement_id),
    )
    return True


def build_report(conn: Connection, announcement_id: int) -> DeliveryReport:
    """The report of a finished announcement, from its delivery rows."""
    row = _announcement_row(conn, announcement_id)
    finished_at = row["finished_at"]
    rows = conn.execute(
        "SELECT * FROM deliveries WHERE announcement_id = ? ORDER BY rowid", (announcement_id,)
    ).fetchall()

    def chats(status: DeliveryStatus) -> list[ChatId]:
        return [stored_chat_id(r["chat_id"]) for r in rows if r["status"] == status]

    return DeliveryReport(
        announcement_id=announcement_id,
        delivered=sum(1 for r in rows if r["status"] == DeliveryStatus.SENT),
        failed=[
            (stored_chat_id(r["chat_id"]), r["error"] or "unknown error")
            for r in rows
            if r["status"] == DeliveryStatus.FAILED
        ],
        dropped=chats(DeliveryStatus.DROPPED),
        started_at=row["started_at"] if row["started_at"] is not None else finished_at,
        finished_at=finished_at,
        unconfirmed=chats(DeliveryStatus.UNCONFIRMED),
    )


def _announcement_row(conn: Connection, announcement_id: int) -> Row:
    """The announcement's row; KeyError when there is none."""
    row: Row | None = conn.execute(
        "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
    ).fetchone()
    if row is None:
        raise KeyError(f"announcement {announcement_id} does not exist")
    return row


def move_delivery_rows(
    conn: Connection,
    announcement_id: int,
    old_chat_id: ChatId,
    new_chat_id: int,
    now: float,
) -> None:
    old_key, _ = chat_key(old_chat_id)
    new_key, new_value = chat_key(new_chat_id)
    if old_key == new_key:
        return
    exists = conn.execute(
        "SELECT 1 FROM deliveries WHERE announcement_id = ? AND chat_key = ?",
        (announcement_id, new_key),
    ).fetchone()
    if exists:
        conn.execute(
            "DELETE FROM deliveries WHERE announcement_id = ? AND chat_key = ?",
            (announcement_id, old_key),
        )
        return
    conn.execute(
        """
        UPDATE deliveries SET chat_key = ?, chat_id = ?, updated_at = ?,
            status = CASE WHEN status IN ('pending', 'in_flight') THEN 'pending' ELSE status END,
            error = CASE WHEN status IN ('pending', 'in_flight') THEN NULL ELSE error END
        WHERE announcement_id = ? AND chat_key = ?
        """,
        (new_key, new_value, now, announcement_id, old_key),
    )


def _announcement(row: Row) -> Announcement:
    return Announcement(
        id=row["id"],
        html=row["html"],
        origin=AnnouncementOrigin(row["origin"]),
        fact_id=row["fact_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        status=AnnouncementStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        announcement_id=row["announcement_id"],
        chat_id=stored_chat_id(row["chat_id"]),
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        error=row["error"],
        message_id=row["message_id"],
        updated_at=row["updated_at"],
    )
