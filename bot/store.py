"""Embedded SQLite store: the state that must survive restarts and crashes.

One connection, shared by the asyncio thread and the job-queue thread, serialised by a lock.
Every write runs in its own `BEGIN IMMEDIATE … COMMIT`, and with WAL plus `synchronous=FULL` a
committed write survives a power cut, so a broadcast interrupted by a crash resumes exactly where
it stopped. Timestamps are unix seconds (floats) from the injectable clock.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

ChatId = int | str
"""A numeric chat id, or an `@channelusername` for public channels."""

ANNOUNCEMENT_STATUSES = ("draft", "sending", "done", "cancelled")
DELIVERY_STATUSES = ("pending", "sent", "failed", "dropped")
UNANSWERED_MAX_CHARS = 500
NOT_SENT_ERROR = "not sent before the announcement was finished"
BOT_REMOVED_ERROR = "bot removed from the chat"

_DIGEST_TIME_KEY = "digest.time"
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_WHITESPACE = re.compile(r"\s+")
_NUMERIC = re.compile(r"[-+]?\d+")

# Each entry upgrades the schema by one version; never edit a released entry, append a new one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE chats (
            chat_id INTEGER PRIMARY KEY,
            chat_type TEXT NOT NULL,
            title TEXT,
            username TEXT,
            subscribed INTEGER NOT NULL DEFAULT 0 CHECK (subscribed IN (0, 1)),
            added_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            html TEXT NOT NULL,
            kind TEXT NOT NULL,
            topic TEXT,
            created_by INTEGER NOT NULL,
            created_at REAL NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
            started_at REAL,
            finished_at REAL
        )
        """,
        # chat_id has no declared type, so SQLite keeps ints as ints and '@names' as text;
        # chat_key is its canonical text form (usernames lower-cased) and carries uniqueness.
        """
        CREATE TABLE deliveries (
            announcement_id INTEGER NOT NULL
                REFERENCES announcements (id) ON DELETE CASCADE,
            chat_key TEXT NOT NULL,
            chat_id NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            message_id INTEGER,
            updated_at REAL NOT NULL,
            PRIMARY KEY (announcement_id, chat_key)
        )
        """,
        "CREATE INDEX deliveries_by_chat ON deliveries (chat_key, status)",
        # Deliberately no user id column: the log is for statistics, not for tracking people.
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at REAL NOT NULL,
            text TEXT NOT NULL,
            intent TEXT,
            matched INTEGER NOT NULL CHECK (matched IN (0, 1)),
            confidence REAL NOT NULL,
            chat_type TEXT NOT NULL
        )
        """,
        "CREATE INDEX questions_by_intent ON questions (matched, intent)",
        """
        CREATE TABLE unanswered (
            normalised TEXT PRIMARY KEY,
            count INTEGER NOT NULL,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL
        )
        """,
        # Facts shown in the current digest round; emptied when a new round starts.
        """
        CREATE TABLE digest_shown (
            fact_id TEXT PRIMARY KEY,
            shown_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL
        )
        """,
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used by this version of the bot."""


@dataclass(frozen=True)
class ChatRecord:
    """A chat the bot is in."""

    chat_id: int
    chat_type: str
    title: str | None
    username: str | None
    subscribed: bool
    added_at: float


@dataclass(frozen=True)
class Announcement:
    """An announcement; stored before sending so a crash cannot lose or repeat it."""

    id: int
    html: str
    kind: str
    topic: str | None
    created_by: int
    created_at: float
    status: str
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class Delivery:
    """One announcement to one chat: the unit the delivery loop resumes from."""

    announcement_id: int
    chat_id: ChatId
    status: str
    attempts: int
    error: str | None
    message_id: int | None
    updated_at: float


@dataclass(frozen=True)
class DeliveryReport:
    """The outcome of a finished broadcast, for the admin who sent it."""

    announcement_id: int
    delivered: int
    failed: list[tuple[ChatId, str]]
    dropped: list[ChatId]
    started_at: float
    finished_at: float

    @property
    def seconds(self) -> float:
        """Wall time of the broadcast."""
        return max(0.0, self.finished_at - self.started_at)


@dataclass(frozen=True)
class AskedQuestion:
    """One question for the statistics log: what was asked and how it was answered, no user."""

    text: str
    intent: str | None
    matched: bool
    confidence: float
    chat_type: str


@dataclass(frozen=True)
class Stats:
    """Usage figures for the admin `/stats` command."""

    questions: int
    answered: int
    fallbacks: int
    top_intents: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
    subscribers: int
    known_chats: int
    last_announcements: list[Announcement]


def normalise_question(text: str) -> str:
    """The key unanswered questions are counted under, so trivial variants count together."""
    return _WHITESPACE.sub(" ", text).strip().lower()[:UNANSWERED_MAX_CHARS].rstrip()


def parse_hhmm(value: str) -> str:
    """Validate a daily time and return it as HH:MM; ValueError when it is not 00:00-23:59."""
    match = _HHMM.fullmatch(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day (expected HH:MM, 00:00-23:59)")
    return f"{int(match[1]):02d}:{match[2]}"


def _chat_key(chat_id: ChatId) -> tuple[str, ChatId]:
    """Canonical (key, value) of a chat id; numeric strings become ints, usernames fold case."""
    if isinstance(chat_id, bool):
        raise TypeError("chat id must be an int or an @username, not a bool")
    if isinstance(chat_id, int):
        return str(chat_id), chat_id
    text = chat_id.strip()
    if _NUMERIC.fullmatch(text):
        number = int(text)
        return str(number), number
    if not text.startswith("@") or len(text) < 2:
        raise ValueError(f"{chat_id!r} is not a chat id or @username")
    return text.lower(), text


class Store:
    """The bot's persistent state in one SQLite file."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path if str(path) == ":memory:" else Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # lifecycle

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed before the caller returns, rolled back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Reads take the lock too: the connection is shared between threads."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self._query(sql, params)
        return rows[0][0] if rows else None

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: database schema version {version} is newer than this bot "
                    f"supports ({SCHEMA_VERSION}); upgrade the bot"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS[number]:
                    conn.execute(statement)
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # chats

    def upsert_chat(
        self,
        chat_id: int,
        *,
        chat_type: str,
        title: str | None = None,
        username: str | None = None,
    ) -> None:
        """Record that the bot is in a chat; keeps its subscription and any known title."""
        now = self._clock()
        with self._write() as conn:
            conn.execute(
                """
                INSERT INTO chats (chat_id, chat_type, title, username, added_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (chat_id) DO UPDATE SET
                    chat_type = excluded.chat_type,
                    title = COALESCE(excluded.title, title),
                    username = COALESCE(excluded.username, username),
                    updated_at = excluded.updated_at
                """,
                (chat_id, chat_type, title, username, now, now),
            )

    def set_subscribed(
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
        now = self._clock()
        with self._write() as conn:
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

    def is_subscribed(self, chat_id: int) -> bool:
        """Whether the chat receives announcements."""
        return bool(self._scalar("SELECT subscribed FROM chats WHERE chat_id = ?", (chat_id,)))

    def remove_chat(self, chat_id: int) -> None:
        """The bot was removed or blocked: forget the chat and drop deliveries still pending."""
        now = self._clock()
        key, _ = _chat_key(chat_id)
        with self._write() as conn:
            conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
            conn.execute(
                """
                UPDATE deliveries SET status = 'dropped', error = ?, updated_at = ?
                WHERE chat_key = ? AND status = 'pending'
                """,
                (BOT_REMOVED_ERROR, now, key),
            )

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: keep its record and subscription under the new id."""
        if old_id == new_id:
            return
        now = self._clock()
        old_key, _ = _chat_key(old_id)
        with self._write() as conn:
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
                conn.execute(
                    """
                    UPDATE chats SET subscribed = MAX(subscribed, ?),
                        title = COALESCE(title, ?), added_at = MIN(added_at, ?), updated_at = ?
                    WHERE chat_id = ?
                    """,
                    (old["subscribed"], old["title"], old["added_at"], now, new_id),
                )
                conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
            pending = conn.execute(
                "SELECT announcement_id FROM deliveries WHERE chat_key = ? AND status = 'pending'",
                (old_key,),
            ).fetchall()
            for row in pending:
                self._move_delivery(conn, row["announcement_id"], old_id, new_id, now)

    def subscribed_chats(self) -> list[int]:
        """Chats that receive announcements, oldest subscriber first."""
        rows = self._query(
            "SELECT chat_id FROM chats WHERE subscribed = 1 ORDER BY added_at, chat_id"
        )
        return [row["chat_id"] for row in rows]

    def known_chats(self) -> list[ChatRecord]:
        """Every chat the bot is in, oldest first."""
        rows = self._query("SELECT * FROM chats ORDER BY added_at, chat_id")
        return [
            ChatRecord(
                chat_id=row["chat_id"],
                chat_type=row["chat_type"],
                title=row["title"],
                username=row["username"],
                subscribed=bool(row["subscribed"]),
                added_at=row["added_at"],
            )
            for row in rows
        ]

    # announcements

    def create_announcement(
        self, *, html: str, kind: str, topic: str | None, created_by: int
    ) -> int:
        """Store a draft; returns its id."""
        with self._write() as conn:
            cursor = conn.execute(
                """
                INSERT INTO announcements (html, kind, topic, created_by, created_at, status)
                VALUES (?, ?, ?, ?, ?, 'draft')
                """,
                (html, kind, topic, created_by, self._clock()),
            )
            return int(cursor.lastrowid or 0)

    def get_announcement(self, announcement_id: int) -> Announcement | None:
        """The announcement, or None when the id is unknown."""
        rows = self._query("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        return _announcement(rows[0]) if rows else None

    def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel a draft; returns False when it is unknown or already sending or done."""
        with self._write() as conn:
            cursor = conn.execute(
                """
                UPDATE announcements SET status = 'cancelled', finished_at = ?
                WHERE id = ? AND status = 'draft'
                """,
                (self._clock(), announcement_id),
            )
            return cursor.rowcount > 0

    def start_announcement(self, announcement_id: int, targets: Sequence[ChatId]) -> int:
        """Freeze the target list and mark the announcement 'sending'; returns the target count.

        Atomic and idempotent: once sending, a repeated call changes nothing and returns the
        number already recorded, so a retried command cannot send twice. Raises KeyError for an
        unknown id and ValueError for a cancelled or finished announcement.
        """
        now = self._clock()
        with self._write() as conn:
            row = conn.execute(
                "SELECT status FROM announcements WHERE id = ?", (announcement_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"announcement {announcement_id} does not exist")
            if row["status"] == "draft":
                conn.execute(
                    """
                    UPDATE announcements SET status = 'sending', started_at = ? WHERE id = ?
                    """,
                    (now, announcement_id),
                )
                for target in targets:
                    key, value = _chat_key(target)
                    conn.execute(
                        """
                        INSERT OR IGNORE INTO deliveries
                            (announcement_id, chat_key, chat_id, status, updated_at)
                        VALUES (?, ?, ?, 'pending', ?)
                        """,
                        (announcement_id, key, value, now),
                    )
            elif row["status"] != "sending":
                raise ValueError(f"announcement {announcement_id} is {row['status']}")
            count = conn.execute(
                "SELECT COUNT(*) FROM deliveries WHERE announcement_id = ?", (announcement_id,)
            ).fetchone()[0]
            return int(count)

    def pending_deliveries(self, announcement_id: int) -> list[Delivery]:
        """Deliveries still to send, in target order: what the delivery loop resumes with."""
        return self._deliveries(announcement_id, pending_only=True)

    def deliveries(self, announcement_id: int) -> list[Delivery]:
        """Every delivery of an announcement, in target order."""
        return self._deliveries(announcement_id, pending_only=False)

    def delivery_status(self, announcement_id: int, chat_id: ChatId) -> str | None:
        """The delivery's current status, or None when there is none under this chat id."""
        key, _ = _chat_key(chat_id)
        return self._scalar(
            "SELECT status FROM deliveries WHERE announcement_id = ? AND chat_key = ?",
            (announcement_id, key),
        )

    def _deliveries(self, announcement_id: int, *, pending_only: bool) -> list[Delivery]:
        where = " AND status = 'pending'" if pending_only else ""
        rows = self._query(
            f"SELECT * FROM deliveries WHERE announcement_id = ?{where} ORDER BY rowid",
            (announcement_id,),
        )
        return [_delivery(row) for row in rows]

    def mark_delivery(
        self,
        announcement_id: int,
        chat_id: ChatId,
        *,
        status: str,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        """Record one send attempt and its outcome; KeyError when there is no such delivery."""
        if status not in DELIVERY_STATUSES:
            raise ValueError(f"unknown delivery status {status!r}")
        key, _ = _chat_key(chat_id)
        with self._write() as conn:
            cursor = conn.execute(
                """
                UPDATE deliveries SET status = ?, error = ?, message_id = ?,
                    attempts = attempts + 1, updated_at = ?
                WHERE announcement_id = ? AND chat_key = ?
                """,
                (status, error, message_id, self._clock(), announcement_id, key),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"announcement {announcement_id} has no delivery to {chat_id!r}")

    def move_delivery(self, announcement_id: int, old_chat_id: ChatId, new_chat_id: int) -> None:
        """The chat migrated mid-broadcast: the delivery goes to the new id, pending again.

        When the new id is already a target of the same announcement the old row is removed,
        so the chat still gets the message once.
        """
        with self._write() as conn:
            self._move_delivery(conn, announcement_id, old_chat_id, new_chat_id, self._clock())

    @staticmethod
    def _move_delivery(
        conn: sqlite3.Connection,
        announcement_id: int,
        old_chat_id: ChatId,
        new_chat_id: int,
        now: float,
    ) -> None:
        old_key, _ = _chat_key(old_chat_id)
        new_key, new_value = _chat_key(new_chat_id)
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
                status = CASE WHEN status = 'sent' THEN 'sent' ELSE 'pending' END,
                error = CASE WHEN status = 'sent' THEN error ELSE NULL END
            WHERE announcement_id = ? AND chat_key = ?
            """,
            (new_key, new_value, now, announcement_id, old_key),
        )

    def finish_announcement(self, announcement_id: int) -> DeliveryReport:
        """Mark the broadcast done and report it.

        Deliveries still pending are marked failed (NOT_SENT_ERROR). Calling it again returns
        the same report. KeyError for an unknown id, ValueError for a draft or cancelled one.
        """
        now = self._clock()
        with self._write() as conn:
            row = conn.execute(
                "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"announcement {announcement_id} does not exist")
            if row["status"] not in ("sending", "done"):
                raise ValueError(f"announcement {announcement_id} is {row['status']}")
            finished_at = row["finished_at"]
            if row["status"] == "sending":
                finished_at = now
                conn.execute(
                    """
                    UPDATE deliveries SET status = 'failed', error = ?, updated_at = ?
                    WHERE announcement_id = ? AND status = 'pending'
                    """,
                    (NOT_SENT_ERROR, now, announcement_id),
                )
                conn.execute(
                    "UPDATE announcements SET status = 'done', finished_at = ? WHERE id = ?",
                    (now, announcement_id),
                )
            rows = conn.execute(
                "SELECT * FROM deliveries WHERE announcement_id = ? ORDER BY rowid",
                (announcement_id,),
            ).fetchall()
        started_at = row["started_at"] if row["started_at"] is not None else finished_at
        return DeliveryReport(
            announcement_id=announcement_id,
            delivered=sum(1 for r in rows if r["status"] == "sent"),
            failed=[
                (r["chat_id"], r["error"] or "unknown error")
                for r in rows
                if r["status"] == "failed"
            ],
            dropped=[r["chat_id"] for r in rows if r["status"] == "dropped"],
            started_at=started_at,
            finished_at=finished_at,
        )

    def unfinished_announcements(self) -> list[Announcement]:
        """Broadcasts interrupted by a stop or crash, oldest first, to resume on start-up."""
        rows = self._query("SELECT * FROM announcements WHERE status = 'sending' ORDER BY id")
        return [_announcement(row) for row in rows]

    def recent_announcements(self, limit: int = 5) -> list[Announcement]:
        """The latest announcements of any status, newest first."""
        rows = self._query("SELECT * FROM announcements ORDER BY id DESC LIMIT ?", (limit,))
        return [_announcement(row) for row in rows]

    # questions and statistics

    def log_question(
        self,
        *,
        text: str,
        intent: str | None,
        matched: bool,
        confidence: float,
        chat_type: str,
    ) -> None:
        """Count one question for statistics (see `log_questions`)."""
        self.log_questions([AskedQuestion(text, intent, matched, confidence, chat_type)])

    def log_questions(self, questions: Iterable[AskedQuestion]) -> None:
        """Count questions for statistics in one transaction; unmatched ones also feed the
        unanswered list. There is deliberately no user field: the log must not tie questions
        to people."""
        now = self._clock()
        with self._write() as conn:
            for question in questions:
                conn.execute(
                    """
                    INSERT INTO questions (asked_at, text, intent, matched, confidence, chat_type)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    (
                        now,
                        question.text,
                        question.intent,
                        int(question.matched),
                        float(question.confidence),
                        question.chat_type,
                    ),
                )
                key = normalise_question(question.text)
                if not question.matched and key:
                    conn.execute(
                        """
                        INSERT INTO unanswered (normalised, count, first_seen, last_seen)
                        VALUES (?, 1, ?, ?)
                        ON CONFLICT (normalised) DO UPDATE SET
                            count = count + 1, last_seen = excluded.last_seen
                        """,
                        (key, now, now),
                    )

    def unanswered(self, limit: int = 20) -> list[tuple[str, int]]:
        """Normalised unanswered questions, most frequent first, ties by most recent."""
        rows = self._query(
            """
            SELECT normalised, count FROM unanswered
            ORDER BY count DESC, last_seen DESC, normalised LIMIT ?
            """,
            (limit,),
        )
        return [(row["normalised"], row["count"]) for row in rows]

    def stats(self, *, top: int = 5) -> Stats:
        """Usage figures; `top` bounds each ranked list."""
        with self._lock:
            totals = self._query(
                "SELECT COUNT(*) AS total, COALESCE(SUM(matched), 0) AS answered FROM questions"
            )[0]
            intents = self._query(
                """
                SELECT intent, COUNT(*) AS n FROM questions
                WHERE matched = 1 AND intent IS NOT NULL
                GROUP BY intent ORDER BY n DESC, intent LIMIT ?
                """,
                (top,),
            )
            chats = self._query(
                "SELECT COUNT(*) AS known, COALESCE(SUM(subscribed), 0) AS subscribed FROM chats"
            )[0]
            return Stats(
                questions=totals["total"],
                answered=totals["answered"],
                fallbacks=totals["total"] - totals["answered"],
                top_intents=[(row["intent"], row["n"]) for row in intents],
                top_unanswered=self.unanswered(top),
                subscribers=chats["subscribed"],
                known_chats=chats["known"],
                last_announcements=self.recent_announcements(top),
            )

    # digest

    def set_digest(self, time_hhmm: str | None) -> None:
        """Schedule the daily digest at HH:MM (normalised, e.g. '9:05' -> '09:05'); None = off."""
        if time_hhmm is None:
            with self._write() as conn:
                conn.execute("DELETE FROM kv WHERE key = ?", (_DIGEST_TIME_KEY,))
            return
        self.set_value(_DIGEST_TIME_KEY, parse_hhmm(time_hhmm))

    def digest_time(self) -> str | None:
        """The scheduled HH:MM, or None when the digest is off."""
        return self.get_value(_DIGEST_TIME_KEY)

    def next_digest_fact(self, fact_ids: Sequence[str]) -> str:
        """Pick and record the next fact: none repeats until every current fact was shown.

        Returns the first id, in the given order, not shown in this round; when all were shown a
        new round starts. Ids no longer given are ignored. ValueError when `fact_ids` is empty.
        """
        candidates = list(dict.fromkeys(fact_ids))
        if not candidates:
            raise ValueError("no facts to choose from")
        now = self._clock()
        with self._write() as conn:
            shown = {row[0] for row in conn.execute("SELECT fact_id FROM digest_shown")}
            choice = next((fact for fact in candidates if fact not in shown), None)
            if choice is None:
                conn.execute("DELETE FROM digest_shown")
                choice = candidates[0]
            conn.execute(
                "INSERT INTO digest_shown (fact_id, shown_at) VALUES (?, ?)", (choice, now)
            )
            return choice

    # key-value

    def get_value(self, key: str) -> str | None:
        """A small stored value, or None."""
        return self._scalar("SELECT value FROM kv WHERE key = ?", (key,))

    def set_value(self, key: str, value: str) -> None:
        """Store a small value, replacing any previous one."""
        with self._write() as conn:
            conn.execute(
                """
                INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    value = excluded.value, updated_at = excluded.updated_at
                """,
                (key, value, self._clock()),
            )


def _announcement(row: sqlite3.Row) -> Announcement:
    return Announcement(
        id=row["id"],
        html=row["html"],
        kind=row["kind"],
        topic=row["topic"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        announcement_id=row["announcement_id"],
        chat_id=row["chat_id"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        message_id=row["message_id"],
        updated_at=row["updated_at"],
    )
