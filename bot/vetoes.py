"""Why the fact that scores best may still not answer a question: the matcher's vetoes.

- A name the knowledge base has never seen, asked with a document fact's words ("How many
  agreements were signed with NATO?", "Какие мероприятия провёл МИД?"): the question is about
  that name, and no fact of the document answers it, however well the rest matches.
- Only the words of a fact's gaps ("Müdafiə Nazirliyinin büdcəsi nə qədərdir?", the
  ministry's budget, shares "büdcə" with the gap question on what the 2016 exercises cost): a
  gap's words say what a fact leaves out when a question is about the fact; a question sharing
  no other word with the fact, weak words aside, is about something else.

Small talk states no fact, and neither veto touches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.analysis import Analysis
from bot.kb.model import Fact


class Vetoes:
    """Built once from the facts and their phrasings as the matcher read them."""

    def __init__(
        self, facts: Sequence[Fact], readings: Sequence[Iterable[Analysis]], weak: frozenset[str]
    ) -> None:
        self._document = {fact.id: fact.states_document_fact for fact in facts}
        self._own: dict[str, frozenset[str]] = {}  # per fact, the words of its own phrasings
        for fact, read in zip(facts, readings, strict=True):
            asked_beyond = {q for gap in fact.gaps for q in gap.questions} | {
                q for text in fact.translations.values() for qs in text.gap_questions for q in qs
            }
            self._own[fact.id] = (
                frozenset(
                    term
                    for phrasing, item in zip(fact.phrasings, read, strict=True)
                    if phrasing not in asked_beyond
                    for term in item.terms
                )
                - weak
            )

    def vetoed(
        self, fact_id: str, terms: Iterable[str], unknown: Iterable[str], names: frozenset[str]
    ) -> bool:
        """Whether the document fact `fact_id` does not answer a question of these terms, its
        `unknown` ones, and the terms of the words it writes as names."""
        if not self._document.get(fact_id, False):
            return False
        if names and not names.isdisjoint(unknown):
            return True  # a name no fact knows
        return self._own[fact_id].isdisjoint(terms)  # only a gap's words


__all__ = ["Vetoes"]
