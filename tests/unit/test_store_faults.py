"""The store when its file misbehaves: each fault is one error naming the file, a failed write
leaves the data as it was and the next write works once the fault is gone, and a file deleted
or replaced under the store is noticed instead of written into the void."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store, StoreError, StoreLostError, StoreOpenError, StoreWriteError
from bot.store.chats import Chats
from bot.store.database import Database
from bot.store.schema import SCHEMA_VERSION

GROUP = -1001234


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with Store(path) as opened:
        yield opened


async def subscribed(store: Store) -> list[int]:
    return [chat.chat_id for chat in await store.chats.subscribed_chats()]


async def subscribe(store: Store, chat_id: int = GROUP) -> bool:
    return await store.chats.set_subscribed(chat_id, True, chat_type="supergroup", title="Crew")


# -- opening -----------------------------------------------------------------------------------


def test_a_directory_is_named_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreOpenError) as info:
        Store(tmp_path)
    assert str(info.value) == (
        f"DATABASE_PATH {tmp_path} is a directory, not a file: point DATABASE_PATH at a file, "
        f"for example {tmp_path / 'bot.sqlite3'}"
    )


def test_a_garbage_file_is_named_and_left_alone(path: Path) -> None:
    garbage = bytes(range(256)) * 16
    path.write_bytes(garbage)
    with pytest.raises(StoreOpenError) as info:
        Store(path)
    assert str(info.value) == (
        f"DATABASE_PATH {path} is not a SQLite database or is damaged: move it away (the "
        "bot then starts an empty one) or restore it from a backup"
    )
    assert path.read_bytes() == garbage


def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StoreOpenError) as info:
        Store(blocker / "bot.sqlite3")
    assert str(info.value) == (
        f"DATABASE_PATH {blocker / 'bot.sqlite3'}: cannot create its folder {blocker} (File "
        "exists); create the folder or set DATABASE_PATH to a file in a writable folder"
    )


def test_open_errors_are_store_errors_of_one_line(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        Store(tmp_path)
    assert "\n" not in str(info.value)


# -- writes that fail --------------------------------------------------------------------------


def database(path: Path, **options: float) -> tuple[Database, Chats]:
    db = Database(path, **options)
    return db, Chats(db)


async def test_a_full_disk_fails_the_write_in_one_line_and_keeps_the_data(path: Path) -> None:
    db, chats = database(path)
    try:
        await chats.set_subscribed(GROUP, True, chat_type="supergroup", title="Crew")

        def fill_the_disk(conn: sqlite3.Connection) -> None:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")

        await db.read(fill_the_disk)
        with pytest.raises(StoreWriteError) as info:
            for n in range(200):  # the free space left in the last pages runs out
                await chats.set_subscribed(-1000 - n, True, chat_type="group", title="x" * 500)
        assert str(info.value) == f"could not save to the database {path}: the disk is full"
        assert GROUP in [chat.chat_id for chat in await chats.subscribed_chats()]
        await db.read(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))
        assert await chats.set_subscribed(-999_999, True, chat_type="group", title="later")
    finally:
        db.close()


async def test_a_read_only_database_fails_the_write(path: Path) -> None:
    db, chats = database(path)
    try:
        await db.read(lambda conn: conn.execute("PRAGMA query_only = 1"))
        with pytest.raises(StoreWriteError) as info:
            await chats.set_subscribed(GROUP, True, chat_type="supergroup", title="Crew")
        assert str(info.value) == (
            f"could not save to the database {path}: the database or its folder has become "
            "read-only"
        )
        await db.read(lambda conn: conn.execute("PRAGMA query_only = 0"))
        assert await chats.set_subscribed(GROUP, True, chat_type="supergroup", title="Crew")
    finally:
        db.close()


async def test_a_lock_held_too_long_fails_the_write(path: Path) -> None:
    db, chats = database(path, busy_timeout=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process writing, and writing, and writing
        with pytest.raises(StoreWriteError) as info:
            await chats.set_subscribed(GROUP, True, chat_type="supergroup", title="Crew")
        assert str(info.value) == (
            f"could not save to the database {path}: another process kept the database locked "
            "for more than 0.2 s"
        )
        other.execute("ROLLBACK")
        assert await chats.set_subscribed(GROUP, True, chat_type="supergroup", title="Crew")
    finally:
        other.close()
        db.close()


async def test_a_bug_is_not_reported_as_a_storage_fault(store: Store) -> None:
    """Constraint violations are the code's fault: they keep their own type."""

    def violate(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO kv (key, value, updated_at) VALUES ('k', NULL, 0)")

    with pytest.raises(sqlite3.IntegrityError):
        await store.database.write(violate)


# -- the file deleted or replaced --------------------------------------------------------------


async def test_a_deleted_file_stops_every_write(store: Store, path: Path) -> None:
    assert await subscribe(store)
    await store.database.check_file()  # nothing wrong yet, after writes and checkpoints
    path.unlink()
    expected = (
        f"the database file {path} was deleted while the bot was running; stopping, so that a "
        "restart opens the file now at DATABASE_PATH (restore it from a backup if it was lost)"
    )
    with pytest.raises(StoreLostError) as info:
        await subscribe(store, -1009)
    assert str(info.value) == expected
    with pytest.raises(StoreLostError):
        await store.database.check_file()
    assert not path.exists()


async def test_a_replaced_file_is_noticed(store: Store, path: Path, tmp_path: Path) -> None:
    assert await subscribe(store)
    with Store(tmp_path / "restored.sqlite3"):
        pass
    os.replace(tmp_path / "restored.sqlite3", path)
    with pytest.raises(StoreLostError) as info:
        await subscribe(store, -1009)
    assert "was replaced by another file while the bot was running; stopping" in str(info.value)


# -- read-only use -----------------------------------------------------------------------------


async def test_read_only_opens_without_touching_the_file(path: Path) -> None:
    with Store(path) as store:
        assert await subscribe(store)
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists()
    before = path.read_bytes()
    with Store(path, read_only=True) as store:
        assert await subscribed(store) == [GROUP]
        with pytest.raises(StoreError, match="opened read-only"):
            await subscribe(store, -1009)
    assert path.read_bytes() == before


async def test_read_only_neither_migrates_nor_creates(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE unanswered (normalised TEXT, count INTEGER)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(old, read_only=True):
        pass
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1 < SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with pytest.raises(StoreOpenError):
        Store(tmp_path / "missing.sqlite3", read_only=True)
    assert not (tmp_path / "missing.sqlite3").exists()


def test_read_only_refuses_a_newer_or_empty_schema(tmp_path: Path) -> None:
    newer, empty = tmp_path / "newer.sqlite3", tmp_path / "empty.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    empty.touch()
    with pytest.raises(StoreError, match="newer than this bot supports"):
        Store(newer, read_only=True)
    with pytest.raises(StoreError, match="holds no bot data yet"):
        Store(empty, read_only=True)
