"""Configuration read once at start-up, so a bad value stops the bot with one clear line.

This is the one module that reads the environment (and `.env`): everything else is given a
Settings object, so the bot, the console and every command agree on each value.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.kb.location import find_knowledge_dir

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_PATH = Path("data/bot.sqlite3")
DEFAULT_PORT = 8443
# Loopback unless told otherwise: a webhook port should sit behind a TLS reverse proxy, not be
# published bare. The Docker image sets 0.0.0.0, since there the container port is the entry.
DEFAULT_LISTEN_ADDRESS = "127.0.0.1"
DEFAULT_LOG_LEVEL = "INFO"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,}")
_USER_ID = re.compile(r"\+?\d{1,20}")
_CHAT_ID = re.compile(r"[-+]?\d{1,20}")
_CHANNEL_USERNAME = re.compile(r"@[A-Za-z0-9_]{5,32}")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TELEGRAM_API_HOST = "api.telegram.org"
_MASK = "***"


class SettingsError(ValueError):
    """A configuration problem; the message is one line that names the variable."""


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the bot reads from its environment, validated and typed."""

    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    admin_user_ids: frozenset[int] = frozenset()
    announce_chat_ids: tuple[int | str, ...] = ()
    database_path: Path = DEFAULT_DATABASE_PATH
    database_url: str | None = None  # postgresql://...: wins over database_path
    knowledge_dir: Path | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = DEFAULT_PORT
    listen_address: str = DEFAULT_LISTEN_ADDRESS
    log_level: str = DEFAULT_LOG_LEVEL
    health_port: int | None = None  # polling mode's /healthz, /readyz, /metrics

    @property
    def knowledge_folder(self) -> Path:
        """KNOWLEDGE_DIR when set, else the folder found beside the code or its install."""
        return self.knowledge_dir if self.knowledge_dir is not None else find_knowledge_dir()

    @property
    def database(self) -> str | Path:
        """Where the store is: DATABASE_URL when set (PostgreSQL), else the SQLite file."""
        return self.database_url if self.database_url is not None else self.database_path

    def is_admin(self, user_id: int | None) -> bool:
        """Anonymous senders (no user id) are never admins."""
        return user_id is not None and user_id in self.admin_user_ids

    def __repr__(self) -> str:
        """Secrets are masked so settings can be logged safely."""
        token = _MASK if self.token is not None else None
        secret = _MASK if self.webhook_secret is not None else None
        return (
            f"Settings(token={token!r}, api_base_url={self.api_base_url!r}, "
            f"admin_user_ids={sorted(self.admin_user_ids)!r}, "
            f"announce_chat_ids={self.announce_chat_ids!r}, "
            f"database_path={str(self.database_path)!r}, "
            f"database_url={None if self.database_url is None else mask_url(self.database_url)!r}, "
            f"knowledge_dir={None if self.knowledge_dir is None else str(self.knowledge_dir)!r}, "
            f"webhook_url={self.webhook_url!r}, webhook_secret={secret!r}, "
            f"port={self.port!r}, listen_address={self.listen_address!r}, "
            f"log_level={self.log_level!r}, health_port={self.health_port!r})"
        )

    __str__ = __repr__


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings from the environment, falling back to a `.env` file for unset variables.

    A variable set to an empty string counts as unset (Docker Compose passes `${VAR}` that way).
    A missing `.env` file is not an error; `env_file=None` skips it.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(parse_env_file(env_file))
    real = os.environ if environ is None else environ
    values.update({key: value for key, value in real.items() if value.strip()})

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    try:
        return _settings(get)
    except SettingsError as error:
        raise SettingsError(_scrub(str(error), get("TELEGRAM_BOT_TOKEN"))) from None


def _scrub(message: str, token: str | None) -> str:
    """Hide the token even where it sits in another variable (webhook URLs often hold it)."""
    if token:
        message = message.replace(token, _MASK)
        secret = token.partition(":")[2]
        if len(secret) >= 8:
            message = message.replace(secret, _MASK)
    return message


def _settings(get: Callable[[str], str | None]) -> Settings:
    api_base_url = _api_base_url(get("TELEGRAM_API_BASE_URL"))
    token = _token(get("TELEGRAM_BOT_TOKEN"))
    webhook_url = _webhook_url(get("WEBHOOK_URL"), api_base_url)
    secret = _webhook_secret(get("WEBHOOK_SECRET"))
    if secret is None and webhook_url is not None and token is not None:
        secret = derived_webhook_secret(token)
    return Settings(
        token=token,
        api_base_url=api_base_url,
        admin_user_ids=_admin_user_ids(get("ADMIN_USER_IDS")),
        announce_chat_ids=_announce_chat_ids(get("ANNOUNCE_CHAT_IDS")),
        database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE_PATH),
        database_url=_database_url(get("DATABASE_URL")),
        knowledge_dir=_optional_path(get("KNOWLEDGE_DIR")),
        webhook_url=webhook_url,
        webhook_secret=secret,
        port=_port(get("PORT")),
        listen_address=_listen_address(get("LISTEN_ADDRESS")),
        log_level=_log_level(get("LOG_LEVEL")),
        health_port=_health_port(get("HEALTH_PORT")),
    )


def variables() -> frozenset[str]:
    """Every environment variable the settings read: what a deployment file may set (a test
    checks deploy/compose.yaml against it, so a misspelt name cannot pass unnoticed)."""
    asked: set[str] = set()

    def get(name: str) -> str | None:
        asked.add(name)
        return None

    _settings(get)
    return frozenset(asked)


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse `KEY=VALUE` lines; errors name the line, never its content (it may hold the token)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read the .env file ({type(error).__name__})") from None
    return parse_env_text(text, source=str(path))


def parse_env_text(text: str, *, source: str = ".env") -> dict[str, str]:
    """The parser behind `parse_env_file`, separate so it can be tested without files."""
    result: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _ENV_KEY.fullmatch(key):
            raise SettingsError(f"{source}:{number}: expected KEY=VALUE")
        parsed = _env_value(value.strip())
        if parsed is None:
            raise SettingsError(f"{source}:{number}: {key}: unterminated quoted value")
        result[key] = parsed
    return result


def _env_value(value: str) -> str | None:
    """Unquote a value; unquoted values may end in a ` # comment`. None when a quote is open."""
    if value[:1] in {'"', "'"}:
        quote = value[0]
        end = value.find(quote, 1)
        if end == -1:
            return None
        rest = value[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            return None
        return value[1:end]
    comment = re.search(r"\s#", value)
    return value[: comment.start()].rstrip() if comment else value


def _token(value: str | None) -> str | None:
    if value is None:
        return None
    if not _TOKEN.fullmatch(value):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN: does not look like a bot token "
            "(expected <digits>:<secret> as given by @BotFather)"
        )
    return value


def _http_url(name: str, value: str) -> str:
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise SettingsError(f"{name}: {value!r} is not a valid URL") from None
    if parts.scheme not in {"http", "https"} or not hostname:
        raise SettingsError(f"{name}: {value!r} is not an http(s) URL")
    return value


def _api_base_url(value: str | None) -> str:
    if value is None:
        return DEFAULT_API_BASE_URL
    return _http_url("TELEGRAM_API_BASE_URL", value)


def _unreachable_from_outside(hostname: str) -> bool:
    """This machine or a private network: Telegram's servers cannot post there."""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False  # a name: only DNS knows, and Telegram checks it at setWebhook
    return not address.is_global


def _webhook_url(value: str | None, api_base_url: str) -> str | None:
    """Telegram's own Bot API only posts to public https URLs, and refuses the others at
    setWebhook. A self-hosted Bot API server (--local) or a test server, named by
    TELEGRAM_API_BASE_URL, may post to a local http URL, so there it is allowed."""
    if value is None:
        return None
    _http_url("WEBHOOK_URL", value)
    if urlsplit(api_base_url).hostname != _TELEGRAM_API_HOST:
        return value
    if urlsplit(value).scheme != "https":
        raise SettingsError(
            f"WEBHOOK_URL: {value!r} must use https:// (Telegram only calls https webhooks; "
            "http works only with a self-hosted Bot API server set in TELEGRAM_API_BASE_URL)"
        )
    if _unreachable_from_outside(urlsplit(value).hostname or ""):
        raise SettingsError(
            f"WEBHOOK_URL: {value!r} is on this machine or a private network, which Telegram "
            "cannot reach; give the public https URL that forwards to the bot"
        )
    return value


def _items(value: str | None) -> list[str]:
    if value is None:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def _admin_user_ids(value: str | None) -> frozenset[int]:
    ids: set[int] = set()
    for item in _items(value):
        if not _USER_ID.fullmatch(item) or int(item) == 0:
            raise SettingsError(
                f"ADMIN_USER_IDS: {item!r} is not a Telegram user id "
                "(expected comma-separated positive integers)"
            )
        ids.add(int(item))
    return frozenset(ids)


def _announce_chat_ids(value: str | None) -> tuple[int | str, ...]:
    result: list[int | str] = []
    seen: set[int | str] = set()
    for item in _items(value):
        chat: int | str
        if _CHAT_ID.fullmatch(item) and int(item) != 0:
            chat = int(item)
            key: int | str = chat
        elif _CHANNEL_USERNAME.fullmatch(item):
            chat = item
            key = item.lower()  # Telegram usernames are case-insensitive
        else:
            raise SettingsError(
                f"ANNOUNCE_CHAT_IDS: {item!r} is not a chat id or @channelusername "
                "(expected comma-separated integers such as -1001234567890 "
                "or @names of 5-32 letters, digits or underscores)"
            )
        if key not in seen:
            seen.add(key)
            result.append(chat)
    return tuple(result)


def mask_url(url: str) -> str:
    """A database URL with its password replaced by ***, fit for logs and messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return _MASK
    if password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:{_MASK}@{host}").geturl()


def _database_url(value: str | None) -> str | None:
    """A PostgreSQL URL; the error never repeats the value, which may hold a password."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise SettingsError(f"DATABASE_URL: {mask_url(value)!r} is not a valid URL") from None
    if parts.scheme not in {"postgresql", "postgres"}:
        raise SettingsError(
            "DATABASE_URL: expected a PostgreSQL URL, postgresql://user:password@host/database "
            "(unset it to use the SQLite file of DATABASE_PATH)"
        )
    return value


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value is not None else None


def _webhook_secret(value: str | None) -> str | None:
    if value is None:
        return None
    if not _WEBHOOK_SECRET.fullmatch(value):
        raise SettingsError(
            "WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    return value


def derived_webhook_secret(token: str) -> str:
    """The webhook secret when WEBHOOK_SECRET is unset: stable across restarts and replicas,
    unguessable without the token, and never the token itself (an HMAC of it)."""
    return hmac.new(token.encode(), b"milcoop-bot webhook secret", hashlib.sha256).hexdigest()


def _listen_address(value: str | None) -> str:
    if value is None:
        return DEFAULT_LISTEN_ADDRESS
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        raise SettingsError(
            f"LISTEN_ADDRESS: {value!r} is not an IP address "
            "(expected 127.0.0.1, 0.0.0.0, :: or one of this machine's addresses)"
        ) from None


def _port(value: str | None) -> int:
    if value is None:
        return DEFAULT_PORT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingsError(f"PORT: {value!r} is not a port number (expected 1-65535)")
    return int(value)


def _log_level(value: str | None) -> str:
    if value is None:
        return DEFAULT_LOG_LEVEL
    level = value.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL: {value!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def _health_port(value: str | None) -> int | None:
    """Unset: polling mode serves no health endpoints (webhook mode has them on PORT)."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingsError(f"HEALTH_PORT: {value!r} is not a port number (expected 1-65535)")
    return int(value)
