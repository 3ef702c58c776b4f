"""One SQLite file, opened once and used from one worker thread.

Every read and write runs in that thread, so no store call blocks the event loop, and the
thread owns the connection, so no lock is needed. Each write is its own `BEGIN IMMEDIATE …
COMMIT`; with WAL and `synchronous=FULL` a committed write survives a power cut, so a broadcast
interrupted by a crash resumes exactly where it stopped. Timestamps are unix seconds (floats)
from the injectable clock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.store.schema import MIGRATIONS, SCHEMA_VERSION

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]


class StoreError(RuntimeError):
    """The database cannot be used by this version of the bot."""


class Database:
    """The connection, its worker thread, and the schema brought up to date on opening."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path if str(path) == ":memory:" else Path(path)
        self.clock = clock
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        try:
            self._thread.submit(self._open).result()
        except BaseException:
            self._thread.shutdown()
            raise

    def _open(self) -> None:
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10.0)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn
            self._transaction(self._migrate)
        except BaseException:
            self._conn = None
            conn.close()
            raise

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema version {version} is newer than this bot "
                f"supports ({SCHEMA_VERSION}); upgrade the bot"
            )
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                conn.execute(statement)
        if version != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def _transaction(self, work: Work[T]) -> T:
        """Runs in the worker thread: committed before returning, rolled back on any error."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    async def read(self, work: Work[T]) -> T:
        """Run a query in the worker thread."""
        return await self._run(lambda: work(self._connection()))

    async def write(self, work: Work[T]) -> T:
        """Run a write in the worker thread, as one transaction."""
        return await self._run(lambda: self._transaction(work))

    async def _run(self, call: Callable[[], T]) -> T:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    def close(self) -> None:
        """Close after the calls already queued; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._thread.submit(self._close).result()
        self._thread.shutdown()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
