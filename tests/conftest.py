"""Shared fixtures: the real knowledge base and engine, built once per test session; the
store's backends (a SQLite file, or a PostgreSQL schema on the session's server)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.kb import KnowledgeBase, load_knowledge
from tests.support.postgres import backend, postgres_server, postgres_url

__all__ = ["backend", "postgres_server", "postgres_url"]  # fixtures for every test module

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> QAEngine:
    return QAEngine(kb)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge folder, for tests that break it on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target
