"""Partner groups for `make bench` (issue 10, section 5): the labelled set's figure, and whether
the checked-in table (knowledge/partner_groups.yaml) still matches country_converter, which only
the bench environment installs. Each line ends with ok or FAIL."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from bot.engine import QAEngine
from bot.groups import GROUP_FACT
from bot.kb.model import Category
from tests.support.scripts import load_tool

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
GROUPS_DATA = ROOT / "tests" / "data" / "groups.yaml"
TARGET = 0.97


def labelled() -> list[dict[str, Any]]:
    """tests/data/groups.yaml: `q`, `intent` (partner_group or null) and `group` (a table key)."""
    items: list[dict[str, Any]] = yaml.safe_load(GROUPS_DATA.read_text(encoding="utf-8"))
    return items


def generator() -> ModuleType:
    """tools/partner_groups.py, which is a script, not a package module."""
    return load_tool("partner_groups")


def group_keys(engine: QAEngine, question: str) -> tuple[str | None, list[str]]:
    """The intent `ask --json` reports for a question, and the table keys of the groups its
    answer is about."""
    answer = engine.ask(question)
    table = engine.kb.partner_groups
    by_name = {group.name: group.key for group in table.groups} if table else {}
    keys = [by_name[name] for kind, name in answer.entities if kind == Category.GROUP.value]
    return (answer.fact_id if answer.matched else None), keys


def score(engine: QAEngine, items: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Correct answers and the misses: a labelled group must be answered as partner_group about
    exactly that group; a null label must not be answered at all."""
    correct = 0
    misses: list[str] = []
    for item in items:
        intent, keys = group_keys(engine, item["q"])
        if item.get("intent") is None:
            good = intent is None
        else:
            good = intent == GROUP_FACT and keys == [item["group"]]
        correct += good
        if not good:
            misses.append(f"{item['q']!r}: got {intent} {keys}, want {item.get('group')}")
    return correct, misses


def library_differences() -> list[str] | None:
    """How the table differs from what country_converter gives now; None without the library."""
    try:
        import country_converter  # noqa: F401
    except ImportError:
        return None
    tool = generator()
    spec = yaml.safe_load(tool.SPEC.read_text(encoding="utf-8"))
    built = tool.build_table(spec, tool.partner_keys())
    table = yaml.safe_load((KNOWLEDGE / "partner_groups.yaml").read_text(encoding="utf-8"))
    found: list[str] = tool.differences(table, built)
    return found


def run() -> None:
    print("== Partner groups (issue 10, section 5) ==")
    engine = QAEngine.load(KNOWLEDGE)
    items = labelled()
    correct, misses = score(engine, items)
    share = correct / len(items)
    verdict = "ok" if share >= TARGET else "FAIL"
    print(
        f"  groups.yaml ({len(items)} questions): {correct}/{len(items)} = {share:.1%} right "
        f"(group and intent; null not answered)   target >= {TARGET:.0%}: {verdict}"
    )
    for miss in misses:
        print(f"    miss: {miss}")
    differences = library_differences()
    if differences is None:
        print("  table matches country_converter: FAIL (country_converter is not installed)")
        return
    verdict = "ok" if not differences else "FAIL"
    print(f"  table matches country_converter {generator().VERSION}: {verdict}")
    for line in differences:
        print(f"    {line}")


if __name__ == "__main__":
    run()
