"""Everything the document says about a year, a country or a training, in one reply.

"What happened in 2016?", "everything about Georgia", "what does the text say about France?"
ask for no one fact but for every fact that concerns the name. A question asks so when it
holds a summary phrase (the lexicon's `summary_phrases`: "everything", "what happened", "what
does the document say" …) and, besides, nothing but names, question words, stopwords and weak
words (a request, "year", a preposition: "скажи, что было в 2016 году"): "What exercises were
held in 2016?" names a topic and stays a question for the matcher.

Which facts concern a name is read from the facts themselves: the names their answers state.
A fact whose title is about one year ("Exercises planned for 2017") concerns that year only,
even when its answer recalls another. A per-name fact (is it a partner? that training) answers
for the name itself, in place of the cards that cite nothing more than it does (the partner
list, the list of trainings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.analysis import PLACEHOLDERS, Analyser
from bot.answers import Answer
from bot.cards import Cards
from bot.entities import Mention, describe
from bot.i18n import N_
from bot.kb.model import Category, Fact, KnowledgeBase
from bot.text import normalise, plain_text

SUMMARY_ID = "summary"  # the fact id ("intent") of a summary reply
SUMMARY_TITLE = N_("What the document says about {names}")
SUMMARY_NAMES = (Category.YEAR, Category.COUNTRY, Category.EXERCISE)
MAX_SUMMARY_PARTS = 6  # a reply stays one Telegram message
Name = tuple[Category, str]


class Summaries:
    """Built once from the knowledge base; answers "everything about <name>"."""

    def __init__(self, kb: KnowledgeBase, analyser: Analyser, cards: Cards) -> None:
        self.kb = kb
        self.analyser = analyser
        self.cards = cards
        phrases = {tuple(normalise(p).split()) for p in kb.lexicon.summary_phrases}
        self._phrases = sorted((p for p in phrases if p), key=len, reverse=True)
        # By first word: most words start no summary phrase and are passed at once.
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self._phrases:
            self._by_first.setdefault(phrase[0], []).append(phrase)
        # Besides a summary phrase and the names, a question may hold only question words and
        # weak words ("скажи", "году", "в"): "how do you say thank you in Georgian?" asks
        # something else.
        asking = kb.lexicon.question_words | kb.lexicon.wh_words
        self._asking = frozenset(t for w in asking for t in analyser.analyse(w).terms)
        self._asking |= analyser.weak_terms
        facts = [fact for fact in kb.facts if fact.states_document_fact]
        self._scope = {fact.id: self._names_in(fact) for fact in facts}

    def _names_in(self, fact: Fact) -> frozenset[Name]:
        """The names a fact's answer states; a title about one year keeps the fact to it."""
        named = self._mentions(fact.answer)
        title_years = {n for n in self._mentions(fact.title) if n[0] is Category.YEAR}
        if title_years:
            named = {n for n in named if n[0] is not Category.YEAR} | title_years
        return frozenset(named)

    def _mentions(self, text: str) -> set[Name]:
        mentions = self.analyser.analyse(plain_text(text), correct=False).mentions
        return {(m.category, m.key) for m in mentions if m.category in SUMMARY_NAMES}

    def answer(self, message: str) -> Answer | None:
        """Every fact on the names the message asks all about, or None when it asks
        something else."""
        mentions = self._asks_all_about(message)
        if not mentions:
            return None
        names = _names(mentions)
        parts = self._parts(message, names, mentions)
        if not parts:
            return None
        if len(parts) == 1 and all(category is Category.EXERCISE for category, _ in names):
            return parts[0]  # a training's own answer is all the document says about it
        combined = Answer.combined(message, tuple(parts[:MAX_SUMMARY_PARTS]))
        title = SUMMARY_TITLE.format(names=describe([key for _, key in names]))
        return replace(combined, fact_id=SUMMARY_ID, confidence=1.0, title=title)

    def names(self, message: str) -> list[str]:
        """The names a summary of `message` is about, in the order asked (its title's)."""
        return [key for _, key in _names(self._asks_all_about(message))]

    def _asks_all_about(self, message: str) -> tuple[Mention, ...]:
        """The names a message asks everything about: a summary phrase, and besides only
        names (years, countries, trainings), question words, stopwords and weak words."""
        words = normalise(message).split()
        if self._by_first.keys().isdisjoint(words):
            return ()
        rest: list[str] = []
        found = False
        position = 0
        while position < len(words):
            starting = self._by_first.get(words[position], ())
            phrase = next((p for p in starting if _starts(words, position, p)), None)
            if phrase is None:
                rest.append(words[position])
                position += 1
                continue
            found = True
            position += len(phrase)
        if not found:
            return ()
        analysis = self.analyser.analyse(" ".join(rest))
        mentions = analysis.mentions
        if not mentions or any(m.category not in SUMMARY_NAMES for m in mentions):
            return ()
        names = {PLACEHOLDERS.get(m.category, m.key) for m in mentions}
        topical = [t for t in analysis.terms if t not in names and t not in self._asking]
        return () if topical else mentions

    def _parts(self, message: str, names: list[Name], mentions: Sequence[Mention]) -> list[Answer]:
        """Per-name answers first, then the cards of the facts that state every name."""
        facts = [fact for fact in self.kb.facts if fact.id in self._scope]
        per_name = [
            fact
            for fact in facts
            if fact.slot is not None and all(category is fact.slot for category, _ in names)
        ]
        cited = [set(fact.sources) for fact in per_name]
        parts = [self.cards.slot_answer(message, fact, mentions, 1.0) for fact in per_name]
        for fact in facts:
            if (
                fact.slot is None
                and all(name in self._scope[fact.id] for name in names)
                and not any(set(fact.sources) <= said for said in cited)
            ):
                parts.append(self.cards.card(fact, question=message, confidence=1.0))
        return parts


def _names(mentions: Sequence[Mention]) -> list[Name]:
    """Each name mentioned, once, in order."""
    return list(dict.fromkeys((mention.category, mention.key) for mention in mentions))


def _starts(words: Sequence[str], position: int, phrase: tuple[str, ...]) -> bool:
    return tuple(words[position : position + len(phrase)]) == phrase
