"""deploy/: the replicas' Compose file parses, sets only variables the settings know, and its
parts agree (health checks on /readyz, Caddy balancing over every replica on the port they
listen on, every variable it needs listed in env.example)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import load_settings, variables

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# ${NAME}, ${NAME:-default} or ${NAME:?message}
_REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?([-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def bots(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built from this repository: the bot's replicas."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_two_replicas_set_only_variables_the_settings_read(compose: dict[str, Any]) -> None:
    replicas = bots(compose)
    assert len(replicas) >= 2
    known = variables()
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "WEBHOOK_URL"} <= known
    for name, service in replicas.items():
        unknown = set(service["environment"]) - known
        assert not unknown, f"{name} sets variables the bot does not read: {sorted(unknown)}"
        assert "DATABASE_URL" in service["environment"]  # replicas share PostgreSQL
        assert service["environment"]["WEBHOOK_URL"].startswith("https://")


def test_the_replicas_environment_is_valid_settings(compose: dict[str, Any]) -> None:
    """With sample values for the ${…} references, what the replicas get loads as settings."""
    sample = {
        "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35,
        "POSTGRES_PASSWORD": "pw",
        "BOT_DOMAIN": "bot.example.org",
        "WEBHOOK_SECRET": "s3cret",
    }

    def value_of(reference: re.Match[str]) -> str:
        name, kind, rest = reference.groups()
        return sample.get(name, rest if kind == "-" else "")

    def filled(value: object) -> str:
        return _REFERENCE.sub(value_of, str(value))

    for service in bots(compose).values():
        environ = {key: filled(value) for key, value in service["environment"].items()}
        settings = load_settings(environ, env_file=None)
        assert settings.webhook_url == "https://bot.example.org/telegram"
        assert settings.port == 8443 and settings.listen_address == "0.0.0.0"


def test_health_checks_and_the_proxy_agree_with_the_replicas(compose: dict[str, Any]) -> None:
    replicas = bots(compose)
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    proxied = re.search(r"reverse_proxy ([^{\n]+)", caddyfile)
    assert proxied is not None
    assert set(proxied.group(1).split()) == {f"{name}:8443" for name in replicas}
    assert "health_uri /readyz" in caddyfile
    for service in replicas.values():
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert "ports" not in service  # reached through the proxy only
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    proxy = compose["services"]["caddy"]
    assert {n: d["condition"] for n, d in proxy["depends_on"].items()} == {
        name: "service_healthy" for name in replicas
    }


def test_every_variable_the_file_needs_is_in_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    needed = {name for name, _kind, _rest in _REFERENCE.findall(text)}
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.MULTILINE))
    assert needed == listed
