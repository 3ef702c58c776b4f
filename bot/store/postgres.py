"""The store on PostgreSQL (DATABASE_URL), which any number of replicas may share.

Async to its callers, pooled: a `psycopg_pool.ConnectionPool` of synchronous connections is
used from a thread pool with as many threads as connections, so every store call is still a
coroutine that never blocks the event loop, and several run at once. The one statement sent
for every update, the claim of its id (`write_one`), goes instead on an async connection of its
own in the event loop: no hop to a thread and back, which cost as much CPU as the statement.

The sub-stores' SQL is the SQLite store's, run through a thin adapter (`?` placeholders become
`%s`). Each write is one SERIALIZABLE transaction: PostgreSQL aborts one of two writers that
would otherwise see each other's changes half-way, and the work function is run again (a few
times, with jittered back-off), so read-modify-write code written for SQLite's one writer at a
time stays correct with several. Reads run one statement at a time (READ COMMITTED).

The schema (`schema_pg.py`) is brought up to date on opening, under an advisory lock, so
replicas starting together migrate once. Faults become the errors of `bot.store.problems`,
each one line naming the server and database, never the password.
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import select
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg import errors, pq
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.store.interface import Connection, Cursor, Work
from bot.store.problems import (
    BUSY_SECONDS,
    StoreError,
    StoreOpenError,
    StoreReadError,
    StoreWriteError,
)
from bot.store.schema_pg import MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION

__all__ = ["PostgresDatabase", "describe_url", "translate"]

T = TypeVar("T")
POOL_SIZE = 4  # connections, and threads to use them: concurrent store calls per process
WRITE_ATTEMPTS = 10  # a write that keeps losing conflicts fails after this many runs
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)
_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_PASSWORD_OPTION = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite's `?` placeholders as psycopg's `%s`, a literal `%` doubled; quoted text (string
    literals, quoted names) is left as it is."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            out.append("%%" if char == "%" else char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


class PgRow(tuple[Any, ...]):
    """A row by position or by column name, as `sqlite3.Row`."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._index[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._index)


def _rows(cursor: psycopg.Cursor[Any] | psycopg.AsyncCursor[Any]) -> RowMaker[PgRow]:
    names = [column.name for column in cursor.description or ()]
    index = {name: position for position, name in enumerate(names)}
    return functools.partial(PgRow, index=index)


class _Adapter:
    """A psycopg connection as the sub-stores' `Connection`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        cursor = self._conn.cursor(row_factory=_rows)
        cursor.execute(translate(sql), tuple(parameters))
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor:
        """psycopg pipelines the statements: one round trip for the lot."""
        cursor = self._conn.cursor(row_factory=_rows)
        cursor.executemany(translate(sql), [tuple(p) for p in parameters])
        return cursor


def scrub(message: str, url: str = "") -> str:
    """`message` on one line without the password, wherever libpq echoed it."""
    password = _password(url)
    if password:
        message = message.replace(password, "***")
    message = _PASSWORD_IN_URL.sub(r"\1***@", message)
    message = _PASSWORD_OPTION.sub(r"\1***", message)
    return " ".join(message.split())


def _password(url: str) -> str:
    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except psycopg.Error:
        return ""


def describe_url(url: str) -> str:
    """The database a URL names, for messages: user, server and database, no password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return "PostgreSQL (DATABASE_URL cannot be read)"
    user = info.get("user") or "(default user)"
    host = str(info.get("host") or "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    database = info.get("dbname") or user
    return f"PostgreSQL database {database} on {host}{port} as {user}"


def _reason(error: BaseException, url: str) -> str:
    if isinstance(error, PoolTimeout):
        return "no connection to the server within the time allowed"
    text = str(error).strip().splitlines()
    return scrub(text[0] if text else type(error).__name__, url)


class PostgresDatabase:
    """The pool, its threads, and the schema brought up to date on opening.

    `read_only` neither migrates nor writes: for commands that only look."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        pool_size: int = POOL_SIZE,
        timeout: float = BUSY_SECONDS,
    ) -> None:
        self.url = url
        self.clock = clock
        self.read_only = read_only
        self._name = describe_url(url)
        self._timeout = timeout
        self._closed = False
        self.conflicts = 0  # writes run again after losing a conflict: a measure of contention
        seconds = max(2, round(timeout))  # libpq's connect_timeout: whole seconds, at least 2
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"connect_timeout": seconds, "autocommit": True},
            open=False,
            timeout=timeout,
            check=_check,
            name="store",
        )
        try:
            with psycopg.connect(url, connect_timeout=seconds, autocommit=True) as conn:
                self.schema_version = self._schema(conn)
            self._pool.open(wait=True, timeout=timeout)
        except BaseException as error:
            self._pool.close()
            if not isinstance(error, (psycopg.OperationalError, PoolTimeout)):
                raise

            raise StoreOpenError(
                f"DATABASE_URL ({self._name}): cannot open the database "
                f"({_reason(error, url)}); check that the server is running and that the URL's "
                "host, user, password and database are right"
            ) from None
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="postgres")
        self._link = _AsyncLink(url, seconds)

    @property
    def name(self) -> str:
        """Server and database, for messages."""
        return self._name

    def _newer(self, version: int) -> str:
        return (
            f"{self._name}: database schema version {version} is newer than this bot "
            f"supports ({SCHEMA_VERSION}); upgrade the bot"
        )

    def _schema(self, conn: psycopg.Connection[Any]) -> int:
        """The schema's version, after migrating it (unless read-only) under the lock that
        makes replicas opening the database together migrate it once."""
        if self.read_only:
            version = _version(conn)
            if version is None:
                raise StoreError(f"{self._name} holds no bot data yet (no schema)")
            if version > SCHEMA_VERSION:
                raise StoreError(self._newer(version))
            return version
        with conn.transaction():  # READ COMMITTED: each statement sees what the lock waited for
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            version = _version(conn) or 0
            if version > SCHEMA_VERSION:
                raise StoreError(self._newer(version))
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)",
                    (number + 1, self.clock()),
                )
        return SCHEMA_VERSION

    def has_table(self, conn: Connection, table: str) -> bool:
        """Whether the schema (on the connection's search path) has `table`."""
        return bool(conn.execute("SELECT to_regclass(?) IS NOT NULL", (table,)).fetchone()[0])

    def _read(self, work: Work[T]) -> T:
        try:
            with self._pool.connection() as conn:
                return work(_Adapter(conn))
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise StoreReadError(
                f"could not read the database {self._name}: {_reason(error, self.url)}"
            ) from None

    def _write(self, work: Work[T]) -> T:
        if self.read_only:
            raise StoreError(f"{self._name}: opened read-only, cannot write")
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._pool.connection() as conn:
                    return _serializable(conn, work)
            except _RETRYABLE as error:
                self.conflicts += 1
                if attempt + 1 == WRITE_ATTEMPTS:
                    raise self._write_error(error) from None
                time.sleep(random.uniform(0.5, 1.5) * min(0.2, 0.002 * 2**attempt))
            except (psycopg.OperationalError, PoolTimeout) as error:
                raise self._write_error(error) from None
        raise AssertionError("unreachable")

    def _write_error(self, error: BaseException) -> StoreWriteError:
        if isinstance(error, _RETRYABLE):
            reason = f"other writers kept conflicting with it ({WRITE_ATTEMPTS} attempts)"
        else:
            reason = _reason(error, self.url)
        return StoreWriteError(f"could not save to the database {self._name}: {reason}")

    async def read(self, work: Work[T]) -> T:
        """Run a query in one of the pool's threads."""
        return await self._run(lambda: self._read(work))

    async def write(self, work: Work[T]) -> T:
        """Run a write in one of the pool's threads, as one serializable transaction
        (run again when it lost a conflict); StoreWriteError when it did not happen."""
        return await self._run(lambda: self._write(work))

    async def write_one(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """One statement in autocommit: its own transaction, in one round trip, on the async
        connection (one statement at a time: the claims that use it come batched)."""
        if self._closed:
            raise StoreError(f"{self._name}: the store is closed")
        if self.read_only:
            raise StoreError(f"{self._name}: opened read-only, cannot write")
        try:
            return await self._link.run(translate(sql), tuple(parameters))
        except psycopg.OperationalError as error:
            raise self._write_error(error) from None

    async def check_file(self) -> None:
        """Nothing to check: a server's database cannot be swapped under an open connection."""
        if self._closed:
            raise StoreError(f"{self._name}: the store is closed")

    async def _run(self, call: Callable[[], T]) -> T:
        if self._closed:
            raise StoreError(f"{self._name}: the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def close(self) -> None:
        """Close after the calls already queued; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._threads.shutdown(wait=True)
        self._pool.close()
        self._link.close()


class _AsyncLink:
    """One async connection, opened on first use in the running event loop and opened again
    when it broke, when the server has ended it (it sent something while idle) or when another
    loop uses the store (each test has its own)."""

    def __init__(self, url: str, connect_timeout: int) -> None:
        self._url = url
        self._connect_timeout = connect_timeout
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    async def run(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.close()
            self._loop, self._lock = loop, asyncio.Lock()
        assert self._lock is not None
        async with self._lock:
            conn = self._conn
            if conn is None or conn.closed or _spoke(conn.pgconn.socket):
                self.close()
                conn = self._conn = await psycopg.AsyncConnection.connect(
                    self._url, connect_timeout=self._connect_timeout, autocommit=True
                )
            try:
                cursor: psycopg.AsyncCursor[PgRow] = conn.cursor(row_factory=_rows)
                await cursor.execute(sql, parameters)
                return await cursor.fetchall()
            except psycopg.OperationalError:
                self.close()
                raise

    def close(self) -> None:
        """Without the event loop: libpq ends the session at once (the loop may be gone)."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            conn.pgconn.finish()


def _spoke(socket: int) -> bool:
    """Whether the server sent an idle connection anything: on a healthy one nothing waits."""
    return bool(select.select([socket], [], [], 0)[0])


def _check(conn: psycopg.Connection[Any]) -> None:
    """Before a connection leaves the pool: a round trip (to be replaced if it fails) only when
    the server has sent an idle connection something, as it does when it ends the session
    (pg_terminate_backend, a restart). On a healthy idle connection there is nothing to read,
    and a round trip on every call cost about a third of the store's time per update."""
    if conn.closed or _spoke(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema's version, or None when the database has no schema_version table."""
    found = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _serializable(conn: psycopg.Connection[Any], work: Work[T]) -> T:
    """One SERIALIZABLE transaction: committed before returning, rolled back on any error."""
    conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
    try:
        result = work(_Adapter(conn))
        conn.execute("COMMIT")
    except BaseException:
        if not conn.broken and conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        raise
    return result
