"""Times of day as operators type them (`/digest on 9:05`), checked before they are stored."""

from __future__ import annotations

import re

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_hhmm(value: str) -> str:
    """Validate a daily time and return it as HH:MM; ValueError when it is not 00:00-23:59."""
    match = _HHMM.fullmatch(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day (expected HH:MM, 00:00-23:59)")
    return f"{int(match[1]):02d}:{match[2]}"
