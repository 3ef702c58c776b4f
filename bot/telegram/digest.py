"""The daily fact of the day: posted by the sender-lease holder once the stored time (UTC) has
come, at most once per UTC day, rotating through the facts without repeats.

The holder checks at each look at the store (every second) rather than on a timer of its own,
so a schedule set through any process applies at once, and a holder that takes over, or a bot
restarted, up to an hour late still posts that day's digest.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.telegram.state import DIGEST_HEADING, BotState
from bot.timeofday import parse_hhmm

log = logging.getLogger(__name__)

LATE_SECONDS = 3600.0  # how late after HH:MM a day's digest still goes out


def due_day(hhmm: str, now: float) -> str | None:
    """The UTC day (YYYY-MM-DD) whose digest is due at `now`: from its HH:MM until an hour
    later; None outside those windows."""
    hours, minutes = (int(part) for part in parse_hhmm(hhmm).split(":"))
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    for days_back in (0, 1):  # an 23:30 digest is still due at 00:10 the next day
        slot = (moment - dt.timedelta(days=days_back)).replace(
            hour=hours, minute=minutes, second=0, microsecond=0
        )
        if slot <= moment < slot + dt.timedelta(seconds=LATE_SECONDS):
            return slot.date().isoformat()
    return None


async def digest_duty(state: BotState) -> None:
    """Post the day's digest if it is due and nobody posted it yet."""
    store = state.store
    hhmm = await store.digest.time()
    if hhmm is None:
        return
    broadcaster = state.broadcaster
    day = due_day(hhmm, broadcaster.clock())
    if day is None or await store.digest.ran_on(day):
        return
    cards = {
        fact_id: f"{DIGEST_HEADING}\n\n{card.html}"
        for fact_id in (topic.fact_id for topic in state.engine.topics)
        if (card := state.engine.card(fact_id)) is not None
    }
    if not cards:
        return
    targets = await state.announcement_targets()
    announcement_id = await store.digest.post_once(day, cards, targets, broadcaster.owner)
    if announcement_id is not None:
        log.info("digest of %s: announcement #%d to %d chats", day, announcement_id, len(targets))
        broadcaster.start(announcement_id)
    elif not targets:
        log.info("digest of %s skipped: no announcement targets", day)
