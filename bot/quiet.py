"""Building an engine beside a running event loop without stalling it.

The build runs in a worker thread, but Python threads share one interpreter lock, and two things
hold it for long: the cyclic garbage collector, whose full passes over a heap holding two engines
take 50 to 130 ms here, and the interpreter's switch interval, 5 ms by default. So for the build
collection is paused and the interval is 0.2 ms; afterwards everything the build made is frozen
(`gc.freeze`): an engine lives until the next swap, and the collector need never walk it again.
An engine holds no reference cycles, so the one it replaces is still freed when dropped.

Dropping one is the third long hold: freeing its few hundred thousand objects is one chain of
deallocations, 7 to 10 ms in a single step the switch interval cannot cut. So an engine that
is done with (the one swapped out, one built for a check) is let go of piece by piece in the
worker thread (`release`), never all at once on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
SWITCH_INTERVAL = 0.0002  # seconds the event loop may wait for the lock while a build runs
_one_at_a_time = threading.Lock()  # the settings below are the process's: one build sets them
_ONLY_HERE = 2  # sys.getrefcount of an object held by one local name alone (plus its argument)


def quietly(build: Callable[[], T]) -> T:
    """`build()`, with the collector paused and the switch interval short; then freeze."""
    with _one_at_a_time:
        collecting, interval = gc.isenabled(), sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
        try:
            return build()
        finally:
            gc.freeze()
            sys.setswitchinterval(interval)
            if collecting:
                gc.enable()


def release(held: list[object]) -> None:
    """Empty `held`, freeing what only it kept alive one object at a time.

    Each object that nothing else refers to has its referents moved onto the pile before it
    goes, so its own freeing frees nothing further: the one long chain becomes many short
    steps, between which other threads get the lock. Nothing is changed, only dropped in
    another order; whatever is shared (the knowledge base, modules, interned words) is merely
    let go of, never walked."""
    while held:
        item = held.pop()
        if sys.getrefcount(item) == _ONLY_HERE:
            held.extend(gc.get_referents(item))
        del item


async def let_go(held: list[object]) -> None:
    """`release(held)` in a worker thread, as quietly as a build: for the engine a swap
    replaced, which the caller must no longer refer to but through `held`."""
    await asyncio.to_thread(quietly, functools.partial(release, held))
