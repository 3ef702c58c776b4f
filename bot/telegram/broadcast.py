"""Delivering an announcement to every target chat: resumable, paced, and never twice.

Each announcement and each (announcement, chat) delivery is in the store before the first message
leaves. The loop sends to the pending chats one by one, recording every outcome the moment it is
known, so a restart resumes exactly where the last run stopped. Telegram's limits are respected
twice over: python-telegram-bot's rate limiter guards every request, and the loop paces itself
just under 30 messages per second so a rolling-window limit never answers 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.store import Store
from bot.store.records import AnnouncementStatus, ChatId, DeliveryReport, DeliveryStatus

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 29.0  # Telegram allows about 30 per second to different chats
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
UNSURE_TIMEOUT = "timed out after the request was sent; not retried so it cannot arrive twice"


@dataclass
class Pacer:
    """Spaces sends evenly: at most `rate` per second in any window, unlike a token bucket's
    burst-then-drip, which a rolling-window limiter would answer with 429."""

    rate: float = MESSAGES_PER_SECOND
    _next: float = field(default=0.0, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = time.monotonic()
            self._next = max(now, self._next) + 1.0 / self.rate


def _retry_is_safe(error: TimedOut) -> bool:
    """A timeout before the request went out (connect, or waiting for the pool) can be retried;
    a read timeout may mean Telegram already delivered the message."""
    return isinstance(error.__cause__, aiohttp.ConnectionTimeoutError)


class Broadcaster:
    """Sends stored announcements; one instance per application, one broadcast at a time."""

    def __init__(self, bot: Bot, store: Store, *, rate: float = MESSAGES_PER_SECOND) -> None:
        self.bot = bot
        self.store = store
        self.pacer = Pacer(rate)
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()

    def start(self, announcement_id: int, *, report_to: int | None) -> asyncio.Task[Any]:
        """Deliver in the background so the bot keeps answering questions meanwhile."""
        task = asyncio.get_running_loop().create_task(
            self.deliver(announcement_id, report_to=report_to), name=f"broadcast-{announcement_id}"
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def resume(self) -> None:
        """Start-up: a broadcast interrupted by a crash or restart continues where it stopped."""
        for announcement in await self.store.broadcasts.unfinished_announcements():
            log.info("resuming announcement #%d", announcement.id)
            self.start(announcement.id, report_to=announcement.created_by or None)

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the send in flight, record it, then stop; the rest resumes at next start."""
        self._stopping.set()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)

    async def deliver(
        self, announcement_id: int, *, report_to: int | None
    ) -> DeliveryReport | None:
        broadcasts = self.store.broadcasts
        async with self._lock:
            announcement = await broadcasts.get_announcement(announcement_id)
            if announcement is None or announcement.status is not AnnouncementStatus.SENDING:
                return None
            pending = await broadcasts.pending_deliveries(announcement_id)
            log.info("broadcast %d: %d chats to go", announcement_id, len(pending))
            for delivery in pending:
                if self._stopping.is_set():
                    log.info("broadcast %d paused for shutdown", announcement_id)
                    return None
                status = await broadcasts.delivery_status(announcement_id, delivery.chat_id)
                if status not in (None, DeliveryStatus.PENDING):
                    continue  # settled meanwhile: reached through a migration, or bot removed
                # Shielded: a shutdown waits for the send in flight and its record.
                await asyncio.shield(
                    self._deliver_one(announcement_id, delivery.chat_id, announcement.html)
                )
            report = await broadcasts.finish_announcement(announcement_id)
        log.info(
            "broadcast %d done: %d delivered, %d failed, %d dropped in %.1f s",
            announcement_id,
            report.delivered,
            len(report.failed),
            len(report.dropped),
            report.seconds,
        )
        if report_to is not None:
            with contextlib.suppress(TelegramError):
                await self.bot.send_message(report_to, format_report(report))
        return report

    async def _deliver_one(self, announcement_id: int, chat_id: ChatId, html_text: str) -> None:
        """Send to one chat with bounded retries, recording the outcome."""
        broadcasts = self.store.broadcasts
        attempts = 0
        while True:
            attempts += 1
            await self.pacer.wait()
            try:
                message = await self.bot.send_message(chat_id, html_text)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                log.warning("flood limit for %s: waiting %.0f s as Telegram asks", chat_id, seconds)
                await asyncio.sleep(seconds)
                if attempts < MAX_ATTEMPTS + 2:
                    continue
                await self._failed(announcement_id, chat_id, "flood limit")
                return
            except ChatMigrated as error:
                new_id = error.new_chat_id
                log.info("chat %s migrated to %s", chat_id, new_id)
                if isinstance(chat_id, int):
                    await self.store.chats.migrate_chat(chat_id, new_id)
                await broadcasts.move_delivery(announcement_id, chat_id, new_id)
                chat_id = new_id
                status = await broadcasts.delivery_status(announcement_id, new_id)
                if status is not DeliveryStatus.PENDING:
                    return  # the new id was a target of its own and has had its turn
                if attempts < MAX_ATTEMPTS:
                    continue
                await self._failed(announcement_id, chat_id, "migrated too often")
                return
            except Forbidden as error:
                log.info("dropping chat %s: %s", chat_id, error.message)
                if isinstance(chat_id, int):
                    await self.store.chats.remove_chat(chat_id)
                await broadcasts.mark_delivery(
                    announcement_id, chat_id, status=DeliveryStatus.DROPPED, error=error.message
                )
                return
            except TimedOut as error:
                if not _retry_is_safe(error):
                    await self._failed(announcement_id, chat_id, UNSURE_TIMEOUT)
                    return
                if attempts >= MAX_ATTEMPTS:
                    await self._failed(announcement_id, chat_id, f"timed out: {error}")
                    return
            except BadRequest as error:  # bad chat id, no rights to post: retrying cannot help
                await self._failed(announcement_id, chat_id, error.message)
                return
            except NetworkError as error:  # 5xx and connection errors: worth a bounded retry
                if attempts >= MAX_ATTEMPTS:
                    await self._failed(announcement_id, chat_id, error.message)
                    return
            else:
                await broadcasts.mark_delivery(
                    announcement_id,
                    chat_id,
                    status=DeliveryStatus.SENT,
                    message_id=message.message_id,
                )
                return
            await asyncio.sleep(BACKOFF_SECONDS * attempts)

    async def _failed(self, announcement_id: int, chat_id: ChatId, error: str) -> None:
        await self.store.broadcasts.mark_delivery(
            announcement_id, chat_id, status=DeliveryStatus.FAILED, error=error
        )


def format_report(report: DeliveryReport) -> str:
    """The operator's summary of a finished broadcast (HTML)."""
    lines = [
        f"<b>Announcement #{report.announcement_id} finished</b> in {report.seconds:.1f} s",
        f"Delivered: {report.delivered}",
        f"Failed: {len(report.failed)}",
    ]
    lines += [
        f"  • {html.escape(str(chat))}: {html.escape(reason)}"
        for chat, reason in report.failed[:20]
    ]
    if len(report.failed) > 20:
        lines.append(f"  … and {len(report.failed) - 20} more")
    lines.append(f"Dropped (bot removed or blocked): {len(report.dropped)}")
    lines += [f"  • {html.escape(str(chat))}" for chat in report.dropped[:20]]
    return "\n".join(lines)
