"""Webhook mode's parts: configuration (LISTEN_ADDRESS, the secret), the record of handled
update ids, and how a stop signal is taken at each stage."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.settings import Settings, SettingsError, derived_webhook_secret, load_settings
from bot.telegram.redelivery import RecentUpdates
from bot.telegram.webhook import WebhookConfig, _Stopper
from tests.conftest import ROOT

# Assembled at run time so that no token-like literal is committed (secret scanners flag them).
TOKEN = "123456789:" + "webhook_test_" + "x" * 22
OTHER_TOKEN = "123456789:" + "webhook_test_" + "y" * 22
URL = "https://bot.example.org/tg/hook"


def load(env: dict[str, str]) -> Settings:
    return load_settings(env, env_file=None)


def test_listen_address_defaults_to_loopback() -> None:
    assert load({}).listen_address == "127.0.0.1"
    assert "listen_address='127.0.0.1'" in repr(load({}))


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("0.0.0.0", "0.0.0.0"), (" 10.0.0.7 ", "10.0.0.7"), ("::", "::"), ("[::1]", "::1")],
)
def test_listen_address_parsed(value: str, parsed: str) -> None:
    assert load({"LISTEN_ADDRESS": value}).listen_address == parsed


@pytest.mark.parametrize("value", ["localhost", "0.0.0.0:8443", "256.1.1.1", "all"])
def test_bad_listen_address_is_one_line_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load({"LISTEN_ADDRESS": value})
    message = str(info.value)
    assert message.startswith(f"LISTEN_ADDRESS: {value!r} is not an IP address")
    assert "\n" not in message


def test_webhook_secret_is_derived_from_the_token_when_unset() -> None:
    """Webhook mode is never open to forged updates: without WEBHOOK_SECRET, a secret derived
    from the token (stable, so replicas and restarts agree) is registered and required."""
    derived = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": URL}).webhook_secret
    assert derived is not None and re.fullmatch(r"[A-Za-z0-9_-]{1,256}", derived)
    assert derived == derived_webhook_secret(TOKEN) != derived_webhook_secret(OTHER_TOKEN)
    assert TOKEN.partition(":")[2] not in derived and "123456789" not in derived
    explicit = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": URL, "WEBHOOK_SECRET": "mine"})
    assert explicit.webhook_secret == "mine"
    assert load({"TELEGRAM_BOT_TOKEN": TOKEN}).webhook_secret is None  # polling: none needed
    assert derived not in repr(load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": URL}))


def test_webhook_config_from_settings() -> None:
    settings = Settings(token=TOKEN, webhook_url=URL, port=8080, listen_address="0.0.0.0")
    config = WebhookConfig.from_settings(settings)
    assert (config.url, config.path, config.listen, config.port) == (
        URL,
        "/tg/hook",
        "0.0.0.0",
        8080,
    )
    assert config.secret == derived_webhook_secret(TOKEN)  # Settings built in code, no secret
    assert (
        WebhookConfig.from_settings(
            Settings(token=TOKEN, webhook_url=URL, webhook_secret="s")
        ).secret
        == "s"
    )
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        WebhookConfig.from_settings(Settings(token=TOKEN))


async def test_an_update_id_is_claimed_once() -> None:
    ledger = RecentUpdates()
    assert await ledger.claim(10) is True
    assert await ledger.claim(10) is False
    assert await ledger.claim(11) is True
    assert await ledger.claim(9) is True  # ids need not arrive in order


async def test_the_record_is_bounded_and_forgets_the_oldest() -> None:
    ledger = RecentUpdates(capacity=3)
    for update_id in (1, 2, 3, 4):
        assert await ledger.claim(update_id)
    assert len(ledger) == 3
    assert await ledger.claim(4) is False and await ledger.claim(2) is False
    assert await ledger.claim(1) is True  # forgotten: a week-old redelivery is not expected
    for update_id in range(100, 1100):
        await ledger.claim(update_id)
    assert len(ledger) == 3
    with pytest.raises(ValueError):
        RecentUpdates(capacity=0)


def test_the_image_listens_on_every_interface_of_its_container() -> None:
    """Inside the container the published port is the entry point; elsewhere loopback is."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^\s+LISTEN_ADDRESS=0\.0\.0\.0\s*$", dockerfile, flags=re.MULTILINE)


def test_a_signal_between_start_up_and_serving_does_not_cut_the_shutdown_short() -> None:
    """Start-up has finished but serving has not begun: stopping the loop then would also end
    the next run_until_complete, the shutdown, half-way (seen as "Event loop stopped before
    Future completed" and unclosed sessions). The request is only recorded."""
    loop = asyncio.new_event_loop()
    try:
        stopper = _Stopper(loop)
        stopper.starting = loop.create_task(asyncio.sleep(0))
        loop.run_until_complete(stopper.starting)
        stopper.request()
        assert stopper.requested
        assert loop.run_until_complete(asyncio.sleep(0.01, result="shut down")) == "shut down"
    finally:
        loop.close()


def test_a_signal_during_start_up_cancels_it_and_while_serving_stops_the_loop() -> None:
    loop = asyncio.new_event_loop()
    try:
        stopper = _Stopper(loop)
        stopper.starting = loop.create_task(asyncio.sleep(60))
        loop.call_later(0.01, stopper.request)
        with pytest.raises(asyncio.CancelledError):
            loop.run_until_complete(stopper.starting)
        serving = _Stopper(loop)
        serving.serving = True
        loop.call_later(0.01, serving.request)
        loop.run_forever()  # returns: the request stopped the loop
        serving.request()  # a second signal while stopping changes nothing
        assert serving.requested
    finally:
        loop.close()
