"""The store's side of the feedback loop: taught phrasings, the questions to review, and the
migration that brings an older database's unanswered questions along."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.generations import Generation
from bot.store.records import AskedQuestion, TaughtPhrasing, Unanswered
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.support.postgres import Backend


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    now = iter(range(1_700_000_000, 1_800_000_000))
    with backend.open(clock=lambda: float(next(now))) as opened:
        yield opened


def version_database(folder: Path, version: int, *statements: str) -> Path:
    """A database as an earlier release left it (schema `version`), with `statements` run."""
    path = folder / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in (*(s for m in MIGRATIONS[:version] for s in m), *statements):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return path


def version_4_database(folder: Path, *statements: str) -> Path:
    return version_database(folder, 4, *statements)


async def unanswered(store: Store, *texts: str) -> None:
    await store.questions.log([AskedQuestion(t, None, False, 0.1, "private") for t in texts])


async def test_a_taught_question_leaves_the_list_and_an_undo_brings_it_back(store: Store) -> None:
    await unanswered(store, "yo what drills", "yo what drills", "weather?")
    [first, second] = await store.questions.to_review()
    assert (first.text, first.count, second.text) == ("yo what drills", 2, "weather?")
    taught = await store.taught.add("exercises_2016", "en", "  yo  what drills ")
    assert taught is not None and taught.question == "yo what drills"
    assert await store.taught.add("partners", "en", "YO what drills") is None  # one fact only
    assert [q.text for q in await store.questions.to_review()] == ["weather?"]
    assert await store.questions.unanswered() == [("weather?", 1)]
    assert await store.taught.all() == [
        TaughtPhrasing(taught.id, "exercises_2016", "en", "yo what drills", taught.taught_at)
    ]
    assert await store.taught.remove([taught.id]) == 1
    assert await store.taught.remove([taught.id]) == 0
    assert await store.taught.all() == []
    assert [q.text for q in await store.questions.to_review()] == ["yo what drills", "weather?"]


async def test_exported_phrasings_leave_the_overlay_but_stay_answered(store: Store) -> None:
    await unanswered(store, "gimme the list")
    taught = await store.taught.add("partners", "en", "gimme the list")
    assert taught is not None
    assert await store.taught.remove([taught.id], reopen=False) == 1
    assert await store.questions.to_review() == []


async def test_refused_questions_are_listed_no_more(store: Store) -> None:
    await unanswered(store, "population of turkey?")
    [question] = await store.questions.to_review()
    assert await store.questions.get_unanswered(question.id) == question
    assert await store.questions.refuse(question.id)
    assert not await store.questions.refuse(question.id)  # once
    assert await store.questions.get_unanswered(question.id) is None
    assert await store.questions.to_review() == [] == await store.questions.unanswered()
    await unanswered(store, "population of turkey?")  # asked again: still refused
    assert await store.questions.to_review() == []


async def test_a_question_answered_since_is_put_aside_until_it_is_missed_again(
    store: Store,
) -> None:
    await unanswered(store, "drills in 2016 pls", "what about ducks")
    [drills, ducks] = await store.questions.to_review()
    assert await store.questions.answered_since(drills.id)
    assert not await store.questions.answered_since(drills.id)  # once
    assert [q.text for q in await store.questions.to_review()] == ["what about ducks"]
    assert await store.questions.review_count() == 1
    await unanswered(store, "drills in 2016 pls")  # missed again: listed again, counted on
    assert [(q.text, q.count) for q in await store.questions.to_review()] == [
        ("drills in 2016 pls", 2),
        ("what about ducks", 1),
    ]
    assert await store.questions.answered_since(drills.id)
    await store.questions.answered_wrongly("drills in 2016 pls")  # voted down: listed again
    assert (await store.questions.to_review())[0].text == "drills in 2016 pls"
    assert await store.questions.refuse(ducks.id)
    await unanswered(store, "what about ducks")  # refused stays refused
    assert [q.text for q in await store.questions.to_review()] == ["drills in 2016 pls"]


async def test_questions_voted_down_are_reviewed_with_the_topic_chosen(store: Store) -> None:
    await unanswered(store, "when was the army founded")
    await store.questions.answered_wrongly("Any African partners?", suggested="partner_group")
    await store.questions.answered_wrongly("any african  partners?")
    await store.questions.answered_wrongly("   ")  # nothing to review
    review = await store.questions.to_review()
    assert review[0] == Unanswered(review[0].id, "any african partners?", 0, 2, "partner_group")
    assert review[1].text == "when was the army founded"
    assert await store.questions.down_voted() == [("any african partners?", 2)]
    assert await store.questions.unanswered() == [("when was the army founded", 1)]  # as before


async def test_a_question_is_reviewed_as_last_asked_names_keeping_their_capitals(
    store: Store,
) -> None:
    await unanswered(store, "which partners are in nato", "Which  partners are in NATO ")
    [question] = await store.questions.to_review()
    assert (question.text, question.count) == ("Which partners are in NATO", 2)
    assert await store.questions.unanswered() == [("which partners are in nato", 2)]


async def test_version_4_unanswered_questions_are_migrated(tmp_path: Path) -> None:
    path = version_4_database(
        tmp_path, "INSERT INTO unanswered VALUES ('who is the minister', 3, 1.0, 5.0)"
    )
    with Store(path) as store:
        [question] = await store.questions.to_review()
        assert (question.text, question.count, question.wrong) == ("who is the minister", 3, 0)
        version = await store.database.read(
            lambda c: c.execute("PRAGMA user_version").fetchone()[0]
        )
        assert version == SCHEMA_VERSION == 7


async def test_version_5_questions_keep_their_ids_and_may_be_answered_since(
    tmp_path: Path,
) -> None:
    path = version_database(
        tmp_path,
        5,
        "INSERT INTO unanswered (id, normalised, text, count, wrong, first_seen, last_seen,"
        " status) VALUES (41, 'who is the minister', 'Who is the minister', 3, 1, 1.0, 5.0,"
        " 'open'), (42, 'hi', 'hi', 1, 0, 1.0, 2.0, 'refused')",
    )
    with Store(path) as store:
        [question] = await store.questions.to_review()
        assert (question.id, question.text, question.count, question.wrong) == (
            41,
            "Who is the minister",
            3,
            1,
        )
        assert await store.questions.answered_since(41)
        assert await store.questions.to_review() == []
        await unanswered(store, "what else")
        [added] = await store.questions.to_review()
        assert added.id == 43


async def test_a_database_read_only_before_its_migration_has_nothing_taught(
    tmp_path: Path,
) -> None:
    """`python -m bot ask` reads the taught phrasings of DATABASE_PATH read-only, which does
    not migrate: a database of the previous release simply has none."""
    path = version_4_database(tmp_path)
    with Store(path, read_only=True) as store:
        assert await store.taught.all() == []


async def test_the_generation_changes_with_every_lesson_undo_and_reload(store: Store) -> None:
    """What processes sharing the store compare (bot/telegram/knowledge_sync.py): any change to
    the taught phrasings or a /reload gives a generation never seen before."""
    seen = [await store.generations.current()]
    assert seen[0] == Generation(0, 0, 0)
    first = await store.taught.add("quote", "en", "grandpa's line about soldiers")
    second = await store.taught.add("partners", "en", "gimme the list")
    assert first is not None and second is not None
    seen.append(await store.generations.current())
    assert seen[-1] == Generation.of(0, [first, second]) == Generation(0, 2, second.id)
    await store.taught.remove([first.id])
    seen.append(await store.generations.current())
    third = await store.taught.add("quote", "en", "that line veterans quote")
    assert third is not None
    seen.append(await store.generations.current())  # as many as before, a newer one
    assert await store.generations.reloaded() == 1
    assert await store.generations.reloaded() == 2
    seen.append(await store.generations.current())
    assert seen[-1] == Generation(2, 2, third.id)
    assert len(set(seen)) == len(seen)
