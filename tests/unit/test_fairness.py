"""Token buckets: bursts, refill, one notice per burst, bounded memory."""

from __future__ import annotations

from bot.fairness import Budgets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_a_second() -> None:
    clock = Clock()
    budgets = Budgets(burst=5, per_second=1.0, clock=clock)
    assert [budgets.take(("user", 1)) for _ in range(7)] == [True] * 5 + [False] * 2
    clock.now += 1.0
    assert budgets.take(("user", 1)) is True
    assert budgets.take(("user", 1)) is False
    clock.now += 100.0  # a long pause refills the burst, no more
    assert [budgets.take(("user", 1)) for _ in range(6)] == [True] * 5 + [False]


def test_senders_do_not_share_a_budget() -> None:
    budgets = Budgets(burst=2, per_second=0.0, clock=Clock())
    assert [budgets.take(("user", 1)) for _ in range(3)] == [True, True, False]
    assert budgets.take(("user", 2)) is True
    assert budgets.take(("chat", 1)) is True  # a group with the same number is another key


def test_one_notice_per_burst() -> None:
    clock = Clock()
    budgets = Budgets(burst=1, per_second=1.0, clock=clock)
    key = ("user", 7)
    assert budgets.take(key)
    assert not budgets.take(key)
    assert budgets.first_refusal(key) is True
    assert not budgets.take(key)
    assert budgets.first_refusal(key) is False  # same burst: told already
    clock.now += 1.0
    assert budgets.take(key)  # refilled: quiet long enough, the next flood is a new burst
    assert not budgets.take(key)
    assert budgets.first_refusal(key) is True


def test_a_continuous_flood_is_told_once_though_a_reply_gets_through_each_second() -> None:
    clock = Clock()
    budgets = Budgets(burst=5, per_second=1.0, clock=clock)
    key = ("user", 8)
    allowed = notices = 0
    for _ in range(400):  # 40 messages a second for 10 seconds
        if budgets.take(key):
            allowed += 1
        elif budgets.first_refusal(key):
            notices += 1
        clock.now += 0.025
    assert allowed in (14, 15)  # the burst, then about one a second
    assert notices == 1


def test_memory_is_bounded_forgetting_the_least_recent() -> None:
    budgets = Budgets(burst=1, per_second=0.0, max_keys=100, clock=Clock())
    for user in range(1000):
        budgets.take(("user", user))
    assert len(budgets) == 100
    assert budgets.take(("user", 999)) is False  # recent: still remembered, still spent
    assert budgets.take(("user", 0)) is True  # forgotten: starts afresh
