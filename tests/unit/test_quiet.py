"""bot/quiet.py: a build beside the event loop pauses the collector and shortens the switch
interval only while it runs, and freezes what it made; what is let go of is freed a piece at
a time, and only what nothing else holds."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from typing import ClassVar

import pytest

from bot.engine import QAEngine
from bot.kb import KnowledgeBase
from bot.quiet import SWITCH_INTERVAL, let_go, quietly, release


def test_settings_are_restored_and_the_result_frozen() -> None:
    interval, enabled = sys.getswitchinterval(), gc.isenabled()
    seen: list[tuple[bool, float]] = []

    def build() -> list[object]:
        seen.append((gc.isenabled(), sys.getswitchinterval()))
        return [object() for _ in range(10)]

    frozen = gc.get_freeze_count()
    made = quietly(build)
    assert seen == [(False, pytest.approx(min(interval, SWITCH_INTERVAL)))]
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, enabled)
    assert gc.get_freeze_count() > frozen and len(made) == 10


def test_a_failed_build_restores_them_too() -> None:
    interval, enabled = sys.getswitchinterval(), gc.isenabled()

    def build() -> None:
        raise RuntimeError("broken knowledge base")

    with pytest.raises(RuntimeError):
        quietly(build)
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, enabled)


class Node:
    """A graph node that tells when it is freed, and what was still left to free then."""

    freed: ClassVar[list[str]] = []
    pile: ClassVar[list[object]] = []  # what `release` is emptying
    left: ClassVar[list[int]] = []  # the pile's size as each node went

    def __init__(self, name: str, *children: object) -> None:
        self.name = name
        self.children = {f"{name}{i}": child for i, child in enumerate(children)}

    def __del__(self) -> None:
        Node.freed.append(self.name)
        Node.left.append(len(Node.pile))


def test_release_frees_what_only_it_held_and_leaves_the_shared_whole() -> None:
    Node.freed.clear()
    shared = Node("shared", Node("shared-leaf"))
    held: list[object] = [Node("root", Node("a", Node("a-leaf")), shared, (Node("in-tuple"),))]
    release(held)
    assert held == []
    assert sorted(Node.freed) == ["a", "a-leaf", "in-tuple", "root"]
    assert list(shared.children) == ["shared0"]  # walked past, never emptied
    assert isinstance(shared.children["shared0"], Node)


def test_release_frees_a_deep_chain_a_link_at_a_time() -> None:
    """No link is freed with what it holds: nothing recurses, however long the chain."""
    Node.freed.clear()
    Node.left.clear()
    chain = Node("0")
    for number in range(1, 50_000):
        chain = Node(str(number), chain)
    held: list[object] = [chain]
    Node.pile = held
    del chain
    release(held)
    assert len(Node.freed) == 50_000
    # Each link went while what it held was still on the pile: one link freed per step,
    # never the rest of the chain with it (as dropping the first link would).
    assert all(left > 0 for left in Node.left[:-1])


def test_an_engine_let_go_of_is_freed_and_the_knowledge_base_kept(kb: KnowledgeBase) -> None:
    engine = QAEngine(kb)
    gone = weakref.ref(engine.matcher)
    retired: list[object] = [engine]
    del engine
    asyncio.run(let_go(retired))
    assert gone() is None and retired == []
    assert QAEngine(kb).ask("Which exercises were held in 2016?").fact_id == "exercises_2016"
