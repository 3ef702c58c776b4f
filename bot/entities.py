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

import pycountry
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase
from bot.text import normalise

COUNTRY = "country"
EXERCISE = "exercise"
YEAR = "year"

_HOME_COUNTRY = "AZ"  # the document's own country is the subject, never a partner to check
_YEAR = re.compile(r"^(19|20)\d\d$")
_FUZZY_MIN_LENGTH = 5


@dataclass(frozen=True)
class Entity:
    """Something a question can name: a country (listed as a partner or not) or a training."""

    kind: str
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
    def kind(self) -> str:
        return self.entity.kind

    @property
    def key(self) -> str:
        return self.entity.key


def max_typos(length: int) -> int:
    """Edits tolerated in a word of this length: none for short words, where typos collide."""
    if length < _FUZZY_MIN_LENGTH:
        return 0
    return 1 if length < 9 else 2


def _pycountry_names() -> Iterable[tuple[str, list[str]]]:
    """Display name and every name form of each country other than Azerbaijan."""
    for country in pycountry.countries:
        if country.alpha_2 == _HOME_COUNTRY:
            continue
        name = country.name
        display = getattr(country, "common_name", None) or name.split(",")[0].strip()
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
        lexicon = kb.lexicon
        # Words the lexicon gives a meaning: "The States" is not shortened to "states", and a
        # name that is a stopword counts only as written in capitals ("US", not "us").
        common = lexicon.stopwords | lexicon.synonyms.keys() | set(lexicon.synonyms.values())
        self._stopwords = lexicon.stopwords
        for exercise in kb.exercises:
            entity = Entity(EXERCISE, exercise.name, listed=True, spelling=exercise.name)
            self._add((exercise.name, *exercise.aliases), entity, common)
        for country in kb.partners:
            entity = Entity(COUNTRY, country.name, listed=True, spelling=country.spelling)
            self._add((country.name, country.spelling, *country.aliases), entity, common)
        for display, aliases in kb.other_country_aliases.items():
            self._add((display, *aliases), Entity(COUNTRY, display), common)
        for display, names in _pycountry_names():
            self._add(names, Entity(COUNTRY, display), common)
        self._longest = max(len(key) for key in self._names)
        self._known_words = frozenset(known_words) | {w for key in self._names for w in key}
        self._fuzzy_targets = {
            key[0]: entity
            for key, entity in self._names.items()
            if len(key) == 1 and len(key[0]) >= _FUZZY_MIN_LENGTH
        }
        self._fuzzy_choices = list(self._fuzzy_targets)

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
            for variant in variants:
                if variant in self._names:
                    continue
                self._names[variant] = entity
                if " ".join(variant) in self._stopwords:
                    # "US" the country versus "us" the pronoun: only the written capitals count.
                    self._case_sensitive[variant] = re.compile(
                        rf"(?<![A-Za-z]){re.escape(raw)}(?![A-Za-z])"
                    )

    def find(self, tokens: Sequence[str], raw_text: str = "") -> list[Mention]:
        """Mentions in token order; longer names win over the names they contain."""
        mentions: list[Mention] = []
        position = 0
        count = len(tokens)
        while position < count:
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
            return Mention(Entity(YEAR, token), position, position + 1)
        for length in range(min(self._longest, len(tokens) - position), 0, -1):
            key = tuple(tokens[position : position + length])
            entity = self._names.get(key)
            if entity is None:
                continue
            pattern = self._case_sensitive.get(key)
            if pattern is not None and not pattern.search(raw_text):
                continue
            return Mention(entity, position, position + length)
        entity = self._typo_of(token)
        if entity is not None:
            return Mention(entity, position, position + 1)
        return None

    def _typo_of(self, token: str) -> Entity | None:
        """A misspelt single-word name: unknown word, same first letter, one unambiguous target."""
        allowed = max_typos(len(token))
        if not allowed or token in self._known_words or token.isdigit():
            return None
        candidates = process.extract(
            token, self._fuzzy_choices, scorer=OSA.distance, score_cutoff=allowed, limit=None
        )
        candidates = [c for c in candidates if c[0][0] == token[0]]
        if not candidates:
            return None
        best = min(distance for _, distance, _ in candidates)
        winners = {
            self._fuzzy_targets[name].key for name, distance, _ in candidates if distance == best
        }
        if len(winners) != 1:
            return None
        return next(self._fuzzy_targets[n] for n, d, _ in candidates if d == best)


def describe(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C': how the answers list names."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
