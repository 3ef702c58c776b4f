"""Building an engine beside a running event loop without stalling it.

The build runs in a worker thread, but Python threads share one interpreter lock, and two things
hold it for long: the cyclic garbage collector, whose full passes over a heap holding two engines
take 50 to 130 ms here, and the interpreter's switch interval, 5 ms by default. So for the build
collection is paused and the interval is 1 ms; afterwards everything the build made is frozen
(`gc.freeze`): an engine lives until the next swap, and the collector need never walk it again.
An engine holds no reference cycles, so the one it replaces is still freed when dropped.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
SWITCH_INTERVAL = 0.001  # seconds the event loop may wait for the lock while a build runs
_one_at_a_time = threading.Lock()  # the settings below are the process's: one build sets them


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
