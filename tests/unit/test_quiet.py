"""bot/quiet.py: a build beside the event loop pauses the collector and shortens the switch
interval only while it runs, and freezes what it made."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.quiet import SWITCH_INTERVAL, quietly


def test_settings_are_restored_and_the_result_frozen() -> None:
    interval, enabled = sys.getswitchinterval(), gc.isenabled()
    seen: list[tuple[bool, float]] = []

    def build() -> list[object]:
        seen.append((gc.isenabled(), sys.getswitchinterval()))
        return [object() for _ in range(10)]

    frozen = gc.get_freeze_count()
    made = quietly(build)
    assert seen == [(False, min(interval, SWITCH_INTERVAL))]
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, enabled)
    assert gc.get_freeze_count() > frozen and len(made) == 10


def test_a_failed_build_restores_them_too() -> None:
    interval, enabled = sys.getswitchinterval(), gc.isenabled()

    def build() -> None:
        raise RuntimeError("broken knowledge base")

    with pytest.raises(RuntimeError):
        quietly(build)
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, enabled)
