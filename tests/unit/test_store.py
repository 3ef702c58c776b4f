"""The store's contract, on a real SQLite file and on a real PostgreSQL database alike (the
`backend` fixture): every behaviour through its async interface, crashes and killed
processes, and concurrent writers; SQLite's own settings and migrations from its older
schemas (PostgreSQL's are in test_store_postgres.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store, StoreError
from bot.store.questions import Questions
from bot.store.records import (
    NOT_SENT_ERROR,
    AnnouncementOrigin,
    AskedQuestion,
    ChatRecord,
    DeliveryStatus,
    normalise_question,
)
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.support.postgres import Backend


class Clock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "bot.sqlite3"


@pytest.fixture
def store(backend: Backend, clock: Clock) -> Iterator[Store]:
    with backend.open(clock=clock) as opened:
        yield opened


@pytest.fixture
def sqlite_store(db_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(db_path, clock=clock) as opened:
        yield opened


def reopen(store: Store, backend: Backend, clock: Clock) -> Store:
    store.close()
    return backend.open(clock=clock)


async def columns(store: Store, backend: Backend, table: str) -> set[str]:
    """The table's column names, as the database describes them."""
    if backend.kind == "sqlite":
        sql = f"SELECT name FROM pragma_table_info('{table}')"
    else:
        sql = (
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = current_schema() AND table_name = '{table}'"
        )
    return await store.database.read(lambda conn: {row[0] for row in conn.execute(sql).fetchall()})


async def announce(store: Store, html: str = "<b>News</b>") -> int:
    return await store.broadcasts.create_announcement(
        html=html, origin=AnnouncementOrigin.TEXT, fact_id="quote", created_by=42
    )


async def subscribed(store: Store) -> list[int]:
    return [chat.chat_id for chat in await store.chats.subscribed_chats()]


async def pragma(store: Store, name: str) -> object:
    """A PRAGMA read through the store's own connection, in its own thread."""
    return await store.database.read(lambda conn: conn.execute(f"PRAGMA {name}").fetchone()[0])


async def log_question(
    store: Store, text: str, fact_id: str | None, *, matched: bool, confidence: float = 0.5
) -> None:
    await store.questions.log([AskedQuestion(text, fact_id, matched, confidence, "private")])


# opening


async def test_open_creates_directory_and_configures_sqlite(
    sqlite_store: Store, db_path: Path
) -> None:
    store = sqlite_store
    assert db_path.is_file()
    assert await pragma(store, "journal_mode") == "wal"
    assert await pragma(store, "synchronous") == 2  # FULL
    assert await pragma(store, "foreign_keys") == 1
    assert await pragma(store, "user_version") == SCHEMA_VERSION


async def test_reopen_keeps_schema_and_close_twice(
    store: Store, backend: Backend, clock: Clock
) -> None:
    await store.digest.set_time("10:00")
    again = reopen(store, backend, clock)
    assert await again.digest.time() == "10:00"
    again.close()
    again.close()
    with pytest.raises(StoreError, match="closed"):
        await again.digest.time()


async def test_calls_run_off_the_event_loop_thread(store: Store) -> None:
    """Every query runs in the store's own thread, never in the one running the event loop."""
    import threading

    here = threading.get_ident()
    there = await store.database.read(lambda conn: threading.get_ident())
    written = await store.database.write(lambda conn: threading.get_ident())
    assert here not in {there, written}


def test_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db_path)


async def test_memory_database_works() -> None:
    with Store(":memory:") as memory:
        await memory.digest.set_time("01:02")
        assert await memory.digest.time() == "01:02"


async def test_version_1_database_is_migrated_keeping_its_rows(db_path: Path) -> None:
    """A database written by the previous release: the renamed columns keep their values."""
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO announcements (html, kind, topic, created_by, created_at, status) "
        "VALUES ('<b>x</b>', 'topic', 'partners', 7, 1.0, 'done')"
    )
    conn.execute(
        "INSERT INTO questions (asked_at, text, intent, matched, confidence, chat_type) "
        "VALUES (1.0, 'who are the partners', 'partners', 1, 0.9, 'private')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        assert await pragma(store, "user_version") == SCHEMA_VERSION
        (announcement,) = await store.broadcasts.recent_announcements()
        assert (announcement.origin, announcement.fact_id) == (AnnouncementOrigin.CARD, "partners")
        assert (await store.stats()).top_facts == [("partners", 1)]


async def test_failed_write_is_rolled_back(store: Store) -> None:
    announcement = await announce(store)
    with pytest.raises(TypeError):
        await store.broadcasts.start_announcement(
            announcement, [1, 2, True]
        )  # bool is refused mid-way
    draft = await store.broadcasts.get_announcement(announcement)
    assert draft is not None and draft.status == "draft"
    assert await store.broadcasts.deliveries(announcement) == []


# chats


async def test_subscriptions_persist(store: Store, backend: Backend, clock: Clock) -> None:
    assert (
        await store.chats.set_subscribed(-100, True, chat_type="supergroup", title="Group") is True
    )
    assert await store.chats.set_subscribed(-100, True) is False
    assert await store.chats.set_subscribed(5, False, chat_type="private") is False
    assert await store.chats.set_subscribed(7, True, chat_type="private") is True
    assert await store.chats.set_subscribed(7, False) is True
    store = reopen(store, backend, clock)
    try:
        assert -100 in await subscribed(store)
        assert 7 not in await subscribed(store)
        assert 12345 not in await subscribed(store)
        assert await subscribed(store) == [-100]
        assert {chat.chat_id for chat in await store.chats.known_chats()} == {-100, 5, 7}
    finally:
        store.close()


async def test_upsert_chat_keeps_subscription_and_title(store: Store, clock: Clock) -> None:
    await store.chats.upsert_chat(-1, chat_type="group", title="Old title")
    clock.tick()
    await store.chats.set_subscribed(-1, True)
    clock.tick()
    await store.chats.upsert_chat(-1, chat_type="supergroup")
    await store.chats.upsert_chat(-2, chat_type="channel", title="Chan", username="chan_name")
    assert await store.chats.known_chats() == [
        ChatRecord(-1, "supergroup", "Old title", None, True, clock.now - 2),
        ChatRecord(-2, "channel", "Chan", "chan_name", False, clock.now),
    ]
    assert await store.chats.set_subscribed(-1, True, chat_type="group") is False
    assert (await store.chats.known_chats())[0].chat_type == "supergroup"


async def test_a_chats_language_is_kept_and_follows_a_migration(store: Store) -> None:
    assert (await store.chats.languages()).get(-1) is None  # an unknown chat never chose
    await store.chats.upsert_chat(-1, chat_type="group", title="G")
    assert (await store.chats.languages()).get(-1) is None
    await store.chats.set_language(-1, "ru", chat_type="group")
    await store.chats.set_subscribed(-1, True)
    await store.chats.set_language(5, "az", chat_type="private")  # recorded on first choice
    assert ((await store.chats.languages()).get(-1), (await store.chats.languages()).get(5)) == (
        "ru",
        "az",
    )
    chats = {chat.chat_id: chat for chat in await store.chats.known_chats()}
    assert chats[-1].language == "ru" and chats[-1].subscribed and chats[-1].title == "G"
    await store.chats.migrate_chat(-1, -100)
    assert (await store.chats.languages()).get(-100) == "ru"
    await store.chats.upsert_chat(-200, chat_type="supergroup")
    await store.chats.set_language(-2, "az", chat_type="group")
    await store.chats.migrate_chat(-2, -200)  # both known: the old chat's choice is kept
    assert (await store.chats.languages()).get(-200) == "az"


async def test_remove_chat_drops_subscription_and_pending_deliveries(store: Store) -> None:
    await store.chats.set_subscribed(-1, True)
    await store.chats.set_subscribed(-2, True)
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [-1, -2])
    await store.chats.remove_chat(-1)
    await store.chats.remove_chat(999)  # unknown: no error
    assert await subscribed(store) == [-2]
    assert [chat.chat_id for chat in await store.chats.known_chats()] == [-2]
    assert [d.chat_id for d in await store.broadcasts.pending_deliveries(announcement)] == [-2]
    assert (await store.broadcasts.deliveries(announcement))[0].status == "dropped"
    await store.chats.set_subscribed(-1, False)
    assert -1 not in await subscribed(store)


async def test_migrate_chat_keeps_subscription_and_moves_pending(
    store: Store, backend: Backend, clock: Clock
) -> None:
    await store.chats.set_subscribed(-5, True, chat_type="group", title="G")
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [-5, -6])
    await store.broadcasts.mark_delivery(announcement, -6, status="sent", message_id=1)
    await store.chats.migrate_chat(-5, -1005)
    assert await subscribed(store) == [-1005]
    assert -5 not in await subscribed(store)
    assert await store.chats.known_chats() == [
        ChatRecord(-1005, "supergroup", "G", None, True, clock.now)
    ]
    assert [d.chat_id for d in await store.broadcasts.pending_deliveries(announcement)] == [-1005]
    store = reopen(store, backend, clock)
    try:
        assert -1005 in await subscribed(store)
    finally:
        store.close()


async def test_migrate_chat_merges_into_known_new_chat(store: Store) -> None:
    await store.chats.set_subscribed(-5, True, chat_type="group")
    await store.chats.upsert_chat(-1005, chat_type="supergroup", title="Super")
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [-5, -1005])
    await store.chats.migrate_chat(-5, -1005)
    assert await store.chats.known_chats() == [
        ChatRecord(
            -1005, "supergroup", "Super", None, True, (await store.chats.known_chats())[0].added_at
        )
    ]
    assert [d.chat_id for d in await store.broadcasts.deliveries(announcement)] == [-1005]


async def test_migrate_unknown_chat_still_moves_pending_deliveries(store: Store) -> None:
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [-5])
    await store.chats.migrate_chat(-5, -1005)
    assert await store.chats.known_chats() == []
    assert [d.chat_id for d in await store.broadcasts.pending_deliveries(announcement)] == [-1005]


# announcements


async def test_announcement_lifecycle(store: Store, clock: Clock) -> None:
    announcement = await announce(store)
    created = await store.broadcasts.get_announcement(announcement)
    assert created is not None
    assert (created.status, created.html, created.origin, created.fact_id) == (
        "draft",
        "<b>News</b>",
        "text",
        "quote",
    )
    assert (created.created_by, created.created_at, created.started_at) == (42, clock.now, None)
    assert await store.broadcasts.get_announcement(announcement + 100) is None
    clock.tick()
    assert (
        await store.broadcasts.start_announcement(
            announcement, [-1, "@Chan", -2, -1, "@chan", "-2"]
        )
        == 3
    )
    started = await store.broadcasts.get_announcement(announcement)
    assert started is not None
    assert (started.status, started.started_at) == ("sending", clock.now)
    assert [d.chat_id for d in await store.broadcasts.pending_deliveries(announcement)] == [
        -1,
        "@Chan",
        -2,
    ]
    assert await store.broadcasts.unfinished_announcements() == [started]


async def test_start_announcement_is_idempotent(store: Store, clock: Clock) -> None:
    announcement = await announce(store)
    assert await store.broadcasts.start_announcement(announcement, [1, 2, 3]) == 3
    await store.broadcasts.mark_delivery(announcement, 1, status="sent", message_id=10)
    clock.tick()
    assert await store.broadcasts.start_announcement(announcement, [1, 2, 3, 4]) == 3
    deliveries = await store.broadcasts.deliveries(announcement)
    assert [(d.chat_id, d.status) for d in deliveries] == [
        (1, "sent"),
        (2, "pending"),
        (3, "pending"),
    ]
    started = await store.broadcasts.get_announcement(announcement)
    assert started is not None and started.started_at == clock.now - 1


async def test_start_refuses_cancelled_finished_and_unknown(store: Store) -> None:
    cancelled = await announce(store)
    assert await store.broadcasts.cancel_announcement(cancelled) is True
    assert await store.broadcasts.cancel_announcement(cancelled) is False
    refused = await store.broadcasts.get_announcement(cancelled)
    assert refused is not None and refused.status == "cancelled"
    with pytest.raises(ValueError, match="cancelled"):
        await store.broadcasts.start_announcement(cancelled, [1])
    done = await announce(store)
    await store.broadcasts.start_announcement(done, [1])
    assert await store.broadcasts.cancel_announcement(done) is False
    await store.broadcasts.finish_announcement(done)
    with pytest.raises(ValueError, match="done"):
        await store.broadcasts.start_announcement(done, [1])
    with pytest.raises(KeyError):
        await store.broadcasts.start_announcement(12345, [1])
    assert await store.broadcasts.cancel_announcement(12345) is False


async def test_resume_after_crash(backend: Backend, clock: Clock) -> None:
    store = backend.open(clock=clock)
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [10, 20, "@channel_x", 30, 40])
    await store.broadcasts.mark_delivery(announcement, 10, status="sent", message_id=1)
    await store.broadcasts.mark_delivery(announcement, "@CHANNEL_X", status="sent", message_id=2)
    await store.broadcasts.mark_delivery(announcement, 30, status="failed", error="Forbidden")
    # no close(): a crashed process leaves its connection behind, and a new one starts
    restarted = backend.open(clock=clock)
    try:
        unfinished = await restarted.broadcasts.unfinished_announcements()
        assert [a.id for a in unfinished] == [announcement]
        pending = await restarted.broadcasts.pending_deliveries(announcement)
        assert [(d.chat_id, d.status, d.attempts) for d in pending] == [
            (20, "pending", 0),
            (40, "pending", 0),
        ]
        sent = {d.chat_id: d for d in await restarted.broadcasts.deliveries(announcement)}
        assert sent["@channel_x"].message_id == 2
        assert sent[30].error == "Forbidden"
    finally:
        restarted.close()
        store.close()


async def test_resume_after_killed_process(backend: Backend) -> None:
    """A process that dies without closing anything loses none of its committed writes."""
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from bot.store import open_store
        from bot.store.records import AnnouncementOrigin, DeliveryStatus

        async def main():
            store = open_store({str(backend.target)!r})
            a = await store.broadcasts.create_announcement(
                html="x", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=1
            )
            await store.broadcasts.start_announcement(a, [1, 2, 3])
            await store.broadcasts.mark_delivery(a, 2, status=DeliveryStatus.SENT, message_id=5)
            await store.chats.set_subscribed(-9, True)
            os._exit(3)

        asyncio.run(main())
        """
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, timeout=60, check=False)
    assert result.returncode == 3
    with backend.open() as store:
        (announcement,) = await store.broadcasts.unfinished_announcements()
        assert [d.chat_id for d in await store.broadcasts.pending_deliveries(announcement.id)] == [
            1,
            3,
        ]
        assert await subscribed(store) == [-9]


async def test_mark_delivery_counts_attempts_and_validates(store: Store, clock: Clock) -> None:
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [1])
    await store.broadcasts.mark_delivery(announcement, 1, status="pending", error="RetryAfter 3")
    clock.tick(5)
    await store.broadcasts.mark_delivery(announcement, "1", status="sent", message_id=77)
    (delivery,) = await store.broadcasts.deliveries(announcement)
    assert (delivery.status, delivery.attempts, delivery.error, delivery.message_id) == (
        "sent",
        2,
        None,
        77,
    )
    assert delivery.updated_at == clock.now
    with pytest.raises(ValueError, match="status"):
        await store.broadcasts.mark_delivery(announcement, 1, status="delivered")
    with pytest.raises(KeyError):
        await store.broadcasts.mark_delivery(announcement, 2, status="sent")


async def test_move_delivery(store: Store) -> None:
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [-5, -7, -1007])
    # In flight when Telegram answered "migrated": the delivery follows the chat, pending again.
    await store.broadcasts.mark_delivery(announcement, -5, status="in_flight")
    await store.broadcasts.move_delivery(announcement, -5, -1005)
    await store.broadcasts.move_delivery(
        announcement, -7, -1007
    )  # new id already a target: no second message
    deliveries = await store.broadcasts.deliveries(announcement)
    assert [(d.chat_id, d.status, d.error, d.attempts) for d in deliveries] == [
        (-1005, "pending", None, 1),
        (-1007, "pending", None, 0),
    ]


async def test_finish_announcement_report(store: Store, clock: Clock) -> None:
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [1, 2, 3, 4, 5])
    await store.broadcasts.mark_delivery(announcement, 1, status="sent", message_id=1)
    await store.broadcasts.mark_delivery(announcement, 2, status="sent", message_id=2)
    await store.broadcasts.mark_delivery(
        announcement, 3, status="failed", error="Forbidden: bot was blocked"
    )
    await store.broadcasts.mark_delivery(announcement, 4, status="dropped")
    clock.tick(12.5)
    report = await store.broadcasts.finish_announcement(announcement)
    assert report.announcement_id == announcement
    assert report.delivered == 2
    assert report.failed == [(3, "Forbidden: bot was blocked"), (5, NOT_SENT_ERROR)]
    assert report.dropped == [4]
    assert report.seconds == 12.5
    finished = await store.broadcasts.get_announcement(announcement)
    assert finished is not None
    assert (finished.status, finished.finished_at) == ("done", clock.now)
    assert await store.broadcasts.unfinished_announcements() == []
    assert await store.broadcasts.pending_deliveries(announcement) == []
    clock.tick(100)
    assert await store.broadcasts.finish_announcement(announcement) == report
    with pytest.raises(ValueError, match="draft"):
        await store.broadcasts.finish_announcement(await announce(store))
    with pytest.raises(KeyError):
        await store.broadcasts.finish_announcement(9999)


async def test_deliveries_persist(store: Store, backend: Backend, clock: Clock) -> None:
    announcement = await announce(store)
    await store.broadcasts.start_announcement(announcement, [1, "@some_channel"])
    await store.broadcasts.mark_delivery(announcement, "@some_channel", status="sent", message_id=9)
    before = await store.broadcasts.deliveries(announcement)
    store = reopen(store, backend, clock)
    try:
        assert await store.broadcasts.deliveries(announcement) == before
        assert isinstance(before[0].chat_id, int)
        assert before[1].chat_id == "@some_channel"
    finally:
        store.close()


async def test_recent_announcements(store: Store) -> None:
    ids = [await announce(store, f"<i>{n}</i>") for n in range(7)]
    assert [a.id for a in await store.broadcasts.recent_announcements()] == ids[::-1][:5]
    assert [a.id for a in await store.broadcasts.recent_announcements(2)] == ids[::-1][:2]


# questions and statistics


async def test_question_log_has_no_user_field(store: Store, backend: Backend) -> None:
    fields = {field.name for field in dataclasses.fields(AskedQuestion)}
    assert fields == {"text", "fact_id", "matched", "confidence", "chat_type"}
    assert set(inspect.signature(Questions.log).parameters) == {"self", "questions"}
    found = await columns(store, backend, "questions")
    assert "text" in found and not any("user" in column for column in found)


async def test_stats_and_unanswered(store: Store, clock: Clock) -> None:
    async def ask(text: str, fact_id: str | None, matched: bool) -> None:
        await log_question(store, text, fact_id, matched=matched)
        clock.tick()

    await ask("who trains with Turkey?", "partners", True)
    await ask("partners?", "partners", True)
    await ask("exercises", "exercises", True)
    await ask("What about  Mars?", None, False)
    await ask("weather", None, False)
    await ask("what ABOUT mars?  ", "maybe", False)
    await ask("   ", None, False)
    await ask("pizza", None, False)
    await store.chats.set_subscribed(-1, True)
    await store.chats.upsert_chat(2, chat_type="private")
    announcement = await announce(store)

    assert await store.questions.unanswered() == [
        ("what about mars?", 2),
        ("pizza", 1),
        ("weather", 1),
    ]
    assert await store.questions.unanswered(1) == [("what about mars?", 2)]
    stats = await store.stats()
    assert (stats.questions, stats.answered, stats.fallbacks) == (8, 3, 5)
    assert stats.top_facts == [("partners", 2), ("exercises", 1)]
    assert stats.top_unanswered == await store.questions.unanswered(5)
    assert (stats.subscribers, stats.known_chats) == (1, 2)
    assert [a.id for a in stats.last_announcements] == [announcement]


async def test_empty_stats(store: Store) -> None:
    stats = await store.stats()
    assert (stats.questions, stats.answered, stats.fallbacks) == (0, 0, 0)
    assert stats.top_facts == stats.top_unanswered == stats.last_announcements == []
    assert (stats.subscribers, stats.known_chats) == (0, 0)


def test_unanswered_key_is_trimmed() -> None:
    assert normalise_question("  Hello\n\tWORLD  ") == "hello world"
    assert len(normalise_question("x" * 2000)) == 500


# digest


async def test_digest_schedule_persists(store: Store, backend: Backend, clock: Clock) -> None:
    assert await store.digest.time() is None
    await store.digest.set_time("09:30")
    assert await store.digest.time() == "09:30"
    await store.digest.set_time("7:05")
    assert await store.digest.time() == "07:05"
    store = reopen(store, backend, clock)
    try:
        assert await store.digest.time() == "07:05"
        await store.digest.set_time(None)
        assert await store.digest.time() is None
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["24:00", "12:60", "noon", "", "1230", "12:5", "-1:00", "12:00:00"])
async def test_digest_validation(store: Store, bad: str) -> None:
    await store.digest.set_time("08:00")
    with pytest.raises(ValueError):
        await store.digest.set_time(bad)
    assert await store.digest.time() == "08:00"


async def test_digest_bounds(store: Store) -> None:
    await store.digest.set_time("00:00")
    assert await store.digest.time() == "00:00"
    await store.digest.set_time("23:59")
    assert await store.digest.time() == "23:59"


async def test_digest_rotation_order_and_new_round(store: Store) -> None:
    facts = ["a", "b", "c"]
    assert [await store.digest.next_fact(facts) for _ in range(7)] == [
        "a",
        "b",
        "c",
        "a",
        "b",
        "c",
        "a",
    ]


async def test_digest_rotation_follows_changing_facts(store: Store) -> None:
    assert await store.digest.next_fact(["a", "b", "c"]) == "a"
    assert await store.digest.next_fact(["a", "b", "c"]) == "b"
    # "b" removed, "d" added: "c" and "d" are still due in this round, "a" is not
    assert await store.digest.next_fact(["d", "a", "c"]) == "d"
    assert await store.digest.next_fact(["d", "a", "c"]) == "c"
    assert await store.digest.next_fact(["d", "a", "c"]) == "d"  # new round
    with pytest.raises(ValueError):
        await store.digest.next_fact([])


async def test_digest_rotation_persists(store: Store, backend: Backend, clock: Clock) -> None:
    facts = ["a", "b", "c"]
    assert await store.digest.next_fact(facts) == "a"
    assert await store.digest.next_fact(facts) == "b"
    store = reopen(store, backend, clock)
    try:
        assert await store.digest.next_fact(facts) == "c"
        assert await store.digest.next_fact(facts) == "a"
    finally:
        store.close()


# concurrent writers


async def test_concurrent_writers_lose_nothing(store: Store, backend: Backend) -> None:
    """Tasks writing at once, and a second connection (the CLI beside the running bot) writing
    from another thread's event loop: every write lands."""
    announcement = await announce(store)
    targets = list(range(1, 201))
    await store.broadcasts.start_announcement(announcement, targets)

    async def worker(offset: int) -> None:
        for chat in targets[offset::4]:
            await store.broadcasts.mark_delivery(
                announcement, chat, status=DeliveryStatus.SENT, message_id=chat
            )
            await log_question(store, f"q{chat}", None, matched=False, confidence=0.0)
            await store.chats.set_subscribed(chat, True, chat_type="private")

    def second_connection() -> None:
        async def write() -> None:
            with backend.open() as other:
                for chat in range(1000, 1050):
                    await other.chats.upsert_chat(chat, chat_type="group")

        asyncio.run(write())

    await asyncio.gather(*(worker(n) for n in range(4)), asyncio.to_thread(second_connection))
    assert await store.broadcasts.pending_deliveries(announcement) == []
    assert (await store.stats()).questions == 200
    assert len(await subscribed(store)) == 200
    assert len(await store.chats.known_chats()) == 250


async def test_a_batch_of_questions_is_logged_in_one_call(store: Store) -> None:
    await store.questions.log(
        [
            AskedQuestion("Which exercises?", "exercises_2016", True, 0.9, "private"),
            AskedQuestion("What is the budget?", None, False, 0.2, "group"),
            AskedQuestion("what is the  budget?", None, False, 0.1, "private"),
        ]
    )
    figures = await store.stats()
    assert (figures.questions, figures.answered, figures.fallbacks) == (3, 1, 2)
    assert await store.questions.unanswered() == [("what is the budget?", 2)]
