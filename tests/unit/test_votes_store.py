"""Votes on answers in the store: once per user per message, the other button changes the
vote, nothing that names the voter, and the voter's hash gone after a day (an injected
clock)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from bot.store import Store
from bot.store.interface import Connection
from bot.store.votes import (
    DOWN,
    UP,
    VOTE_WINDOW,
    VOTER_TTL,
    VoteOutcome,
    vote_day,
    voter_hash,
)
from tests.support.postgres import Backend

START = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
USER, CHAT, MESSAGE = 987_654_321, 987_654_321, 4242


class Clock:
    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: Backend, clock: Clock) -> Iterator[Store]:
    with backend.open(clock=clock) as opened:
        yield opened


async def press(
    store: Store,
    vote: int,
    *,
    fact_id: str = "exercises_2016",
    user: int = USER,
    chat: int = CHAT,
    message: int = MESSAGE,
    sent_at: float = START,
    language: str = "en",
) -> VoteOutcome:
    return await store.votes.record(
        fact_id=fact_id,
        vote=vote,
        language=language,
        user_id=user,
        chat_id=chat,
        message_id=message,
        sent_at=sent_at,
    )


async def rows(store: Store) -> list[dict[str, Any]]:
    found = await store.database.read(
        lambda conn: conn.execute("SELECT * FROM votes ORDER BY id").fetchall()
    )
    return [dict(row) for row in found]


async def test_a_press_counts_once_and_the_other_button_changes_it(store: Store) -> None:
    assert await press(store, UP) is VoteOutcome.NEW
    assert await press(store, UP) is VoteOutcome.UNCHANGED
    assert await store.votes.helpfulness() == [("exercises_2016", 1, 0)]
    assert await press(store, DOWN) is VoteOutcome.CHANGED
    assert await store.votes.helpfulness() == [("exercises_2016", 0, 1)]
    assert await press(store, DOWN) is VoteOutcome.UNCHANGED
    assert await press(store, UP) is VoteOutcome.CHANGED
    assert len(await rows(store)) == 1


async def test_other_users_and_other_messages_count_apart(store: Store) -> None:
    assert await press(store, UP) is VoteOutcome.NEW
    assert await press(store, DOWN, user=USER + 1) is VoteOutcome.NEW  # a group member
    assert await press(store, DOWN, message=MESSAGE + 1) is VoteOutcome.NEW  # another card
    assert await press(store, UP, chat=-100123, message=MESSAGE) is VoteOutcome.NEW
    assert await press(store, DOWN, fact_id="partners", message=MESSAGE + 2) is VoteOutcome.NEW
    assert await store.votes.helpfulness() == [("exercises_2016", 2, 2), ("partners", 0, 1)]
    assert await store.votes.helpfulness(limit=1) == [("exercises_2016", 2, 2)]


async def test_a_vote_keeps_fact_value_language_and_day_and_no_user_id(store: Store) -> None:
    await press(store, DOWN, language="az")
    [row] = await rows(store)
    assert {k: row[k] for k in ("fact_id", "vote", "language", "day")} == {
        "fact_id": "exercises_2016",
        "vote": -1,
        "language": "az",
        "day": "2023-11-14",
    }
    assert row["voter_expires"] == START + VOTER_TTL
    everything = " ".join(str(value) for value in row.values())
    for number in (USER, MESSAGE):
        assert str(number) not in everything
    assert len(row["voter"]) == 64 and int(row["voter"], 16)  # a SHA-256 in hex, nothing else


async def test_the_voter_hash_is_salted_with_a_stored_secret(store: Store) -> None:
    await press(store, UP)
    [row] = await rows(store)
    salt = await store.database.read(
        lambda conn: conn.execute("SELECT value FROM kv WHERE key = 'votes.salt'").fetchone()[0]
    )
    assert len(bytes.fromhex(salt)) == 32
    assert row["voter"] == voter_hash(bytes.fromhex(salt), USER, CHAT, MESSAGE)
    assert row["voter"] != voter_hash(b"another salt", USER, CHAT, MESSAGE)
    assert voter_hash(b"s", USER, CHAT, MESSAGE) != voter_hash(b"s", USER, CHAT, MESSAGE + 1)


async def test_the_salt_survives_a_restart_so_a_second_press_is_still_known(
    backend: Backend, clock: Clock
) -> None:
    with backend.open(clock=clock) as store:
        assert await press(store, UP) is VoteOutcome.NEW
    with backend.open(clock=clock) as store:
        assert await press(store, UP) is VoteOutcome.UNCHANGED
        assert await press(store, DOWN) is VoteOutcome.CHANGED
        assert await store.votes.helpfulness() == [("exercises_2016", 0, 1)]


async def test_the_voter_hash_is_cleared_after_a_day_on_the_next_write(
    store: Store, clock: Clock
) -> None:
    await press(store, UP)
    clock.tick(VOTER_TTL - 1)
    await press(store, DOWN, message=MESSAGE + 1, sent_at=clock.now)  # another card, same user
    first, second = await rows(store)
    assert first["voter"] is not None  # not yet a day
    clock.tick(1)
    await press(store, UP, message=MESSAGE + 2, sent_at=clock.now)
    first, second, third = await rows(store)
    assert first["voter"] is None and first["voter_expires"] is None
    assert first["vote"] == UP and first["fact_id"] == "exercises_2016"  # the vote stays
    assert second["voter"] is not None and third["voter"] is not None


async def test_purge_clears_expired_hashes_without_a_vote(store: Store, clock: Clock) -> None:
    await press(store, UP)
    assert await store.votes.purge() == 0
    clock.tick(VOTER_TTL)
    assert await store.votes.purge() == 1
    assert await store.votes.purge() == 0
    [row] = await rows(store)
    assert row["voter"] is None and row["vote"] == UP
    assert await store.votes.helpfulness() == [("exercises_2016", 1, 0)]


async def test_a_card_older_than_the_window_takes_no_vote(store: Store, clock: Clock) -> None:
    clock.tick(VOTE_WINDOW)
    assert await press(store, UP) is VoteOutcome.NEW  # just within the window
    clock.tick(1)
    assert await press(store, DOWN) is VoteOutcome.EXPIRED  # the change is refused too
    assert await press(store, UP, message=MESSAGE + 1) is VoteOutcome.EXPIRED
    assert await store.votes.helpfulness() == [("exercises_2016", 1, 0)]
    # The hash outlives the window: every message still open to votes keeps its voters.
    assert VOTE_WINDOW < VOTER_TTL


async def test_only_up_or_down_is_a_vote(store: Store) -> None:
    for vote in (0, 2, -2):
        with pytest.raises(ValueError, match="a vote is"):
            await press(store, vote)
    assert await rows(store) == []


async def test_the_table_refuses_a_vote_that_is_neither(store: Store) -> None:
    def insert(conn: Connection) -> None:
        conn.execute(
            "INSERT INTO votes (fact_id, vote, language, day) VALUES ('x', 0, 'en', '2024-01-01')"
        )

    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
        await store.database.write(insert)


def test_the_day_is_the_utc_day() -> None:
    assert vote_day(START) == "2023-11-14"
    assert vote_day(START + 2 * 3600) == "2023-11-15"
