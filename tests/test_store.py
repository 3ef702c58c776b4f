from __future__ import annotations

import inspect
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import (
    NOT_SENT_ERROR,
    SCHEMA_VERSION,
    AskedQuestion,
    ChatRecord,
    Store,
    StoreError,
    normalise_question,
)


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
def store(db_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(db_path, clock=clock) as opened:
        yield opened


def reopen(store: Store, clock: Clock) -> Store:
    store.close()
    return Store(store.path, clock=clock)


def announce(store: Store, html: str = "<b>News</b>") -> int:
    return store.create_announcement(html=html, kind="news", topic="nato", created_by=42)


# opening


def test_open_creates_directory_and_configures_sqlite(store: Store, db_path: Path) -> None:
    assert db_path.is_file()
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_reopen_keeps_schema_and_close_twice(store: Store, clock: Clock) -> None:
    store.set_value("k", "v")
    again = reopen(store, clock)
    assert again.get_value("k") == "v"
    again.close()
    again.close()


def test_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db_path)


def test_memory_database_works() -> None:
    with Store(":memory:") as memory:
        memory.set_value("a", "b")
        assert memory.get_value("a") == "b"


def test_failed_write_is_rolled_back(store: Store) -> None:
    announcement = announce(store)
    with pytest.raises(TypeError):
        store.start_announcement(announcement, [1, 2, True])  # bool is refused mid-way
    assert store.get_announcement(announcement).status == "draft"  # type: ignore[union-attr]
    assert store.deliveries(announcement) == []


# chats


def test_subscriptions_persist(store: Store, clock: Clock) -> None:
    assert store.set_subscribed(-100, True, chat_type="supergroup", title="Group") is True
    assert store.set_subscribed(-100, True) is False
    assert store.set_subscribed(5, False, chat_type="private") is False
    assert store.set_subscribed(7, True, chat_type="private") is True
    assert store.set_subscribed(7, False) is True
    store = reopen(store, clock)
    try:
        assert store.is_subscribed(-100)
        assert not store.is_subscribed(7)
        assert not store.is_subscribed(12345)
        assert store.subscribed_chats() == [-100]
        assert {chat.chat_id for chat in store.known_chats()} == {-100, 5, 7}
    finally:
        store.close()


def test_upsert_chat_keeps_subscription_and_title(store: Store, clock: Clock) -> None:
    store.upsert_chat(-1, chat_type="group", title="Old title")
    clock.tick()
    store.set_subscribed(-1, True)
    clock.tick()
    store.upsert_chat(-1, chat_type="supergroup")
    store.upsert_chat(-2, chat_type="channel", title="Chan", username="chan_name")
    assert store.known_chats() == [
        ChatRecord(-1, "supergroup", "Old title", None, True, clock.now - 2),
        ChatRecord(-2, "channel", "Chan", "chan_name", False, clock.now),
    ]
    assert store.set_subscribed(-1, True, chat_type="group") is False
    assert store.known_chats()[0].chat_type == "supergroup"


def test_remove_chat_drops_subscription_and_pending_deliveries(store: Store) -> None:
    store.set_subscribed(-1, True)
    store.set_subscribed(-2, True)
    announcement = announce(store)
    store.start_announcement(announcement, [-1, -2])
    store.remove_chat(-1)
    store.remove_chat(999)  # unknown: no error
    assert store.subscribed_chats() == [-2]
    assert [chat.chat_id for chat in store.known_chats()] == [-2]
    assert [d.chat_id for d in store.pending_deliveries(announcement)] == [-2]
    assert store.deliveries(announcement)[0].status == "dropped"
    store.set_subscribed(-1, False)
    assert not store.is_subscribed(-1)


def test_migrate_chat_keeps_subscription_and_moves_pending(store: Store, clock: Clock) -> None:
    store.set_subscribed(-5, True, chat_type="group", title="G")
    announcement = announce(store)
    store.start_announcement(announcement, [-5, -6])
    store.mark_delivery(announcement, -6, status="sent", message_id=1)
    store.migrate_chat(-5, -1005)
    assert store.subscribed_chats() == [-1005]
    assert not store.is_subscribed(-5)
    assert store.known_chats() == [ChatRecord(-1005, "supergroup", "G", None, True, clock.now)]
    assert [d.chat_id for d in store.pending_deliveries(announcement)] == [-1005]
    store = reopen(store, clock)
    try:
        assert store.is_subscribed(-1005)
    finally:
        store.close()


def test_migrate_chat_merges_into_known_new_chat(store: Store) -> None:
    store.set_subscribed(-5, True, chat_type="group")
    store.upsert_chat(-1005, chat_type="supergroup", title="Super")
    announcement = announce(store)
    store.start_announcement(announcement, [-5, -1005])
    store.migrate_chat(-5, -1005)
    assert store.known_chats() == [
        ChatRecord(-1005, "supergroup", "Super", None, True, store.known_chats()[0].added_at)
    ]
    assert [d.chat_id for d in store.deliveries(announcement)] == [-1005]


def test_migrate_unknown_chat_still_moves_pending_deliveries(store: Store) -> None:
    announcement = announce(store)
    store.start_announcement(announcement, [-5])
    store.migrate_chat(-5, -1005)
    assert store.known_chats() == []
    assert [d.chat_id for d in store.pending_deliveries(announcement)] == [-1005]


# announcements


def test_announcement_lifecycle(store: Store, clock: Clock) -> None:
    announcement = announce(store)
    created = store.get_announcement(announcement)
    assert created is not None
    assert (created.status, created.html, created.kind, created.topic) == (
        "draft",
        "<b>News</b>",
        "news",
        "nato",
    )
    assert (created.created_by, created.created_at, created.started_at) == (42, clock.now, None)
    assert store.get_announcement(announcement + 100) is None
    clock.tick()
    assert store.start_announcement(announcement, [-1, "@Chan", -2, -1, "@chan", "-2"]) == 3
    started = store.get_announcement(announcement)
    assert started is not None
    assert (started.status, started.started_at) == ("sending", clock.now)
    assert [d.chat_id for d in store.pending_deliveries(announcement)] == [-1, "@Chan", -2]
    assert store.unfinished_announcements() == [started]


def test_start_announcement_is_idempotent(store: Store, clock: Clock) -> None:
    announcement = announce(store)
    assert store.start_announcement(announcement, [1, 2, 3]) == 3
    store.mark_delivery(announcement, 1, status="sent", message_id=10)
    clock.tick()
    assert store.start_announcement(announcement, [1, 2, 3, 4]) == 3
    deliveries = store.deliveries(announcement)
    assert [(d.chat_id, d.status) for d in deliveries] == [
        (1, "sent"),
        (2, "pending"),
        (3, "pending"),
    ]
    assert store.get_announcement(announcement).started_at == clock.now - 1  # type: ignore[union-attr]


def test_start_refuses_cancelled_finished_and_unknown(store: Store) -> None:
    cancelled = announce(store)
    assert store.cancel_announcement(cancelled) is True
    assert store.cancel_announcement(cancelled) is False
    assert store.get_announcement(cancelled).status == "cancelled"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="cancelled"):
        store.start_announcement(cancelled, [1])
    done = announce(store)
    store.start_announcement(done, [1])
    assert store.cancel_announcement(done) is False
    store.finish_announcement(done)
    with pytest.raises(ValueError, match="done"):
        store.start_announcement(done, [1])
    with pytest.raises(KeyError):
        store.start_announcement(12345, [1])
    assert store.cancel_announcement(12345) is False


def test_resume_after_crash(db_path: Path, clock: Clock) -> None:
    store = Store(db_path, clock=clock)
    announcement = announce(store)
    store.start_announcement(announcement, [10, 20, "@channel_x", 30, 40])
    store.mark_delivery(announcement, 10, status="sent", message_id=1)
    store.mark_delivery(announcement, "@CHANNEL_X", status="sent", message_id=2)
    store.mark_delivery(announcement, 30, status="failed", error="Forbidden")
    # no close(): simulate a crash by dropping the connection without any cleanup call
    store._conn.close()

    restarted = Store(db_path, clock=clock)
    try:
        unfinished = restarted.unfinished_announcements()
        assert [a.id for a in unfinished] == [announcement]
        pending = restarted.pending_deliveries(announcement)
        assert [(d.chat_id, d.status, d.attempts) for d in pending] == [
            (20, "pending", 0),
            (40, "pending", 0),
        ]
        sent = {d.chat_id: d for d in restarted.deliveries(announcement)}
        assert sent["@channel_x"].message_id == 2
        assert sent[30].error == "Forbidden"
    finally:
        restarted.close()


def test_resume_after_killed_process(db_path: Path) -> None:
    """A process that dies without closing anything loses none of its committed writes."""
    script = textwrap.dedent(
        f"""
        import os
        from bot.store import Store
        store = Store({str(db_path)!r})
        a = store.create_announcement(html="x", kind="news", topic=None, created_by=1)
        store.start_announcement(a, [1, 2, 3])
        store.mark_delivery(a, 2, status="sent", message_id=5)
        store.set_subscribed(-9, True)
        os._exit(3)
        """
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", script], cwd=root, timeout=60, check=False)
    assert result.returncode == 3
    with Store(db_path) as store:
        (announcement,) = store.unfinished_announcements()
        assert [d.chat_id for d in store.pending_deliveries(announcement.id)] == [1, 3]
        assert store.subscribed_chats() == [-9]


def test_mark_delivery_counts_attempts_and_validates(store: Store, clock: Clock) -> None:
    announcement = announce(store)
    store.start_announcement(announcement, [1])
    store.mark_delivery(announcement, 1, status="pending", error="RetryAfter 3")
    clock.tick(5)
    store.mark_delivery(announcement, "1", status="sent", message_id=77)
    (delivery,) = store.deliveries(announcement)
    assert (delivery.status, delivery.attempts, delivery.error, delivery.message_id) == (
        "sent",
        2,
        None,
        77,
    )
    assert delivery.updated_at == clock.now
    with pytest.raises(ValueError, match="status"):
        store.mark_delivery(announcement, 1, status="delivered")
    with pytest.raises(KeyError):
        store.mark_delivery(announcement, 2, status="sent")


def test_move_delivery(store: Store) -> None:
    announcement = announce(store)
    store.start_announcement(announcement, [-5, -7, -1007])
    store.mark_delivery(announcement, -5, status="failed", error="ChatMigrated")
    store.move_delivery(announcement, -5, -1005)
    store.move_delivery(announcement, -7, -1007)  # new id already a target: no second message
    deliveries = store.deliveries(announcement)
    assert [(d.chat_id, d.status, d.error, d.attempts) for d in deliveries] == [
        (-1005, "pending", None, 1),
        (-1007, "pending", None, 0),
    ]


def test_finish_announcement_report(store: Store, clock: Clock) -> None:
    announcement = announce(store)
    store.start_announcement(announcement, [1, 2, 3, 4, 5])
    store.mark_delivery(announcement, 1, status="sent", message_id=1)
    store.mark_delivery(announcement, 2, status="sent", message_id=2)
    store.mark_delivery(announcement, 3, status="failed", error="Forbidden: bot was blocked")
    store.mark_delivery(announcement, 4, status="dropped")
    clock.tick(12.5)
    report = store.finish_announcement(announcement)
    assert report.announcement_id == announcement
    assert report.delivered == 2
    assert report.failed == [(3, "Forbidden: bot was blocked"), (5, NOT_SENT_ERROR)]
    assert report.dropped == [4]
    assert report.seconds == 12.5
    finished = store.get_announcement(announcement)
    assert finished is not None
    assert (finished.status, finished.finished_at) == ("done", clock.now)
    assert store.unfinished_announcements() == []
    assert store.pending_deliveries(announcement) == []
    clock.tick(100)
    assert store.finish_announcement(announcement) == report
    with pytest.raises(ValueError, match="draft"):
        store.finish_announcement(announce(store))
    with pytest.raises(KeyError):
        store.finish_announcement(9999)


def test_deliveries_persist(store: Store, clock: Clock) -> None:
    announcement = announce(store)
    store.start_announcement(announcement, [1, "@some_channel"])
    store.mark_delivery(announcement, "@some_channel", status="sent", message_id=9)
    before = store.deliveries(announcement)
    store = reopen(store, clock)
    try:
        assert store.deliveries(announcement) == before
        assert isinstance(before[0].chat_id, int)
        assert before[1].chat_id == "@some_channel"
    finally:
        store.close()


def test_recent_announcements(store: Store) -> None:
    ids = [announce(store, f"<i>{n}</i>") for n in range(7)]
    assert [a.id for a in store.recent_announcements()] == ids[::-1][:5]
    assert [a.id for a in store.recent_announcements(2)] == ids[::-1][:2]


# questions and statistics


def test_log_question_has_no_user_parameter(store: Store) -> None:
    parameters = set(inspect.signature(store.log_question).parameters)
    assert parameters == {"text", "intent", "matched", "confidence", "chat_type"}
    columns = {row[1] for row in store._conn.execute("PRAGMA table_info(questions)")}
    assert not any("user" in column for column in columns)


def test_stats_and_unanswered(store: Store, clock: Clock) -> None:
    def ask(text: str, intent: str | None, matched: bool) -> None:
        store.log_question(
            text=text, intent=intent, matched=matched, confidence=0.5, chat_type="private"
        )
        clock.tick()

    ask("who trains with Turkey?", "partners", True)
    ask("partners?", "partners", True)
    ask("exercises", "exercises", True)
    ask("What about  Mars?", None, False)
    ask("weather", None, False)
    ask("what ABOUT mars?  ", "maybe", False)
    ask("   ", None, False)
    ask("pizza", None, False)
    store.set_subscribed(-1, True)
    store.upsert_chat(2, chat_type="private")
    announcement = announce(store)

    assert store.unanswered() == [("what about mars?", 2), ("pizza", 1), ("weather", 1)]
    assert store.unanswered(1) == [("what about mars?", 2)]
    stats = store.stats()
    assert (stats.questions, stats.answered, stats.fallbacks) == (8, 3, 5)
    assert stats.top_intents == [("partners", 2), ("exercises", 1)]
    assert stats.top_unanswered == store.unanswered(5)
    assert (stats.subscribers, stats.known_chats) == (1, 2)
    assert [a.id for a in stats.last_announcements] == [announcement]


def test_empty_stats(store: Store) -> None:
    stats = store.stats()
    assert (stats.questions, stats.answered, stats.fallbacks) == (0, 0, 0)
    assert stats.top_intents == stats.top_unanswered == stats.last_announcements == []
    assert (stats.subscribers, stats.known_chats) == (0, 0)


def test_unanswered_key_is_trimmed() -> None:
    assert normalise_question("  Hello\n\tWORLD  ") == "hello world"
    assert len(normalise_question("x" * 2000)) == 500


# digest


def test_digest_schedule_persists(store: Store, clock: Clock) -> None:
    assert store.digest_time() is None
    store.set_digest("09:30")
    assert store.digest_time() == "09:30"
    store.set_digest("7:05")
    assert store.digest_time() == "07:05"
    store = reopen(store, clock)
    try:
        assert store.digest_time() == "07:05"
        store.set_digest(None)
        assert store.digest_time() is None
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["24:00", "12:60", "noon", "", "1230", "12:5", "-1:00", "12:00:00"])
def test_digest_validation(store: Store, bad: str) -> None:
    store.set_digest("08:00")
    with pytest.raises(ValueError):
        store.set_digest(bad)
    assert store.digest_time() == "08:00"


def test_digest_bounds(store: Store) -> None:
    store.set_digest("00:00")
    assert store.digest_time() == "00:00"
    store.set_digest("23:59")
    assert store.digest_time() == "23:59"


def test_digest_rotation_order_and_new_round(store: Store) -> None:
    facts = ["a", "b", "c"]
    assert [store.next_digest_fact(facts) for _ in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]


def test_digest_rotation_follows_changing_facts(store: Store) -> None:
    assert store.next_digest_fact(["a", "b", "c"]) == "a"
    assert store.next_digest_fact(["a", "b", "c"]) == "b"
    # "b" removed, "d" added: "c" and "d" are still due in this round, "a" is not
    assert store.next_digest_fact(["d", "a", "c"]) == "d"
    assert store.next_digest_fact(["d", "a", "c"]) == "c"
    assert store.next_digest_fact(["d", "a", "c"]) == "d"  # new round
    with pytest.raises(ValueError):
        store.next_digest_fact([])


def test_digest_rotation_persists(store: Store, clock: Clock) -> None:
    facts = ["a", "b", "c"]
    assert store.next_digest_fact(facts) == "a"
    assert store.next_digest_fact(facts) == "b"
    store = reopen(store, clock)
    try:
        assert store.next_digest_fact(facts) == "c"
        assert store.next_digest_fact(facts) == "a"
    finally:
        store.close()


# key-value and threads


def test_key_value(store: Store) -> None:
    assert store.get_value("missing") is None
    store.set_value("x", "1")
    store.set_value("x", "2")
    assert store.get_value("x") == "2"


def test_writes_from_other_threads(store: Store) -> None:
    announcement = announce(store)
    targets = list(range(1, 201))
    store.start_announcement(announcement, targets)
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for chat in targets[offset::4]:
                store.mark_delivery(announcement, chat, status="sent", message_id=chat)
                store.log_question(
                    text=f"q{chat}", intent=None, matched=False, confidence=0.0, chat_type="group"
                )
                store.set_subscribed(chat, True, chat_type="private")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for chat in range(1000, 1050):  # the main thread writes at the same time
        store.upsert_chat(chat, chat_type="group")
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.pending_deliveries(announcement) == []
    assert store.stats().questions == 200
    assert len(store.subscribed_chats()) == 200
    assert len(store.known_chats()) == 250


def test_a_batch_of_questions_is_logged_in_one_call(store: Store) -> None:
    store.log_questions(
        [
            AskedQuestion("Which exercises?", "exercises_2016", True, 0.9, "private"),
            AskedQuestion("What is the budget?", None, False, 0.2, "group"),
            AskedQuestion("what is the  budget?", None, False, 0.1, "private"),
        ]
    )
    figures = store.stats()
    assert (figures.questions, figures.answered, figures.fallbacks) == (3, 1, 2)
    assert store.unanswered() == [("what is the budget?", 2)]
