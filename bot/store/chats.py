"""Chats the bot is in and their subscriptions. A chat that leaves or migrates changes the
deliveries still pending for it in the same transaction, so no broadcast sends to a chat the
bot has left or misses one that moved."""

from __future__ import annotations

from bot.store.broadcasts import move_delivery_rows
from bot.store.interface import Connection, StoreDatabase
from bot.store.records import BOT_REMOVED_ERROR, ChatRecord, chat_key


class Chats:
    """Where the bot is, and which of those chats receive announcements."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def upsert_chat(
        self,
        chat_id: int,
        *,
        chat_type: str,
        title: str | None = None,
        username: str | None = None,
    ) -> None:
        """Record that the bot is in a chat; keeps its subscription and any known title."""
        now = self._db.clock()

        def work(conn: Connection) -> None:
            conn.execute(
                """
                INSERT INTO chats (chat_id, chat_type, title, username, added_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (chat_id) DO UPDATE SET
                    chat_type = excluded.chat_type,
                    title = COALESCE(excluded.title, chats.title),
                    username = COALESCE(excluded.username, chats.username),
                    updated_at = excluded.updated_at
                """,
                (chat_id, chat_type, title, username, now, now),
            )

        await self._db.write(work)

    async def set_subscribed(
        self,
        chat_id: int,
        subscribed: bool,
        *,
        chat_type: str = "group",
        title: str | None = None,
    ) -> bool:
        """Turn announcements on or off for a chat; returns whether anything changed.

        An unknown chat is recorded with `chat_type`; a known chat keeps its recorded type.
        """
        now = self._db.clock()

        def work(conn: Connection) -> bool:
            row = conn.execute(
                "SELECT subscribed FROM chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
            if row is None:
                conn.execute(
                    """
                    INSERT INTO chats (chat_id, chat_type, title, subscribed, added_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    (chat_id, chat_type, title, int(subscribed), now, now),
                )
                return subscribed
            conn.execute(
                """
                UPDATE chats SET subscribed = ?, title = COALESCE(?, title), updated_at = ?
                WHERE chat_id = ?
                """,
                (int(subscribed), title, now, chat_id),
            )
            return bool(row["subscribed"]) != subscribed

        return await self._db.write(work)

    async def set_language(
        self, chat_id: int, language: str, *, chat_type: str, title: str | None = None
    ) -> None:
        """The language a chat chose for the bot's replies; an unknown chat is recorded."""
        now = self._db.clock()

        def work(conn: Connection) -> None:
            conn.execute(
                """
                INSERT INTO chats (chat_id, chat_type, title, language, added_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (chat_id) DO UPDATE SET
                    language = excluded.language,
                    title = COALESCE(excluded.title, chats.title),
                    updated_at = excluded.updated_at
                """,
                (chat_id, chat_type, title, language, now, now),
            )

        await self._db.write(work)

    async def languages(self) -> dict[int, str]:
        """Every chat that chose a language, and its choice."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                "SELECT chat_id, language FROM chats WHERE language IS NOT NULL"
            ).fetchall()
        )
        return {row["chat_id"]: row["language"] for row in rows}

    async def remove_chat(self, chat_id: int) -> None:
        """The bot was removed or blocked: forget the chat and drop deliveries still pending."""
        now = self._db.clock()
        key, _ = chat_key(chat_id)

        def work(conn: Connection) -> None:
            conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
            conn.execute(
                """
                UPDATE deliveries SET status = 'dropped', error = ?, updated_at = ?
                WHERE chat_key = ? AND status = 'pending'
                """,
                (BOT_REMOVED_ERROR, now, key),
            )

        await self._db.write(work)

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: keep its record and subscription under the new id."""
        if old_id == new_id:
            return
        now = self._db.clock()
        old_key, _ = chat_key(old_id)

        def work(conn: Connection) -> None:
            old = conn.execute("SELECT * FROM chats WHERE chat_id = ?", (old_id,)).fetchone()
            new = conn.execute("SELECT * FROM chats WHERE chat_id = ?", (new_id,)).fetchone()
            if old is not None and new is None:
                conn.execute(
                    """
                    UPDATE chats SET chat_id = ?, chat_type = 'supergroup', updated_at = ?
                    WHERE chat_id = ?
                    """,
                    (new_id, now, old_id),
                )
            elif old is not None and new is not None:
                conn.execute(  # both rows were read in this transaction: merged here
                    """
                    UPDATE chats SET subscribed = ?, title = ?, language = ?, added_at = ?,
                        updated_at = ?
                    WHERE chat_id = ?
                    """,
                    (
                        max(new["subscribed"], old["subscribed"]),
                        _first(new["title"], old["title"]),
                        _first(new["language"], old["language"]),
                        min(new["added_at"], old["added_at"]),
                        now,
                        new_id,
                    ),
                )
                conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
            pending = conn.execute(
                "SELECT announcement_id FROM deliveries WHERE chat_key = ? AND status = 'pending'",
                (old_key,),
            ).fetchall()
            for row in pending:
                move_delivery_rows(conn, row["announcement_id"], old_id, new_id, now)

        await self._db.write(work)

    async def subscribed_chats(self) -> list[ChatRecord]:
        """Chats that receive announcements, oldest subscriber first."""
        return await self._chats("WHERE subscribed = 1")

    async def known_chats(self) -> list[ChatRecord]:
        """Every chat the bot is in, oldest first."""
        return await self._chats("")

    async def counts(self) -> tuple[int, int]:
        """(chats the bot is in, of which subscribed)."""
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT COUNT(*) AS known, COALESCE(SUM(subscribed), 0) AS subscribed FROM chats"
            ).fetchone()
        )
        return int(row["known"]), int(row["subscribed"])

    async def _chats(self, where: str) -> list[ChatRecord]:
        rows = await self._db.read(
            lambda conn: conn.execute(
                f"SELECT * FROM chats {where} ORDER BY added_at, chat_id"
            ).fetchall()
        )
        return [
            ChatRecord(
                chat_id=row["chat_id"],
                chat_type=row["chat_type"],
                title=row["title"],
                username=row["username"],
                subscribed=bool(row["subscribed"]),
                added_at=row["added_at"],
                language=row["language"],
            )
            for row in rows
        ]


def _first(value: str | None, fallback: str | None) -> str | None:
    """SQL's COALESCE of two values."""
    return value if value is not None else fallback
