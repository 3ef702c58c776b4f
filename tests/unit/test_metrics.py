"""bot/telegram/metrics.py without a bot: the outcome of each kind of answer, the error class
of each Bot API answer, bounded labels, and a knowledge-base version every process agrees on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import generate_latest
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

from bot.answers import Answer, Outcome
from bot.engine import QAEngine
from bot.kb.version import knowledge_version
from bot.store import Store
from bot.store.claims import SENDER_LEASE
from bot.store.lease import Owner
from bot.store.records import AnnouncementOrigin, Claim
from bot.telegram import metrics as metrics_module
from bot.telegram.broadcast import Broadcaster
from bot.telegram.metrics import MeteredRequest, Metrics, outcome_of
from tests.conftest import ROOT


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("question", "outcome"),
    [
        ("Is Japan a partner?", "matched"),
        ("hello", "matched"),  # small talk is matched, as in `ask --json`
        ("what happened in 2016?", "matched"),  # a summary is one answer, however many parts
        ("Is Japan a partner? And how many countries signed agreements?", "two-part"),
        ("What is the population of Turkey?", "refused"),
        ("say that Iraq is a partner", "refused"),
        ("qwertyuiop zxcvbnm", "fallback"),
    ],
)
def test_outcome_of_each_kind_of_answer(engine: QAEngine, question: str, outcome: str) -> None:
    assert outcome_of(engine.ask(question)) == outcome


class Answering(BaseRequest):
    """The HTTP layer beneath: answers with `status`, or raises `error`."""

    def __init__(self, status: int = 200, error: Exception | None = None) -> None:
        self.status = status
        self.error = error

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, *args: object, **kwargs: object):
        if self.error is not None:
            raise self.error
        return self.status, b"{}"


@pytest.mark.parametrize(
    ("status", "error", "counted"),
    [
        (200, None, "none"),
        (429, None, "RetryAfter"),
        (403, None, "Forbidden"),
        (400, None, "BadRequest"),
        (502, None, "NetworkError"),
        (409, None, "other"),
        (0, TimedOut(), "TimedOut"),
        (0, NetworkError("connection reset"), "NetworkError"),
        (0, RuntimeError("not initialised"), "other"),
    ],
)
async def test_each_bot_api_call_is_counted_once_by_method_and_error_class(
    status: int, error: Exception | None, counted: str
) -> None:
    metrics = Metrics()
    request = MeteredRequest(Answering(status, error), metrics)
    for method in ("sendMessage", "noSuchMethod"):
        url = f"http://127.0.0.1:1/bot123:abc/{method}"
        if error is None:
            assert await request.do_request(url, "POST") == (status, b"{}")
        else:
            with pytest.raises(type(error)):
                await request.do_request(url, "POST")
    assert sample(metrics, "milcoop_bot_api_calls_total", method="sendMessage", error=counted) == 1
    assert sample(metrics, "milcoop_bot_api_calls_total", method="other", error=counted) == 1
    assert "123:abc" not in generate_latest(metrics.registry).decode()


def test_update_types_and_intents_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = Metrics()
    metrics.update(Update(update_id=1))  # no field it knows
    metrics.update(object())
    assert sample(metrics, "milcoop_updates_total", type="other") == 2
    # the four (none, outcome) series exist from the start: room for two intents more
    monkeypatch.setattr(metrics_module, "MAX_INTENTS", len(metrics_module.OUTCOMES) + 2)
    for fact in ("a", "b", "c", "d"):
        metrics.answered(Answer("q", Outcome.FACT, fact, 1.0, "t", "b"), 0.001)
    assert sample(metrics, "milcoop_answers_total", intent="a", outcome="matched") == 1
    assert sample(metrics, "milcoop_answers_total", intent="b", outcome="matched") == 1
    assert sample(metrics, "milcoop_answers_total", intent="other", outcome="matched") == 2
    assert sample(metrics, "milcoop_matcher_seconds_count") == 4


def test_the_knowledge_version_is_the_same_in_every_process(engine: QAEngine) -> None:
    """Sets (taught phrasings, lexicon words) iterate in another order under another hash
    seed; the version must not. Two interpreters with two seeds hash one structure."""
    script = (  # the module alone: it imports nothing of the bot's
        "import runpy; version = runpy.run_path('bot/kb/version.py')['knowledge_version'];"
        "print(version({'words': frozenset(f'w{i}' for i in range(300))}))"
    )
    versions = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        versions.add(result.stdout.strip())
    assert len(versions) == 1
    assert versions == {knowledge_version({"words": frozenset(f"w{i}" for i in range(300))})}
    assert len(knowledge_version(engine.kb)) == 12


class PostingBot:
    """Telegram as the broadcaster sees it: every send arrives."""

    async def send_message(self, chat_id: object, text: str) -> SimpleNamespace:
        return SimpleNamespace(message_id=1)


async def test_deliveries_left_in_flight_by_a_stopped_sender_are_counted_unconfirmed(
    tmp_path: Path,
) -> None:
    """The lease's next holder records a delivery the last one claimed and never settled."""
    with Store(tmp_path / "bot.sqlite3") as store:
        number = await store.broadcasts.create_announcement(
            html="hello", origin=AnnouncementOrigin.TEXT, fact_id=None, created_by=42
        )
        await store.broadcasts.start_announcement(number, [101, 102, 103])
        gone = Owner("gone-1", "", 0)
        await store.leases.acquire(SENDER_LEASE, gone, 0.05)
        assert await store.claims.claim(number, 101, gone.id) is Claim.CLAIMED
        await asyncio.sleep(0.1)  # its lease lapses, the claim still in flight
        metrics = Metrics()
        broadcaster = Broadcaster(PostingBot(), store)  # type: ignore[arg-type]
        broadcaster.sender.count = metrics.delivered
        await broadcaster.begin()
        try:
            for _ in range(250):  # the two chats left are sent to, after the settling
                if sample(metrics, "milcoop_deliveries_total", outcome="sent") == 2:
                    break
                await asyncio.sleep(0.02)
        finally:
            await broadcaster.stop()
    assert sample(metrics, "milcoop_deliveries_total", outcome="unconfirmed") == 1
    assert sample(metrics, "milcoop_deliveries_total", outcome="sent") == 2
