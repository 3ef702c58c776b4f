"""Scoring a question's words against the knowledge base's phrasings, reading only the ones
that can still win.

A phrasing scores by the weighted F-measure of the words it shares with the question:
recall = shared / question weight and precision = shared / phrasing weight give
F = 2·shared / (question weight + phrasing weight), times the phrasing's factor (a fact's own
answer text counts a little less). A fact's raw score is its best phrasing's; the RERANK best
phrasings are then re-scored with rapidfuzz's token-sort ratio, so word order breaks near ties.
The matcher keeps the TOP best facts its entity constraints allow (its candidates) and the
TOP best raw scores whatever the constraints (the fallback's nearest topics).

Only phrasings that share a word with the question can score, so the index keeps postings: for
each term, the phrasings that use it. A small knowledge base reads every posting of the
question's terms: that is cheaper than pruning. A big one is searched with max-score pruning
(bot/maxscore.py): postings sorted by phrasing weight are walked in falling order of the most a
phrasing there can score, and the walk stops once that is below every score that still matters.
The ranking is exactly the exhaustive one (tests/unit/test_index.py compares them on every
labelled question and on random word bags): every sum runs in one order, the question's terms
sorted, so equal scores are equal to the last bit.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.maxscore import Layout, Walk

RERANK = 8  # phrasings re-scored with word order
RATIO_SHARE = 0.15  # of a re-scored phrasing's score: the token-sort ratio's share
TOP = 5  # facts kept: the candidates, and the nearest ones
# Up to this many postings for a question, reading them all beats the pruning's bookkeeping
# (the real knowledge base has about 100 per question, its 10x copy about 1,500).
EXHAUSTIVE_POSTINGS = 600


@dataclass(frozen=True)
class Phrasing:
    """One way of asking for a fact, as the analysed terms it reads to."""

    fact: int  # index of the fact in the matcher's list
    terms: frozenset[str]
    text: str  # the terms sorted and joined: what the token-sort ratio compares
    weight: float
    factor: float = 1.0


@dataclass(frozen=True)
class Ranking:
    """The best facts for one question: (fact index, score) pairs, best first."""

    best: tuple[tuple[int, float], ...]  # facts `allowed` admits, after re-ranking
    nearest: tuple[tuple[int, float], ...]  # every fact, raw scores
    scored: int = 0  # phrasings scored: the work done


def f_measure(shared: float, query_weight: float, phrasing_weight: float, factor: float) -> float:
    """The weighted F-measure (a weighted Dice coefficient) times the phrasing's factor. The
    search loops spell out this same expression: equal scores must be equal to the last bit."""
    return factor * (2.0 * shared / (query_weight + phrasing_weight))


def reranked(score: float, query_text: str, phrasing: Phrasing) -> float:
    """A phrasing's score with the order of its words taken into account."""
    ratio = fuzz.token_sort_ratio(query_text, phrasing.text) / 100.0
    return (1 - RATIO_SHARE) * score + RATIO_SHARE * ratio * min(score * 2, 1.0)


def weigh(terms: Iterable[str], weight: Callable[[str], float]) -> float:
    """The weight of a set of terms, summed in sorted order (so every sum of it is the same)."""
    total = 0.0
    for term in sorted(terms):
        total += weight(term)
    return total


def top(scores: dict[int, float], count: int = TOP) -> tuple[tuple[int, float], ...]:
    """The `count` best (fact, score) pairs; equal scores in knowledge-base order."""
    best = heapq.nsmallest(count, [(-score, fact) for fact, score in scores.items()])
    return tuple((fact, -negative) for negative, fact in best)


class PhrasingIndex:
    """Every phrasing of every fact, with postings; built once, read by every question."""

    def __init__(
        self, weight: Callable[[str], float], *, exhaustive_postings: int = EXHAUSTIVE_POSTINGS
    ) -> None:
        self.weight = weight
        self.exhaustive_postings = exhaustive_postings
        self.phrasings: list[Phrasing] = []
        self._seen: set[tuple[int, frozenset[str]]] = set()
        self._postings: dict[str, list[int]] = defaultdict(list)
        # The phrasings' terms, facts, weights and factors, for the loops.
        self._terms: list[frozenset[str]] = []
        self._fact: list[int] = []
        self._weight: list[float] = []
        self._factor: list[float] = []
        self._layout: Layout | None = None  # made by the first pruned search after a change

    def add(self, fact: int, terms: frozenset[str], factor: float = 1.0) -> None:
        """One more phrasing of `fact`; an empty one or a repeat adds nothing."""
        if not 0.0 < factor <= 1.0:  # the pruning's bounds assume it
            raise ValueError(f"a phrasing's factor is in (0, 1], not {factor}")
        if not terms or (fact, terms) in self._seen:
            return
        self._seen.add((fact, terms))
        number = len(self.phrasings)
        phrasing = Phrasing(fact, terms, " ".join(sorted(terms)), weigh(terms, self.weight), factor)
        self.phrasings.append(phrasing)
        self._terms.append(terms)
        self._fact.append(fact)
        self._weight.append(phrasing.weight)
        self._factor.append(factor)
        for term in terms:
            self._postings[term].append(number)
        self._layout = None

    def search(
        self,
        query: frozenset[str],
        allowed: Callable[[int], bool],
        *,
        prune: bool | None = None,
        extra_weight: float = 0.0,
    ) -> Ranking:
        """The TOP allowed facts and the TOP nearest facts for a question's terms. `prune`
        forces the method (None: pruning when the postings are many); the ranking is the same.
        `allowed` is asked once per fact at most, and only about facts that could rank."""
        order = sorted(query)
        weights = {term: self.weight(term) for term in order}
        query_weight = 0.0
        for term in order:
            query_weight += weights[term]
        query_weight += extra_weight  # weight of the question no phrasing can share
        lists = [term for term in order if term in self._postings]
        if prune is None:
            prune = sum(len(self._postings[term]) for term in lists) > self.exhaustive_postings
        admitted: dict[int, bool] = {}
        if prune:
            walk = Walk(
                self.layout(),
                query,
                weights,
                query_weight,
                allowed,
                admitted,
                top=TOP,
                rerank=RERANK,
            )
            scored = walk.run(lists)
            # What scores below every leader's floor ranks nowhere.
            scores = {number: score for number, score in scored.items() if score >= walk.lowest}
        else:
            scored = scores = self._exhaustive(order, weights, query_weight)
        return self._rank(scores, " ".join(order), allowed, admitted, len(scored))

    def _exhaustive(
        self, order: list[str], weights: dict[str, float], query_weight: float
    ) -> dict[int, float]:
        """Every phrasing that shares a term, scored: postings summed term by term."""
        overlap: dict[int, float] = {}
        get = overlap.get
        postings = self._postings
        for term in order:
            weight = weights[term]
            for number in postings.get(term, ()):
                overlap[number] = get(number, 0.0) + weight
        factor, phrasing_weight = self._factor, self._weight
        return {
            number: factor[number] * (2.0 * shared / (query_weight + phrasing_weight[number]))
            for number, shared in overlap.items()
        }

    def _rank(
        self,
        scores: dict[int, float],
        query_text: str,
        allowed: Callable[[int], bool],
        admitted: dict[int, bool],
        scored: int,
    ) -> Ranking:
        """Per fact: the best phrasing's score (nearest), then the RERANK best phrasings
        re-scored, then the best facts `allowed` admits."""
        fact_of = self._fact
        raw: dict[int, float] = {}
        best_of = raw.get
        for number, score in scores.items():
            fact = fact_of[number]
            if score > best_of(fact, 0.0):
                raw[fact] = score
        final = dict(raw)
        for score, number in heapq.nlargest(
            RERANK, zip(scores.values(), scores.keys(), strict=True)
        ):
            phrasing = self.phrasings[number]
            final[phrasing.fact] = max(final[phrasing.fact], reranked(score, query_text, phrasing))
        ordered = [(-score, fact) for fact, score in final.items()]
        heapq.heapify(ordered)
        best: list[tuple[int, float]] = []
        while ordered and len(best) < TOP:
            negative, fact = heapq.heappop(ordered)
            if fact not in admitted:
                admitted[fact] = allowed(fact)
            if admitted[fact]:
                best.append((fact, -negative))
        return Ranking(tuple(best), top(raw), scored)

    def layout(self) -> Layout:
        """The postings sorted by phrasing weight, and who uses what."""
        if self._layout is None:
            by_weight = {}
            facts_of = {}
            for term, numbers in self._postings.items():
                ordered = sorted(numbers, key=lambda n: (self._weight[n], n))
                by_weight[term] = (ordered, [self._weight[n] for n in ordered])
                facts_of[term] = frozenset(self._fact[n] for n in numbers)
            of_fact: dict[int, list[int]] = defaultdict(list)
            for number, fact in enumerate(self._fact):
                of_fact[fact].append(number)
            self._layout = Layout(
                self._terms,
                self._fact,
                self._weight,
                self._factor,
                by_weight,
                facts_of,
                dict(of_fact),
            )
        return self._layout
