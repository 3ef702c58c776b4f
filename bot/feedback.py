""" "Was this helpful?": which answers take a vote, what a card voted down was asked, and the
topics to offer instead. Pure, so any front end can use it; Telegram's buttons and handler are
in bot/telegram/feedback.py.

A card voted down is followed by "What were you looking for?" with the topics nearest to the
question that are not the card itself. The question text is needed for that (and to file it
as answered wrongly), but a vote's button carries only the fact's id, so the cards that take
votes are remembered briefly in memory: the question, the facts the reply showed and its
language, under (chat id, message id); never on disk, never the sender. A restart forgets them,
and the follow-up then offers the card's related topics instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.answers import Answer, Outcome, Topic
from bot.cards import NEAR
from bot.engine import QAEngine
from bot.expiring import ExpiringMap
from bot.message import clean

TTL_SECONDS = 24 * 3600.0  # as long as a card takes votes (bot.store.votes), and a little more
MAX_CARDS = 4_000  # at most 1,000 characters of question each: a few MB at worst
MAX_QUESTION_CHARS = 1_000
MAX_OFFERED = 3  # topics under "What were you looking for?"

# (chat id, message id) of a card, or of the follow-up asking what was wanted instead.
MessageKey = tuple[int, int]


def vote_fact(answer: Answer) -> str | None:
    """The fact a vote on this reply is filed under: a document fact's card or per-name
    answer, a summary's own intent, or the first document fact of a reply in parts; None for
    small talk and the fallback, which take no vote."""
    if answer.outcome is not Outcome.FACT:
        return None
    if answer.parts and answer.fact_id in {part.fact_id for part in answer.parts}:
        facts = (p.fact_id for p in answer.parts if p.outcome is Outcome.FACT and p.fact_id)
        return next(facts, None)  # "who are you, and is Japan a partner?": the partner check
    return answer.fact_id


def shown_facts(answer: Answer) -> tuple[str, ...]:
    """Every fact a reply showed (each part's): none of them is offered instead of it."""
    ids = [answer.fact_id, *(part.fact_id for part in answer.parts)]
    return tuple(dict.fromkeys(i for i in ids if i))


@dataclass
class AskedCard:
    """A card that takes votes: what it answered, and how far its follow-up went."""

    question: str | None  # None: a card sent before a restart, whose question is forgotten
    fact_id: str
    language: str
    shown: tuple[str, ...] = ()
    expires: float = 0.0
    followed_up: bool = False  # "What were you looking for?" was sent (once per card)
    resolved: bool = False  # and answered (once)


class AskedCards:
    """(chat id, message id) → AskedCard, each for TTL_SECONDS, at most MAX_CARDS of them
    (the oldest forgotten first). A follow-up's message is linked to its card's entry."""

    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_CARDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._entries: ExpiringMap[MessageKey, AskedCard] = ExpiringMap(
            ttl=ttl, max_entries=max_entries, clock=clock
        )

    def __len__(self) -> int:
        return len(self._entries)

    def remember(
        self,
        key: MessageKey,
        *,
        question: str | None,
        fact_id: str,
        language: str,
        shown: Iterable[str] = (),
    ) -> AskedCard:
        """A card just sent (or, with no question, one the bot no longer remembers)."""
        expires = self._entries.clock() + self.ttl
        text = question[:MAX_QUESTION_CHARS] if question is not None else None
        card = AskedCard(text, fact_id, language, tuple(shown) or (fact_id,), expires)
        self._entries.put(key, card, expires=expires)
        return card

    def link(self, key: MessageKey, card: AskedCard) -> None:
        """The follow-up `key` belongs to `card`: a press on it finds the card's question."""
        self._entries.put(key, card, expires=card.expires)

    def get(self, key: MessageKey) -> AskedCard | None:
        return self._entries.get(key)


def offered_instead(
    engine: QAEngine, card: AskedCard, *, limit: int = MAX_OFFERED
) -> tuple[Topic, ...]:
    """The topics to offer under a card voted down, in its language: the matcher's nearest
    facts to the question, best first, then the card's related topics; never a fact the
    reply showed."""
    own = (card.fact_id, *card.shown)
    shown = set(own) | {t.fact_id for t in engine.cards.buttons(own)}
    ranked: list[str] = []
    if card.question:
        match = engine.matcher.match(clean(card.question))
        near = sorted([*match.candidates, *match.nearest], key=lambda c: -c.score)
        ranked = [c.fact_id for c in near if c.score >= NEAR]
    fact = engine.kb.get(card.fact_id)
    ranked += list(fact.related) if fact is not None else []
    topics = [t for t in engine.cards.buttons(ranked) if t.fact_id not in shown]
    return engine.localiser.topics(tuple(topics[:limit]), card.language)
