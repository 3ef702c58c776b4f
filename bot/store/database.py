"""One SQLite file, opened once and used from one worker thread.

Every read and write runs in that thread, so no store call blocks the event loop, and the
thread owns the connection, so no lock is needed. Each write is its own `BEGIN IMMEDIATE …
COMMIT`; with WAL and `synchronous=FULL` a committed write survives a power cut, so a broadcast
interrupted by a crash resumes exactly where it stopped. Timestamps are unix seconds (floats)
from the injectable clock.

Faults become the errors of `bot.store.problems`, each one line naming the file: a file that
cannot be opened (StoreOpenError), a write that failed (StoreWriteError), and a file deleted
or replaced under the running bot (StoreLostError), which SQLite itself never notices: it keeps
writing to the unlinked inode, and everything is gone at the next start.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.store.interface import Connection
from bot.store.problems import (
    BUSY_SECONDS,
    StoreError,
    StoreLostError,
    StoreOpenError,
    StoreWriteError,
    lost_problem,
    open_problem,
    write_problem,
)
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["Database", "SqliteDatabase", "StoreError"]

T = TypeVar("T")
Work = Callable[[Connection], T]


class SqliteDatabase:
    """The connection, its worker thread, and the schema brought up to date on opening.

    `read_only` opens the file as it is (SQLite's mode=ro: no journal switch, no migration,
    nothing created), for commands that only look, even in a read-only folder."""

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        busy_timeout: float = BUSY_SECONDS,
    ) -> None:
        self.path = path if str(path) == ":memory:" else Path(path)
        self.clock = clock
        self.read_only = read_only
        self._busy_timeout = busy_timeout
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        try:
            self._thread.submit(self._open).result()
        except BaseException as error:
            self._thread.shutdown()
            if isinstance(error, (sqlite3.Error, OSError)) and isinstance(self.path, Path):
                raise StoreOpenError(open_problem(self.path, error)) from error
            raise

    def _open(self) -> None:
        if self.read_only:
            self._conn = self._open_read_only()
            return
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=self._busy_timeout)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn
            self._transaction(self._migrate)
            if isinstance(self.path, Path):
                stat = os.stat(self.path)
                self._identity = (stat.st_dev, stat.st_ino)
        except BaseException:
            self._conn = None
            conn.close()
            raise

    def _open_read_only(self) -> sqlite3.Connection:
        """mode=ro first; a WAL database in a folder where SQLite cannot create its shared-memory
        file opens only as immutable (safe there: nobody can be writing to that folder)."""
        if not isinstance(self.path, Path):
            raise StoreError("an in-memory database cannot be opened read-only")
        if not self.path.is_file():
            raise FileNotFoundError(2, "No such file", str(self.path))
        uri = self.path.resolve().as_uri()
        for options in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(
                f"{uri}?{options}", uri=True, isolation_level=None, timeout=self._busy_timeout
            )
            try:
                conn.row_factory = sqlite3.Row
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.OperationalError:
                conn.close()
                if options != "mode=ro":
                    raise
                continue
            if version > SCHEMA_VERSION or version == 0:
                conn.close()
                empty = f"DATABASE_PATH {self.path} holds no bot data yet (no schema)"
                raise StoreError(self._newer(version) if version else empty)
            return conn
        raise AssertionError("unreachable")

    @property
    def name(self) -> str:
        """The file, for messages."""
        return str(self.path)

    def has_table(self, conn: Connection, table: str) -> bool:
        """Whether the schema has `table`: a file of an older release opened read-only is not
        migrated, so it may lack the newest tables."""
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        return found is not None

    def _newer(self, version: int) -> str:
        return (
            f"{self.path}: database schema version {version} is newer than this bot "
            f"supports ({SCHEMA_VERSION}); upgrade the bot"
        )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(self._newer(version))
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                conn.execute(statement)
        # Written even when unchanged: SQLite opens a file it may not write read-only without a
        # word, and this write makes that fail now, at start-up, rather than at the first save.
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
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

    def _check_file(self) -> None:
        """Runs in the worker thread: the file at the path is still the one that was opened."""
        if self._identity is None:
            return
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StoreLostError(lost_problem(self.path, replaced=False)) from None
        except OSError as error:
            raise StoreWriteError(write_problem(self.path, error, self._busy_timeout)) from error
        if (stat.st_dev, stat.st_ino) != self._identity:
            raise StoreLostError(lost_problem(self.path, replaced=True))

    def _write(self, work: Work[T]) -> T:
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only, cannot write")
        self._check_file()
        try:
            return self._transaction(work)
        except sqlite3.OperationalError as error:
            raise StoreWriteError(write_problem(self.path, error, self._busy_timeout)) from error
        except sqlite3.DatabaseError as error:
            if type(error) is not sqlite3.DatabaseError:  # IntegrityError and the like: a bug
                raise
            raise StoreWriteError(write_problem(self.path, error, self._busy_timeout)) from error

    async def read(self, work: Work[T]) -> T:
        """Run a query in the worker thread."""
        return await self._run(lambda: work(self._connection()))

    async def write(self, work: Work[T]) -> T:
        """Run a write in the worker thread, as one transaction; StoreWriteError when it did
        not happen, StoreLostError when the file is no longer the one opened."""
        return await self._run(lambda: self._write(work))

    async def write_one(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """One statement as its own transaction: the rows it returns."""
        return await self.write(lambda conn: conn.execute(sql, parameters).fetchall())

    async def check_file(self) -> None:
        """StoreLostError when the file was deleted or replaced since it was opened."""
        await self._run(self._check_file)

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


Database = SqliteDatabase
"""The SQLite database's name before there was a second one."""
