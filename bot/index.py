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

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.maxscore import Layout, Walk

RERANK = 8  # phrasings re-scored with word order
RATIO_SHARE = 0.15  # of a re-scored phrasing's score: the token-sort ratio's share
TOP = 5  # facts kept: the candidates, and the nearest ones
# Up to this many postings for a question, reading them all beats the pruning's bookkeeping
# (the real knowledge base has about 100 per question and up to some 700 since its phrasings in
# Azerbaijani and Russian share years and names: pruning those took 4.5 ms instead of 0.4 ms;
# its 10x copy about 1,500).
EXHAUSTIVE_POSTINGS = 1200


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
    return _rescored(score, fuzz.token_sort_ratio(query_text, phrasing.text) / 100.0)


def _rescored(score: float, ratio: float) -> float:
    return (1 - RATIO_SHARE) * score + RATIO_SHARE * ratio * min(score * 2, 1.0)


def _sorted_words(terms: Iterable[str]) -> str:
    """Terms' words sorted and joined, as token_sort_ratio reads them before comparing: the
    plain ratio of two such texts is their token-sort ratio."""
    return " ".join(sorted(" ".join(terms).split()))


def _leading(scores: dict[int, float]) -> list[tuple[float, int]]:
    """The RERANK best (score, phrasing) pairs, best first (ties: the later phrasing)."""
    if len(scores) > RERANK:
        floor = sorted(scores.values())[-RERANK]
        chosen = [(score, number) for number, score in scores.items() if score >= floor]
    else:
        chosen = [(score, number) for number, score in scores.items()]
    chosen.sort(reverse=True)
    return chosen[:RERANK]


def weigh(terms: Iterable[str], weight: Callable[[str], float]) -> float:
    """The weight of a set of terms, summed in sorted order (so every sum of it is the same)."""
    total = 0.0
    for term in sorted(terms):
        total += weight(term)
    return total


def ranked(scores: dict[int, float], facts: list[int] | None = None) -> list[int]:
    """The facts of `scores`, best first; equal scores in knowledge-base order. `facts`: the
    same facts already sorted, when at hand. (Two sorts with a built-in key, both stable,
    instead of a (-score, fact) tuple per fact.)"""
    return sorted(sorted(scores) if facts is None else facts, key=scores.__getitem__, reverse=True)


Ladder = tuple[float, list[int], list[float]]  # factor, phrasings lightest first, their weights


@dataclass(frozen=True)
class _Term:
    """What the exhaustive search reads of one term."""

    bits: int  # bit n is set when phrasing n uses the term: a set as one Python int
    lightest: list[tuple[int, float, float]]  # (fact, factor, weight) of each fact's lightest
    ladders: list[Ladder]  # one per factor: by weight, then later phrasings first

    @classmethod
    def of(
        cls, numbers: list[int], facts: list[int], weights: list[float], factors: list[float]
    ) -> _Term:
        flags = bytearray(max(numbers) // 8 + 1)
        for number in numbers:
            flags[number >> 3] |= 1 << (number & 7)
        least: dict[tuple[int, float], float] = {}
        by_factor: dict[float, list[int]] = defaultdict(list)
        for number in numbers:
            key = (facts[number], factors[number])
            least[key] = min(least.get(key, weights[number]), weights[number])
            by_factor[factors[number]].append(number)
        ladders: list[Ladder] = []
        for factor, members in by_factor.items():
            members.sort(key=lambda n: (weights[n], -n))
            ladders.append((factor, members, [weights[n] for n in members]))
        return cls(
            int.from_bytes(flags, "little"),
            [(fact, factor, weight) for (fact, factor), weight in least.items()],
            ladders,
        )


class PhrasingIndex:
    """Every phrasing of every fact, with postings; built once, read by every question."""

    def __init__(
        self,
        weight: Callable[[str], float],
        *,
        exhaustive_postings: int = EXHAUSTIVE_POSTINGS,
        known: Mapping[str, float] | None = None,
    ) -> None:
        self.weight = weight
        # Terms whose weight is read without calling `weight` (which must agree with it).
        self._known: Mapping[str, float] = known if known is not None else {}
        self.exhaustive_postings = exhaustive_postings
        self.phrasings: list[Phrasing] = []
        self._seen: set[tuple[int, frozenset[str]]] = set()
        self._postings: dict[str, list[int]] = defaultdict(list)
        # The phrasings' terms, facts, weights and factors, for the loops.
        self._terms: list[frozenset[str]] = []
        self._fact: list[int] = []
        self._weight: list[float] = []
        self._factor: list[float] = []
        self._words: list[str] = []  # the phrasings' words sorted: what the ratio compares
        self._layout: Layout | None = None  # made by the first pruned search after a change
        self._read: dict[str, _Term] = {}  # each term as the exhaustive search first reads it

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
        self._words.append(_sorted_words(terms))
        for term in terms:
            self._postings[term].append(number)
        self._layout = None
        self._read = {}

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
        known, weight = self._known, self.weight
        weights = {term: known[term] if term in known else weight(term) for term in order}
        query_weight = 0.0
        for term in order:
            query_weight += weights[term]
        query_weight += extra_weight  # weight of the question no phrasing can share
        postings = self._postings
        lists = [term for term in order if term in postings]
        if prune is None:
            prune = sum(map(len, map(postings.__getitem__, lists))) > self.exhaustive_postings
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
            raw = self._best_per_fact(scores)
            leaders = _leading(scores)
            count = len(scored)
        else:
            raw, leaders, count = self._exhaustive(lists, weights, query_weight)
        return self._rank(raw, leaders, _sorted_words(order), allowed, admitted, count)

    def _best_per_fact(self, scores: dict[int, float]) -> dict[int, float]:
        """Each fact's best phrasing score."""
        fact_of = self._fact
        raw: dict[int, float] = {}
        best_of = raw.get
        for number, score in scores.items():
            fact = fact_of[number]
            if score > best_of(fact, 0.0):
                raw[fact] = score
        return raw

    def _exhaustive(
        self, lists: list[str], weights: dict[str, float], query_weight: float
    ) -> tuple[dict[int, float], list[tuple[float, int]], int]:
        """Every phrasing that shares a term, scored: each fact's best score, the RERANK best
        phrasings, and how many phrasings share a term.

        Most phrasings share one term only, and score factor · 2·w / (Q + P): for a fact, the
        lightest of its phrasings using the term scores best (per factor), so those are
        scored per (term, fact) instead of per posting. A phrasing sharing more scores at
        least what it would sharing one, so each fact's best is the same as scoring every
        one. The few sharing two terms or more are found with the terms' bit sets, split into
        groups by the terms they share (their overlap summed term by term in sorted order, as
        phrasing by phrasing), and scored one by one."""
        read = self._read
        entries = [read[term] if term in read else self._term(term) for term in lists]
        seen = multi = 0
        for entry in entries:
            multi |= seen & entry.bits
            seen |= entry.bits
        fact_of, factor_of, weight_of = self._fact, self._factor, self._weight
        raw: dict[int, float] = {}
        best_of = raw.get
        pool: list[tuple[float, int]] = []  # (score, phrasing): the leaders are among them
        shared_more: set[int] = set()
        floor = 0.0  # the RERANK-th best of their scores: a phrasing scoring less is no leader
        if multi:
            groups = [(multi, 0.0)]
            for term, entry in zip(lists, entries, strict=True):
                bits, weight = entry.bits, weights[term]
                split = []
                for group, overlap in groups:
                    inside = group & bits
                    if inside:
                        split.append((inside, overlap + weight))
                        group ^= inside
                        if group:
                            split.append((group, overlap))
                    else:
                        split.append((group, overlap))
                groups = split
            note = shared_more.add
            scores: list[float] = []
            numbers: list[int] = []
            for group, overlap in groups:
                twice = 2.0 * overlap
                while group:
                    number = group.bit_length() - 1
                    group ^= 1 << number
                    note(number)
                    score = factor_of[number] * (twice / (query_weight + weight_of[number]))
                    scores.append(score)
                    numbers.append(number)
                    fact = fact_of[number]
                    if score > best_of(fact, 0.0):
                        raw[fact] = score
            if len(scores) >= RERANK:
                floor = sorted(scores)[-RERANK]
            pool = [(s, n) for s, n in zip(scores, numbers, strict=True) if s >= floor]
        for term, entry in zip(lists, entries, strict=True):
            twice = 2.0 * weights[term]
            for fact, factor, weight in entry.lightest:
                score = factor * (twice / (query_weight + weight))
                if score > best_of(fact, 0.0):
                    raw[fact] = score
            # The phrasings sharing only this term, best first (lightest, later ones first on a
            # tie); scores can tie across weights too, so ties of the last one taken are taken.
            for factor, ladder, heavier in entry.ladders:
                taken = 0
                last = 0.0
                for place, number in enumerate(ladder):
                    if number in shared_more:
                        continue
                    score = factor * (twice / (query_weight + heavier[place]))
                    if score < floor or (taken >= RERANK and score < last):
                        break
                    pool.append((score, number))
                    taken += 1
                    last = score
        pool.sort(reverse=True)
        return raw, pool[:RERANK], seen.bit_count()

    def _rank(
        self,
        raw: dict[int, float],
        leaders: list[tuple[float, int]],
        query_words: str,
        allowed: Callable[[int], bool],
        admitted: dict[int, bool],
        scored: int,
    ) -> Ranking:
        """The leading phrasings re-scored with word order, then the best facts `allowed`
        admits; and the nearest facts by raw score."""
        final = raw  # copied on the first raise: raw is the nearest facts' ranking
        fact_of, words_of = self._fact, self._words
        for score, number in leaders:
            fact = fact_of[number]
            held = final[fact]
            # _rescored(score, 1.0), spelt out (RATIO_SHARE * 1.0 is RATIO_SHARE): not even a
            # perfect ratio would raise it, and the rescoring only grows with the ratio.
            if (1 - RATIO_SHARE) * score + RATIO_SHARE * min(score * 2, 1.0) <= held:
                continue
            # token_sort_ratio on texts whose words are sorted already: the same ratio.
            rescored = _rescored(score, fuzz.ratio(query_words, words_of[number]) / 100.0)
            if rescored > held:
                if final is raw:
                    final = dict(raw)
                final[fact] = rescored
        facts = sorted(raw)
        by_raw = ranked(raw, facts)
        best: list[tuple[int, float]] = []
        for fact in by_raw if final is raw else ranked(final, facts):
            verdict = admitted.get(fact)
            if verdict is None:
                verdict = admitted[fact] = allowed(fact)
            if verdict:
                best.append((fact, final[fact]))
                if len(best) == TOP:
                    break
        nearest = tuple([(fact, raw[fact]) for fact in by_raw[:TOP]])
        return Ranking(tuple(best), nearest, scored)

    def _term(self, term: str) -> _Term:
        """A term as the exhaustive search reads it, made on its first search after a change."""
        found = self._read[term] = _Term.of(
            self._postings[term], self._fact, self._weight, self._factor
        )
        return found

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
