"""Processes sharing a store answer with the same knowledge (bot/telegram/knowledge_sync.py):
a lesson and a /reload made by one reach the other within a few checks; a knowledge base that
does not load in one process's folder is refused there, which keeps its own. (An undo changes
the store's generation as a lesson does: tests/unit/test_taught_store.py.)"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.telegram import knowledge_sync
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import AnyApplication, bot_settings, running_bot, say

GRANDPA = "my grandpa keeps quoting that line about soldiers holding up the whole nation"
PILOT = "that famous line veterans repeat at parades"  # written into the YAML later
SAYING = "my neighbour's favourite saying about troops"  # and later still


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge_sync, "CHECK_SECONDS", 0.1)


def answer_of(bot: AnyApplication | QAEngine, question: str) -> str | None:
    engine = bot if isinstance(bot, QAEngine) else bot.bot_data.engine
    answer = engine.ask(question)
    return answer.fact_id if answer.matched else None


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


def add_phrasing(folder: Path, question: str) -> None:
    """One more phrasing of the quote, written into the YAML as an editor would."""
    facts = folder / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    anchor = "    - What is the quote at the start of the document?\n"
    assert anchor in text
    facts.write_text(text.replace(anchor, anchor + f"    - {question}\n", 1), encoding="utf-8")


async def test_lessons_and_reloads_reach_every_process(
    api: FakeBotAPI,
    engine: QAEngine,
    tmp_path: Path,
    knowledge_copy: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other_folder = tmp_path / "other-knowledge"
    shutil.copytree(knowledge_copy, other_folder)
    one = bot_settings(api, tmp_path, knowledge_dir=knowledge_copy)
    other = bot_settings(api, tmp_path, knowledge_dir=other_folder)
    assert not {answer_of(engine, q) for q in (GRANDPA, PILOT, SAYING)} - {None}
    async with running_bot(api, engine, one) as first, running_bot(api, engine, other) as second:
        both = (first, second)
        # A lesson stored by one process (or by `python -m bot teach`): both answer it.
        taught = await first.bot_data.store.taught.add("quote", "en", GRANDPA)
        assert taught is not None
        await until(lambda: all(answer_of(app, GRANDPA) == "quote" for app in both))
        # /reload, taken by whichever process Telegram gave it to: both load their folders.
        for folder in (knowledge_copy, other_folder):
            add_phrasing(folder, PILOT)
        [reply] = await say(api, "/reload")
        assert str(reply.params["text"]).startswith("Reloaded: ")
        await until(lambda: all(answer_of(app, PILOT) == "quote" for app in both))
        # A reload elsewhere whose YAML does not load in this folder: refused here, once.
        (other_folder / "facts.yaml").write_text("- id: [broken\n", encoding="utf-8")
        add_phrasing(knowledge_copy, SAYING)
        caplog.set_level(logging.WARNING, logger=knowledge_sync.__name__)
        await first.bot_data.store.generations.reloaded()
        await until(lambda: answer_of(first, SAYING) == "quote")
        await until(lambda: "does not load here" in caplog.text)
        await asyncio.sleep(0.5)  # a few more checks: said once, not once a check
        assert caplog.text.count("does not load here") == 1
        assert answer_of(second, PILOT) == "quote" and answer_of(second, SAYING) is None
