"""Prometheus metrics of one application (issue 13), in a registry of its own.

Not prometheus_client's global registry: tests, and several applications in one process, each
count their own. Every label value comes from a bounded set (update types, the Bot API's
method names, a few error classes and outcomes, the knowledge base's fact ids), never from
what a user sent: the metrics hold no user id and no message text.

The counting points call one method each; the label children they use are created once and
cached, so counting costs a dictionary lookup and a locked add: 1 to 4 µs a call (`make bench`,
section metrics). The lease gauge and the knowledge base's version are read when scraped.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from telegram import Bot, Update
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.answers import Answer, Outcome
from bot.kb.model import KnowledgeBase
from bot.kb.version import knowledge_version
from bot.quiet import quietly
from bot.store.records import DeliveryStatus
from bot.summary import SUMMARY_ID
from bot.telegram.request import WrappedRequest

OTHER = "other"
NONE = "none"
UPDATE_TYPES: tuple[str, ...] = tuple(str(kind) for kind in Update.ALL_TYPES)
# The Bot API's methods as PTB names them in its URLs (sendMessage, getUpdates, …).
API_METHODS = frozenset(
    name for name in vars(Bot) if name[:1].islower() and "_" not in name and name.isalnum()
)
ERROR_CLASSES = ("RetryAfter", "Forbidden", "BadRequest", "TimedOut", "NetworkError", OTHER)
_ERRORS = frozenset((*ERROR_CLASSES, NONE))
OUTCOMES = ("matched", "two-part", "fallback", "refused")
DELIVERY_OUTCOMES = tuple(
    status.value
    for status in (
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.DROPPED,
        DeliveryStatus.UNCONFIRMED,
    )
)
MAX_INTENTS = 500  # series of answers kept apart; beyond, the intent is counted as "other"
# A question is matched in about 1-3 ms; a big knowledge base's take tens of ms.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


def outcome_of(answer: Answer) -> str:
    """matched: a fact or small talk; two-part: one reply to two or three questions (a summary
    of everything on a name is one answer); refused: the fallback that names what was asked
    about and says the document does not say it; fallback: nothing recognised at all."""
    if answer.outcome is Outcome.FALLBACK:
        return "refused" if answer.refused else "fallback"
    if len(answer.parts) > 1 and answer.fact_id != SUMMARY_ID:
        return "two-part"
    return "matched"


def error_class(status: int) -> str:
    """The PTB exception a Bot API status becomes (BaseRequest._request_wrapper's rules)."""
    if status == 429:
        return "RetryAfter"
    if status == 403:
        return "Forbidden"
    if status == 400:
        return "BadRequest"
    if status >= 500:
        return "NetworkError"
    return OTHER


class Metrics:
    """The metric objects; the question path calls `update`, `answered`; the Bot API path
    `api_call`; the broadcaster `delivered`."""

    def __init__(self) -> None:
        # No `_created` series beside each counter: they double a scrape and no query of ours
        # reads them (a process-wide switch of prometheus_client, the same for every registry).
        disable_created_metrics()  # type: ignore[no-untyped-call]  # the library has no hint here
        self.registry = registry = CollectorRegistry()
        updates = Counter(
            "milcoop_updates", "Telegram updates received, by type.", ["type"], registry=registry
        )
        self._updates = {kind: updates.labels(kind) for kind in (*UPDATE_TYPES, OTHER)}
        self._answers = Counter(
            "milcoop_answers",
            "Answers sent (chat replies and inline queries), by fact id and outcome.",
            ["intent", "outcome"],
            registry=registry,
        )
        # Every outcome shows from the start (a rate of refusals needs its zero).
        self._answer_children = {(NONE, o): self._answers.labels(NONE, o) for o in OUTCOMES}
        self._latency = Histogram(
            "milcoop_matcher_seconds",
            "Time to answer one question (QAEngine.ask).",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._api = Counter(
            "milcoop_bot_api_calls",
            'Bot API requests, by method and error class ("none": answered 200).',
            ["method", "error"],
            registry=registry,
        )
        self._api_children: dict[tuple[str, str], Counter] = {}
        deliveries = Counter(
            "milcoop_deliveries",
            "Announcement deliveries by this process, by outcome.",
            ["outcome"],
            registry=registry,
        )
        self._deliveries = {outcome: deliveries.labels(outcome) for outcome in DELIVERY_OUTCOMES}
        self.lease = Gauge(
            "milcoop_sender_lease_held",
            "1 while this process holds the sender lease (sends broadcasts and the digest).",
            registry=registry,
        )
        self._knowledge = Info(
            "milcoop_knowledge_base",
            "The knowledge base answering now: a hash of its content (taught phrasings too).",
            registry=registry,
        )
        self._versioned: weakref.ref[KnowledgeBase] | None = None

    # -- counting points ----------------------------------------------------------------------

    def update(self, update: object) -> None:
        """One update received, by the field Telegram filled in."""
        kind = OTHER
        if isinstance(update, Update):
            for name in UPDATE_TYPES:
                if getattr(update, name, None) is not None:
                    kind = name
                    break
        self._updates[kind].inc()

    def answered(self, answer: Answer, seconds: float = 0.0) -> None:
        """One answer sent; `seconds` the engine took for it (0: a card, nothing matched)."""
        key = (answer.fact_id or NONE, outcome_of(answer))
        child = self._answer_children.get(key)
        if child is None:
            if len(self._answer_children) >= MAX_INTENTS:
                key = (OTHER, key[1])
            child = self._answer_children.get(key) or self._answers.labels(*key)
            self._answer_children[key] = child
        child.inc()
        if seconds > 0:
            self._latency.observe(seconds)

    def api_call(self, method: str, error: str) -> None:
        """One Bot API request: `error` is NONE or one of ERROR_CLASSES."""
        key = (method if method in API_METHODS else OTHER, error if error in _ERRORS else OTHER)
        child = self._api_children.get(key)
        if child is None:
            child = self._api_children[key] = self._api.labels(*key)
        child.inc()

    def delivered(self, status: DeliveryStatus, count: int = 1) -> None:
        child = self._deliveries.get(status.value)
        if child is not None and count:
            child.inc(count)

    # -- read when scraped --------------------------------------------------------------------

    def watch_lease(self, held: Callable[[], bool]) -> None:
        self.lease.set_function(lambda: 1.0 if held() else 0.0)

    async def knowledge(self, kb: KnowledgeBase) -> None:
        """Label the knowledge base answering now, hashed off the event loop once per load."""
        if self._versioned is not None and self._versioned() is kb:
            return
        version = await asyncio.to_thread(quietly, lambda: knowledge_version(kb))
        self._knowledge.info({"version": version, "facts": str(len(kb.facts))})
        self._versioned = weakref.ref(kb)


class MeteredRequest(WrappedRequest):
    """Counts each Bot API request once, by method and by the error class PTB will raise."""

    def __init__(self, inner: BaseRequest, metrics: Metrics) -> None:
        super().__init__(inner)
        self._metrics = metrics

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rpartition("/")[2]
        try:
            code, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self._metrics.api_call(name, "TimedOut")
            raise
        except NetworkError:
            self._metrics.api_call(name, "NetworkError")
            raise
        except Exception:
            self._metrics.api_call(name, OTHER)
            raise
        self._metrics.api_call(name, NONE if 200 <= code < 300 else error_class(code))
        return code, payload
