"""What the question log keeps of hostile questions: at most 1,000 characters of each, as
valid UTF-8, and never at the cost of the other questions in the same batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store import Store
from bot.store.questions import MAX_QUESTION_CHARS
from bot.store.records import AskedQuestion
from tests.support.postgres import Backend


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open() as opened:
        yield opened


async def stored(store: Store) -> list[str]:
    rows = await store.database.read(
        lambda conn: conn.execute("SELECT text FROM questions ORDER BY id").fetchall()
    )
    return [row["text"] for row in rows]


async def test_a_10_mb_question_is_capped_at_1000_characters(store: Store) -> None:
    huge = "Is Japan a partner? " + "😀" * 5_000_000
    await store.questions.log([AskedQuestion(huge, None, False, 0.0, "private")])
    [text] = await stored(store)
    assert len(text) == MAX_QUESTION_CHARS == 1000 and huge.startswith(text)
    [(key, count)] = await store.questions.unanswered()
    assert key.startswith("is japan a partner? 😀") and len(key) <= 500 and count == 1


async def test_a_lone_surrogate_costs_no_other_question_in_its_batch(store: Store) -> None:
    batch = [
        AskedQuestion("first", None, False, 0.0, "private"),
        AskedQuestion("half an emoji \ud83d here", None, False, 0.0, "private"),
        AskedQuestion("a pair as two \ud83d\ude00", None, False, 0.0, "private"),
        AskedQuestion("last", "partners", True, 1.0, "group"),
    ]
    await store.questions.log(batch)
    assert await stored(store) == ["first", "half an emoji \ufffd here", "a pair as two 😀", "last"]


async def test_a_nul_character_costs_no_other_question_in_its_batch(store: Store) -> None:
    """PostgreSQL's text cannot hold NUL: the log keeps U+FFFD in its place, in both stores."""
    await store.questions.log(
        [
            AskedQuestion("before", None, False, 0.0, "private"),
            AskedQuestion("a nul \x00 here", None, False, 0.0, "private"),
        ]
    )
    assert await stored(store) == ["before", "a nul \ufffd here"]
