"""What only the PostgreSQL store has: its migrations (from an empty database, once, under an
advisory lock when replicas start together), writers in several processes at once (each write
serializable, run again when it loses), its faults in one line without the password, and the
adapter that runs the SQLite store's SQL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.store import Store, StoreError, StoreOpenError, StoreReadError, StoreWriteError
from bot.store.claims import SENDER_LEASE
from bot.store.interface import Connection
from bot.store.lease import Owner
from bot.store.postgres import PgRow, PostgresDatabase, describe_url, scrub, translate
from bot.store.records import AnnouncementOrigin, Claim
from bot.store.schema_pg import SCHEMA_VERSION
from bot.store.votes import UP, VoteOutcome
from tests.support.postgres import with_search_path
from tests.unit.test_store import Clock

RECONNECT_SECONDS = 15.0  # the pool's backoff after two failed attempts, and then some
SECRET = "s3cret-" + "pw"  # assembled: no password-like literal in the repository


def open_pg(url: str, **options: object) -> Store:
    return Store(PostgresDatabase(url, **options))


def fresh_schemas(server: str, count: int) -> list[str]:
    """URLs of `count` new empty schemas on the session's server."""
    names = [f"race_{threading.get_ident()}_{id(object())}_{n}" for n in range(count)]
    with psycopg.connect(server, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE SCHEMA {name}")
    return [with_search_path(server, name) for name in names]


def versions(url: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


@pytest.fixture
def pair(postgres_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: two replicas."""
    with open_pg(postgres_url) as first, open_pg(postgres_url) as second:
        yield first, second


# -- migrations --------------------------------------------------------------------------------


def sqlite_columns(path: Path) -> dict[str, set[str]]:
    with Store(path):
        pass
    conn = sqlite3.connect(path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {
        table: {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for table in tables
        if not table.startswith("sqlite_")
    }
    conn.close()
    return found


def postgres_columns(url: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ):
            found.setdefault(table, set()).add(column)
    return found


def test_an_empty_database_gets_the_tables_and_columns_sqlite_has(
    postgres_url: str, tmp_path: Path
) -> None:
    with open_pg(postgres_url, clock=lambda: 123.0) as store:
        assert store.database.schema_version == SCHEMA_VERSION
    tables = postgres_columns(postgres_url)
    assert tables.pop("schema_version") == {"version", "applied_at"}
    tables["deliveries"].remove("rowid")  # SQLite's implicit rowid, made a column
    assert tables == sqlite_columns(tmp_path / "a.db")
    assert versions(postgres_url) == list(range(1, SCHEMA_VERSION + 1))
    with open_pg(postgres_url):  # opened again: nothing to do, nothing done
        pass
    assert versions(postgres_url) == list(range(1, SCHEMA_VERSION + 1))


def test_a_newer_schema_is_refused_in_one_line(postgres_url: str) -> None:
    open_pg(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (%s, 0)", (SCHEMA_VERSION + 1,))
    for read_only in (False, True):
        with pytest.raises(StoreError, match="newer than this bot supports") as info:
            open_pg(postgres_url, read_only=read_only)
        assert "\n" not in str(info.value)


async def test_read_only_neither_migrates_nor_writes(postgres_url: str) -> None:
    with pytest.raises(StoreError, match="no bot data yet"):
        open_pg(postgres_url, read_only=True)
    assert "schema_version" not in postgres_columns(postgres_url)
    with open_pg(postgres_url) as store:
        await store.digest.set_time("09:00")
    with open_pg(postgres_url, read_only=True) as store:
        assert await store.digest.time() == "09:00"
        with pytest.raises(StoreError, match="read-only"):
            await store.digest.set_time("10:00")


def test_replicas_starting_together_migrate_once(postgres_server: str) -> None:
    """Four replicas open each empty database at the same instant: all start, and the
    advisory lock lets exactly one of them migrate it."""
    for url in fresh_schemas(postgres_server, 3):
        start = threading.Barrier(4)
        failures: list[BaseException] = []

        def replica(
            url: str = url,
            start: threading.Barrier = start,
            failures: list[BaseException] = failures,
        ) -> None:
            start.wait()
            try:
                open_pg(url).close()
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=replica) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert versions(url) == list(range(1, SCHEMA_VERSION + 1))


# -- writers in several processes --------------------------------------------------------------


async def test_first_subscriptions_from_two_replicas_count_once(
    pair: tuple[Store, Store],
) -> None:
    """Read-then-insert from two replicas at once: one records the chat and reports the
    change, the other retries and sees it; nobody fails on the primary key."""
    a, b = pair
    for chat in range(1, 41):
        changed = await asyncio.gather(
            a.chats.set_subscribed(chat, True, chat_type="group"),
            b.chats.set_subscribed(chat, True, chat_type="group"),
        )
        assert sorted(changed) == [False, True], chat
    assert len(await a.chats.subscribed_chats()) == 40


async def test_two_presses_at_once_count_once(pair: tuple[Store, Store]) -> None:
    a, b = pair
    for message in range(1, 31):
        outcomes = await asyncio.gather(
            *(
                store.votes.record(
                    fact_id="partners",
                    vote=UP,
                    language="en",
                    user_id=7,
                    chat_id=7,
                    message_id=message,
                    sent_at=a.database.clock(),
                )
                for store in (a, b)
            )
        )
        assert sorted(outcomes) == [VoteOutcome.NEW, VoteOutcome.UNCHANGED], message
    assert await a.votes.helpfulness() == [("partners", 30, 0)]


async def test_the_digest_rotation_never_repeats_with_two_pickers(
    pair: tuple[Store, Store],
) -> None:
    a, b = pair
    facts = [f"fact_{n}" for n in range(40)]
    picked: list[str] = []
    for _ in range(20):
        picked += await asyncio.gather(a.digest.next_fact(facts), b.digest.next_fact(facts))
    assert sorted(picked) == sorted(facts)  # one round: every fact once


async def test_one_lease_one_sender_and_each_delivery_claimed_once(
    postgres_url: str,
) -> None:
    clock = Clock()
    with open_pg(postgres_url, clock=clock) as a, open_pg(postgres_url, clock=clock) as b:
        owners = [Owner(f"replica-{n}", "", n) for n in range(2)]
        for _ in range(10):
            clock.tick(10.0)  # the lease of the round before expired: a fresh race
            acquired = await asyncio.gather(
                a.leases.acquire(SENDER_LEASE, owners[0], 10.0),
                b.leases.acquire(SENDER_LEASE, owners[1], 10.0),
            )
            assert acquired[0].lease.owner == acquired[1].lease.owner  # one holder, seen by both
        holder = next(o for o in owners if o.id == acquired[0].lease.owner)
        number = await a.broadcasts.create_announcement(
            html="x", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=1
        )
        await a.broadcasts.start_announcement(number, list(range(1, 31)))
        for chat in range(1, 31):
            claims = await asyncio.gather(
                a.claims.claim(number, chat, holder.id), b.claims.claim(number, chat, holder.id)
            )
            assert sorted(claims) == [Claim.CLAIMED, Claim.GONE], chat


async def test_conflicts_are_retried_not_reported(postgres_url: str) -> None:
    """Many writers on one row: every increment lands, and the conflicts PostgreSQL raised
    were run again (the count shows the test did race)."""
    stores = [open_pg(postgres_url) for _ in range(3)]
    try:
        await asyncio.gather(
            *(
                store.digest.set_time(f"0{n}:00")
                for n, store in enumerate(stores)
                for _ in range(10)
            )
        )
        texts = [f"question {n}" for n in range(10)]
        await asyncio.gather(
            *(store.questions.answered_wrongly(text) for store in stores for text in texts)
        )
        assert sorted(await stores[0].questions.down_voted(20)) == [(t, 3) for t in texts]
        assert sum(store.database.conflicts for store in stores) > 0
    finally:
        for store in stores:
            store.close()


# -- faults ------------------------------------------------------------------------------------


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://bot:{SECRET}@/milcoop?host={tmp_path}"  # no server on that socket
    with pytest.raises(StoreOpenError) as info:
        open_pg(url, timeout=2)
    message = str(info.value)
    assert message.startswith("DATABASE_URL (PostgreSQL database milcoop on ")
    assert "\n" not in message and SECRET not in message


async def test_a_server_that_stops_answering_fails_reads_and_writes_in_one_line(
    postgres_server: str, postgres_url: str
) -> None:
    """The role loses its login and its connections: each call fails with a one-line
    StoreError within the timeout (none hangs, none leaks a psycopg error); then the role
    comes back and calls work again once the pool has reconnected."""
    role = f"replica_{threading.get_ident()}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        schema = postgres_url.rsplit("search_path%3D", 1)[1]
        admin.execute(f"GRANT ALL ON SCHEMA {schema} TO {role}")
        url = postgres_url.replace("postgres:@", f"{role}:{SECRET}@", 1)
        store = open_pg(url, timeout=1.0)  # room for a reconnect on a busy machine
        try:
            await store.digest.set_time("08:00")
            admin.execute(f"ALTER ROLE {role} NOLOGIN")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            with pytest.raises(StoreWriteError) as wrote:
                await store.digest.set_time("09:00")
            with pytest.raises(StoreReadError) as read:
                await store.digest.time()
            for error in (wrote.value, read.value):
                assert "\n" not in str(error) and SECRET not in str(error)
                assert f"PostgreSQL database postgres on {postgres_server.split('host=')[1]}" in (
                    str(error)
                )
            admin.execute(f"ALTER ROLE {role} LOGIN")
            # The pool reconnects with a backoff (1 s, then 2 s, ...: psycopg_pool's), so the
            # first calls after the role returns may still fail, each in one line.
            deadline = asyncio.get_running_loop().time() + RECONNECT_SECONDS
            while True:
                try:
                    await store.digest.set_time("10:00")
                    break
                except StoreWriteError as error:
                    assert "\n" not in str(error) and SECRET not in str(error)
                    assert asyncio.get_running_loop().time() < deadline, str(error)
            assert await store.digest.time() == "10:00"
        finally:
            store.close()
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


async def test_a_connection_the_server_ended_is_replaced_before_it_is_used(
    postgres_server: str, postgres_url: str
) -> None:
    """The server ends the store's idle connections (a restart, an administrator): the next
    calls still work, on new connections, without a failed call first. Both kinds: the pool's,
    and the async one that claims update ids."""

    def backend(conn: Connection) -> int:
        return int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])

    async def backends(store: Store) -> set[int]:
        claimer = await store.database.write_one("SELECT pg_backend_pid()")
        return {await store.database.read(backend), int(claimer[0][0])}

    with (
        open_pg(postgres_url, pool_size=1) as store,
        psycopg.connect(postgres_server, autocommit=True) as admin,
    ):
        assert await store.seen_updates.claim(1)
        before = await backends(store)
        assert len(before) == 2
        for pid in before:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        while admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (list(before),)
        ).fetchone():
            await asyncio.sleep(0.01)
        await store.digest.set_time("09:00")
        assert await store.digest.time() == "09:00"
        assert await store.seen_updates.claim(2)
        assert not await store.seen_updates.claim(1)
        assert not (await backends(store)) & before


def test_the_password_never_shows() -> None:
    url = f"postgresql://bot:{SECRET}@db.internal:5433/milcoop"
    assert describe_url(url) == "PostgreSQL database milcoop on db.internal:5433 as bot"
    assert SECRET not in scrub(f"bad URL {url}", url)
    assert scrub(f"password={SECRET} host=x", "") == "password=*** host=x"
    assert scrub("postgresql://u:other@h/d") == "postgresql://u:***@h/d"


# -- the adapter -------------------------------------------------------------------------------


def test_placeholders_are_translated_and_quoted_text_is_not() -> None:
    assert translate("SELECT * FROM t WHERE a = ? AND b = ?") == (
        "SELECT * FROM t WHERE a = %s AND b = %s"
    )
    assert translate("SELECT '?%' || ? FROM \"odd?\" WHERE x LIKE '5%'") == (
        "SELECT '?%%' || %s FROM \"odd?\" WHERE x LIKE '5%%'"
    )


def test_rows_read_by_name_and_by_position() -> None:
    row = PgRow([1, "a"], {"id": 0, "name": 1})
    assert (row["id"], row[1], row["name"], row.keys(), dict(row)) == (
        1,
        "a",
        "a",
        ["id", "name"],
        {"id": 1, "name": "a"},
    )
    assert tuple(row) == (1, "a") and row == (1, "a")
