"""Issue 13's /healthz, /readyz and /metrics: the real Application against the fake Bot API,
the endpoints read over HTTP on loopback. One bot per test, each asked a few things.

Webhook mode serves them on PORT beside the webhook path (checked in test_webhook.py's run
test, through `python -m bot run`, and below on the server run_webhook builds).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.engine import QAEngine
from bot.settings import Settings
from bot.store import StoreError
from bot.telegram import health
from bot.telegram.app import build_application
from bot.telegram.health import Health
from bot.telegram.state import BotState
from bot.telegram.webhook import ListenError, WebhookConfig, WebhookServer, start, stop
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import ADMIN_ID, bot_settings, loopback_request, running_bot, say

ASKER = 918273645  # ids and texts the metrics must never show
INLINE_ASKER = 918273646
BLOCKED_GROUP = -1009182736451
OPEN_GROUP = -1009182736452
QUESTIONS = {
    "Is Japan a partner?": ("partner_check", "matched"),
    "Is Japan a partner? And how many countries signed agreements?": (
        "partner_check",
        "two-part",
    ),
    "What is the population of Turkey?": ("none", "refused"),
    "qwertyuiop zxcvbnm": ("none", "fallback"),
}
INLINE = "military exercises held"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(body: str) -> Samples:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(scraped: Samples, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def labelled(scraped: Samples, name: str, label: str) -> dict[str, float]:
    """One label's values of a metric, summed over its other labels."""
    found: dict[str, float] = {}
    for (sample, labels), number in scraped.items():
        if sample == name:
            key = dict(labels)[label]
            found[key] = found.get(key, 0.0) + number
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_inodes() -> set[str]:
    """The listening TCP sockets this process holds (from /proc: its fds and the tcp tables)."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                listening.add(fields[9])
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            mine.add(target[len("socket:[") : -1])
    return listening & mine


@pytest.fixture
def polling_settings(api: FakeBotAPI, tmp_path: Path, knowledge_copy: Path) -> Settings:
    return bot_settings(
        api,
        tmp_path,
        health_port=free_port(),
        announce_chat_ids=(OPEN_GROUP, BLOCKED_GROUP),
        knowledge_dir=knowledge_copy,
    )


@pytest.fixture
def http() -> Iterator[httpx.AsyncClient]:
    yield httpx.AsyncClient(timeout=10.0)


async def test_polling_serves_health_and_counts_what_happened(
    api: FakeBotAPI,
    engine: QAEngine,
    polling_settings: Settings,
    knowledge_copy: Path,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HEALTH_PORT: the three routes; after questions, an inline query, a broadcast to an open
    and a blocked group and a /reload, the scrape counts each, and names no user or text."""
    base = f"http://127.0.0.1:{polling_settings.health_port}"
    async with http, running_bot(api, engine, polling_settings) as application:
        state: BotState = application.bot_data
        assert (await http.get(f"{base}/healthz")).text == "ok\n"
        ready = await http.get(f"{base}/readyz")
        assert (ready.status_code, ready.text) == (200, "ready\n")
        assert (await http.post(f"{base}/healthz")).status_code == 405
        assert (await http.request("GET", f"{base}/metrics", content=b"x")).status_code == 413
        before = samples((await http.get(f"{base}/metrics")).text)
        version = labelled(before, "milcoop_knowledge_base_info", "version")

        for question in QUESTIONS:
            await say(api, question, user_id=ASKER)
        sent = len(api.calls)
        api.inline_query(INLINE, user_id=INLINE_ASKER)
        await api.wait_for("answerInlineQuery", after=sent)

        api.forbid_chat(BLOCKED_GROUP)
        _, confirmation = await say(api, "/announce exercises", replies=2)
        keyboard = confirmation.params["reply_markup"]["inline_keyboard"]
        send = next(b["callback_data"] for row in keyboard for b in row if "Send" in b["text"])
        sent = len(api.calls)
        api.press_button(confirmation.response["result"], send, user_id=ADMIN_ID)
        await api.wait_for(
            "sendMessage", lambda c: "finished" in c.params.get("text", ""), after=sent
        )

        facts = knowledge_copy / "facts.yaml"
        text = facts.read_text(encoding="utf-8")
        facts.write_text(text.replace("title: Cooperation agreements", "title: Agreements", 1))
        [reloaded] = await say(api, "/reload")
        assert "Reloaded" in reloaded.params["text"]

        response = await http.get(f"{base}/metrics")
        assert response.headers["content-type"].startswith("text/plain")
        body = response.text
        after = samples(body)
        # updates by type: 4 questions, /announce and /reload; Send; the inline query
        assert value(after, "milcoop_updates_total", type="message") == 6
        assert value(after, "milcoop_updates_total", type="callback_query") == 1
        assert value(after, "milcoop_updates_total", type="inline_query") == 1
        for (intent, outcome), count in {
            ("partner_check", "matched"): 1,
            ("partner_check", "two-part"): 1,
            ("none", "refused"): 1,
            ("none", "fallback"): 1,
        }.items():
            assert value(after, "milcoop_answers_total", intent=intent, outcome=outcome) == count
        assert labelled(after, "milcoop_answers_total", "outcome") == {
            "matched": 2.0,  # the inline query's card too
            "two-part": 1.0,
            "refused": 1.0,
            "fallback": 1.0,
        }
        assert value(after, "milcoop_matcher_seconds_count") == 5
        assert value(after, "milcoop_matcher_seconds_bucket", le="+Inf") == 5
        assert 0 < value(after, "milcoop_matcher_seconds_sum") < 5
        calls = labelled(after, "milcoop_bot_api_calls_total", "method")
        assert calls["getMe"] >= 1 and calls["getUpdates"] >= 1 and calls["sendMessage"] >= 8
        assert calls["answerInlineQuery"] == 1
        errors = labelled(after, "milcoop_bot_api_calls_total", "error")
        assert errors["Forbidden"] == 1 and errors["none"] >= 12
        assert value(after, "milcoop_bot_api_calls_total", method="sendMessage", error="Forbidden")
        assert value(after, "milcoop_deliveries_total", outcome="sent") == 1
        assert value(after, "milcoop_deliveries_total", outcome="dropped") == 1
        assert value(after, "milcoop_deliveries_total", outcome="failed") == 0
        assert value(after, "milcoop_sender_lease_held") == 1
        reloaded_version = labelled(after, "milcoop_knowledge_base_info", "version")
        assert len(version) == len(reloaded_version) == 1 and version != reloaded_version

        # No user id, chat id, question, token or secret anywhere in the scrape.
        shown = [str(ASKER), str(INLINE_ASKER), str(BLOCKED_GROUP), str(OPEN_GROUP)]
        shown += [*QUESTIONS, INLINE, "Japan", "Turkey", "qwerty", "population", "exercises held"]
        shown += [api.token, api.token.partition(":")[2]]
        assert [text for text in shown if text.lower() in body.lower()] == []

        # A store that fails, or does not answer in time: 503 with a one-line reason.
        async def broken(name: str) -> None:
            raise StoreError(f"{polling_settings.database_path}: the store is closed")

        monkeypatch.setattr(state.store.leases, "holder", broken)
        down = await http.get(f"{base}/readyz")
        assert (down.status_code, down.text) == (503, health.STORE_DOWN + "\n")
        assert str(polling_settings.database_path) not in down.text
        monkeypatch.undo()
        assert (await http.get(f"{base}/readyz")).status_code == 200
    with pytest.raises(httpx.ConnectError):  # stopped with the bot
        await httpx.AsyncClient().get(f"{base}/healthz")


async def test_polling_without_health_port_listens_nowhere(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    listening = listening_inodes()
    async with running_bot(api, engine, bot_settings(api, tmp_path)) as application:
        await say(api, "Is Japan a partner?", user_id=ASKER)
        assert application.bot_data.health_server is None
        assert listening_inodes() == listening


async def test_a_health_port_taken_stops_start_up_first(engine: QAEngine, tmp_path: Path) -> None:
    """ListenError (run_bot's one line, exit 1) before the broadcaster or anything started."""
    async with FakeBotAPI() as api:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            settings = bot_settings(api, tmp_path, health_port=taken.getsockname()[1])
            application = build_application(
                settings, engine, request=loopback_request(), get_updates_request=loopback_request()
            )
            assert application.post_init is not None
            async with application:
                with pytest.raises(ListenError, match=r"cannot listen on 127\.0\.0\.1 port \d+"):
                    await application.post_init(application)
                assert api.calls_to("setMyCommands") == []
                assert application.bot_data.health_server is None
            application.bot_data.store.close()


async def test_readiness_says_why_not(
    engine: QAEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed store, a store that hangs, no knowledge base: each its own line."""
    async with FakeBotAPI() as api:
        application = build_application(bot_settings(api, tmp_path), engine)
        state: BotState = application.bot_data
        probe = Health(state)
        assert await probe.not_ready() is None
        monkeypatch.setattr(health, "STORE_SECONDS", 0.05)

        answered = asyncio.Event()

        async def hangs(name: str) -> None:
            await answered.wait()

        monkeypatch.setattr(state.store.leases, "holder", hangs)
        for _ in range(2):  # the same read twice, not a second one; a hang fails, in 2 s
            assert await asyncio.wait_for(probe.not_ready(), 2) == health.STORE_SLOW
        answered.set()
        assert await probe.not_ready() is None
        monkeypatch.undo()
        state.store.close()
        assert await Health(state).not_ready() == health.STORE_DOWN
        monkeypatch.setattr(state, "engine", SimpleNamespace(kb=replace(engine.kb, facts=())))
        assert await Health(state).not_ready() == health.NO_KNOWLEDGE


async def test_webhook_port_serves_the_routes_beside_the_webhook(
    engine: QAEngine, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    """The server run_webhook builds: the routes on the webhook's port; an update posted there
    is counted."""
    async with FakeBotAPI() as api, http:
        settings = bot_settings(
            api,
            tmp_path,
            webhook_url="https://example.invalid/telegram/hook",
            webhook_secret="s3cret",
            health_port=free_port(),  # ignored in webhook mode
        )
        application = build_application(
            settings, engine, request=loopback_request(), get_updates_request=loopback_request()
        )
        config = replace(WebhookConfig.from_settings(settings), port=0)
        routes = Health(application.bot_data).routes()
        server = WebhookServer(config, application.bot, application.update_queue, routes=routes)
        await start(application, server)
        try:
            assert application.bot_data.health_server is None
            base = f"http://127.0.0.1:{server.port}"
            assert (await http.get(f"{base}/healthz")).status_code == 200
            assert (await http.get(f"{base}/readyz")).status_code == 200
            posted = api.send_text("Is Japan a partner?", chat_id=ASKER, user_id=ASKER)
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            assert (await http.post(base + config.path, json=posted, headers=headers)).is_success
            await api.wait_for("sendMessage")
            scraped = samples((await http.get(f"{base}/metrics")).text)
            assert value(scraped, "milcoop_updates_total", type="message") == 1
            assert value(
                scraped, "milcoop_answers_total", intent="partner_check", outcome="matched"
            )
            assert value(scraped, "milcoop_sender_lease_held") == 1
        finally:
            await stop(application, server)
