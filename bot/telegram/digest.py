"""The daily fact of the day: scheduled in the job queue at the stored time (UTC) and sent
like any other announcement, rotating through the facts without repeats."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram.ext import JobQueue

from bot.store.records import AnnouncementOrigin
from bot.telegram.state import Context

log = logging.getLogger(__name__)

DIGEST_JOB = "daily-digest"
HEADING = "📌 <b>Fact of the day</b>"


async def digest_job(context: Context) -> None:
    """Post the next card in rotation to every announcement target."""
    state = context.bot_data
    chats = await state.announcement_targets()
    if not chats:
        log.info("digest skipped: no announcement targets")
        return
    fact_ids = [topic.fact_id for topic in state.engine.topics]
    fact_id = await state.store.digest.next_fact(fact_ids)
    card = state.engine.card(fact_id)
    if card is None:
        return
    broadcasts = state.store.broadcasts
    announcement_id = await broadcasts.create_announcement(
        html=f"{HEADING}\n\n{card.html}",
        origin=AnnouncementOrigin.DIGEST,
        fact_id=fact_id,
        created_by=0,
    )
    await broadcasts.start_announcement(announcement_id, chats)
    state.broadcaster.start(announcement_id, report_to=None)


def schedule_digest(queue: JobQueue[Any] | None, hhmm: str | None) -> None:
    """(Re)place the daily job at HH:MM UTC; None removes it."""
    if queue is None:
        return
    for job in queue.get_jobs_by_name(DIGEST_JOB):
        job.schedule_removal()
    if hhmm is None:
        return
    hours, minutes = (int(part) for part in hhmm.split(":"))
    queue.run_daily(digest_job, time=dt.time(hours, minutes, tzinfo=dt.UTC), name=DIGEST_JOB)
