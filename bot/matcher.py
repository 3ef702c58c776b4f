"""Matching a question to a fact, preferring an honest fallback to a confident wrong answer.

A question and every knowledge-base phrasing go through the same analysis (bot/analysis.py).
Each phrasing then scores by a weighted F-measure of the words both share: rare words weigh
more, and a word the knowledge base has never seen weighs a lot, so "the population of Turkey"
cannot ride on "Turkey" alone. A rapidfuzz token-sort ratio over the analysed words breaks near
ties by word order. Entity
constraints come last: a fact cannot answer about a country, training or year its own text does
not name, and a per-country or per-training fact needs one named.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.analysis import Analyser, Analysis
from bot.entities import Mention
from bot.kb.model import Category, Fact, KnowledgeBase
from bot.text import plain_text

WEAK_WEIGHT = 0.25
UNKNOWN_WEIGHT_FACTOR = 1.5
# A name the knowledge base has never seen ("NATO", "Pentagon") is what the question is about,
# more surely than an unknown lower-case word ("tie in", "busy"): it weighs more.
UNKNOWN_NAME_FACTOR = 2.0
ANSWER_FACTOR = 0.85
RATIO_SHARE = 0.15
RERANK = 8


@dataclass(frozen=True)
class Candidate:
    """One fact's best score for a question."""

    fact_id: str
    score: float


@dataclass(frozen=True)
class Match:
    """The matcher's verdict: a fact when confident, else None with the nearest facts."""

    question: str
    fact_id: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    mentions: tuple[Mention, ...]
    nearest: tuple[Candidate, ...] = ()
    terms: tuple[str, ...] = ()  # what the matcher read from the question
    unknown: tuple[str, ...] = ()  # terms no phrasing uses: what the knowledge cannot explain

    @property
    def matched(self) -> bool:
        return self.fact_id is not None


@dataclass(frozen=True)
class _Phrasing:
    fact: int  # index into the matcher's facts
    terms: frozenset[str]
    text: str
    weight: float
    factor: float = 1.0


@dataclass(frozen=True)
class Collision:
    """Two facts with phrasings the matcher cannot tell apart: a knowledge-base bug."""

    first: Fact
    first_question: str
    second: Fact
    second_question: str


class Matcher:
    """Built once from the knowledge base; answering a question reads no file."""

    def __init__(self, kb: KnowledgeBase, *, threshold: float = 0.55, margin: float = 0.02) -> None:
        self.kb = kb
        self.threshold = threshold
        self.margin = margin
        self.analyser = Analyser(kb)
        self._facts: list[Fact] = list(kb.facts)
        analysed = [
            [self.analyser.analyse(q, correct=False) for q in fact.questions]
            for fact in self._facts
        ]
        self._questions = analysed
        # A fact's own answer reads as one more, weaker phrasing: document words count as known.
        answer_texts = [
            self.analyser.analyse(plain_text(fact.answer), correct=False)
            if fact.answer and fact.states_document_fact
            else None
            for fact in self._facts
        ]
        self._weights = self._idf(analysed)
        self._unknown_weight = UNKNOWN_WEIGHT_FACTOR * max(self._weights.values(), default=1.0)
        self._phrasings: list[_Phrasing] = []
        self._seen: set[tuple[int, frozenset[str]]] = set()
        self._postings: dict[str, list[int]] = defaultdict(list)
        for index, per_fact in enumerate(analysed):
            for item in per_fact:
                self._add_phrasing(index, frozenset(item.terms), 1.0)
            answer = answer_texts[index]
            if answer is not None:
                self._add_phrasing(index, frozenset(answer.terms), ANSWER_FACTOR)
        self._scope = [self._scope_of(fact) for fact in self._facts]
        # The document's own words: a message that uses one is about the document, and a
        # greeting or a "see you" around it does not make it small talk.
        document_terms = {
            term
            for fact in self._facts
            for source in fact.sources
            for term in self.analyser.analyse(source, correct=False).terms
        }
        chat_terms = {
            term
            for index, fact in enumerate(self._facts)
            if not fact.states_document_fact
            for item in analysed[index]
            for term in item.terms
        }
        self._topic_terms = frozenset(document_terms - chat_terms - self.analyser.weak_terms)

    @property
    def topic_terms(self) -> frozenset[str]:
        """Terms of the document's own sentences (not of small talk)."""
        return self._topic_terms

    def _add_phrasing(self, fact: int, terms: frozenset[str], factor: float) -> None:
        if not terms or (fact, terms) in self._seen:
            return
        self._seen.add((fact, terms))
        number = len(self._phrasings)
        self._phrasings.append(
            _Phrasing(fact, terms, " ".join(sorted(terms)), self._weigh(terms), factor)
        )
        for term in terms:
            self._postings[term].append(number)

    def collisions(self) -> list[Collision]:
        """Phrasings of different facts that analyse to the same words."""
        seen: dict[frozenset[str], tuple[Fact, str]] = {}
        found = []
        for fact, per_fact in zip(self._facts, self._questions, strict=True):
            for question, item in zip(fact.questions, per_fact, strict=True):
                terms = frozenset(item.terms)
                if not terms:
                    continue
                other = seen.setdefault(terms, (fact, question))
                if other[0].id != fact.id:
                    found.append(Collision(other[0], other[1], fact, question))
        return found

    def _idf(self, analysed: list[list[Analysis]]) -> dict[str, float]:
        document_frequency: dict[str, int] = defaultdict(int)
        for per_fact in analysed:
            for term in {t for item in per_fact for t in item.terms}:
                document_frequency[term] += 1
        total = len(analysed)
        weights = {}
        for term, frequency in document_frequency.items():
            weight = math.log(1 + total / frequency)
            weights[term] = weight * WEAK_WEIGHT if term in self.analyser.weak_terms else weight
        return weights

    def weight(self, term: str) -> float:
        if term in self._weights:
            return self._weights[term]
        return self._unknown_weight * (WEAK_WEIGHT if term in self.analyser.weak_terms else 1.0)

    def _weigh(self, terms: Iterable[str]) -> float:
        return sum(self.weight(term) for term in terms)

    def _scope_of(self, fact: Fact) -> frozenset[tuple[Category, str]]:
        """Entities a fact's own text names: the only ones it may be asked about."""
        texts = [fact.answer, *fact.answers.values(), *fact.sources]
        found: set[tuple[Category, str]] = set()
        for text in texts:
            mentions = self.analyser.analyse(text, correct=False).mentions
            found |= {(m.category, m.key) for m in mentions}
        return frozenset(found)

    def _allowed(self, index: int, mentions: Sequence[Mention], topical: bool) -> bool:
        fact = self._facts[index]
        if topical and not fact.states_document_fact:
            return False
        scope = self._scope[index]
        if fact.slot and not any(m.category == fact.slot for m in mentions):
            return False
        return all(m.category == fact.slot or (m.category, m.key) in scope for m in mentions)

    def match(self, question: str) -> Match:
        """The best fact for a question, or a fallback verdict with the nearest facts."""
        analysis = self.analyser.analyse(question)
        mentions = analysis.mentions
        query = frozenset(analysis.terms)
        terms = analysis.terms
        # A weak word ("u", "hi") is lexicon, not knowledge the document lacks.
        weak = self.analyser.weak_terms
        unknown = tuple(t for t in query if t not in self._weights and t not in weak)
        if not query:
            return Match(question, None, 0.0, (), mentions, terms=terms, unknown=unknown)
        query_weight = self._weigh(query)
        surplus = (UNKNOWN_NAME_FACTOR - UNKNOWN_WEIGHT_FACTOR) / UNKNOWN_WEIGHT_FACTOR
        query_weight += sum(self.weight(t) * surplus for t in unknown if t in analysis.names)
        overlap: dict[int, float] = defaultdict(float)
        for term in query:
            weight = self.weight(term)
            for number in self._postings.get(term, ()):
                overlap[number] += weight
        query_text = " ".join(sorted(query))
        phrasings = self._phrasings
        raw: dict[int, float] = {}  # fact -> best phrasing score, before any constraint
        scored = []
        for number, shared in overlap.items():
            phrasing = phrasings[number]
            score = self._f_measure(shared, query_weight, phrasing.weight) * phrasing.factor
            scored.append((score, number))
            if score > raw.get(phrasing.fact, 0.0):
                raw[phrasing.fact] = score
        nearest = dict(raw)
        # The few best phrasings are re-scored with word order taken into account.
        for score, number in heapq.nlargest(RERANK, scored):
            phrasing = phrasings[number]
            ratio = fuzz.token_sort_ratio(query_text, phrasing.text) / 100.0
            blended = (1 - RATIO_SHARE) * score + RATIO_SHARE * ratio * min(score * 2, 1.0)
            raw[phrasing.fact] = max(raw[phrasing.fact], blended)
        topical = bool(query & self._topic_terms)
        best = {f: score for f, score in raw.items() if self._allowed(f, mentions, topical)}
        candidates = tuple(
            Candidate(self._facts[i].id, round(s, 4))
            for i, s in sorted(best.items(), key=lambda item: -item[1])[:5]
        )
        near = tuple(
            Candidate(self._facts[i].id, round(s, 4))
            for i, s in sorted(nearest.items(), key=lambda item: -item[1])[:5]
        )
        fact_id: str | None = None
        confidence = candidates[0].score if candidates else 0.0
        if candidates and confidence >= self.threshold:
            top = candidates[0]
            runner_up = candidates[1].score if len(candidates) > 1 else 0.0
            if top.score - runner_up >= self.margin or self._siblings(top, candidates[1]):
                fact_id = top.fact_id
        return Match(
            question,
            fact_id,
            confidence,
            candidates,
            mentions,
            near,
            terms=terms,
            unknown=unknown,
        )

    def _siblings(self, first: Candidate, second: Candidate) -> bool:
        """Related facts of one topic: a near tie between them still answers, buttons show both."""
        a, b = self.kb.fact(first.fact_id), self.kb.fact(second.fact_id)
        return a.states_document_fact and (b.id in a.related or a.id in b.related)

    @staticmethod
    def _f_measure(shared: float, query_weight: float, phrasing_weight: float) -> float:
        if shared <= 0:
            return 0.0
        recall = shared / query_weight
        precision = shared / phrasing_weight
        return 2 * recall * precision / (recall + precision)


__all__ = ["Analyser", "Analysis", "Candidate", "Match", "Matcher"]
