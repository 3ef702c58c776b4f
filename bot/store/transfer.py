"""A SQLite store copied into an empty PostgreSQL database (`python -m bot migrate-store`), for
moving a bot to replicas without losing its chats, subscriptions, announcements and their
deliveries, the question log, the questions to review, taught phrasings, votes and the digest.

Every table is copied with its ids, in one transaction, and the identity sequences are moved
past the copied ids, so the bot carries on where it was. Leases are not copied: who sends is
decided again by the processes that run next (a delivery a sender had in flight stays in
flight, and its successor reports it unconfirmed, as after any stop). The counts of rows are
compared table by table afterwards.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bot.store.database import SqliteDatabase
from bot.store.postgres import PostgresDatabase, describe_url, scrub
from bot.store.problems import StoreError
from bot.store.schema_pg import IDENTITIES

# Parents before children (deliveries and digest runs name an announcement).
TABLES = (
    "chats",
    "announcements",
    "deliveries",
    "questions",
    "unanswered",
    "digest_shown",
    "kv",
    "digest_runs",
    "taught",
    "votes",
)


class TransferError(StoreError):
    """The copy was refused or failed; the message is one line."""


@dataclass(frozen=True)
class Counted:
    """One table's rows in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int


def copy_store(source: Path, url: str) -> list[Counted]:
    """Copy the SQLite store at `source` into the empty PostgreSQL database at `url`, then
    count both. The source is first brought to the current schema, as the bot would on
    starting; the target gets the schema if it has none. TransferError when refused."""
    if not source.is_file():
        raise TransferError(f"{source}: no such SQLite file")
    SqliteDatabase(source).close()  # checked and migrated, or StoreOpenError / StoreError
    PostgresDatabase(url).close()  # the schema, or StoreOpenError / StoreError
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with psycopg.connect(url) as target:
            _refuse_data(target, url)
            for table in TABLES:
                _copy_table(reader, target, table)
            for table, column in IDENTITIES:
                target.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({t}, {c}), "
                        "COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
                    ).format(
                        t=table,
                        c=column,
                        col=sql.Identifier(column),
                        table=sql.Identifier(table),
                    )
                )
        with psycopg.connect(url, autocommit=True) as counter:  # after the copy committed
            return [Counted(t, _count(reader, t), _count_pg(counter, t)) for t in TABLES]
    except (sqlite3.Error, psycopg.Error) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise TransferError(
            f"copying {source} into {describe_url(url)} failed, nothing was copied: "
            f"{scrub(first, url)}"
        ) from None
    finally:
        reader.close()


def _refuse_data(target: psycopg.Connection[Any], url: str) -> None:
    """A database that already holds bot data is never written into: two stores' ids would
    collide, and the counts could no longer prove the copy."""
    filled = [
        table
        for table in (*TABLES, "leases")
        if target.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        ).fetchone()
        == (True,)
    ]
    if filled:
        raise TransferError(
            f"{describe_url(url)} already holds bot data (in {', '.join(filled)}); "
            "copy into an empty database"
        )


def _columns(target: psycopg.Connection[Any], table: str) -> list[str]:
    rows = target.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _copy_table(reader: sqlite3.Connection, target: psycopg.Connection[Any], table: str) -> None:
    """Every row, in rowid order, with every column PostgreSQL has (deliveries' rowid is
    SQLite's implicit one)."""
    columns = _columns(target, table)
    names = ", ".join(f'"{column}"' for column in columns)
    rows = reader.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with target.cursor().copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)


def _count(reader: sqlite3.Connection, table: str) -> int:
    return int(reader.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _count_pg(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0
