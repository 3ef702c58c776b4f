"""Storage faults as the people around the bot meet them: the operator starting it on an
unusable DATABASE_PATH, users whose change could not be saved, the operators told about it
(once per ten minutes), a database file deleted under the running bot, and `unanswered` on a
read-only server."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.i18n import gettext
from bot.settings import Settings
from bot.store import Store
from bot.store.records import AskedQuestion
from bot.telegram import storefaults
from bot.telegram.alerts import OperatorAlerts
from bot.telegram.texts import COULD_NOT_SAVE, DATABASE_RETRY
from tests.e2e import processes
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import (
    ADMIN_ID,
    AnyApplication,
    bot_settings,
    running_bot,
    say,
    to_chat,
)

GROUP = -1003000000001
GROUP_ADMIN = 6660001
OTHER_UID = 65534  # "nobody": the owner of a volume the bot's user cannot write


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(api, tmp_path)


async def one_reply(
    api: FakeBotAPI, text: str, *, user_id: int, chat_id: int, chat_type: str = "private"
) -> Call:
    [reply] = await say(api, text, user_id=user_id, chat_id=chat_id, chat_type=chat_type)
    return reply


def alerts(api: FakeBotAPI) -> list[str]:
    return [str(p["text"]) for p in api.sent_messages(ADMIN_ID) if "Database problem" in p["text"]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def make_read_only(application: AnyApplication, read_only: bool = True) -> None:
    """The file system turns read-only under the running bot (SQLite's query_only gives the
    same SQLITE_READONLY as a read-only mount)."""
    value = 1 if read_only else 0
    await application.bot_data.store.database.read(
        lambda conn: conn.execute(f"PRAGMA query_only = {value}")
    )


def store_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.telegram.storefaults"]


# -- start-up ----------------------------------------------------------------------------------


@pytest.fixture
def roomy_tmp() -> Iterator[Path]:
    """A folder every user can enter (pytest's own tmp_path is private to its owner)."""
    base = Path(tempfile.mkdtemp(prefix="bot-faults-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(base)


def a_database(path: Path) -> Path:
    with Store(path) as store:
        asyncio.run(
            store.questions.log([AskedQuestion("what is the budget?", None, False, 0.1, "private")])
        )
    return path


def owned_by_someone_else(folder: Path) -> None:
    """A Docker volume created by root (or another image) for a container running as a plain
    user: the bot's user may read it, not write it."""
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, OTHER_UID, OTHER_UID)
        folder.chmod(0o755)
    else:  # a plain user cannot give files away; a folder it may not write is the same to it
        folder.chmod(0o555)


def unusable(kind: str, base: Path) -> tuple[Path, str]:
    """A DATABASE_PATH of the given kind, and the one line the bot must print for it."""
    base.mkdir()
    uid = f"uid {os.getuid()}"
    folder_line = (
        "the folder {folder} is not writable by this process ({uid}), and SQLite writes its "
        "journal beside the database: make the folder writable (a Docker volume: chown it to "
        "the container's user) or set DATABASE_PATH to a file in a writable folder"
    )
    if kind == "directory":
        path = base / "data"
        path.mkdir()
        return path, (
            f"DATABASE_PATH {path} is a directory, not a file: point DATABASE_PATH at a file, "
            f"for example {path / 'bot.sqlite3'}"
        )
    if kind == "garbage":
        path = base / "bot.sqlite3"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
        return path, (
            f"DATABASE_PATH {path} is not a SQLite database or is damaged: move it away (the "
            "bot then starts an empty one) or restore it from a backup"
        )
    if kind == "read-only folder":
        folder = base / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        path = folder / "bot.sqlite3"
        return path, f"DATABASE_PATH {path}: " + folder_line.format(folder=folder, uid=uid)
    if kind == "volume of another user":
        folder = base / "volume"
        folder.mkdir()
        path = a_database(folder / "bot.sqlite3")
        owned_by_someone_else(folder)
        return path, f"DATABASE_PATH {path}: " + folder_line.format(folder=folder, uid=uid)
    assert kind == "read-only file"
    path = a_database(base / "bot.sqlite3")
    path.chmod(0o444)
    return path, (
        f"DATABASE_PATH {path}: the file is not writable by this process ({uid}): make it "
        "writable (chown or chmod) or set DATABASE_PATH to another file"
    )


KINDS = ("directory", "garbage", "read-only folder", "volume of another user", "read-only file")


async def test_start_up_with_an_unusable_database_path_says_what_to_do(roomy_tmp: Path) -> None:
    """Each kind as `python -m bot run` meets it: one line, exit status 1, nothing touched."""
    cases = {
        kind: await asyncio.to_thread(unusable, kind, roomy_tmp / kind.replace(" ", "-"))
        for kind in KINDS
    }
    before = {kind: path.read_bytes() for kind, (path, _) in cases.items() if path.is_file()}
    token = "123456789:" + "storage_test_" + "q" * 22
    env = processes.environment(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{processes.closed_port()}/bot",
    )
    results = await processes.run_cases(
        [{"DATABASE_PATH": str(path)} for path, _ in cases.values()], env=env, plain_user=True
    )
    for (kind, (path, line)), (status, err) in zip(cases.items(), results, strict=True):
        assert status == 1, (kind, err)
        assert processes.messages(err, at_least="DEBUG") == [line], kind
        assert "Traceback" not in err and token.split(":")[1] not in err
        if kind in before:
            assert path.read_bytes() == before[kind], kind  # nothing was "repaired"


def test_unanswered_reads_a_database_in_a_read_only_folder(roomy_tmp: Path) -> None:
    folder = roomy_tmp / "backup"
    folder.mkdir()
    path = a_database(folder / "bot.sqlite3")
    before = path.read_bytes()
    folder.chmod(0o555)
    result = processes.run(
        "unanswered", env=processes.environment(DATABASE_PATH=str(path)), plain_user=True
    )
    assert result.returncode == 0, result.stderr
    assert '- "what is the budget?"  # asked 1x' in result.stdout
    assert result.stderr == ""
    assert sorted(p.name for p in folder.iterdir()) == ["bot.sqlite3"]  # no -wal, no -shm
    assert path.read_bytes() == before


def test_unanswered_on_a_garbage_file_says_so(roomy_tmp: Path) -> None:
    path, line = unusable("garbage", roomy_tmp / "garbage")
    result = processes.run("unanswered", env=processes.environment(DATABASE_PATH=str(path)))
    assert result.returncode == 1
    assert result.stderr == line + "\n"


# -- writes that fail while running ------------------------------------------------------------


async def test_a_failed_write_is_told_logged_and_alerted_once_per_ten_minutes(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    api.set_chat_admins(GROUP, {GROUP_ADMIN})
    async with running_bot(api, engine, settings) as application:
        application.bot_data.alerts = OperatorAlerts(clock=clock)
        preview = await one_reply(
            api, "/announce Drill at noon", user_id=ADMIN_ID, chat_id=ADMIN_ID
        )
        assert "Drill at noon" in preview.params["text"]
        [confirmation] = await api.wait_for(
            "sendMessage", lambda c: "reply_markup" in c.params, after=api.calls.index(preview)
        )
        await make_read_only(application)

        # /subscribe in a group: the user is told, the log has one line, the operators one alert.
        reply = await one_reply(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup"
        )
        assert reply.params["text"] == COULD_NOT_SAVE
        await api.wait_for("sendMessage", lambda c: "Database problem" in c.params["text"])
        problem = (
            f"could not save to the database {settings.database_path}: the database or its "
            "folder has become read-only"
        )
        [alert] = alerts(api)
        assert alert.startswith("⚠️ <b>Database problem</b>\n" + problem)

        # Every other saving command meets the same reply; no second alert within 10 minutes.
        clock.now += 599
        assert (
            await one_reply(api, "/digest on 09:00", user_id=ADMIN_ID, chat_id=ADMIN_ID)
        ).params["text"] == COULD_NOT_SAVE
        assert (
            await one_reply(
                api, "/unsubscribe", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup"
            )
        ).params["text"] == COULD_NOT_SAVE
        before = len(api.calls)
        data = confirmation.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        api.press_button(confirmation.response["result"], data, user_id=ADMIN_ID)
        [pressed] = await api.wait_for("answerCallbackQuery", after=before)
        assert pressed.params["text"] == COULD_NOT_SAVE and pressed.params["show_alert"] is True
        api.chat_member_update(chat_id=-1003000000009, chat_type="channel", new_status="member")
        await asyncio.sleep(0.5)
        assert len(alerts(api)) == 1

        # Ten minutes after the first alert, the next failure alerts again.
        clock.now += 1
        assert (await one_reply(api, "/announce Again", user_id=ADMIN_ID, chat_id=ADMIN_ID)).params[
            "text"
        ] == COULD_NOT_SAVE
        for _ in range(100):
            if len(alerts(api)) == 2:
                break
            await asyncio.sleep(0.02)
        assert len(alerts(api)) == 2

        # Nothing reached the channel; once the disk is back, the same command works.
        assert api.sent_messages(-1003000000009) == []
        await make_read_only(application, False)
        reply = await one_reply(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup"
        )
        assert reply.params["text"] == "This group now receives announcements."
    lines = [r.getMessage() for r in store_errors(caplog)]
    kinds = [
        "message in a supergroup chat, 10",
        "message in a private chat, 16",
        "message in a supergroup chat, 12",
        "callback_query in a private chat",
        "my_chat_member in a channel chat",
        "message in a private chat, 15",
    ]
    assert len(lines) == len(kinds), lines
    for kind in kinds:  # one line each, in whatever order concurrent handlers finished
        assert sum(line.startswith(f"{problem} ({kind}") for line in lines) == 1, (kind, lines)
    assert all(r.levelname == "ERROR" and r.exc_info is None for r in store_errors(caplog))
    assert not [r for r in caplog.records if r.exc_info is not None]
    with Store(settings.database_path) as db:
        assert await db.digest.time() is None
        assert [a.status for a in await db.broadcasts.recent_announcements()] == ["draft"]


async def test_a_failed_save_is_told_and_alerted_in_the_chats_language(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    """The user is told in their chat's language (here their Telegram app's, Azerbaijani),
    the operator alerted in the language their private chat chose (Russian)."""
    api.set_chat_admins(GROUP, {GROUP_ADMIN})
    api.world.user(GROUP_ADMIN)
    api.world.users[GROUP_ADMIN]["language_code"] = "az"
    async with running_bot(api, engine, settings) as application:
        choice = await one_reply(api, "/language", user_id=ADMIN_ID, chat_id=ADMIN_ID)
        before = len(api.calls)
        api.press_button(choice.response["result"], "lang:ru", user_id=ADMIN_ID)
        await api.wait_for("sendMessage", after=before)
        await make_read_only(application)
        before = len(api.calls)
        reply = await one_reply(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup"
        )
        assert reply.params["text"] == gettext("az", COULD_NOT_SAVE) != COULD_NOT_SAVE
        [alert] = await api.wait_for("sendMessage", to_chat(ADMIN_ID), after=before)
        assert alert.params["text"].startswith("⚠️ <b>Проблема с базой данных</b>\n")
        assert alert.params["text"].endswith(gettext("ru", DATABASE_RETRY))
        reply = await one_reply(api, "/digest on 09:00", user_id=ADMIN_ID, chat_id=ADMIN_ID)
        assert reply.params["text"] == gettext("ru", COULD_NOT_SAVE)


# -- the database file deleted under the running bot -------------------------------------------


async def test_a_deleted_database_is_noticed_by_the_next_write(
    api: FakeBotAPI, engine: QAEngine, settings: Settings
) -> None:
    api.set_chat_admins(GROUP, {GROUP_ADMIN})
    async with running_bot(api, engine, settings) as application:
        settings.database_path.unlink()
        reply = await one_reply(
            api, "/subscribe", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup"
        )
        assert reply.params["text"] == COULD_NOT_SAVE
        await api.wait_for("sendMessage", lambda c: "Database problem" in c.params["text"])
        fatal = application.bot_data.fatal
        for _ in range(100):  # stopped right after the alert went out
            if fatal.reason is not None:
                break
            await asyncio.sleep(0.05)
        reason = fatal.reason
        assert reason is not None and reason.startswith(
            f"the database file {settings.database_path} was deleted while the bot was running"
        )


async def test_a_deleted_database_is_noticed_without_writes(
    api: FakeBotAPI, engine: QAEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storefaults, "DATABASE_CHECK_SECONDS", 0.2)
    async with running_bot(api, engine, settings) as application:
        fatal = application.bot_data.fatal
        await asyncio.sleep(0.6)
        assert fatal.reason is None  # checked, and nothing wrong
        settings.database_path.unlink()
        for _ in range(100):
            if fatal.reason is not None:
                break
            await asyncio.sleep(0.05)
        assert fatal.reason is not None and "was deleted while the bot was running" in fatal.reason
        [alert] = alerts(api) or [""]
        assert "The bot is stopping" in alert


async def test_a_deleted_database_stops_the_process(api: FakeBotAPI, tmp_path: Path) -> None:
    """`python -m bot run`: the database file removed, the next write stops the process with
    one line and exit status 1, so a supervisor restarts it on the file now at the path."""
    path = tmp_path / "bot.sqlite3"
    api.set_chat_admins(GROUP, {GROUP_ADMIN})
    env = processes.environment(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(path),
        ADMIN_USER_IDS=str(ADMIN_ID),
    )
    process = await processes.start("run", env=env)
    try:
        await processes.polling(api)
        path.unlink()
        api.send_text("/subscribe", chat_id=GROUP, user_id=GROUP_ADMIN, chat_type="supergroup")
        err = await processes.finish(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 1, err
    assert processes.messages(err) == [
        f"the database file {path} was deleted while the bot was running; stopping, so that a "
        "restart opens the file now at DATABASE_PATH (restore it from a backup if it was lost)"
    ]
    assert [p["text"] for p in api.sent_messages(GROUP)] == [COULD_NOT_SAVE]
    assert "The bot is stopping" in alerts(api)[0]
    assert api.token.split(":")[1] not in err
