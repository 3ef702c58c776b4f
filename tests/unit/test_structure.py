"""The layout keeps its shape: no import cycle, no production file over 400 lines, and the
question path (knowledge, matching, answers) free of Telegram, storage and configuration."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "bot"
MAX_LINES = 400
# The pure core every front end calls: it may import only itself and third-party libraries.
QUESTION_PATH = (
    "bot.text",
    "bot.fuzzy",
    "bot.commands",
    "bot.kb",
    "bot.entities",
    "bot.language",
    "bot.azerbaijani",
    "bot.names",
    "bot.analysis",
    "bot.matcher",
    "bot.message",
    "bot.dialogue",
    "bot.cards",
    "bot.fallback",
    "bot.conversations",
    "bot.index",
    "bot.maxscore",
    "bot.answers",
    "bot.engine",
    "bot.gaps",
    "bot.summary",
    "bot.evaluation",
    "bot.report",
    "bot.limits",
)
ADAPTERS = ("bot.telegram", "bot.store", "bot.settings", "bot.cli", "bot.console")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: Mapping[str, Path]) -> set[str]:
    """Every bot module this file imports, wherever the import stands (functions and
    TYPE_CHECKING blocks included: a cycle there is still a cycle in the design)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in known}
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, known) - {name} for name, path in known.items()}


def cycles(edges: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """Each import cycle once, as the path that closes it (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> Iterator[list[str]]:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                yield [*path[path.index(target) :], target]
            elif target not in state:
                yield from visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            yield from visit(node)


def test_the_cycle_finder_finds_cycles() -> None:
    assert list(cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})) == [["a", "b", "c", "a"]]
    assert list(cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}})) == []


def test_no_import_cycle() -> None:
    assert list(cycles(graph())) == []


def test_no_production_file_over_400_lines() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_question_path_imports_no_adapter() -> None:
    edges = graph()
    core = [name for name in edges if name.startswith(QUESTION_PATH)]
    assert len(core) >= 12
    for name in core:
        assert not [m for m in edges[name] if m.startswith(ADAPTERS)], name


def test_only_the_command_line_reaches_into_telegram() -> None:
    edges = graph()
    outside = [name for name in edges if not name.startswith(("bot.telegram", "bot.cli"))]
    for name in outside:
        assert not [m for m in edges[name] if m.startswith("bot.telegram")], name
