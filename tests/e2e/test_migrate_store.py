"""`python -m bot migrate-store` (issue 13): a SQLite store in use, copied into PostgreSQL,
reads back the same through the store, carries on where it was (ids, the vote salt, the
order of deliveries), and is refused when the target already holds data; then the commands
that read the store read PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Store, open_store
from bot.store.claims import SENDER_LEASE
from bot.store.lease import Owner
from bot.store.records import AnnouncementOrigin, AskedQuestion, DeliveryStatus
from bot.store.votes import UP, VoteOutcome
from tests.e2e.test_cli import run_bot
from tests.unit.test_store import Clock

OWNER = Owner("old-host-1-abcd", "", 1)


async def fill(store: Store, clock: Clock) -> None:
    """Something in every table a bot writes to."""
    await store.chats.set_subscribed(-100, True, chat_type="supergroup", title="Crew")
    await store.chats.set_language(5, "az", chat_type="private")
    await store.chats.upsert_chat(-7, chat_type="channel", username="news")
    number = await store.broadcasts.create_announcement(
        html="<b>x</b>", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=42
    )
    await store.broadcasts.start_announcement(number, [-100, "@News_Channel", 5, -3])
    await store.leases.acquire(SENDER_LEASE, OWNER, 10.0)
    await store.claims.claim(number, "@news_channel", OWNER.id)  # in flight when copied
    await store.claims.claim(number, 5, OWNER.id)
    await store.claims.record(number, 5, OWNER.id, status=DeliveryStatus.SENT, message_id=9)
    await store.digest.post_once("2026-03-02", {"quote": "<b>Q</b>"}, [-100], OWNER.id)
    await store.digest.set_time("09:30")
    asked = [("Who are the partners?", "partners", True), ("What is the budget?", None, False)]
    await store.questions.log([AskedQuestion(t, f, m, 0.7, "private") for t, f, m in asked * 2])
    await store.questions.log([AskedQuestion("population of turkey?", None, False, 0.1, "group")])
    await store.questions.answered_wrongly("any african partners?", suggested="partner_group")
    refused = [q for q in await store.questions.to_review() if q.text.startswith("population")]
    await store.questions.refuse(refused[0].id)
    await store.taught.add("partners", "en", "gimme the partner list")
    await vote(store, message=1)
    clock.tick(5)


async def vote(store: Store, *, message: int) -> VoteOutcome:
    return await store.votes.record(
        fact_id="partners",
        vote=UP,
        language="en",
        user_id=77,
        chat_id=77,
        message_id=message,
        sent_at=store.database.clock(),
    )


async def snapshot(store: Store) -> tuple[object, ...]:
    """Everything the bot reads from a store, through the store."""
    first = (await store.broadcasts.recent_announcements())[-1].id
    return (
        await store.chats.known_chats(),
        await store.chats.languages(),
        await store.broadcasts.recent_announcements(),
        await store.broadcasts.deliveries(first),
        await store.stats(),
        await store.questions.to_review(),
        await store.questions.down_voted(),
        await store.taught.all(),
        await store.votes.helpfulness(),
        await store.digest.time(),
        await store.digest.ran_on("2026-03-02"),
        await store.claims.orphaned_reports("someone"),
    )


async def test_a_sqlite_store_copied_into_postgresql_carries_on(
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    source = tmp_path / "bot.sqlite3"
    with Store(source, clock=clock) as store:
        await fill(store, clock)
        before = await snapshot(store)

    copied = run_bot("migrate-store", "--from", f"sqlite:{source}", "--to", postgres_url)
    assert copied.returncode == 0, copied.stderr
    lines = copied.stdout.splitlines()
    assert lines[0].split() == ["table", "sqlite", "postgresql"]
    counts = {line.split()[0]: line.split()[1:] for line in lines[1:-1]}
    assert counts["deliveries"] == ["5", "5"] and counts["questions"] == ["5", "5"]
    assert counts["kv"] == ["2", "2"] and "leases" not in counts  # the lease is not copied
    assert all(a == b for a, b in counts.values()) and len(counts) == 10
    assert lines[-1].startswith(f"copied {sum(int(a) for a, _ in counts.values())} rows from ")

    with open_store(postgres_url, clock=clock) as copy:
        assert await snapshot(copy) == before
        assert await vote(copy, message=1) is VoteOutcome.UNCHANGED  # the salt came along
        taught = await copy.taught.add("exercises_2016", "en", "drills list pls")
        assert taught is not None and taught.id == 2  # the sequences follow the copied ids
        number = await copy.broadcasts.create_announcement(
            html="y", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=1
        )
        assert number == 3
        await copy.broadcasts.start_announcement(number, [1])  # deliveries' rowid goes on too

    again = run_bot("migrate-store", "--from", f"sqlite:{source}", "--to", postgres_url)
    assert again.returncode == 1 and again.stdout == ""
    assert "already holds bot data (in chats, announcements," in again.stderr

    # The commands that read the store read PostgreSQL when DATABASE_URL is set.
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "unused.sqlite3"))
    assert await asyncio.to_thread(main, ["unanswered"]) == 0  # it runs a loop of its own
    assert '- "what is the budget?"  # asked 2x' in capsys.readouterr().out
    assert not (tmp_path / "unused.sqlite3").exists()


def test_migrate_store_refuses_what_it_cannot_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cases = [
        (["--from", str(tmp_path / "a.db"), "--to", "postgresql://h/d"], "--from: expected"),
        (["--from", f"sqlite:{tmp_path / 'a.db'}"], "--to: expected postgresql://"),
        (["--from", f"sqlite:{tmp_path / 'a.db'}", "--to", "sqlite:x"], "--to: expected"),
        (
            ["--from", f"sqlite:{tmp_path / 'missing.db'}", "--to", "postgresql://h/d"],
            "missing.db: no such SQLite file",
        ),
    ]
    for args, reason in cases:
        assert main(["migrate-store", *args]) == 1
        captured = capsys.readouterr()
        assert reason in captured.err and captured.out == ""
