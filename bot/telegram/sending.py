"""One claimed delivery: the send, Telegram's answers to it, and the outcome recorded.

The delivery was claimed (in flight, under this process's name) before it got here. Only an
answer that proves the message did not arrive leads to another attempt: 429 (after waiting as
Telegram asks), a 5xx, a connection that never opened, a group that became a supergroup. A
read timeout may mean Telegram delivered it, so it is never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.i18n import N_
from bot.store import Store
from bot.store.records import ChatId, Claim, DeliveryStatus
from bot.telegram.pacer import Pacer
from bot.telegram.privacy import chat_ref

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
# Why a send failed, in the bot's own words: stored in English, shown in the report in the
# operator's language (each is a msgid); Telegram's own reasons are shown as it gave them.
UNSURE_TIMEOUT = N_("timed out after the request was sent; not retried so it cannot arrive twice")
FLOOD_LIMIT = N_("flood limit")
MIGRATED_TOO_OFTEN = N_("migrated too often")


def _retry_is_safe(error: TimedOut) -> bool:
    """A timeout before the request went out (connect, or waiting for the pool) can be retried;
    a read timeout may mean Telegram already delivered the message."""
    return isinstance(error.__cause__, aiohttp.ConnectionTimeoutError)


class ChatSender:
    """Sends claimed deliveries one at a time, and knows whether a request is on the wire
    (what a shutdown must record as unconfirmed) or not (what it may hand back)."""

    def __init__(
        self, bot: Bot, store: Store, owner: str, pacer: Pacer, may_go_on: Callable[[], bool]
    ) -> None:
        self.bot = bot
        self.store = store
        self.owner = owner
        self.pacer = pacer
        self.may_go_on = may_go_on  # false once the lease is lost or shutdown began
        self.on_wire = False
        # Each outcome recorded, counted (the application's metrics: deliveries by outcome).
        self.count: Callable[[DeliveryStatus, int], None] = lambda status, number: None

    async def send(self, announcement_id: int, chat_id: ChatId, html_text: str) -> None:
        """Deliver one claimed delivery with bounded retries, recording the outcome."""
        attempts = 0
        while True:
            attempts += 1
            if attempts > 1:
                if not self.may_go_on():  # stopped between attempts: surely not delivered
                    await self.store.claims.unclaim(announcement_id, chat_id, self.owner)
                    return
                await self.pacer.wait()
            try:
                message = await self._post(chat_id, html_text)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                log.warning(
                    "flood limit for %s: waiting %.0f s as Telegram asks",
                    chat_ref(chat_id),
                    seconds,
                )
                await asyncio.sleep(seconds)
                if attempts < MAX_ATTEMPTS + 2:
                    continue
                await self._record(announcement_id, chat_id, DeliveryStatus.FAILED, FLOOD_LIMIT)
                return
            except ChatMigrated as error:
                if not await self._follow(announcement_id, chat_id, error.new_chat_id):
                    return  # the new id was a target of its own, or the lease is gone
                chat_id = error.new_chat_id
                if attempts < MAX_ATTEMPTS:
                    continue
                await self._record(
                    announcement_id, chat_id, DeliveryStatus.FAILED, MIGRATED_TOO_OFTEN
                )
                return
            except Forbidden as error:
                log.info("dropping chat %s: %s", chat_ref(chat_id), error.message)
                if isinstance(chat_id, int):
                    await self.store.chats.remove_chat(chat_id)
                await self._record(announcement_id, chat_id, DeliveryStatus.DROPPED, error.message)
                return
            except TimedOut as error:
                if not _retry_is_safe(error):
                    await self._record(
                        announcement_id, chat_id, DeliveryStatus.FAILED, UNSURE_TIMEOUT
                    )
                    return
                if attempts >= MAX_ATTEMPTS:
                    await self._record(
                        announcement_id, chat_id, DeliveryStatus.FAILED, f"timed out: {error}"
                    )
                    return
            except BadRequest as error:  # bad chat id, no rights to post: retrying cannot help
                await self._record(announcement_id, chat_id, DeliveryStatus.FAILED, error.message)
                return
            except NetworkError as error:  # 5xx and connection errors: worth a bounded retry
                if attempts >= MAX_ATTEMPTS:
                    await self._record(
                        announcement_id, chat_id, DeliveryStatus.FAILED, error.message
                    )
                    return
            else:
                await self.store.claims.record(
                    announcement_id,
                    chat_id,
                    self.owner,
                    status=DeliveryStatus.SENT,
                    message_id=message.message_id,
                )
                self.count(DeliveryStatus.SENT, 1)
                return
            await asyncio.sleep(BACKOFF_SECONDS * attempts)

    async def _post(self, chat_id: ChatId, html_text: str) -> Message:
        self.on_wire = True
        try:
            return await self.bot.send_message(chat_id, html_text)
        finally:
            self.on_wire = False

    async def _follow(self, announcement_id: int, old_id: ChatId, new_id: int) -> bool:
        """The group became a supergroup: the chat's record and this delivery move to the new
        id, claimed again; False when there is nothing left to send there."""
        log.info("chat %s migrated to %s", chat_ref(old_id), chat_ref(new_id))
        if isinstance(old_id, int):
            await self.store.chats.migrate_chat(old_id, new_id)
        await self.store.broadcasts.move_delivery(announcement_id, old_id, new_id)
        claim = await self.store.claims.claim(announcement_id, new_id, self.owner)
        return claim is Claim.CLAIMED

    async def _record(
        self, announcement_id: int, chat_id: ChatId, status: DeliveryStatus, error: str
    ) -> None:
        await self.store.claims.record(
            announcement_id, chat_id, self.owner, status=status, error=error
        )
        self.count(status, 1)
