"""Fuzzy intent matching that prefers an honest fallback to a confident wrong answer.

A question and every knowledge-base phrasing go through the same analysis: normalised tokens,
names replaced by placeholders (<country>, <exercise>), lexicon synonyms and stopwords applied,
English stems, typos of known words corrected with rapidfuzz. Each phrasing then scores by a
weighted F-measure of the words both share: rare words weigh more, and a word the knowledge base
has never seen weighs a lot, so "the population of Turkey" cannot ride on "Turkey" alone. A
rapidfuzz token-sort ratio over the analysed words breaks near ties by word order. Entity
constraints come last: a fact cannot answer about a country, training or year its own text does
not name, and a per-country or per-training fact needs one named.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.entities import COUNTRY, EXERCISE, YEAR, EntityRecogniser, Mention, max_typos
from bot.knowledge import Fact, KnowledgeBase
from bot.text import normalise, plain_text, spoken_years, stem

MAX_QUESTION_CHARS = 1000  # longer text is matched on its beginning; a paste is not a question
PLACEHOLDERS = {COUNTRY: "<country>", EXERCISE: "<exercise>"}
# A slot phrasing such as "Is {country} a partner?" reads its slot as the placeholder itself.
_SLOT_MARKERS = {f"{{{kind}}}": f" slotmarker{kind} " for kind in PLACEHOLDERS}
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]{0,80}>")  # typed HTML tags are not words of a question
_MARKER_TERMS = {f"slotmarker{kind}": term for kind, term in PLACEHOLDERS.items()}
WEAK_WEIGHT = 0.25
UNKNOWN_WEIGHT_FACTOR = 2.0
ANSWER_FACTOR = 0.85
RATIO_SHARE = 0.15
RERANK = 8


@dataclass(frozen=True)
class Analysis:
    """What the matcher reads from one text."""

    terms: tuple[str, ...]
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class Candidate:
    """One intent's best score for a question."""

    intent: str
    score: float


@dataclass(frozen=True)
class Match:
    """The matcher's verdict: an intent when confident, else None with the nearest intents."""

    question: str
    intent: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    mentions: tuple[Mention, ...]
    reason: str
    nearest: tuple[Candidate, ...] = ()

    @property
    def matched(self) -> bool:
        return self.intent is not None


@dataclass(frozen=True)
class _Phrasing:
    intent: int
    terms: frozenset[str]
    text: str
    weight: float
    factor: float = 1.0


@dataclass(frozen=True)
class Collision:
    """Two intents with phrasings the matcher cannot tell apart: a knowledge-base bug."""

    first: Fact
    first_question: str
    second: Fact
    second_question: str


class Analyser:
    """Turns text into comparable terms; the same code reads the knowledge base and questions."""

    def __init__(self, kb: KnowledgeBase) -> None:
        lexicon = kb.lexicon
        self._phrases: dict[tuple[str, ...], str | None] = {}
        for variant, canonical in lexicon.synonyms.items():
            self._phrases[tuple(variant.split())] = self._term(canonical)
        for canonical in set(lexicon.synonyms.values()):
            self._phrases.setdefault(tuple(canonical.split()), self._term(canonical))
        for word in lexicon.stopwords:
            self._phrases.setdefault(tuple(word.split()), None)
        self._longest = max((len(key) for key in self._phrases), default=1)
        self.weak_terms = frozenset(self._term(word) for word in lexicon.weak_words)
        phrasing_words = {
            word
            for fact in kb.facts
            for question in fact.questions
            for word in normalise(question).split()
        }
        lexicon_words = {word for key in self._phrases for word in key}
        self.known_words = frozenset(phrasing_words | lexicon_words)
        self.recogniser = EntityRecogniser(kb, known_words=self.known_words)
        self._correctable = sorted(
            word
            for word in self.known_words
            if len(word) >= 4 and not word.isdigit() and self._phrases.get((word,), "") is not None
        )
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    @staticmethod
    def _term(canonical: str) -> str:
        """Multi-word canonical forms stay whole; single words are stemmed."""
        return canonical if " " in canonical else stem(canonical)

    def analyse(self, text: str, *, correct: bool = True) -> Analysis:
        raw = _MARKUP.sub(" ", text[:MAX_QUESTION_CHARS])
        if "{" in raw:
            for marker, word in _SLOT_MARKERS.items():
                raw = raw.replace(marker, word)
        words = spoken_years(normalise(raw).split())
        mentions = self.recogniser.find(words, raw)
        spans = {m.start: m for m in mentions}
        terms: list[str] = []
        position = 0
        while position < len(words):
            mention = spans.get(position)
            if mention is not None:
                terms.append(PLACEHOLDERS.get(mention.kind, mention.key))
                position = mention.end
                continue
            length, term = self._phrase_at(words, position)
            if length:
                if term is not None:
                    terms.append(term)
                position += length
                continue
            word = words[position]
            position += 1
            if word in _MARKER_TERMS:
                terms.append(_MARKER_TERMS[word])
                continue
            if correct and word not in self.known_words:
                fixed = self._correct(word)
                if fixed is not None:
                    length, term = self._phrase_at([fixed], 0)
                    if length:
                        if term is not None:
                            terms.append(term)
                        continue
                    word = fixed
            terms.append(stem(word))
        return Analysis(tuple(terms), tuple(mentions))

    def _phrase_at(self, words: Sequence[str], position: int) -> tuple[int, str | None]:
        for length in range(min(self._longest, len(words) - position), 0, -1):
            key = tuple(words[position : position + length])
            if key in self._phrases:
                return length, self._phrases[key]
        return 0, None

    def _correct_uncached(self, word: str) -> str | None:
        """The one known word a typo stands for, or None when unsure (ties, short words)."""
        allowed = max_typos(len(word))
        if not allowed or word.isdigit():
            return None
        found = process.extract(
            word, self._correctable, scorer=OSA.distance, score_cutoff=allowed, limit=None
        )
        found = [item for item in found if item[0][0] == word[0]]
        if not found:
            return None
        best = min(distance for _, distance, _ in found)
        winners = [choice for choice, distance, _ in found if distance == best]
        if len({self._phrase_at([w], 0)[1] or stem(w) for w in winners}) != 1:
            return None
        return winners[0]


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

    def _add_phrasing(self, intent: int, terms: frozenset[str], factor: float) -> None:
        if not terms or (intent, terms) in self._seen:
            return
        self._seen.add((intent, terms))
        number = len(self._phrasings)
        self._phrasings.append(
            _Phrasing(intent, terms, " ".join(sorted(terms)), self._weigh(terms), factor)
        )
        for term in terms:
            self._postings[term].append(number)

    def collisions(self) -> list[Collision]:
        """Phrasings of different intents that analyse to the same words."""
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

    def _scope_of(self, fact: Fact) -> frozenset[tuple[str, str]]:
        """Entities a fact's own text names: the only ones it may be asked about."""
        texts = [fact.answer, *fact.answers.values(), *fact.sources]
        found = set()
        for text in texts:
            found |= {(m.kind, m.key) for m in self.analyser.analyse(text, correct=False).mentions}
        return frozenset(found)

    def _allowed(self, index: int, mentions: Sequence[Mention]) -> bool:
        fact = self._facts[index]
        scope = self._scope[index]
        if fact.slot and not any(m.kind == fact.slot for m in mentions):
            return False
        return all((m.kind == fact.slot) or ((m.kind, m.key) in scope) for m in mentions)

    def match(self, question: str) -> Match:
        """The best intent for a question, or a fallback verdict with the nearest intents."""
        analysis = self.analyser.analyse(question)
        mentions = analysis.mentions
        query = frozenset(analysis.terms)
        if not query:
            return Match(question, None, 0.0, (), mentions, "empty")
        query_weight = self._weigh(query)
        overlap: dict[int, float] = defaultdict(float)
        for term in query:
            weight = self.weight(term)
            for number in self._postings.get(term, ()):
                overlap[number] += weight
        query_text = " ".join(sorted(query))
        phrasings = self._phrasings
        raw: dict[int, float] = {}  # intent -> best phrasing score, before any constraint
        scored = []
        for number, shared in overlap.items():
            phrasing = phrasings[number]
            score = self._f_measure(shared, query_weight, phrasing.weight) * phrasing.factor
            scored.append((score, number))
            if score > raw.get(phrasing.intent, 0.0):
                raw[phrasing.intent] = score
        nearest = dict(raw)
        # The few best phrasings are re-scored with word order taken into account.
        for score, number in heapq.nlargest(RERANK, scored):
            phrasing = phrasings[number]
            ratio = fuzz.token_sort_ratio(query_text, phrasing.text) / 100.0
            blended = (1 - RATIO_SHARE) * score + RATIO_SHARE * ratio * min(score * 2, 1.0)
            raw[phrasing.intent] = max(raw[phrasing.intent], blended)
        allowed_cache: dict[int, bool] = {}
        best: dict[int, float] = {}
        for intent, score in raw.items():
            allowed_cache[intent] = self._allowed(intent, mentions)
            if allowed_cache[intent]:
                best[intent] = score
        candidates = tuple(
            Candidate(self._facts[i].id, round(s, 4))
            for i, s in sorted(best.items(), key=lambda item: -item[1])[:5]
        )
        near = tuple(
            Candidate(self._facts[i].id, round(s, 4))
            for i, s in sorted(nearest.items(), key=lambda item: -item[1])[:5]
        )
        if not candidates:
            return Match(question, None, 0.0, (), mentions, "no_match", near)
        top = candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        if top.score < self.threshold:
            return Match(question, None, top.score, candidates, mentions, "low_confidence", near)
        if top.score - runner_up < self.margin and not self._siblings(top, candidates[1]):
            return Match(question, None, top.score, candidates, mentions, "ambiguous", near)
        return Match(question, top.intent, top.score, candidates, mentions, "matched", near)

    def _siblings(self, first: Candidate, second: Candidate) -> bool:
        """Related facts of one topic: a near tie between them still answers, buttons show both."""
        a, b = self.kb.fact(first.intent), self.kb.fact(second.intent)
        return a.states_document_fact and (b.id in a.related or a.id in b.related)

    @staticmethod
    def _f_measure(shared: float, query_weight: float, phrasing_weight: float) -> float:
        if shared <= 0:
            return 0.0
        recall = shared / query_weight
        precision = shared / phrasing_weight
        return 2 * recall * precision / (recall + precision)


__all__ = ["YEAR", "Analyser", "Analysis", "Candidate", "Match", "Matcher"]
