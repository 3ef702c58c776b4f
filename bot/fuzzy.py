"""The typo rule, once: a misspelt word stands for a known word only when exactly one meaning
is nearest, with the same first letter and no more edits than the word's length allows.

Names (entities.py) and ordinary words (matcher.py) both use it, so "Iraq" can never be read
as a typo of "Iran" in one place and not the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

SHORTEST_CORRECTED = 5  # shorter words are left alone: one edit turns them into other words
LONG_WORD = 9  # from this length two edits are tolerated


def max_typos(length: int) -> int:
    """Edits tolerated in a word of this length: none for short words, where typos collide."""
    if length < SHORTEST_CORRECTED:
        return 0
    return 1 if length < LONG_WORD else 2


class TypoCorrector:
    """Finds the one known word a typo stands for, or none when unsure.

    `meanings` maps each known word to what it means; two nearest words that mean the same
    (spellings of one country, inflections of one stem) are no ambiguity.
    """

    def __init__(
        self,
        meanings: Mapping[str, str],
        *,
        shortest: int = SHORTEST_CORRECTED,
        cyrillic_edits: int = 2,
    ) -> None:
        # A Russian word two edits from a known one is mostly another word ("переводить",
        # translate, from "проводить", hold): its edits may be capped lower.
        self._cyrillic_edits = cyrillic_edits
        self._meanings = {
            word: meaning for word, meaning in meanings.items() if len(word) >= shortest
        }
        # The known words by first letter, each group in sorted order: a typo keeps its first
        # letter, so only its group is searched (the names of every country in three
        # languages and their Azerbaijani forms make thousands of words).
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for known in sorted(self._meanings):
            self._by_first[known[0]].append(known)

    def correct(self, word: str) -> str | None:
        """The known word nearest to `word`, when one meaning is unambiguously nearest."""
        allowed = max_typos(len(word))
        if "а" <= word[:1] <= "я":
            allowed = min(allowed, self._cyrillic_edits)
        choices = self._by_first.get(word[:1])
        if not allowed or word.isdigit() or not choices:
            return None
        found = process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None
        )
        if not found:
            return None
        best = min(distance for _, distance, _ in found)
        winners = [choice for choice, distance, _ in found if distance == best]
        if len({self._meanings[choice] for choice in winners}) != 1:
            return None
        return winners[0]


class LongNameTypos:
    """Names of two words or more read with one word misspelt ("Anadolu Gartaly", "Туран
    Шахини"): the other words exact, the misspelt one by the typo rule above, and no known
    word (no word means something of its own here). Only training names are given: a country
    name stays exact, as near misses there are other countries ("North/South Korea")."""

    def __init__(self, names: Mapping[tuple[str, ...], str], known: frozenset[str]) -> None:
        self._known = known
        # Each name under each of its words: one of them is the exact word it is found by.
        self._by_word: dict[str, list[tuple[int, tuple[str, ...], str]]] = defaultdict(list)
        for words, meaning in names.items():
            if len(words) > 1:
                for place, word in enumerate(words):
                    self._by_word[word].append((place, words, meaning))

    def find(self, tokens: Sequence[str], position: int) -> tuple[str, int] | None:
        """The name starting at `position` with one word misspelt, and its length in words."""
        by_word = self._by_word
        for offset in range(2):  # the exact word is the first, or the misspelt one is
            if position + offset >= len(tokens):
                break
            for place, words, meaning in by_word.get(tokens[position + offset], ()):
                if place == offset and self._one_typo(
                    tokens[position : position + len(words)], words
                ):
                    return meaning, len(words)
        return None

    def _one_typo(self, span: Sequence[str], words: tuple[str, ...]) -> bool:
        if len(span) != len(words):
            return False
        typos = [(seen, word) for seen, word in zip(span, words, strict=True) if seen != word]
        if len(typos) != 1:
            return False
        seen, word = typos[0]
        allowed = max_typos(len(word))
        return (
            bool(allowed)
            and seen[:1] == word[:1]
            and seen not in self._known
            and OSA.distance(seen, word, score_cutoff=allowed) <= allowed
        )
