"""How much each word of a question weighs: rare words more, lexicon's weak words little, and a
word no phrasing uses a lot (so "the population of Turkey" cannot ride on "Turkey" alone)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from bot.analysis import Analysis
from bot.kb.model import Fact

WEAK_WEIGHT = 0.25
UNKNOWN_WEIGHT_FACTOR = 1.5


def idf(readings: Sequence[Sequence[Analysis]], weak: frozenset[str]) -> dict[str, float]:
    """Inverse fact frequency of each term of each fact's readings (weak terms a quarter)."""
    frequency: dict[str, int] = defaultdict(int)
    for per_fact in readings:
        for term in {t for item in per_fact for t in item.terms}:
            frequency[term] += 1
    total = len(readings)
    weights = {}
    for term, count in frequency.items():
        weight = math.log(1 + total / count)
        weights[term] = weight * WEAK_WEIGHT if term in weak else weight
    return weights


def term_weights(
    facts: Sequence[Fact],
    english: Sequence[Sequence[Analysis]],
    every: Sequence[Sequence[Analysis]],
    weak: frozenset[str],
) -> dict[str, float]:
    """Each known term's weight, from each fact's English readings and those in every language.
    A word English shares with a translation ("bot", "IPAP") keeps its English weight: the
    translations add words, they do not change how English is read. A taught phrasing
    (bot/teaching.py) weighs only the words the YAML's phrasings do not use."""
    written = [f.untaught(r) for f, r in zip(facts, every, strict=True)]
    written_english = [f.untaught(a, english=True) for f, a in zip(facts, english, strict=True)]
    return idf(every, weak) | idf(written, weak) | idf(written_english, weak)


def weigher(known: dict[str, float], weak: frozenset[str]) -> Callable[[str], float]:
    """The weight of any term: known ones as given, others as UNKNOWN_WEIGHT_FACTOR times the
    heaviest. A function of the weights, not a bound method: what holds it (the index) holds no
    matcher, so an engine has no reference cycle and is freed when dropped (bot/quiet.py)."""
    unknown = UNKNOWN_WEIGHT_FACTOR * max(known.values(), default=1.0)

    def weight(term: str) -> float:
        return known[term] if term in known else unknown * (WEAK_WEIGHT if term in weak else 1.0)

    return weight
