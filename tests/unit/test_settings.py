from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.settings import (
    DEFAULT_API_BASE_URL,
    Settings,
    SettingsError,
    load_settings,
    parse_env_text,
)

# Assembled at run time so that no token-like literal is committed (secret scanners flag them).
TOKEN = "123456789:" + "settings_test_" + "x" * 21
SECRET_PART = TOKEN.partition(":")[2]


def load(env: dict[str, str] | None = None, env_file: Path | None = None) -> Settings:
    return load_settings(env or {}, env_file=env_file)


def error_for(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as info:
        load(env)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults() -> None:
    settings = load()
    assert settings.token is None
    assert settings.api_base_url == DEFAULT_API_BASE_URL == "https://api.telegram.org/bot"
    assert settings.admin_user_ids == frozenset()
    assert settings.announce_chat_ids == ()
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.knowledge_dir is None
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.port == 8443
    assert settings.log_level == "INFO"
    assert settings.webhook_url is None
    assert settings == Settings()


def test_every_variable_parsed() -> None:
    settings = load(
        {
            "TELEGRAM_BOT_TOKEN": f"  {TOKEN} ",
            "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot",
            "ADMIN_USER_IDS": " 42, 7 ,,42 ",
            "ANNOUNCE_CHAT_IDS": "-1001234567890, @My_Channel, 55, -1001234567890, @my_channel",
            "DATABASE_PATH": "/var/lib/bot/state.db",
            "KNOWLEDGE_DIR": "kb",
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": "s3cr3t_-X",
            "PORT": "8080",
            "LOG_LEVEL": "debug",
            "HEALTH_PORT": "9100",
        }
    )
    assert settings.token == TOKEN
    assert settings.api_base_url == "http://localhost:8081/bot"
    assert settings.admin_user_ids == frozenset({7, 42})
    assert settings.announce_chat_ids == (-1001234567890, "@My_Channel", 55)
    assert settings.database_path == Path("/var/lib/bot/state.db")
    assert settings.knowledge_dir == Path("kb")
    assert settings.webhook_url == "https://bot.example.org/hook"
    assert settings.webhook_secret == "s3cr3t_-X"
    assert settings.port == 8080
    assert settings.log_level == "DEBUG"
    assert settings.health_port == 9100
    assert load().health_port is None  # unset: polling serves no health endpoints


def test_settings_are_frozen() -> None:
    settings = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]  # the assignment mypy refuses is the point


def test_empty_values_count_as_unset() -> None:
    settings = load({"TELEGRAM_BOT_TOKEN": "", "PORT": " ", "ADMIN_USER_IDS": ""})
    assert settings.token is None
    assert settings.port == 8443
    assert settings.admin_user_ids == frozenset()


@pytest.mark.parametrize("webhook", ["http://localhost:8443/hook", "http://127.0.0.1/x"])
def test_local_http_webhook_is_refused_with_telegrams_bot_api(webhook: str) -> None:
    """Telegram refuses it at setWebhook (after a long traceback, before this check): one line."""
    assert error_for({"WEBHOOK_URL": webhook}) == (
        f"WEBHOOK_URL: {webhook!r} must use https:// (Telegram only calls https webhooks; "
        "http works only with a self-hosted Bot API server set in TELEGRAM_API_BASE_URL)"
    )


@pytest.mark.parametrize("webhook", ["http://localhost:8443/hook", "http://127.0.0.1/x"])
def test_local_http_webhook_allowed_with_a_local_bot_api(webhook: str) -> None:
    """A self-hosted Bot API server (--local) or a test server may post to local http."""
    env = {"WEBHOOK_URL": webhook, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"}
    assert load(env).webhook_url == webhook


@pytest.mark.parametrize(
    "webhook",
    [
        "https://127.0.0.1/x",
        "https://localhost/hook",
        "https://192.168.1.5:8443/hook",
        "https://10.0.0.2/hook",
        "https://[::1]/hook",
    ],
)
def test_webhook_telegram_cannot_reach_is_refused(webhook: str) -> None:
    assert error_for({"WEBHOOK_URL": webhook}) == (
        f"WEBHOOK_URL: {webhook!r} is on this machine or a private network, which Telegram "
        "cannot reach; give the public https URL that forwards to the bot"
    )
    assert load({"WEBHOOK_URL": "https://93.184.215.14/hook"}).webhook_url is not None


def test_is_admin() -> None:
    settings = load({"ADMIN_USER_IDS": "42"})
    assert settings.is_admin(42)
    assert not settings.is_admin(43)
    assert not settings.is_admin(None)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BOT_TOKEN", "123:short"),
        ("TELEGRAM_API_BASE_URL", "ftp://api.telegram.org/bot"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot"),
        ("ADMIN_USER_IDS", "12a"),
        ("ADMIN_USER_IDS", "1, -5"),
        ("ADMIN_USER_IDS", "0"),
        ("ANNOUNCE_CHAT_IDS", "@abc"),
        ("ANNOUNCE_CHAT_IDS", "channel_name"),
        ("ANNOUNCE_CHAT_IDS", "@bad-name"),
        ("ANNOUNCE_CHAT_IDS", "@" + "a" * 33),
        ("ANNOUNCE_CHAT_IDS", "1.5"),
        ("WEBHOOK_URL", "http://bot.example.org/hook"),
        ("WEBHOOK_URL", "https://"),
        ("WEBHOOK_URL", "https://host:notaport/x"),
        ("WEBHOOK_SECRET", "has space"),
        ("WEBHOOK_SECRET", "x" * 257),
        ("WEBHOOK_SECRET", "ünïcode"),
        ("PORT", "0"),
        ("PORT", "65536"),
        ("PORT", "http"),
        ("PORT", "-1"),
        ("HEALTH_PORT", "0"),
        ("HEALTH_PORT", "65536"),
        ("HEALTH_PORT", "metrics"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_malformed_value_names_the_variable(variable: str, value: str) -> None:
    message = error_for({variable: value})
    assert message.startswith(f"{variable}:")


def test_admin_error_message_is_clear() -> None:
    message = error_for({"ADMIN_USER_IDS": "1,12a"})
    assert message.startswith("ADMIN_USER_IDS: '12a' is not a Telegram user id")
    assert "comma-separated" in message


def test_token_error_never_contains_the_token() -> None:
    bad = "123456789:" + "x" * 10 + "!" + "y" * 30
    message = error_for({"TELEGRAM_BOT_TOKEN": bad})
    assert message.startswith("TELEGRAM_BOT_TOKEN: does not look like a bot token")
    assert bad not in message
    assert "x" * 10 not in message


def test_token_pasted_into_another_variable_is_masked() -> None:
    message = error_for({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": f"http://example.org/{TOKEN}"})
    assert message.startswith("WEBHOOK_URL:")
    assert TOKEN not in message
    assert SECRET_PART not in message
    message = error_for({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_USER_IDS": TOKEN})
    assert SECRET_PART not in message


def test_repr_masks_secrets() -> None:
    settings = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "hunter2_secret"})
    for text in (repr(settings), str(settings), f"{settings}"):
        assert TOKEN not in text
        assert SECRET_PART not in text
        assert "hunter2_secret" not in text
        assert "token='***'" in text
        assert "webhook_secret='***'" in text
    assert "token=None" in repr(load())


DB_PASSWORD = "pa" + "ss@w0rd-db"  # assembled, like the token: no secret-like literal


def test_database_url_selects_postgresql_and_wins_over_the_path() -> None:
    url = f"postgresql://bot:{DB_PASSWORD}@db.internal:5433/milcoop"
    settings = load({"DATABASE_URL": url, "DATABASE_PATH": "/var/lib/bot/state.db"})
    assert (settings.database_url, settings.database) == (url, url)
    assert settings.database_path == Path("/var/lib/bot/state.db")  # kept, not used
    assert load({"DATABASE_PATH": "x.db"}).database == Path("x.db")
    assert load().database == Path("data/bot.sqlite3") and load().database_url is None
    assert load({"DATABASE_URL": "postgres://h/db"}).database == "postgres://h/db"


def test_the_database_password_is_masked_everywhere() -> None:
    url = f"postgresql://bot:{DB_PASSWORD}@db.internal/milcoop"
    settings = load({"DATABASE_URL": url})
    for text in (repr(settings), str(settings)):
        assert DB_PASSWORD not in text
        assert "database_url='postgresql://bot:***@db.internal/milcoop'" in text
    assert "database_url=None" in repr(load())
    message = error_for({"DATABASE_URL": f"mysql://bot:{DB_PASSWORD}@db.internal/milcoop"})
    assert message.startswith("DATABASE_URL: expected a PostgreSQL URL")
    assert DB_PASSWORD not in message
    message = error_for({"DATABASE_URL": f"postgresql://bot:{DB_PASSWORD}@db:port/milcoop"})
    assert message.startswith("DATABASE_URL:") and DB_PASSWORD not in message


def test_env_file_used_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "\n".join(
            [
                "# comment line",
                "",
                f"TELEGRAM_BOT_TOKEN={TOKEN}",
                "export PORT = 9000",
                'LOG_LEVEL="warning"  # inline comment after quotes',
                "ADMIN_USER_IDS='1, 2'",
                'KNOWLEDGE_DIR="kb #1"',
                "DATABASE_PATH=from-file.db",
                "WEBHOOK_SECRET=abc # trailing comment",
            ]
        ),
        encoding="utf-8",
    )
    settings = load_settings({"DATABASE_PATH": "from-env.db", "PORT": ""}, env_file=env_file)
    assert settings.token == TOKEN
    assert settings.port == 9000  # empty environment value does not hide the file's
    assert settings.log_level == "WARNING"
    assert settings.admin_user_ids == frozenset({1, 2})
    assert settings.knowledge_dir == Path("kb #1")
    assert settings.database_path == Path("from-env.db")
    assert settings.webhook_secret == "abc"


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, env_file=tmp_path / "absent.env") == Settings()
    assert load_settings({}, env_file=None) == Settings()


def test_env_file_with_bom(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes("\ufeffPORT=1234\r\nLOG_LEVEL=ERROR\r\n".encode())
    settings = load_settings({}, env_file=env_file)
    assert (settings.port, settings.log_level) == (1234, "ERROR")


def test_env_file_errors_name_the_line_not_its_content(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"PORT=1\n{TOKEN}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings({}, env_file=env_file)
    assert str(info.value) == f"{env_file}:2: expected KEY=VALUE"
    assert SECRET_PART not in str(info.value)


def test_env_file_value_errors_name_the_variable(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=99999\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^PORT: '99999'"):
        load_settings({}, env_file=env_file)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1", {"A": "1"}),
        ("A = 1 ", {"A": "1"}),
        ("A=", {"A": ""}),
        ("A='x = y'", {"A": "x = y"}),
        ('A="it\'s"', {"A": "it's"}),
        ("A=x#y", {"A": "x#y"}),
        ("A=x #y", {"A": "x"}),
        ("A=1\nA=2", {"A": "2"}),
        ("  # only a comment", {}),
    ],
)
def test_env_parser(text: str, expected: dict[str, str]) -> None:
    assert parse_env_text(text) == expected


@pytest.mark.parametrize("text", ["no equals sign", "1BAD=x", 'A="open', "A='x' trailing"])
def test_env_parser_rejects(text: str) -> None:
    with pytest.raises(SettingsError, match=r"^\.env:1: "):
        parse_env_text(text)


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORT", "4242")
    assert load_settings(env_file=tmp_path / "none").port == 4242
