"""Answers built from the knowledge base: a fact's card, a per-country or per-training answer
from its templates, and the honest fallback with the nearest topics."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answers import FALLBACK_HINT, FALLBACK_HTML, Answer, Outcome, Topic
from bot.entities import Mention, describe
from bot.groups import GROUP_FACT, PartnerGroups
from bot.i18n import ENGLISH, gettext
from bot.kb.model import Category, Fact, FactKind, KnowledgeBase
from bot.matcher import Match

DEFAULT_SUGGESTIONS = 3
NEAR = 0.2  # a topic scoring less shares too little with the question to be offered


def topic_of(fact: Fact) -> Topic:
    return Topic(fact.id, fact.title, fact.command)


class Cards:
    """Turns facts into answers; the knowledge base carries every word of them."""

    def __init__(self, kb: KnowledgeBase, groups: PartnerGroups | None = None) -> None:
        self.kb = kb
        self.groups = groups  # questions about a group of partners (bot/groups.py)
        openable = [fact for fact in kb.facts if fact.states_document_fact and not fact.slot]
        # Every card a user can open, commands first, in knowledge-base order.
        openable.sort(key=lambda fact: fact.command is None)
        self.topics: tuple[Topic, ...] = tuple(topic_of(fact) for fact in openable)
        # Each fact's button (a slot fact's is the card it belongs to), and each card's related
        # buttons: read from the knowledge base once, not for every answer.
        self._button: dict[str, Topic] = {}
        for fact in kb.facts:
            shown: Fact | None = fact
            if fact.slot:
                shown = next((kb.fact(r) for r in fact.related if not kb.fact(r).slot), None)
            if fact.states_document_fact and shown is not None:
                self._button[fact.id] = topic_of(shown)
        self._related = {fact.id: (fact, self._buttons(fact.related, fact.id)) for fact in kb.facts}
        self._topic = {fact.id: (fact, topic_of(fact)) for fact in kb.facts}

    def buttons(self, fact_ids: Sequence[str], exclude: str | None = None) -> tuple[Topic, ...]:
        """Topics for buttons: a slot fact is shown through the card it belongs to."""
        return self._buttons(fact_ids, exclude)

    def _topic_of(self, fact: Fact) -> Topic:
        known = self._topic.get(fact.id)
        return known[1] if known is not None and known[0] is fact else topic_of(fact)

    def _related_to(self, fact: Fact) -> tuple[Topic, ...]:
        known = self._related.get(fact.id)
        return (
            known[1]
            if known is not None and known[0] is fact
            else self._buttons(fact.related, fact.id)
        )

    def _buttons(self, fact_ids: Sequence[str], exclude: str | None) -> tuple[Topic, ...]:
        topics: list[Topic] = []
        button = self._button
        for fact_id in fact_ids:
            topic = button.get(fact_id)
            if topic is None or topic.fact_id == exclude or topic in topics:
                continue
            topics.append(topic)
        return tuple(topics)

    def answer(self, question: str, match: Match) -> Answer:
        """The answer a match stands for: a card, a per-name answer, or the fallback."""
        if match.fact_id is None:
            return self.fallback(question, match)
        if match.fact_id == GROUP_FACT:  # only a group the table classifies is answered
            return self.group_answer(question, match) or self.fallback(question, match)
        fact = self.kb.fact(match.fact_id)
        if fact.slot:
            return self.slot_answer(question, fact, match.mentions, match.confidence)
        entities = tuple(dict.fromkeys((m.category.value, m.key) for m in match.mentions))
        return self.card(fact, question=question, confidence=match.confidence, entities=entities)

    def group_answer(
        self, question: str, match: Match, context: Sequence[tuple[str, str]] = ()
    ) -> Answer | None:
        """A question about a group of partners ("which partners are in the EU?"), answered by
        bot/groups.py; None when the clause names no group."""
        if self.groups is None:
            return None
        return self.groups.answer(self, question, match, context)

    def card(
        self,
        fact: Fact,
        *,
        question: str,
        confidence: float,
        entities: tuple[tuple[str, str], ...] = (),
    ) -> Answer:
        outcome = Outcome.FACT if fact.kind is FactKind.FACT else Outcome.SMALLTALK
        return Answer(
            question=question,
            outcome=outcome,
            fact_id=fact.id,
            confidence=confidence,
            title=fact.title,
            body=fact.answer,
            sources=fact.sources,
            related=self._related_to(fact),
            card=self._topic_of(fact) if outcome is Outcome.FACT else None,
            entities=entities,
        )

    def slot_answer(
        self, question: str, fact: Fact, mentions: Sequence[Mention], confidence: float
    ) -> Answer:
        """One paragraph per country or training named, from the fact's answer templates."""
        seen: list[Mention] = []
        for mention in mentions:
            if mention.category == fact.slot and all(m.key != mention.key for m in seen):
                seen.append(mention)
        paragraphs = [self._fill(fact, mention) for mention in seen]
        title = seen[0].key if len(seen) == 1 else fact.title
        cards = self.buttons([fact.id])
        return Answer(
            question=question,
            outcome=Outcome.FACT,
            fact_id=fact.id,
            confidence=confidence,
            title=title,
            body="\n\n".join(paragraphs),
            sources=fact.sources,
            related=self._related_to(fact),
            card=cards[0] if cards else None,
            entities=tuple((m.category.value, m.key) for m in seen),
        )

    def fallback(
        self, question: str, match: Match | None = None, language: str = ENGLISH
    ) -> Answer:
        """The honest reply: no document fact, the nearest topics offered."""
        # The topics nearest to the question; only when nothing is near at all, the first
        # topics, so that a newcomer still sees where to start.
        near = [*match.candidates, *match.nearest] if match else []
        ranked = [c.fact_id for c in sorted(near, key=lambda c: -c.score) if c.score >= NEAR]
        suggestions = list(self.buttons(ranked)) or list(self.topics)
        return Answer(
            question=question,
            outcome=Outcome.FALLBACK,
            fact_id=None,
            confidence=match.confidence if match else 0.0,
            title="",
            body=f"{gettext(language, FALLBACK_HTML)}\n{gettext(language, FALLBACK_HINT)}",
            suggestions=tuple(suggestions[:DEFAULT_SUGGESTIONS]),
            language=language,
        )

    def _fill(self, fact: Fact, mention: Mention) -> str:
        entity = mention.entity
        if fact.slot is Category.COUNTRY:
            if not entity.listed:
                template = fact.answers["not_listed"]
            elif entity.spelling and entity.spelling != entity.key:
                template = fact.answers["listed_spelling"]
            else:
                template = fact.answers["listed"]
            return template.format(name=entity.key, spelling=entity.spelling)
        if fact.slot is Category.EXERCISE:
            others = [e.name for e in self.kb.exercises if e.name != entity.key]
            return fact.answers["held"].format(name=entity.key, others=describe(others))
        raise ValueError(f"no answer template for slot {fact.slot!r}")
