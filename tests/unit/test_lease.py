"""The sender lease, delivery claims, reports and digest runs on a real SQLite file and on a
real PostgreSQL database, with two stores on it (two processes' worth) and a clock the test
moves."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.claims import SENDER_LEASE, SHUTDOWN_ERROR
from bot.store.lease import Owner
from bot.store.records import (
    UNCONFIRMED_ERROR,
    AnnouncementOrigin,
    Claim,
    DeliveryStatus,
)
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from bot.telegram.broadcast import format_report
from tests.support.postgres import Backend
from tests.unit.test_store import Clock

TTL = 10.0
# No host key: the dead-holder shortcut is off, so only expiry hands the lease over.
A = Owner("host-a-100-aaaa", "", 100)
B = Owner("host-b-200-bbbb", "", 200)
CARDS = {"quote": "<b>Quote</b>", "partners": "<b>Partners</b>", "exercises": "<b>Drills</b>"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def stores(backend: Backend, clock: Clock) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database, as two processes would open it."""
    first = backend.open(clock=clock)
    second = backend.open(clock=clock)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


async def sending(store: Store, targets: list[int | str], *, created_by: int = 42) -> int:
    number = await store.broadcasts.create_announcement(
        html="<b>News</b>", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=created_by
    )
    await store.broadcasts.start_announcement(number, targets)
    return number


async def statuses(store: Store, number: int) -> dict[int | str, str]:
    return {d.chat_id: d.status for d in await store.broadcasts.deliveries(number)}


# -- the lease -------------------------------------------------------------------------------


async def test_acquire_renew_expire_and_take_over(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    a, b = stores
    first = await a.leases.acquire(SENDER_LEASE, A, TTL)
    lease = first.lease
    assert (lease.owner, lease.acquired_at, lease.expires_at) == (A.id, clock.now, clock.now + TTL)
    assert first.taken_from is None
    started = clock.now

    refused = await b.leases.acquire(SENDER_LEASE, B, TTL)
    assert (refused.lease, refused.taken_from) == (lease, None)  # B's attempt changed nothing

    clock.tick(6)
    renewed = (await a.leases.acquire(SENDER_LEASE, A, TTL)).lease
    assert (renewed.owner, renewed.acquired_at) == (A.id, started)
    assert (renewed.renewed_at, renewed.expires_at) == (clock.now, clock.now + TTL)

    clock.tick(TTL - 0.01)  # A missed its heartbeats, but the lease has not expired yet
    assert (await b.leases.acquire(SENDER_LEASE, B, TTL)).lease.owner == A.id
    clock.tick(0.01)
    taken = await b.leases.acquire(SENDER_LEASE, B, TTL)
    assert (taken.lease.owner, taken.lease.acquired_at, taken.lease.pid) == (B.id, clock.now, 200)
    assert taken.taken_from == renewed and taken.why == "its lease expired"
    assert (await a.leases.acquire(SENDER_LEASE, A, TTL)).lease.owner == B.id  # no way back
    assert (await a.leases.holder(SENDER_LEASE)) == taken.lease
    assert await a.leases.holder("other") is None
    with pytest.raises(ValueError, match="ttl"):
        await a.leases.acquire(SENDER_LEASE, A, 0)


async def test_release_hands_the_lease_over_at_once(stores: tuple[Store, Store]) -> None:
    a, b = stores
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    assert await b.leases.release(SENDER_LEASE, B) is False  # not B's to release
    assert (await b.leases.acquire(SENDER_LEASE, B, TTL)).lease.owner == A.id
    assert await a.leases.release(SENDER_LEASE, A) is True
    assert (await b.leases.acquire(SENDER_LEASE, B, TTL)).lease.owner == B.id
    assert await a.leases.release(SENDER_LEASE, A) is False


async def test_a_dead_holder_on_this_host_is_taken_over_at_once(
    stores: tuple[Store, Store],
) -> None:
    """A restarted bot need not wait for the lease its SIGKILLed predecessor left: same host,
    same pid namespace, and that pid is gone. A live holder, or one elsewhere, keeps it."""
    a, b = stores
    me = Owner.this_process()
    assert me.host, "the dead-holder shortcut needs /proc (Linux)"
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(child.stdout)
    alive = Owner("alive", me.host, os.getpid())
    elsewhere = Owner("elsewhere", me.host.replace("/", "/other-", 1), dead_pid)
    dead = Owner("dead", me.host, dead_pid)

    await a.leases.acquire(SENDER_LEASE, alive, TTL)
    assert (await b.leases.acquire(SENDER_LEASE, me, TTL)).lease.owner == "alive"
    await a.leases.release(SENDER_LEASE, alive)
    await a.leases.acquire(SENDER_LEASE, elsewhere, TTL)
    assert (await b.leases.acquire(SENDER_LEASE, me, TTL)).lease.owner == "elsewhere"
    await a.leases.release(SENDER_LEASE, elsewhere)
    await a.leases.acquire(SENDER_LEASE, dead, TTL)
    taken = await b.leases.acquire(SENDER_LEASE, me, TTL)
    assert taken.lease.owner == me.id and taken.taken_from is not None
    assert (taken.taken_from.owner, taken.why) == ("dead", "its process is gone")


def test_owner_ids_are_unique_per_process_start() -> None:
    first, second = Owner.this_process(), Owner.this_process()
    assert first.id != second.id and first.pid == second.pid == os.getpid()
    assert first.id.split("-")[-2] == str(os.getpid())


# -- claims ----------------------------------------------------------------------------------


async def test_a_delivery_is_claimed_once_and_only_under_the_lease(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    a, b = stores
    number = await sending(a, [1, 2, 3])
    assert await a.claims.claim(number, 1, A.id) is Claim.NO_LEASE  # nobody holds it yet
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    assert await a.claims.claim(number, 1, A.id) is Claim.CLAIMED
    assert await a.claims.claim(number, 1, A.id) is Claim.GONE  # no second claim
    assert await b.claims.claim(number, 2, B.id) is Claim.NO_LEASE  # B does not hold it
    rows = await a.broadcasts.deliveries(number)
    assert [(d.chat_id, d.status, d.attempts) for d in rows] == [
        (1, "in_flight", 1),
        (2, "pending", 0),
        (3, "pending", 0),
    ]
    assert [d.chat_id for d in await a.broadcasts.pending_deliveries(number)] == [2, 3]


async def test_a_process_that_lost_the_lease_can_claim_nothing(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    """A stalled holder that still believes it holds the lease: the store refuses it."""
    a, b = stores
    number = await sending(a, [1, 2, 3])
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    assert await a.claims.claim(number, 1, A.id) is Claim.CLAIMED
    clock.tick(TTL)  # expired, nobody took it yet: still nobody may send
    assert await a.claims.claim(number, 2, A.id) is Claim.NO_LEASE
    await b.leases.acquire(SENDER_LEASE, B, TTL)
    assert await a.claims.claim(number, 2, A.id) is Claim.NO_LEASE
    assert await a.claims.settle_unknown(number, A.id) == []
    assert await a.claims.finish(number, A.id) is None
    assert await a.claims.claim_report(number, A.id) is None
    assert await a.digest.post_once("2026-03-02", CARDS, [1], A.id) is None
    assert await statuses(a, number) == {1: "in_flight", 2: "pending", 3: "pending"}
    assert await b.claims.claim(number, 2, B.id) is Claim.CLAIMED


async def test_an_unknown_outcome_becomes_unconfirmed_and_is_never_resent(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    a, b = stores
    number = await sending(a, [1, 2, 3, 4])
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    assert await a.claims.claim(number, 1, A.id) is Claim.CLAIMED
    assert await a.claims.record(number, 1, A.id, status=DeliveryStatus.SENT, message_id=9)
    assert await a.claims.claim(number, 2, A.id) is Claim.CLAIMED
    # A is SIGKILLed here, after the claim: did Telegram get the message? Nobody knows.
    clock.tick(TTL)
    await b.leases.acquire(SENDER_LEASE, B, TTL)
    assert await b.claims.settle_unknown(number, B.id) == [2]
    assert await b.claims.settle_unknown(number, B.id) == []
    assert [d.chat_id for d in await b.broadcasts.pending_deliveries(number)] == [3, 4]
    assert await b.claims.claim(number, 2, B.id) is Claim.GONE  # never resent
    for chat in (3, 4):
        assert await b.claims.claim(number, chat, B.id) is Claim.CLAIMED
        await b.claims.record(number, chat, B.id, status=DeliveryStatus.SENT, message_id=chat)
    # Only the claimant records an outcome.
    assert not await b.claims.record(number, 2, B.id, status=DeliveryStatus.SENT)
    report = await b.claims.finish(number, B.id)
    assert report is not None
    assert (report.delivered, report.unconfirmed, report.failed) == (3, [2], [])
    rows = {d.chat_id: d for d in await b.broadcasts.deliveries(number)}
    assert (rows[2].status, rows[2].error) == ("unconfirmed", UNCONFIRMED_ERROR)
    text = format_report(report)
    assert "Delivered: 3\n" in text
    assert text.endswith("Unconfirmed (may or may not have arrived): 1\n  • 2")


async def test_the_claimants_late_outcome_wins_over_unconfirmed(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    """A stalled holder's send did complete: the truth replaces the successor's guess."""
    a, b = stores
    number = await sending(a, [1, 2])
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    await a.claims.claim(number, 1, A.id)
    clock.tick(TTL)
    await b.leases.acquire(SENDER_LEASE, B, TTL)
    assert await b.claims.settle_unknown(number, B.id) == [1]
    assert await a.claims.record(number, 1, A.id, status=DeliveryStatus.SENT, message_id=5)
    assert (await statuses(a, number))[1] == "sent"
    with pytest.raises(ValueError, match="outcome"):
        await a.claims.record(number, 1, A.id, status=DeliveryStatus.PENDING)


async def test_a_shutdown_settles_its_own_claim(stores: tuple[Store, Store], clock: Clock) -> None:
    a, _ = stores
    number = await sending(a, [1, 2, 3])
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    await a.claims.claim(number, 1, A.id)
    assert await a.claims.settle_own(A.id, may_have_arrived=True) == [1]
    await a.claims.claim(number, 2, A.id)
    assert await a.claims.settle_own(A.id, may_have_arrived=False) == [2]
    await a.claims.claim(number, 3, A.id)
    assert await a.claims.unclaim(number, 3, A.id) is True
    assert await a.claims.unclaim(number, 3, A.id) is False
    rows = {d.chat_id: (d.status, d.error) for d in await a.broadcasts.deliveries(number)}
    assert rows == {1: ("unconfirmed", SHUTDOWN_ERROR), 2: ("pending", None), 3: ("pending", None)}


# -- reports -----------------------------------------------------------------------------------


async def test_one_process_finishes_and_reports_and_a_successor_resends_an_orphan(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    a, b = stores
    number = await sending(a, [1, 2])
    digest = await sending(a, [1], created_by=0)
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    for chat in (1, 2):
        await a.claims.claim(number, chat, A.id)
    await a.claims.record(number, 1, A.id, status=DeliveryStatus.SENT)
    report = await a.claims.finish(number, A.id)
    assert report is not None and report.unconfirmed == [2]  # its own claim, never recorded
    assert await a.claims.finish(number, A.id) is None  # finished once, reported once
    assert await a.claims.finish(digest, A.id) is not None
    assert await a.claims.orphaned_reports(A.id) == []  # A's own report is in progress
    # A dies before confirming the report; the digest (nobody to tell) is no orphan.
    assert await b.claims.orphaned_reports(B.id) == [number]
    assert await b.claims.claim_report(number, B.id) is None  # B does not hold the lease
    clock.tick(TTL)
    await b.leases.acquire(SENDER_LEASE, B, TTL)
    again = await b.claims.claim_report(number, B.id)
    assert again == report
    assert await b.claims.claim_report(number, B.id) is None
    await b.claims.reported(number)
    assert await b.claims.orphaned_reports(B.id) == []
    assert await a.claims.orphaned_reports(A.id) == []


# -- the digest --------------------------------------------------------------------------------


async def test_a_digest_is_posted_once_per_day_whoever_posts_it(
    stores: tuple[Store, Store], clock: Clock
) -> None:
    a, b = stores
    await a.leases.acquire(SENDER_LEASE, A, TTL)
    monday = await a.digest.post_once("2026-03-02", CARDS, [1, 2], A.id)
    assert monday is not None and await a.digest.ran_on("2026-03-02")
    assert await b.digest.post_once("2026-03-02", CARDS, [1, 2], B.id) is None  # no lease
    clock.tick(TTL)
    await b.leases.acquire(SENDER_LEASE, B, TTL)  # takeover on the same day
    assert await b.digest.post_once("2026-03-02", CARDS, [1, 2], B.id) is None  # already ran
    tuesday = await b.digest.post_once("2026-03-03", CARDS, [1, 2], B.id)
    assert tuesday is not None
    assert await b.digest.post_once("2026-03-04", CARDS, [], B.id) is None  # nobody to tell
    assert await b.digest.ran_on("2026-03-04") and not await b.digest.ran_on("2026-03-05")

    posted = [await a.broadcasts.get_announcement(n) for n in (monday, tuesday)]
    assert [(p.fact_id, p.html, p.status, p.created_by) for p in posted if p] == [
        ("quote", "<b>Quote</b>", "sending", 0),
        ("partners", "<b>Partners</b>", "sending", 0),
    ]
    assert await statuses(a, monday) == {1: "pending", 2: "pending"}
    assert await a.digest.next_fact(list(CARDS)) == "exercises"  # the rotation went on


# -- migration ---------------------------------------------------------------------------------


async def test_version_2_database_keeps_its_deliveries(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        for statement in migration:
            conn.execute(statement)
    conn.executescript(
        """
        INSERT INTO announcements (id, html, origin, created_by, created_at, status, finished_at)
            VALUES (1, 'old', 'text', 7, 1.0, 'done', 2.0),
                   (2, 'new', 'text', 7, 3.0, 'sending', NULL);
        INSERT INTO deliveries (announcement_id, chat_key, chat_id, status, attempts, updated_at)
            VALUES (1, '-5', -5, 'sent', 1, 2.0), (2, '@news', '@News', 'pending', 0, 3.0),
                   (2, '-6', -6, 'failed', 2, 3.0);
        PRAGMA user_version = 2;
        """
    )
    conn.close()
    with Store(path) as store:
        version = await store.database.read(lambda c: c.execute("PRAGMA user_version").fetchone())
        assert version[0] == SCHEMA_VERSION
        assert await statuses(store, 1) == {-5: "sent"}
        assert await statuses(store, 2) == {"@News": "pending", -6: "failed"}
        assert await store.claims.orphaned_reports("anyone") == []  # old reports went out
        await store.leases.acquire(SENDER_LEASE, A, TTL)
        assert await store.claims.claim(2, "@news", A.id) is Claim.CLAIMED
