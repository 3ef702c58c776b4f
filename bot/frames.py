"""The document named as the frame of a question: "which exercises does the document mention?",
"What language courses does the document talk about?".

The card about the document itself answers "what does the document cover?" and "tell me about
the document", and so a phrasing of it holds no more than the word "document": any question
naming the document scores high against it. When that card wins but the question also names a
topic of the document ("exercises", "courses"), the document is only the frame of a question
about the topic: the question is read again without the frame, and another fact that then
answers it is the answer. The frame words are the lexicons' `frame_words` ("document",
"документ", "sənəd"); the card about the document is the one a frame word alone is answered by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from bot.analysis import Analyser, Analysis
from bot.kb.model import Fact, Lexicon


class DocumentFrame:
    """Tells the frame terms of a question that names the document and a topic of it."""

    def __init__(self, lexicon: Lexicon, analyser: Analyser) -> None:
        self.words = tuple(sorted(lexicon.frame_words))
        self._terms = frozenset(
            term for word in self.words for term in analyser.analyse(word, correct=False).terms
        )
        self._weak = analyser.weak_terms
        self._topics: frozenset[str] = frozenset()
        self.cards: frozenset[str] = frozenset()  # the cards about the document itself

    def learn(
        self,
        facts: Sequence[Fact],
        readings: Sequence[Iterable[Analysis]],
        answer: Callable[[str], str | None],
    ) -> None:
        """The cards about the document: those a frame word alone is answered by (`answer`,
        the matcher's). The topics: the terms of the document facts' phrasings in every
        language ("учения", "təlimlər" as well as "exercises"), but those of small talk and of
        the cards about the document."""
        cards = frozenset(card for word in self.words if (card := answer(word)) is not None)
        topical: set[str] = set()
        other: set[str] = set()
        for fact, read in zip(facts, readings, strict=True):
            kept = topical if fact.states_document_fact and fact.id not in cards else other
            for item in read:
                kept.update(item.terms)
        self._topics = frozenset(topical - other - self._terms - self._weak)
        self.cards = cards

    def framed(self, terms: Iterable[str]) -> frozenset[str]:
        """The frame terms to read the question without: none unless it also names a topic."""
        held = frozenset(terms)
        frame = held & self._terms
        return frame if frame and not self._topics.isdisjoint(held) else frozenset()


__all__ = ["DocumentFrame"]
