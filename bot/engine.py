"""The one function every front end calls: a question in, an Answer out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot.answers import FALLBACK_HINT, FALLBACK_HTML, Answer, Outcome, Topic
from bot.entities import Mention, describe
from bot.kb.loader import load_knowledge
from bot.kb.model import Category, Fact, FactKind, KnowledgeBase
from bot.matcher import Match, Matcher

DEFAULT_SUGGESTIONS = 3
EXAMPLE_QUESTIONS = 4


class QAEngine:
    """Knowledge base plus matcher, built once; answering is pure computation."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher | None = None) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher(kb)
        openable = [fact for fact in kb.facts if fact.states_document_fact and not fact.slot]
        # Every card a user can open, commands first, in knowledge-base order.
        openable.sort(key=lambda fact: fact.command is None)
        self.topics: tuple[Topic, ...] = tuple(_topic(fact) for fact in openable)

    @classmethod
    def load(cls, directory: Path | str) -> QAEngine:
        return cls(load_knowledge(directory))

    def _buttons(self, fact_ids: Sequence[str], exclude: str | None) -> tuple[Topic, ...]:
        """Topics for buttons: a slot fact is shown through the card it belongs to."""
        topics: list[Topic] = []
        for fact_id in fact_ids:
            fact = self.kb.get(fact_id)
            if fact is None or not fact.states_document_fact:
                continue
            if fact.slot:
                fact = next(
                    (self.kb.fact(r) for r in fact.related if not self.kb.fact(r).slot), None
                )
            if fact is None or fact.id == exclude or any(t.fact_id == fact.id for t in topics):
                continue
            topics.append(_topic(fact))
        return tuple(topics)

    def examples(
        self, count: int = EXAMPLE_QUESTIONS, fits: Callable[[str], bool] = lambda _: True
    ) -> list[str]:
        """Questions to offer a newcomer (Telegram's /start as buttons, the console's as text):
        each topic command's first real question that `fits` where it is shown."""
        examples: list[str] = []
        for fact in self.kb.commands:
            question = next((q for q in fact.questions if q.endswith("?") and fits(q)), None)
            if question is not None:
                examples.append(question)
            if len(examples) >= count:
                break
        return examples

    # -- answering ---------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer a free-text question, or fall back honestly with the nearest topics."""
        match = self.matcher.match(question)
        if match.fact_id is None:
            return self.fallback(question, match)
        fact = self.kb.fact(match.fact_id)
        if fact.slot:
            return self._slot_answer(question, fact, match.mentions, match.confidence)
        return self._card(fact, question=question, confidence=match.confidence)

    def card(self, fact_id: str, *, question: str = "") -> Answer | None:
        """A topic's card by fact id (buttons, deep links, announcements)."""
        fact = self.kb.get(fact_id)
        if fact is None or fact.slot:
            return None
        return self._card(fact, question=question or fact.title, confidence=1.0)

    def command(self, name: str, argument: str = "") -> Answer | None:
        """`/partners`, `/partners Japan`, `/exercises EFES`: a card, or the per-name answer."""
        fact = self.kb.by_command(name)
        if fact is None:
            return None
        if argument.strip():
            analysis = self.matcher.analyser.analyse(argument)
            for related_id in fact.related:
                slot_fact = self.kb.get(related_id)
                if slot_fact is None or not slot_fact.slot:
                    continue
                wanted = [m for m in analysis.mentions if m.category == slot_fact.slot]
                if wanted:
                    return self._slot_answer(argument, slot_fact, tuple(wanted), 1.0)
        return self._card(fact, question=f"/{fact.command} {argument}".strip(), confidence=1.0)

    def fallback(self, question: str, match: Match | None = None) -> Answer:
        """The honest reply: no document fact, the nearest topics offered."""
        ranked = [c.fact_id for c in (*match.candidates, *match.nearest)] if match else []
        suggestions = list(self._buttons(ranked, exclude=None))
        for topic in self.topics:
            if len(suggestions) >= DEFAULT_SUGGESTIONS:
                break
            if all(topic.fact_id != s.fact_id for s in suggestions):
                suggestions.append(topic)
        return Answer(
            question=question,
            outcome=Outcome.FALLBACK,
            fact_id=None,
            confidence=match.confidence if match else 0.0,
            title="",
            body=f"{FALLBACK_HTML}\n{FALLBACK_HINT}",
            suggestions=tuple(suggestions[:DEFAULT_SUGGESTIONS]),
        )

    def _card(self, fact: Fact, *, question: str, confidence: float) -> Answer:
        outcome = Outcome.FACT if fact.kind is FactKind.FACT else Outcome.SMALLTALK
        return Answer(
            question=question,
            outcome=outcome,
            fact_id=fact.id,
            confidence=confidence,
            title=fact.title,
            body=fact.answer,
            sources=fact.sources,
            related=self._buttons(fact.related, exclude=fact.id),
        )

    def _slot_answer(
        self, question: str, fact: Fact, mentions: tuple[Mention, ...], confidence: float
    ) -> Answer:
        """One paragraph per country or training named, from the fact's answer templates."""
        seen: list[Mention] = []
        for mention in mentions:
            if mention.category == fact.slot and all(m.key != mention.key for m in seen):
                seen.append(mention)
        paragraphs = [self._fill(fact, mention) for mention in seen]
        title = seen[0].key if len(seen) == 1 else fact.title
        return Answer(
            question=question,
            outcome=Outcome.FACT,
            fact_id=fact.id,
            confidence=confidence,
            title=title,
            body="\n\n".join(paragraphs),
            sources=fact.sources,
            related=self._buttons(fact.related, exclude=fact.id),
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


def _topic(fact: Fact) -> Topic:
    return Topic(fact.id, fact.title, fact.command)
