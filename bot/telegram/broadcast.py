"""Delivering announcements: by one process at a time, at most once per chat, and honest
about every chat in the report.

Every process runs a Broadcaster, but only the holder of the sender lease (leader.py) sends;
the others wait to take over. The holder finds its work in the store: announcements marked
'sending' (by a Send press in any process), a digest that is due (its `duties`), and reports
whose sender vanished. It looks when woken (its own Send, the lease gained) and every second.

Each delivery is claimed in the store before its send and its outcome recorded after it
(bot/store/claims.py), so a restart or a takeover resumes where the last sender stopped and
never sends a claimed delivery again: one whose outcome was never recorded is reported as
unconfirmed. Sends are paced just under 30 a second, and python-telegram-bot's rate limiter
guards every request as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import AND_MORE, ENGLISH, N_, Translator, gettext
from bot.store import Store
from bot.store.claims import SENDER_LEASE
from bot.store.lease import Owner
from bot.store.records import Announcement, ChatId, Claim, DeliveryReport, DeliveryStatus
from bot.telegram.leader import LeaseKeeper
from bot.telegram.pacer import MESSAGES_PER_SECOND, Pacer
from bot.telegram.privacy import chat_ref
from bot.telegram.sending import ChatSender

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often the holder looks in the store for work another process began
SHUTDOWN_WAIT = 10.0  # how long a shutdown waits for the send in flight
REPORT_LIST = 20  # failed and dropped chats listed in the report
UNCONFIRMED_LIST = 50  # each is a chat the operator may want to check by hand
MIGRATION_ROUNDS = 3  # passes over deliveries that became pending again (migrated groups)
# The operator's report, in the operator's language. Its words are here rather than in
# texts.py, which imports the bot's state, and the state imports this module.
REPORT_FINISHED = N_("<b>Announcement #{id} finished</b> in {seconds} s")
REPORT_DELIVERED = N_("Delivered: {count}")
REPORT_FAILED = N_("Failed: {count}")
REPORT_DROPPED = N_("Dropped (bot removed or blocked): {count}")
REPORT_UNCONFIRMED = N_("Unconfirmed (may or may not have arrived): {count}")
RESENT_NOTE = N_(
    "(Sent again: the process that finished this broadcast stopped before confirming that its "
    "report went out, so you may have it twice.)"
)

Duty = Callable[[], Awaitable[None]]


class Broadcaster:
    """The delivery loop of one process; it sends only while it holds the sender lease."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        rate: float = MESSAGES_PER_SECOND,
        owner: Owner | None = None,
        heartbeat: float | None = None,
        ttl: float | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.pacer = Pacer(rate)
        self.keeper = LeaseKeeper(
            store.leases,
            SENDER_LEASE,
            owner or Owner.this_process(),
            heartbeat=heartbeat,
            ttl=ttl,
            on_gained=self.wake,
        )
        self.owner = self.keeper.owner.id
        self.sender = ChatSender(bot, store, self.owner, self.pacer, self.may_send)
        self.clock: Callable[[], float] = time.time  # "now" for the duties (the digest's day)
        # The text one chat gets: the announcement's own, unless the chat reads another
        # language and the announcement is a card (set by the application: BotState.rendered).
        self.render: Callable[[Announcement, ChatId], str] = lambda announcement, _: (
            announcement.html
        )
        # The language of a report to this operator when the Send press did not say (another
        # process's press): their private chat's choice (set by the application).
        self.language_of: Callable[[int], str] = lambda _: ENGLISH
        self.duties: list[Duty] = []  # run by the holder at each look, before the broadcasts
        self.poll = POLL_SECONDS
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._report_to: dict[int, tuple[int, str | None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    def may_send(self) -> bool:
        return self.keeper.held and not self._stopping.is_set()

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    def start(
        self, announcement_id: int, *, report_to: int | None = None, language: str | None = None
    ) -> None:
        """An announcement was marked 'sending': deliver it now if this process holds the lease
        (else the holder finds it in the store within a second). The report goes to
        `report_to` (in `language`) when this process finishes it, else to the announcement's
        creator."""
        if report_to is not None:
            self._report_to[announcement_id] = (report_to, language)
        self.wake()

    async def begin(self) -> None:
        """Start-up: try for the lease at once (a lone process sends without delay), then keep
        the heartbeat and the delivery loop running until `stop`."""
        await self.keeper.beat()
        loop = asyncio.get_running_loop()
        self._heartbeat = loop.create_task(self._beat_forever(), name="sender-lease")
        self._loop = loop.create_task(self._run(), name="broadcasts")

    async def stop(self, timeout: float | None = None) -> None:
        """Let the send in flight finish and be recorded, or, if it hangs past `timeout`
        (SHUTDOWN_WAIT), record it as unconfirmed; then hand the lease over."""
        timeout = SHUTDOWN_WAIT if timeout is None else timeout
        self._stopping.set()
        self.wake()
        if self._loop is not None:
            done, _ = await asyncio.wait([self._loop], timeout=timeout)
            if not done:
                on_wire = self.sender.on_wire
                self._loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._loop
                await self._settle_own_claims(on_wire, timeout)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await self.keeper.release()

    async def _settle_own_claims(self, on_wire: bool, waited: float) -> None:
        """After cancelling a hung delivery: a request that was on the wire may have arrived
        (unconfirmed); a claim waiting to be retried surely did not (pending again)."""
        chats = await self.store.claims.settle_own(self.owner, may_have_arrived=on_wire)
        if on_wire:
            self.sender.count(DeliveryStatus.UNCONFIRMED, len(chats))
            log.warning(
                "shutdown: the send to %s was still in flight after %.0f s; recorded as "
                "unconfirmed, never to be resent",
                ", ".join(chat_ref(chat) for chat in chats) or "nobody",
                waited,
            )

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.keeper.heartbeat)
            try:
                await self.keeper.beat()
            except Exception:  # a bug must not stop the heartbeat; the lease lapses meanwhile
                log.exception("sender lease heartbeat failed")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            if self.keeper.held:
                try:
                    await self._work()
                except asyncio.CancelledError:
                    raise
                except Exception:  # a bug or a store fault must not end delivery for good
                    log.exception("delivery loop failed; trying again in %.0f s", self.poll)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def _work(self) -> None:
        """One look at the store: due duties, orphaned reports, then every broadcast."""
        for duty in self.duties:
            if self.may_send():
                await duty()
        for announcement_id in await self.store.claims.orphaned_reports(self.owner):
            report = await self.store.claims.claim_report(announcement_id, self.owner)
            if report is not None:
                await self._report(announcement_id, report, again=True)
        for announcement in await self.store.broadcasts.unfinished_announcements():
            if not self.may_send():
                return
            await self._deliver(announcement)

    async def _deliver(self, announcement: Announcement) -> None:
        claims, number = self.store.claims, announcement.id
        unknown = await claims.settle_unknown(number, self.owner)
        if unknown:
            self.sender.count(DeliveryStatus.UNCONFIRMED, len(unknown))
            log.warning(
                "broadcast %d: %d send(s) left in flight by a stopped sender are unconfirmed "
                "and will not be resent: %s",
                number,
                len(unknown),
                ", ".join(str(chat) for chat in unknown),
            )
        # Again until nothing is pending: a group that migrates meanwhile comes back as a
        # pending delivery under its new id.
        for _ in range(MIGRATION_ROUNDS):
            pending = await self.store.broadcasts.pending_deliveries(number)
            if not pending:
                break
            log.info("broadcast %d: %d chats to go", number, len(pending))
            for delivery in pending:
                if not self.may_send():
                    reason = "shutting down" if self._stopping.is_set() else "lease lost"
                    log.info("broadcast %d paused (%s)", number, reason)
                    return
                await self.pacer.wait()
                claim = await claims.claim(number, delivery.chat_id, self.owner)
                if claim is Claim.NO_LEASE:
                    self.keeper.lost()
                    return
                if claim is Claim.CLAIMED:
                    text = self.render(announcement, delivery.chat_id)
                    await self.sender.send(number, delivery.chat_id, text)
        report = await claims.finish(number, self.owner)
        if report is None:
            return
        log.info(
            "broadcast %d done: %d delivered, %d failed, %d dropped, %d unconfirmed in %.1f s",
            number,
            report.delivered,
            len(report.failed),
            len(report.dropped),
            len(report.unconfirmed),
            report.seconds,
        )
        await self._report(number, report)

    async def _report(self, number: int, report: DeliveryReport, *, again: bool = False) -> None:
        to, language = self._report_to.pop(number, (None, None))
        if to is None:
            announcement = await self.store.broadcasts.get_announcement(number)
            to = announcement.created_by if announcement is not None else None
        if to:
            language = language or self.language_of(to)
            text = format_report(report, language)
            if again:
                text += f"\n\n{gettext(language, RESENT_NOTE)}"
            try:
                await self.bot.send_message(to, text)
            except TelegramError as error:
                log.warning(
                    "report of broadcast %d not delivered to %s: %s", number, chat_ref(to), error
                )
        await self.store.claims.reported(number)


def format_report(report: DeliveryReport, language: str = ENGLISH) -> str:
    """The operator's summary of a finished broadcast (HTML), in their language."""
    _ = Translator(language)
    seconds = f"{report.seconds:.1f}"
    lines = [
        _(REPORT_FINISHED, id=report.announcement_id, seconds=seconds),
        _(REPORT_DELIVERED, count=report.delivered),
        _(REPORT_FAILED, count=len(report.failed)),
    ]
    # A reason in the bot's own words is a msgid, translated; Telegram's pass unchanged.
    lines += [
        f"  • {html.escape(str(chat))}: {html.escape(_(reason))}"
        for chat, reason in report.failed[:REPORT_LIST]
    ]
    if len(report.failed) > REPORT_LIST:
        lines.append("  " + _(AND_MORE, count=len(report.failed) - REPORT_LIST))
    lines.append(_(REPORT_DROPPED, count=len(report.dropped)))
    lines += [f"  • {html.escape(str(chat))}" for chat in report.dropped[:REPORT_LIST]]
    if report.unconfirmed:
        lines.append(_(REPORT_UNCONFIRMED, count=len(report.unconfirmed)))
        lines += _listed(report.unconfirmed, UNCONFIRMED_LIST, language)
    return "\n".join(lines)


def _listed(chats: list[ChatId], limit: int, language: str) -> list[str]:
    lines = [f"  • {html.escape(str(chat))}" for chat in chats[:limit]]
    if len(chats) > limit:
        lines.append("  " + Translator(language)(AND_MORE, count=len(chats) - limit))
    return lines
