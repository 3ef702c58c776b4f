"""bot/expiring.py: entries expire, the bound holds, and the oldest written go first."""

from __future__ import annotations

from bot.expiring import ExpiringMap


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_the_oldest_written_go_first() -> None:
    clock = Clock()
    kept: ExpiringMap[str, int] = ExpiringMap(ttl=10, max_entries=2, clock=clock)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("a", 3)  # rewritten: now the newest
    kept.put("c", 4)  # beyond the bound: "b", the oldest written, goes
    assert (kept.get("a"), kept.get("b"), kept.get("c"), len(kept)) == (3, None, 4, 2)
    clock.now += 10
    assert kept.get("a") is None and len(kept) == 1
    kept.put("d", 5, expires=clock.now + 1)
    clock.now += 1
    assert kept.get("d") is None
    kept.forget("c")
    assert len(kept) == 0 and kept.values() == []
