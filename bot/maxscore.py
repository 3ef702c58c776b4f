"""The pruned search of bot/index.py: max-score pruning over postings sorted by phrasing weight.

A phrasing scores F = factor · 2·shared / (Q + P), Q the question's weight, P the phrasing's,
`shared` the weight of the terms both use, factor <= 1. The question's terms that some phrasing
uses are taken rarest first (Turtle and Flood's MaxScore); a phrasing first met in term i's
postings uses none of the rarer terms, so shared <= cap_i, the weight of terms i, i+1, ...;
and shared <= P always. So F <= 2·min(cap_i, P) / (Q + P), a bound that falls walking away
from P = cap_i in either direction along postings sorted by P. A heap of cursors, two per term,
walks them all in falling-bound order (the document-at-a-time order of Broder et al.'s WAND),
and each phrasing reached is scored exactly.

What still matters: the RERANK-th best phrasing score (the re-ranking), the TOP-th best fact
(the nearest topics) and the TOP-th best fact `allowed` admits (the candidates). Once the next
bound is below all three the walk stops: every phrasing left scores below everything ranked.
A phrasing under the first two is scored only if its fact is allowed. When fewer than TOP
allowed facts were met, every allowed fact sharing a term is scored afterwards.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

RUN = 64  # phrasings of one list scored before what still matters is looked at again
SLACK = 1e-9  # a bound this close to what still matters is read anyway: rounding is no reason

Cursor = tuple[float, int, int, int]  # (-bound, list, step, position)


@dataclass(frozen=True)
class Layout:
    """What the walk reads: the phrasings, number by number, and the postings by weight."""

    terms: list[frozenset[str]]
    facts: list[int]
    weights: list[float]
    factors: list[float]
    by_weight: dict[str, tuple[list[int], list[float]]]  # term -> postings, lightest first
    facts_of: dict[str, frozenset[int]]  # term -> the facts with a phrasing using it
    of_fact: dict[int, list[int]]  # fact -> its phrasings


class Leaders:
    """The `count` best facts so far, and the score a fact must beat to join them."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.items: list[tuple[float, int]] = []  # (score, fact), best first
        self.full = False
        self.floor = 0.0  # the count-th best score; 0 until count facts are known

    def offer(self, fact: int, score: float) -> bool:
        """One of `fact`'s phrasings scores `score`; True when the leaders changed."""
        items = self.items
        if self.full and score <= self.floor:
            return False
        for place, (held_score, held) in enumerate(items):
            if held == fact:
                if score <= held_score:
                    return False
                items[place] = (score, fact)
                break
        else:
            items.append((score, fact))
        items.sort(reverse=True)
        del items[self.count :]
        self.full = len(items) == self.count
        if self.full:
            self.floor = items[-1][0]
        return True


class Walk:
    """One pruned search; `scores` holds every phrasing scored, which is all that matters."""

    def __init__(
        self,
        layout: Layout,
        query: frozenset[str],
        weights: dict[str, float],
        query_weight: float,
        allowed: Callable[[int], bool],
        admitted: dict[int, bool],
        *,
        top: int,
        rerank: int,
    ) -> None:
        self.layout = layout
        self.query = query
        self.weights = weights
        self.query_weight = query_weight
        self.allowed = allowed
        self.admitted = admitted  # fact -> allowed(fact), asked once and only when it matters
        self.rerank = rerank
        self.scores: dict[int, float] = {}
        self.nearest, self.best = Leaders(top), Leaders(top)
        self.leading: list[float] = []  # a min-heap of the `rerank` best phrasing scores
        self.everyone = 0.0  # below this a phrasing matters only if its fact is allowed
        self.threshold = 0.0  # below this a phrasing changes nothing
        self.lowest = 0.0  # a phrasing scoring this or less changes no leader
        self._shared: dict[frozenset[str], float] = {}  # the query terms a phrasing uses -> sum

    def admits(self, fact: int) -> bool:
        verdict = self.admitted.get(fact)
        if verdict is None:
            verdict = self.admitted[fact] = self.allowed(fact)
        return verdict

    def run(self, lists: list[str]) -> dict[int, float]:
        """Every phrasing that can still change the ranking, scored."""
        by_weight = self.layout.by_weight
        lists = sorted(lists, key=lambda term: len(by_weight[term][0]))  # rarest first
        heap, caps = self._cursors(lists)
        scores, fact_of, admits = self.scores, self.layout.facts, self.admits
        while heap:
            negative, number, step, position = heap[0]
            if -negative + SLACK < self.threshold:
                break  # every phrasing left scores below what still matters
            numbers, heavier = by_weight[lists[number]]
            cap = caps[number]
            # This list while it leads the others, RUN phrasings at most.
            following = 0.0
            for cursor in heap[1:3]:
                following = max(following, -cursor[0])
            run, after = self._span(numbers, heavier, cap, step, position, following)
            if self.threshold < self.everyone:  # the run's tail matters only if allowed
                cut = len(self._span(numbers, heavier, cap, step, position, self.everyone)[0])
                todo = [p for p in run[:cut] if p not in scores]
                todo += [p for p in run[cut:] if p not in scores and admits(fact_of[p])]
            else:
                todo = [p for p in run if p not in scores]
            self._score(todo)
            if after < 0:
                heapq.heappop(heap)
            else:
                weight = heavier[after]
                bound = 2.0 * min(cap, weight) / (self.query_weight + weight)
                heapq.heapreplace(heap, (-bound, number, step, after))
        if heap and not self.best.full:
            self._admit_the_rest(lists)
        return scores

    def _cursors(self, lists: list[str]) -> tuple[list[Cursor], list[float]]:
        """Two cursors per list: step +1 walks to heavier phrasings, -1 to lighter ones, both
        from where the list's bound peaks; and each list's cap."""
        query_weight = self.query_weight
        heap: list[Cursor] = []
        caps: list[float] = []
        cap = math.fsum(self.weights[term] for term in lists)  # unknown terms are never shared
        for number, term in enumerate(lists):
            caps.append(cap)
            weights = self.layout.by_weight[term][1]
            peak = bisect_left(weights, cap)
            if peak < len(weights):
                heap.append((-2.0 * cap / (query_weight + weights[peak]), number, 1, peak))
            if peak > 0:
                lighter = weights[peak - 1]
                heap.append((-2.0 * lighter / (query_weight + lighter), number, -1, peak - 1))
            cap -= self.weights[term]
        heapq.heapify(heap)
        return heap, caps

    def _span(
        self,
        numbers: list[int],
        heavier: list[float],
        cap: float,
        step: int,
        position: int,
        least: float,
    ) -> tuple[list[int], int]:
        """The phrasings from `position` on whose bound is at least `least` (one at least, RUN
        at most), and the position after them (-1: the list's end)."""
        least = max(least, self.threshold) - SLACK
        query_weight = self.query_weight
        if step > 0:  # heavier phrasings: 2·cap / (P + Q) >= least
            limit = 2.0 * cap / least - query_weight if least > 0 else math.inf
            stop = min(bisect_right(heavier, limit, position + 1), position + RUN)
            return numbers[position:stop], stop if stop < len(numbers) else -1
        limit = least * query_weight / (2.0 - least)  # lighter ones: 2·P / (P + Q) >= least
        start = max(bisect_left(heavier, limit, 0, position), position + 1 - RUN)
        return numbers[start : position + 1][::-1], start - 1

    def _score(self, numbers: list[int]) -> None:
        """Score phrasings exactly: the same sums, in the same order, as the postings sum."""
        layout, scores, weights, shared_by = self.layout, self.scores, self.weights, self._shared
        terms_of, weight_of, factor_of = layout.terms, layout.weights, layout.factors
        meet, query_weight, lowest = self.query.intersection, self.query_weight, self.lowest
        for phrasing in numbers:
            terms = meet(terms_of[phrasing])
            shared = shared_by.get(terms)
            if shared is None:
                shared = 0.0
                for term in sorted(terms):
                    shared += weights[term]
                shared_by[terms] = shared
            score = factor_of[phrasing] * (2.0 * shared / (query_weight + weight_of[phrasing]))
            scores[phrasing] = score
            if score > lowest:
                self._note(phrasing, score)
                lowest = self.lowest

    def _note(self, phrasing: int, score: float) -> None:
        """A phrasing scored above a leader: the leaders, and what still matters, move up."""
        fact = self.layout.facts[phrasing]
        nearest, best, leading = self.nearest, self.best, self.leading
        changed = nearest.offer(fact, score)
        if (not best.full or score > best.floor) and self.admits(fact):
            changed = best.offer(fact, score) or changed
        if len(leading) < self.rerank:
            heapq.heappush(leading, score)
            changed = True
        elif score > leading[0]:
            heapq.heapreplace(leading, score)
            changed = True
        if changed and len(leading) == self.rerank:
            self.everyone = min(leading[0], nearest.floor)
            self.lowest = min(self.everyone, best.floor)
            # Until TOP allowed facts are known the walk serves the others, and the allowed
            # facts it did not reach are found afterwards.
            self.threshold = self.lowest if best.full else self.everyone

    def _admit_the_rest(self, lists: list[str]) -> None:
        """Fewer than TOP allowed facts scored what still matters for the others: every allowed
        fact that shares a term is then a candidate, and all its phrasings are scored (those
        the walk did not reach score below everything else ranked)."""
        layout, scores, query = self.layout, self.scores, self.query
        facts: set[int] = set().union(*(layout.facts_of[term] for term in lists))
        todo = [
            number
            for fact in facts
            if self.admits(fact)
            for number in layout.of_fact[fact]
            if number not in scores and not query.isdisjoint(layout.terms[number])
        ]
        self._score(todo)
