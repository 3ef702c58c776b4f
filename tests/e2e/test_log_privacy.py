"""What the log says about people and secrets, across a realistic session (questions in a
private chat and a group, commands, an inline query, a failed send, refused operator attempts,
a user blocking the bot): from INFO up, no message text, no user id or name, no token, no
webhook secret. At DEBUG the updates are there (the same session proves the check can see
them), but the token and the webhook secret never are."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.telegram.logs import (
    SECRET_REDACTED,
    configure_logging,
    install_record_scrubber,
    withhold_payloads,
)
from bot.telegram.privacy import chat_ref, pseudonym
from tests.support.client import make_bot
from tests.support.fakeapi import FakeBotAPI
from tests.support.harness import bot_settings, running_bot

ALICE, BORIS, STRANGER = 700000001, 700000002, 700000003
GROUP = -1004000000001
NAME = "Zenobia"
QUESTIONS = (
    "Which exercises were held with Quetzalland in 2016?",
    "What does the minister think about Xylophonia?",
)
GROUP_QUESTION = "@ThisBot is Japan a partner of Vorbistan?"
COMMANDS = ("/partners Kalmaristan", "/exercises")
INLINE = "exercises Ptarmigan"
SECRET = "hook_secret_" + "k" * 20


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    yield
    root.handlers[:], level, factory = saved
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


async def session(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> None:
    """Users doing what users do, each step waited for."""
    api.set_chat_admins(GROUP, set())
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        before = len(api.calls)
        for question in QUESTIONS:
            api.send_text(question, chat_id=ALICE, user_id=ALICE, first_name=NAME)
        for command in COMMANDS:
            api.send_text(command, chat_id=ALICE, user_id=ALICE, first_name=NAME)
        api.send_text(GROUP_QUESTION, chat_id=GROUP, user_id=BORIS, chat_type="supergroup")
        await api.wait_for("sendMessage", count=5, after=before)

        # A send that fails: the error handler logs it.
        api.fail_next("sendMessage", "server_error", chat_id=BORIS)
        before = len(api.calls)
        api.send_text("Who trains in Quetzalland?", chat_id=BORIS, user_id=BORIS)
        await api.wait_for("sendMessage", after=before)

        # Inline mode, refused operator attempts (a command, a forged Send button, /subscribe).
        before = len(api.calls)
        api.inline_query(INLINE, user_id=BORIS)
        api.send_text("/stats", chat_id=STRANGER, user_id=STRANGER, first_name=NAME)
        api.send_text("/subscribe", chat_id=GROUP, user_id=STRANGER, chat_type="supergroup")
        [reply] = await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == ALICE)
        api.press_button(reply.response["result"], "ann:send:1", user_id=STRANGER, check=False)
        await api.wait_for("answerInlineQuery", after=before)
        await api.wait_for("sendMessage", count=2, after=before)
        await api.wait_for("answerCallbackQuery", after=before)

        # A user blocks the bot.
        api.chat_member_update(
            chat_id=ALICE,
            chat_type="private",
            new_status="kicked",
            old_status="member",
            user_id=ALICE,
        )
        await asyncio.sleep(0.5)  # handled without a Bot API call: give it time


def personal(text: str) -> list[str]:
    """The personal data and secrets that appear in `text`."""
    found = [q for q in (*QUESTIONS, GROUP_QUESTION, *COMMANDS, INLINE) if q in text]
    found += [
        w
        for w in ("Quetzalland", "Xylophonia", "Vorbistan", "Kalmaristan", "Ptarmigan")
        if w in text
    ]
    found += [str(i) for i in (ALICE, BORIS, STRANGER) if str(i) in text]
    found += [NAME] if NAME in text else []
    return found


async def test_info_logs_say_what_happened_but_not_who_or_what_they_wrote(
    engine: QAEngine, tmp_path: Path, capfd: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    async with FakeBotAPI() as api:
        configure_logging("INFO", api.token, webhook_secret=SECRET)
        await session(api, engine, tmp_path)
    err = capfd.readouterr().err
    assert personal(err) == []
    assert api.token not in err and api.token.split(":")[1] not in err and SECRET not in err
    # ... and it still tells an operator what happened.
    assert "update chat=private fact=exercises_2016" in err
    assert "error while handling message in a private chat, 26 characters" in err
    assert f"refused operator command /stats from {pseudonym(STRANGER)}" in err
    assert f"refused announcement button from {pseudonym(STRANGER)}" in err
    assert f"refused subscription change in {GROUP} by {pseudonym(STRANGER)}" in err
    assert f"removed from chat {chat_ref(ALICE)} (private)" in err


async def test_debug_logs_show_updates_but_never_the_token_or_the_webhook_secret(
    engine: QAEngine, tmp_path: Path, capfd: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    async with FakeBotAPI() as api:
        configure_logging("DEBUG", api.token, webhook_secret=SECRET)
        await session(api, engine, tmp_path)
        async with make_bot(api.token, api.base_url) as bot:
            assert await bot.set_webhook("https://example.invalid/hook", secret_token=SECRET)
        assert api.calls_to("setWebhook")[-1].params["secret_token"] == SECRET
        # wherever else it turns up (a proxy's URL, a header dump): replaced as well
        logging.getLogger("bot.proxy").info("forwarding to https://example.invalid/%s/", SECRET)
    err = capfd.readouterr().err
    assert f"forwarding to https://example.invalid/{SECRET_REDACTED}/" in err
    assert QUESTIONS[0] in err and str(ALICE) in err  # DEBUG may show what users sent
    assert "the failing update:" in err
    assert "setWebhook" in err and SECRET_REDACTED in err
    assert api.token not in err and api.token.split(":")[1] not in err and SECRET not in err


async def test_a_short_webhook_secret_is_scrubbed_from_setwebhooks_parameters(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    """Too short to replace everywhere (it would eat ordinary words), but never logged as a
    parameter."""
    short = "Zq9x"
    async with FakeBotAPI() as api:
        configure_logging("DEBUG", api.token, webhook_secret=short)
        async with make_bot(api.token, api.base_url) as bot:
            assert await bot.set_webhook("https://example.invalid/hook", secret_token=short)
    err = capfd.readouterr().err
    assert f"'secret_token': '{SECRET_REDACTED}'" in err
    assert short not in err


def test_ptb_records_carrying_an_update_have_it_withheld(restored_logging: None) -> None:
    """PTB's parse-failure records print the whole update or server answer at CRITICAL; every
    record is made by the scrubbing factory, so no handler sees the payload."""
    install_record_scrubber("123456:" + "t" * 35)
    seen = ListHandler()
    telegram = logging.getLogger("telegram")
    telegram.addHandler(seen)
    telegram.setLevel(logging.DEBUG)
    data = {"update_id": 1, "message": {"text": "secret plans", "from": {"id": ALICE}}}
    long_answer = "<html>" + "x" * 500
    try:
        logging.getLogger("telegram.ext.Updater").critical(
            "Something went wrong processing the data received from Telegram. Received data "
            "was *not* processed! Received data was: %r",
            data,
        )
        logging.getLogger("telegram.request").error(
            'Can not load invalid JSON data: "%s"', long_answer
        )
        logging.getLogger("telegram.ext.Updater").debug("Webhook received data: %s", data)
        logging.getLogger("telegram.ext").info("short %s and %d", "names", 3)
    finally:
        telegram.removeHandler(seen)
        telegram.setLevel(logging.NOTSET)
    assert seen.texts == [
        "Something went wrong processing the data received from Telegram. Received data was "
        f"*not* processed! Received data was: <dict of {len(str(data))} characters withheld>",
        'Can not load invalid JSON data: "<str of 506 characters withheld>"',
        f"Webhook received data: {data}",  # DEBUG may
        "short names and 3",
    ]
    ours = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "%s", ("y" * 300,), None)
    withhold_payloads(ours)
    assert ours.getMessage() == "y" * 300


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


def test_pseudonyms_are_stable_and_say_nothing() -> None:
    assert pseudonym(ALICE) == pseudonym(ALICE) != pseudonym(BORIS)
    assert str(ALICE) not in pseudonym(ALICE)
    assert chat_ref(GROUP) == str(GROUP) and chat_ref("@channel") == "@channel"
    assert chat_ref(ALICE) == pseudonym(ALICE)
