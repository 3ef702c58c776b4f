"""What the sub-stores (chats, broadcasts, questions, ...) need from a database, so that one
copy of their SQL runs on SQLite and on PostgreSQL alike.

A sub-store hands a synchronous `work(conn)` function to `read` or `write`; the database runs
it in one of its own threads and returns the result to the awaiting coroutine, so no store call
blocks the event loop. `conn` is the small part of a DB-API connection that work functions use:
`execute(sql, params)` with `?` placeholders, and a cursor with `fetchone`, `fetchall` and
`rowcount` whose rows are indexable by column name and by position, like `sqlite3.Row`.

`write` runs its work as one transaction that either commits whole or leaves nothing behind,
and as if no other writer ran at the same time: SQLite serialises writers (BEGIN IMMEDIATE),
PostgreSQL runs them SERIALIZABLE and runs a work function again when it lost a conflict. A
work function may therefore run more than once: it must not have effects outside `conn`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Cursor(Protocol):
    """The result of one statement."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What a work function may call: one statement at a time, `?` placeholders; or one
    statement for each set of parameters (PostgreSQL sends them all in one round trip)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


Work = Callable[[Connection], T]


class StoreDatabase(Protocol):
    """One database behind the store: SQLite (`bot.store.database`) or PostgreSQL
    (`bot.store.postgres`)."""

    clock: Callable[[], float]  # unix seconds, injectable for tests

    @property
    def name(self) -> str:
        """Where the data is, for messages: a file, or a server and database (no password)."""
        ...

    async def read(self, work: Work[T]) -> T:
        """Run a query off the event loop."""
        ...

    async def write(self, work: Work[T]) -> T:
        """Run `work` as one transaction, off the event loop; StoreWriteError when it did not
        happen, StoreLostError when the data it would reach is gone."""
        ...

    async def write_one(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """One statement that is a transaction by itself (an insert that does nothing on a
        conflict): the rows it returns (RETURNING). On PostgreSQL it costs one round trip, not
        the three of a transaction, which matters for what is written once per update."""
        ...

    async def check_file(self) -> None:
        """StoreLostError when the database was replaced under the bot (a no-op where that
        cannot happen)."""
        ...

    def has_table(self, conn: Connection, table: str) -> bool:
        """Inside a work function: whether the schema has `table` (an older file opened
        read-only may lack the newest)."""
        ...

    def close(self) -> None:
        """Close after the calls already queued; safe to call twice."""
        ...


class Row(Protocol):
    """A result row: by column name or by position, as `sqlite3.Row`."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...
