"""A real PostgreSQL for the store's contract tests, and the two stores as one fixture.

One server per test session, started on first use by `pgserver` (a PyPI wheel that bundles
PostgreSQL 16's binaries: no system package, no network). Its data folder is a new folder in
the system's temporary folder (outside pytest's, whose permissions pytest keeps to itself); it
listens on a unix socket in that folder only, trusts local connections, and is stopped and
deleted when the session ends. As root, pgserver runs postgres as a system user `pgserver`,
which it creates with `useradd` the first time, and opens read and traverse permission (g+rx,
o+rx) on the folders above the data folder and on its own binaries so that user reaches them.

Every test gets an empty schema of its own (the URL's search_path), dropped afterwards, so tests
stay independent without a server or a database each. `TEST_POSTGRES_URL` points the tests at
another server instead (a role that may create schemas).

If no PostgreSQL can be started the PostgreSQL tests fail, saying why: they never skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from bot.store import Store, open_store

_schemas = itertools.count(1)


def with_search_path(url: str, schema: str) -> str:
    """`url` with its connections working in `schema`."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


class PostgresServer:
    """A throwaway PostgreSQL 16 from pgserver, in a new folder of the system's temporary one:
    for the tests' session and for `make bench`. `url` is its superuser's, on a unix socket."""

    def __init__(self, *, durable: bool = False) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="milcoop-postgres-"))
        self.data = self.folder / "data"
        with warnings.catch_warnings():  # platformdirs on XDG_RUNTIME_DIR being unset
            warnings.simplefilter("ignore")
            import pgserver

        self._server = pgserver.get_server(self.data, cleanup_mode="stop")
        self.url: str = self._server.get_uri()
        if not durable:  # tests need no durability: a server that never waits for its disk
            with psycopg.connect(self.url, autocommit=True) as conn:
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    conn.execute(f"ALTER SYSTEM SET {setting} = off")
                conn.execute("SELECT pg_reload_conf()")

    def log_tail(self) -> str:
        log = self.data / "log"
        return log.read_text(errors="replace")[-2000:] if log.is_file() else ""

    def stop(self) -> None:
        self._server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of the session's PostgreSQL server (superuser, unix socket)."""
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        server = PostgresServer()
    except Exception as error:  # anything at all: say it, and fail every PostgreSQL test
        pytest.fail(
            "the PostgreSQL store tests need a PostgreSQL server, and pgserver could not start "
            f"one: {type(error).__name__}: {error}\n(set TEST_POSTGRES_URL to use a running "
            "server instead)",
            pytrace=False,
        )
    yield server.url
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose database is empty: a schema of this test's own."""
    schema = f"test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield with_search_path(postgres_server, schema)
    if os.environ.get("TEST_POSTGRES_URL"):  # pgserver's whole server goes at the end anyway
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@dataclass(frozen=True)
class Backend:
    """One database of one kind, as the store's tests see it: a name and a way to open a
    store on it (any number of times, as several processes would)."""

    kind: str  # "sqlite" or "postgresql"
    target: str | Path  # the SQLite file or the PostgreSQL URL

    def open(self, *, clock: Callable[[], float] = time.time, read_only: bool = False) -> Store:
        return open_store(self.target, clock=clock, read_only=read_only)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each store test runs on both stores: the contract is one."""
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "nested" / "dir" / "bot.sqlite3")
    return Backend("postgresql", request.getfixturevalue("postgres_url"))
