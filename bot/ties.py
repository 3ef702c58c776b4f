"""Near ties between facts, settled by what the question asks.

The F-measure ranks facts by the words they share with a question. When related facts score
within a whisker of each other, the words alone cannot tell them apart, but what the question
asks can: a count wants a fact that gives a figure, and one that counts what it counts ("how
many soldiers took part in the 2016 workshops?" is the attendance, not the events); a question
without a fact's defining name ("French") is about its sibling that needs none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from bot.analysis import Analysis
from bot.kb.model import Fact, KnowledgeBase

COUNT_TERM = "count"
# "How many …?" wants a figure: facts that give none step aside for a fact that gives one and
# scores within this much of the best ("how many took part in the courses and visits?"); and of
# two that give one, the fact whose phrasings count what the question counts goes first.
COUNT_TIE = 0.05
# A name nearly every phrasing of a fact uses ("French" for the French courses, a country, a
# year) defines it: a question without it, near-tied with a related fact it does not lack, is
# about the other fact.
DEFINING_SHARE = 0.9
DEFINING_TIE = 0.05


class Candidate(NamedTuple):
    """One fact's best score for a question (a named tuple: ten are made per question)."""

    fact_id: str
    score: float


class TieRules:
    """What each fact gives and defines, read from its phrasings once."""

    def __init__(
        self,
        kb: KnowledgeBase,
        facts: list[Fact],
        analysed: list[list[Analysis]],
        weak: frozenset[str],
    ) -> None:
        self.kb = kb
        self._weak = weak
        self._defining = {
            fact.id: frozenset(
                term
                for term in {t for item in per_fact for t in item.terms if _names(t, item)}
                if sum(term in item.terms for item in per_fact) >= DEFINING_SHARE * len(per_fact)
            )
            for fact, per_fact in zip(facts, analysed, strict=True)
        }
        self._gives_figure = frozenset(
            fact.id
            for fact in facts
            if any(ch.isdigit() for text in (fact.answer, *fact.answers.values()) for ch in text)
        )
        # What each fact's phrasings count: the word after "how many" ("representatives").
        self._counts = {
            fact.id: frozenset(
                counted for item in per_fact if (counted := self.counted(item.terms)) is not None
            )
            for fact, per_fact in zip(facts, analysed, strict=True)
        }

    def counted(self, terms: tuple[str, ...]) -> str | None:
        """What a count question counts: its first word after "how many" that is not weak."""
        if COUNT_TERM not in terms:
            return None
        after = terms[terms.index(COUNT_TERM) + 1 :]
        return next((term for term in after if term not in self._weak), None)

    def defining(self, fact_id: str) -> frozenset[str]:
        """The names nearly every phrasing of the fact uses ("French" for the French courses)."""
        return self._defining.get(fact_id, frozenset())

    def settle(
        self, candidates: tuple[Candidate, ...], query: frozenset[str], terms: tuple[str, ...]
    ) -> tuple[Candidate, ...]:
        """The candidates with near ties settled by what the question asks."""
        if COUNT_TERM in query:
            candidates = self._counted_first(self._with_figures(candidates), terms)
        return self._defined_first(candidates, query)

    def siblings(self, first: Candidate, second: Candidate) -> bool:
        """Related facts of one topic: a near tie between them still answers, buttons show both."""
        a, b = self.kb.fact(first.fact_id), self.kb.fact(second.fact_id)
        return a.states_document_fact and (b.id in a.related or a.id in b.related)

    def _with_figures(self, candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        """A count question's candidates without the facts that give no figure, when one that
        gives a figure scores within COUNT_TIE of the best; the usual margin then decides."""
        if not candidates or candidates[0].fact_id in self._gives_figure:
            return candidates
        lead = candidates[0].score
        if not any(
            c.fact_id in self._gives_figure and lead - c.score <= COUNT_TIE for c in candidates
        ):
            return candidates
        return tuple(c for c in candidates if c.fact_id in self._gives_figure)

    def _counted_first(
        self, candidates: tuple[Candidate, ...], terms: tuple[str, ...]
    ) -> tuple[Candidate, ...]:
        """A related fact that counts what the question counts, ahead of a near-tied one that
        does not: "how many soldiers …" counts representatives, not events."""
        counted = self.counted(terms)
        if counted is None or len(candidates) < 2 or counted in self._counts[candidates[0][0]]:
            return candidates
        return self._promoted(candidates, COUNT_TIE, lambda c: counted in self._counts[c.fact_id])

    def _defined_first(
        self, candidates: tuple[Candidate, ...], query: frozenset[str]
    ) -> tuple[Candidate, ...]:
        """The best fact whose defining words the question has, ahead of a near-tied related
        one whose defining words it lacks: "which languages can officers study?" names no
        French, so the language courses answer rather than the French ones."""
        if len(candidates) < 2 or self._defining[candidates[0].fact_id] <= query:
            return candidates
        return self._promoted(
            candidates, DEFINING_TIE, lambda c: self._defining[c.fact_id] <= query
        )

    def _promoted(
        self, candidates: tuple[Candidate, ...], tie: float, fits: Callable[[Candidate], bool]
    ) -> tuple[Candidate, ...]:
        """The first sibling of the leader within `tie` of it that `fits`, moved first."""
        lead = candidates[0].score
        for place, candidate in enumerate(candidates[1:], start=1):
            if lead - candidate.score > tie:
                break
            if fits(candidate) and self.siblings(candidates[0], candidate):
                return (candidate, *candidates[:place], *candidates[place + 1 :])
        return candidates


def _names(term: str, analysis: Analysis) -> bool:
    """A term that names something: a placeholder for a country or training, a year, or a word
    written with a capital ("English")."""
    return term.startswith("<") or term.isdigit() or term in analysis.names
