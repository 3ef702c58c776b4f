"""What the store keeps, as plain records: the same for every database behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n import N_

ChatId = int | str
"""A numeric chat id, or an `@channelusername` for public channels."""

# Stored in English; the operator's report shows it in their language (it is a msgid).
NOT_SENT_ERROR = N_("not sent before the announcement was finished")
UNCONFIRMED_ERROR = "unconfirmed: may or may not have arrived"
BOT_REMOVED_ERROR = "bot removed from the chat"
UNANSWERED_MAX_CHARS = 500

_NUMERIC = re.compile(r"[-+]?\d+")
_WHITESPACE = re.compile(r"\s+")


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class AnnouncementOrigin(StrEnum):
    """Where an announcement's text came from."""

    CARD = "card"  # a fact's card, by /announce FACT_ID
    TEXT = "text"  # the operator's own text
    DIGEST = "digest"  # the daily fact of the day


class DeliveryStatus(StrEnum):
    """A delivery is claimed ('in_flight') before its send and never sent again after that:
    when its sender vanished before recording the outcome it becomes 'unconfirmed'."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"
    UNCONFIRMED = "unconfirmed"


class Claim(StrEnum):
    """The answer to "may I send this delivery now?"."""

    CLAIMED = "claimed"  # yes: it is in flight under your name
    GONE = "gone"  # no: it is no longer pending (sent, dropped, moved, claimed by another)
    NO_LEASE = "no_lease"  # no: you do not hold the sender lease, so you may claim nothing


@dataclass(frozen=True)
class ChatRecord:
    """A chat the bot is in."""

    chat_id: int
    chat_type: str
    title: str | None
    username: str | None
    subscribed: bool
    added_at: float
    language: str | None = None  # chosen with /language; None: the chat never chose


@dataclass(frozen=True)
class Announcement:
    """An announcement; stored before sending so a crash cannot lose or repeat it."""

    id: int
    html: str
    origin: AnnouncementOrigin
    fact_id: str | None
    created_by: int
    created_at: float
    status: AnnouncementStatus
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class Delivery:
    """One announcement to one chat: the unit the delivery loop resumes from."""

    announcement_id: int
    chat_id: ChatId
    status: DeliveryStatus
    attempts: int
    error: str | None
    message_id: int | None
    updated_at: float


@dataclass(frozen=True)
class DeliveryReport:
    """The outcome of a finished broadcast, for the operator who sent it."""

    announcement_id: int
    delivered: int
    failed: list[tuple[ChatId, str]]
    dropped: list[ChatId]
    started_at: float
    finished_at: float
    unconfirmed: list[ChatId] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Wall time of the broadcast."""
        return max(0.0, self.finished_at - self.started_at)


@dataclass(frozen=True)
class AskedQuestion:
    """One question for the statistics log: what was asked and how it was answered, no user."""

    text: str
    fact_id: str | None
    matched: bool
    confidence: float
    chat_type: str


@dataclass(frozen=True)
class Stats:
    """Usage figures for the operators' `/stats` command."""

    questions: int
    answered: int
    fallbacks: int
    top_facts: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
    subscribers: int
    known_chats: int
    last_announcements: list[Announcement]


class UnansweredStatus(StrEnum):
    """What became of an unanswered question: still to look at, rightly refused (the
    document does not say it), taught as a phrasing of a fact, or answered since (by what
    another question taught, or a knowledge base reloaded): open again when asked again and
    not answered."""

    OPEN = "open"
    REFUSED = "refused"
    TAUGHT = "taught"
    ANSWERED = "answered"


@dataclass(frozen=True)
class Unanswered:
    """A question the bot could not answer (`count` times), or answered and was voted down
    (`wrong` times), as last asked, with the topic the asker then chose, if any."""

    id: int
    text: str
    count: int
    wrong: int = 0
    suggested: str | None = None


@dataclass(frozen=True)
class TaughtPhrasing:
    """A phrasing an operator taught from Telegram or the command line: an overlay on the
    YAML until exported into it."""

    id: int
    fact_id: str
    language: str
    question: str
    taught_at: float = 0.0


def chat_key(chat_id: ChatId) -> tuple[str, ChatId]:
    """Canonical (key, value) of a chat id; numeric strings become ints, usernames fold case."""
    if isinstance(chat_id, bool):
        raise TypeError("chat id must be an int or an @username, not a bool")
    if isinstance(chat_id, int):
        return str(chat_id), chat_id
    text = chat_id.strip()
    if _NUMERIC.fullmatch(text):
        number = int(text)
        return str(number), number
    if not text.startswith("@") or len(text) < 2:
        raise ValueError(f"{chat_id!r} is not a chat id or @username")
    return text.lower(), text


def stored_chat_id(value: int | str) -> ChatId:
    """A delivery's chat id as read back. SQLite keeps an int as an int and an @username as
    text in one untyped column; PostgreSQL keeps both as text, so a number comes back as one."""
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        return int(value)
    return value


def normalise_question(text: str) -> str:
    """The key unanswered questions are counted under, so trivial variants count together."""
    return _WHITESPACE.sub(" ", text).strip().lower()[:UNANSWERED_MAX_CHARS].rstrip()
