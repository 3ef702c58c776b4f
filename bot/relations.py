"""Questions that name a country but ask no partner check of it.

- A language named by its country's adjective after "in" or "into" ("is it taught in German?",
  "translate it into Russian").
- How two other countries relate ("Does Armenia cooperate with Russia?", "Is Russia a partner
  of Armenia?", "Есть ли у Армении сотрудничество с Россией?"): the document lists
  Azerbaijan's partners only, so such a question is no partner check of either country, and
  answering "Russia: yes, Armenia: no" would answer a question nobody asked.

Two countries "between" which something is asked relate, whatever joins them. Otherwise a
relation is a country named after a relation word ("with", "of", "с", "между") or before a
postposition (Azerbaijani "ilə", "arasında"), when the country named before it is not itself
governed by one, no coordinator stands between the two ("with Turkey and Russia", "Türkiyə və
Rusiya ilə" are one list), and Azerbaijan is not named ("Does Turkey cooperate with Azerbaijan
and with Georgia?" asks about Azerbaijan). The words are the lexicon's, per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import pairwise

import pycountry

from bot.entities import Mention
from bot.kb.model import Category, Lexicon
from bot.text import normalise


@cache
def _languages() -> frozenset[str]:
    """One-word language names ("french", "german", "turkish"): a country's adjective after
    "in" or "into" names its language ("how do you say it in French?", "translate it into
    Russian"), and a partner check of the country would answer a question nobody asked. Read
    when first needed: pycountry's languages take a tenth of a second to load."""
    return frozenset(normalise(lang.name) for lang in pycountry.languages if " " not in lang.name)


class Relations:
    """Tells a question about two other countries' relations; built once from the lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._before = lexicon.relation_words
        self._after = lexicon.relation_postpositions
        self._coordinators = lexicon.joiners
        self._home = tuple(sorted(lexicon.home_names))
        self._between = lexicon.between_words
        self._into = lexicon.language_prepositions

    def between_others(self, words: Sequence[str], mentions: Sequence[Mention]) -> bool:
        """Whether `words` (the normalised words `mentions` index into) ask how two countries
        other than Azerbaijan relate."""
        countries = [m for m in mentions if m.category is Category.COUNTRY]
        if len(countries) < 2 or any(word.startswith(self._home) for word in words):
            return False
        for first, second in pairwise(countries):
            if (first.start and words[first.start - 1] in self._between) or (
                second.end < len(words) and words[second.end] in self._between
            ):
                return True  # "between Turkey and Greece", "Türkiyə və Yunanıstan arasında"
            if first.start and words[first.start - 1] in self._before:
                continue  # "with Turkey, and with Russia": both are what Azerbaijan works with
            between = words[first.end : second.start]
            if not self._coordinators.isdisjoint(between):
                continue
            before = second.start > first.end and words[second.start - 1] in self._before
            after = second.end < len(words) and words[second.end] in self._after
            if before or after:
                return True
        return False

    def names_a_language(self, words: Sequence[str], mentions: Sequence[Mention]) -> bool:
        """Whether every country `words` name is a language after "in" or "into"."""
        countries = [m for m in mentions if m.category is Category.COUNTRY]
        return bool(countries) and all(
            m.end - m.start == 1
            and m.start > 0
            and words[m.start - 1] in self._into
            and words[m.start] in _languages()
            for m in countries
        )
