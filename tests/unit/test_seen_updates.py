"""Each update handled once across processes sharing a store: the store's claims, kept a day,
and the ledger replicas use (bot/telegram/redelivery.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import Store
from bot.store.updates import KEEP_SECONDS
from bot.telegram.redelivery import SharedUpdates
from tests.support.postgres import Backend


async def test_of_two_processes_claiming_an_update_exactly_one_wins(backend: Backend) -> None:
    with backend.open() as one, backend.open() as other:
        for update_id in range(100, 120):
            won = await asyncio.gather(
                one.seen_updates.claim(update_id), other.seen_updates.claim(update_id)
            )
            assert sorted(won) == [False, True]
        assert not await one.seen_updates.claim(105)  # and never again


async def test_claims_are_forgotten_after_a_day(backend: Backend) -> None:
    now = [1_700_000_000.0]
    with backend.open(clock=lambda: now[0]) as store:
        assert await store.seen_updates.claim(1)
        now[0] += KEEP_SECONDS / 2
        assert await store.seen_updates.claim(2)
        assert await store.seen_updates.purge() == 0
        now[0] += KEEP_SECONDS / 2 + 1
        assert await store.seen_updates.purge() == 1  # the first, a day old
        assert await store.seen_updates.claim(1)  # ids restart after a quiet week: welcome
        assert not await store.seen_updates.claim(2)


async def test_the_shared_ledger_refuses_repeats_and_answers_when_the_store_cannot(
    backend: Backend, tmp_path: Path
) -> None:
    with backend.open() as one, backend.open() as other:
        mine, theirs = SharedUpdates(one.seen_updates), SharedUpdates(other.seen_updates)
        assert await mine.claim(7) and not await mine.claim(7)
        assert not await theirs.claim(7)  # another replica had it
        assert await theirs.claim(8)
    broken = Store(tmp_path / "other.sqlite3")
    ledger = SharedUpdates(broken.seen_updates)
    broken.close()
    assert await ledger.claim(9)  # handled rather than lost
    assert not await ledger.claim(9)  # still once by this process


async def test_claims_arriving_together_go_to_the_store_together(backend: Backend) -> None:
    """Under load one statement serves many updates; each still gets its own answer."""
    with backend.open() as one, backend.open() as other:
        assert await one.seen_updates.claim_many([500, 501]) == {500, 501}
        ledger = SharedUpdates(other.seen_updates)
        ids = list(range(495, 700))
        won = await asyncio.gather(*(ledger.claim(update_id) for update_id in ids))
        assert dict(zip(ids, won, strict=True)) == {i: i not in (500, 501) for i in ids}
        assert ledger.statements <= 3  # the first alone, then the rest together
        assert await ledger.claim(800) and ledger.statements <= 4  # alone: at once


async def test_a_claim_never_waits_for_ever_when_the_store_call_breaks(backend: Backend) -> None:
    with backend.open() as store:
        ledger = SharedUpdates(store.seen_updates)

        async def broken(update_ids: object) -> set[int]:
            raise RuntimeError("a bug")

        store.seen_updates.claim_many = broken  # type: ignore[method-assign]
        results = await asyncio.wait_for(
            asyncio.gather(*(ledger.claim(n) for n in (1, 2, 3)), return_exceptions=True), 5
        )
        assert [type(r) for r in results] == [RuntimeError] * 3
