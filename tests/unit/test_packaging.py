"""Where the knowledge base is found (checkout, installed wheel, Docker image), and the Docker
image's contract: what it copies exists, and it runs what the README documents."""

from __future__ import annotations

import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest

import bot.kb.location as location_module
from bot.kb import find_knowledge_dir
from bot.settings import load_settings
from tests.conftest import KNOWLEDGE, ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_checkout_finds_its_knowledge() -> None:
    assert find_knowledge_dir() == KNOWLEDGE
    assert load_settings({}, env_file=None).knowledge_folder == KNOWLEDGE


def test_environment_variable_wins(tmp_path: Path) -> None:
    settings = load_settings({"KNOWLEDGE_DIR": str(tmp_path)}, env_file=None)
    assert settings.knowledge_folder == tmp_path


def test_installed_package_finds_the_wheel_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Installed from a wheel: no checkout around bot/, the data files under sys.prefix."""
    site = tmp_path / "site-packages" / "bot" / "kb"
    site.mkdir(parents=True)
    monkeypatch.setattr(location_module, "__file__", str(site / "location.py"))
    shared = tmp_path / "prefix" / "share" / "milcoop-bot" / "knowledge"
    shared.mkdir(parents=True)
    (shared / "document.txt").write_text("x", encoding="utf-8")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    monkeypatch.chdir(tmp_path)
    assert find_knowledge_dir() == shared


def test_wheel_carries_the_knowledge_base() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    patterns = data_files["share/milcoop-bot/knowledge"]
    covered = {p.name for pattern in patterns for p in ROOT.glob(pattern)}
    assert covered == {p.name for p in KNOWLEDGE.iterdir() if p.is_file()}


def test_everything_the_image_copies_exists() -> None:
    copies = re.findall(r"^COPY\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)
    assert copies
    for line in copies:
        *sources, _target = shlex.split(line)
        for source in sources:
            if source.startswith("--"):
                continue
            assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for needed in ("bot", "knowledge", "pyproject.toml", "README.md"):
        assert needed not in ignored


def test_image_runs_what_the_readme_documents() -> None:
    command = re.search(r"^CMD\s+(\[.*\])$", DOCKERFILE, flags=re.MULTILINE)
    assert command is not None
    argv = json.loads(command.group(1))
    assert argv == ["python", "-m", "bot", "run"]
    assert "python -m bot run" in README
    assert "docker build" in README and "docker run -e TELEGRAM_BOT_TOKEN=" in README


def test_image_is_slim_non_root_and_exposes_the_webhook_port() -> None:
    assert re.search(r"^FROM python:3\.1[1-9]-slim", DOCKERFILE, flags=re.MULTILINE)
    user = re.search(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert user is not None and not user.group(1).startswith(("root", "0"))
    assert re.search(r"^EXPOSE\s+8443", DOCKERFILE, flags=re.MULTILINE)
    assert "KNOWLEDGE_DIR=/app/knowledge" in DOCKERFILE


def test_readme_starts_with_the_two_commands() -> None:
    head = "\n".join(README.splitlines()[:8])
    assert "make run" in head and "make test" in head
