"""Finding countries, trainings and years in a question, exactly and without near misses.

Every country in the world is known (pycountry plus the knowledge base's aliases), so "Iraq"
is recognised as Iraq and can never drift to the partner "Iran". Only a word that is no known
name and no known word at all may be read as a typo, and only of one unambiguous name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from bot.fuzzy import SHORTEST_CORRECTED, TypoCorrector
from bot.i18n import describe
from bot.kb.model import Category, KnowledgeBase
from bot.text import normalise

_HOME_COUNTRY = "AZ"  # the document's own country is the subject, never a partner to check
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Entity:
    """Something a question can name: a country (listed as a partner or not) or a training."""

    category: Category
    key: str
    listed: bool = False
    spelling: str = ""


@dataclass(frozen=True)
class Mention:
    """An entity found in a question, with the token span it covers."""

    entity: Entity
    start: int
    end: int

    @property
    def category(self) -> Category:
        return self.entity.category

    @property
    def key(self) -> str:
        return self.entity.key


def _pycountry_names() -> Iterable[tuple[str, list[str]]]:
    """Display name and every name form of each country other than Azerbaijan."""
    for country in pycountry.countries:
        if country.alpha_2 == _HOME_COUNTRY:
            continue
        name: str = country.name
        display: str = getattr(country, "common_name", None) or name.split(",")[0].strip()
        names = [name, display]
        official = getattr(country, "official_name", None)
        if official:
            names.append(official)
        if "," in name:
            base, _, qualifier = name.partition(",")
            names.append(f"{qualifier.strip()} {base.strip()}")
        yield display, names


class EntityRecogniser:
    """Longest-match lookup of names over normalised tokens, built once from the knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, known_words: Iterable[str] = ()) -> None:
        self._names: dict[tuple[str, ...], Entity] = {}
        self._case_sensitive: dict[tuple[str, ...], re.Pattern[str]] = {}
        self._plurals: set[tuple[str, ...]] = set()
        lexicon = kb.lexicon
        # Words the lexicon gives a meaning: "The States" is not shortened to "states", and a
        # name that is a stopword counts only as written in capitals ("US", not "us").
        common = lexicon.stopwords | lexicon.synonyms.keys() | set(lexicon.synonyms.values())
        self._stopwords = lexicon.stopwords
        for exercise in kb.exercises:
            entity = Entity(Category.EXERCISE, exercise.name, listed=True, spelling=exercise.name)
            self._add((exercise.name, *exercise.aliases), entity, common)
        for country in kb.partners:
            entity = Entity(Category.COUNTRY, country.name, listed=True, spelling=country.spelling)
            self._add((country.name, country.spelling, *country.aliases), entity, common)
        for display, aliases in kb.other_country_aliases.items():
            self._add((display, *aliases), Entity(Category.COUNTRY, display), common)
        for display, names in _pycountry_names():
            self._add(names, Entity(Category.COUNTRY, display), common)
        # The longest name starting with each word: most words start none.
        self._longest_from: dict[str, int] = {}
        for key in self._names:
            self._longest_from[key[0]] = max(self._longest_from.get(key[0], 0), len(key))
        self.name_words = frozenset(w for key in self._names for w in key)
        # The words it takes as no typo: the analyser's known words and every word of a name.
        self.known_words = self._known_words = frozenset(known_words) | self.name_words
        # Known words that start no name and are no year: most of a question, passed by one
        # look-up each instead of the whole search of `_match_at`.
        self._inert = frozenset(
            w for w in self._known_words if w not in self._longest_from and not _YEAR.match(w)
        )
        # A typo is read as a one-word name; the first entity registered under a key (partners
        # come first) is the one meant.
        self._by_key: dict[str, Entity] = {}
        single_words: dict[str, str] = {}
        for key, entity in self._names.items():
            self._by_key.setdefault(entity.key, entity)
            if len(key) == 1 and key not in self._plurals:
                single_words[key[0]] = entity.key
        # Cached: a chatty message brings the same unknown words ("teacher") again and again.
        self._typo_of = lru_cache(maxsize=8192)(
            TypoCorrector(single_words, shortest=SHORTEST_CORRECTED).correct
        )

    def _add(self, names: Iterable[str], entity: Entity, common: AbstractSet[str]) -> None:
        """Register every name form; the first registration of a form wins (partners first).
        "The X" also counts as "X", unless X alone is an ordinary word ("the States")."""
        for raw in names:
            key = tuple(normalise(raw).split())
            if not key:
                continue
            variants = [key]
            if key[0] == "the" and len(key) > 1 and " ".join(key[1:]) not in common:
                variants.append(key[1:])
            # People are named in the plural: "the Americans", "the Turks", "Brits". A plural
            # is no spelling to correct a typo towards ("surnames" is not "Surinames").
            last = variants[-1][-1]
            if last.isalpha() and len(last) > 3 and not last.endswith("s"):
                plurals = [(*v[:-1], last + "s") for v in variants]
                self._plurals.update(plurals)
                variants += plurals
            for variant in variants:
                if variant in self._names:
                    continue
                self._names[variant] = entity
                if " ".join(variant) in self._stopwords:
                    # "US" the country versus "us" the pronoun: only the written capitals count.
                    self._case_sensitive[variant] = re.compile(
                        rf"(?<![A-Za-z]){re.escape(raw)}(?![A-Za-z])"
                    )

    def starts_nothing(self, word: str) -> bool:
        """A known word that starts no name and is no year: no mention starts at it."""
        return word in self._inert

    def find(self, tokens: Sequence[str], raw_text: str = "") -> list[Mention]:
        """Mentions in token order; longer names win over the names they contain."""
        mentions: list[Mention] = []
        position = 0
        count = len(tokens)
        inert = self._inert
        while position < count:
            if tokens[position] in inert:
                position += 1
                continue
            mention = self._match_at(tokens, position, raw_text)
            if mention is None:
                position += 1
                continue
            mentions.append(mention)
            position = mention.end
        return mentions

    def _match_at(self, tokens: Sequence[str], position: int, raw_text: str) -> Mention | None:
        token = tokens[position]
        if _YEAR.match(token):
            return Mention(Entity(Category.YEAR, token), position, position + 1)
        longest = self._longest_from.get(token, 0)
        for length in range(min(longest, len(tokens) - position), 0, -1):
            key = tuple(tokens[position : position + length])
            entity = self._names.get(key)
            if entity is None:
                continue
            pattern = self._case_sensitive.get(key)
            if pattern is not None and not pattern.search(raw_text):
                continue
            return Mention(entity, position, position + length)
        if token not in self._known_words:
            name = self._typo_of(token)
            if name is not None:
                return Mention(self._by_key[self._names[(name,)].key], position, position + 1)
        return None


__all__ = ["Entity", "EntityRecogniser", "Mention", "describe"]
