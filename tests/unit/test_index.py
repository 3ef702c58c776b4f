"""The pruned phrasing index ranks exactly as reading every phrasing does: on every labelled
message, on the knowledge base made five times bigger (where pruning skips most phrasings),
and on random word bags with random entity constraints."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from unittest import mock

import pytest

from bot.index import RERANK, TOP, PhrasingIndex, Ranking, f_measure, reranked
from bot.kb import KnowledgeBase
from bot.matcher import Matcher
from tests.support.labelled import FIRST_SETS, NEW_SETS, messages, scaled

Allowed = Callable[[int], bool]


def brute_force(index: PhrasingIndex, query: frozenset[str], allowed: Allowed) -> Ranking:
    """The matcher's scoring loop before the index, term by term over every phrasing (ties in
    knowledge-base order, sums in the query's sorted order: the index's own conventions)."""
    order = sorted(query)
    weights = {term: index.weight(term) for term in order}
    query_weight = 0.0
    for term in order:
        query_weight += weights[term]
    overlap: dict[int, float] = defaultdict(float)
    for term in order:
        for number, phrasing in enumerate(index.phrasings):
            if term in phrasing.terms:
                overlap[number] += weights[term]
    phrasings = index.phrasings
    scores = {
        number: f_measure(shared, query_weight, phrasings[number].weight, phrasings[number].factor)
        for number, shared in overlap.items()
    }
    raw: dict[int, float] = {}
    for number, score in scores.items():
        fact = phrasings[number].fact
        raw[fact] = max(raw.get(fact, 0.0), score)
    final = dict(raw)
    for score, number in sorted(((s, n) for n, s in scores.items()), reverse=True)[:RERANK]:
        fact = phrasings[number].fact
        final[fact] = max(final[fact], reranked(score, " ".join(order), phrasings[number]))

    def ranked(facts: dict[int, float]) -> tuple[tuple[int, float], ...]:
        return tuple(sorted(facts.items(), key=lambda item: (-item[1], item[0]))[:TOP])

    best = ranked({fact: score for fact, score in final.items() if allowed(fact)})
    return Ranking(best, ranked(raw), len(scores))


def searches(matcher: Matcher, texts: list[str]) -> list[tuple[frozenset[str], Allowed]]:
    """What the matcher asks its index for each text: the terms and the entity constraint."""
    index = matcher._index
    with mock.patch.object(index, "search", wraps=index.search) as spy:
        for text in texts:
            matcher.match(text)
    return [(call.args[0], call.args[1]) for call in spy.call_args_list]


def same(index: PhrasingIndex, query: frozenset[str], allowed: Allowed) -> tuple[int, int]:
    """Assert the three rankings agree; the phrasings the pruned and the full search scored."""
    pruned = index.search(query, allowed, prune=True)
    full = index.search(query, allowed, prune=False)
    expected = brute_force(index, query, allowed)
    assert (pruned.best, pruned.nearest) == (expected.best, expected.nearest), sorted(query)
    assert (full.best, full.nearest) == (expected.best, expected.nearest), sorted(query)
    assert full.scored == expected.scored
    return pruned.scored, full.scored


@pytest.fixture(scope="module")
def big(kb: KnowledgeBase) -> Matcher:
    return Matcher(scaled(kb, 5))


def test_every_labelled_message_ranks_as_before(kb: KnowledgeBase) -> None:
    matcher = Matcher(kb)
    count = 0
    for query, allowed in searches(matcher, messages((*FIRST_SETS, *NEW_SETS))):
        same(matcher._index, query, allowed)
        count += 1
    assert count > 1000


def test_a_bigger_knowledge_base_ranks_as_before_reading_far_fewer(big: Matcher) -> None:
    """Every other message: the reading-everything reference is slow on five times the
    phrasings, and half the messages are as good a witness."""
    scored = full = 0
    for query, allowed in searches(big, messages(("questions", "holdout", "chatty"))[::2]):
        pruned_count, full_count = same(big._index, query, allowed)
        scored, full = scored + pruned_count, full + full_count
    assert scored < full / 3  # measured: about a sixth


@pytest.mark.parametrize("factor", [1, 5])
def test_random_word_bags_rank_as_before(kb: KnowledgeBase, big: Matcher, factor: int) -> None:
    index = (Matcher(kb) if factor == 1 else big)._index
    facts = sorted({phrasing.fact for phrasing in index.phrasings})
    vocabulary = sorted({term for phrasing in index.phrasings for term in phrasing.terms})
    rng = random.Random(10 + factor)
    for _ in range(150):
        bag = set(rng.sample(vocabulary, rng.randint(1, 9)))
        bag |= {f"unheard{n}" for n in range(rng.choice([0, 0, 1, 2]))}
        share = rng.choice([0.0, 0.002, 0.05, 0.5, 1.0])
        chosen = frozenset(fact for fact in facts if rng.random() < share)
        same(index, frozenset(bag), chosen.__contains__)


def test_a_phrasing_may_not_outweigh_its_bound() -> None:
    index = PhrasingIndex(lambda term: 1.0)
    with pytest.raises(ValueError, match="factor"):
        index.add(0, frozenset({"a"}), 1.5)
    index.add(0, frozenset({"a"}))
    index.add(0, frozenset({"a"}))  # a repeat adds nothing
    index.add(1, frozenset())  # nor does an empty one
    assert len(index.phrasings) == 1
