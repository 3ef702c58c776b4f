"""Finding countries, trainings and years in a question, exactly and without near misses.

Every country in the world is known (pycountry plus the knowledge base's aliases), in English,
Russian and Azerbaijani and in every grammatical case ("с Турцией", "Almaniyada"), so "Iraq" is
recognised as Iraq and can never drift to the partner "Iran". Only a word that is no known name
and no known word at all may be read as a typo, and only of one unambiguous name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from bot.fuzzy import SHORTEST_CORRECTED, LongNameTypos, TypoCorrector
from bot.i18n import describe
from bot.kb.model import Category, KnowledgeBase
from bot.names import (
    NAME_LANGUAGES,
    CountryNames,
    add_forms,
    country_code,
    name_key,
    pycountry_forms,
    pycountry_names,
)
from bot.text import capitalised_words, normalise

_YEAR = re.compile(r"^(19|20)\d\d$")
Words = tuple[str, ...]
# The letters a folded letter may stand for in lower-case Azerbaijani and Russian ("i̇" is
# "İ" lower-cased): a word folded as questions are read is found as written.
_LOOSE = {
    "e": "[eə]",
    "i": "(?:i\u0307|[iı])",
    "s": "[sş]",
    "c": "[cç]",
    "g": "[gğ]",
    "o": "[oö]",
    "u": "[uü]",
    "е": "[её]",
}


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


def _records(
    kb: KnowledgeBase,
) -> tuple[list[tuple[Entity, CountryNames]], list[tuple[Entity, CountryNames]]]:
    """Every country with its names, in the order they are registered: the knowledge base's
    (the partners, then the other countries it names), then pycountry's, each with the entity
    of its country: pycountry's "Korea, Republic of" is the partner Republic of Korea, not a
    country of its own that is no partner."""
    records: list[tuple[Entity, CountryNames]] = []
    for partner in kb.partners:
        english = (partner.name, partner.spelling, *partner.aliases)
        localised = {lang: tuple(partner.localised.get(lang, ())) for lang in NAME_LANGUAGES}
        names = CountryNames(
            partner.name, country_code(english), english, localised, localised["az"]
        )
        entity = Entity(Category.COUNTRY, partner.name, listed=True, spelling=partner.spelling)
        records.append((entity, names))
    for display, aliases in kb.other_country_aliases.items():
        localised = {
            lang: tuple(kb.other_country_localised.get(lang, {}).get(display, ()))
            for lang in NAME_LANGUAGES
        }
        english = (display, *aliases)
        names = CountryNames(display, country_code(english), english, localised, localised["az"])
        records.append((Entity(Category.COUNTRY, display), names))
    by_code = {names.code: entity for entity, names in records if names.code}
    found = [
        (by_code.get(names.code) or Entity(Category.COUNTRY, names.display), names)
        for names in pycountry_names()
    ]
    return records, found


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
        own, found = _records(kb)
        records = own + found
        for entity, names in records:  # English first: the other languages add, never replace
            self._add(names.english, entity, common)
        english_words = {word for key in self._names for word in key}
        self._english = frozenset(self._names)  # the names registered in English
        localised_words = self._add_localised(records)
        # An inflected word → the words of names it inflects ("турцией" → "турция").
        self._forms = self._inflections(own)
        self._capital = self._capital_only(
            kb, known_words, localised_words - english_words, records
        )
        # The longest name starting with each word: most words start none.
        self._longest_from: dict[str, int] = {}
        for key in self._names:
            self._longest_from[key[0]] = max(self._longest_from.get(key[0], 0), len(key))
        starting = self._longest_from.keys() | {
            form
            for form, words in self._forms.items()
            if not self._longest_from.keys().isdisjoint(words)
        }
        # Every word of a name, in every case; a form left out as two countries' is a word
        # too, never a typo of a third ("İranınkı" is not "İraqınkı" misspelt).
        left_out = {form for form, _ in self.clashes}
        self.name_words = frozenset(w for key in self._names for w in key) | self._forms.keys()
        self.name_words |= left_out
        # The words it takes as no typo: the analyser's known words and every word of a name.
        self.known_words = self._known_words = frozenset(known_words) | self.name_words
        # Known words that start no name and are no year: most of a question, passed by one
        # look-up each instead of the whole search of `_match_at`.
        self._inert = frozenset(
            w for w in self._known_words if w not in starting and not _YEAR.match(w)
        )
        # The first entity registered under a key (partners come first) is the one meant.
        self._by_key: dict[str, Entity] = {}
        for entity in self._names.values():
            self._by_key.setdefault(entity.key, entity)
        # Cached: a chatty message brings the same unknown words ("teacher") again and again.
        self._typo_of = lru_cache(maxsize=8192)(
            TypoCorrector(self._typo_targets(), shortest=SHORTEST_CORRECTED).correct
        )
        self._written = lru_cache(maxsize=16)(capitalised_words)
        trainings = {k: e.key for k, e in self._names.items() if e.category is Category.EXERCISE}
        self._long_typos = LongNameTypos(trainings, self._known_words)

    def _typo_targets(self) -> dict[str, str]:
        """The words a typo may stand for, each with the country it means: the English
        one-word names, as before the other languages came. A Russian or Azerbaijani name or
        form is never one: their endings put an ordinary word one letter from a name
        ("польза", benefit, from "Польша"; "qədərdir", is as much, from "Qətərdir", is Qatar).
        They are nearest words all the same, each meaning only itself, so a word nearer to one
        of them is no typo of an English name either ("İsveçcə" is one edit from "İsveçə", to
        Sweden: no "İsveçrə", Switzerland). No word read only when written as a name is one."""
        targets: dict[str, str] = {}
        for key, entity in self._names.items():
            word = key[0]
            if len(key) == 1 and key not in self._plurals and word not in self._capital:
                targets[word] = entity.key if key in self._english else f"<{word}>"
        for form in self._forms:
            targets.setdefault(form, f"<{form}>")
        self._typo_names = frozenset(w for w, meaning in targets.items() if meaning[0] != "<")
        return {word: meaning for word, meaning in targets.items() if word.isascii()}

    def _add(self, names: Iterable[str], entity: Entity, common: AbstractSet[str]) -> None:
        """Register every name form; the first registration of a form wins (partners first).
        "The X" also counts as "X", unless X alone is an ordinary word ("the States")."""
        for raw in names:
            key = name_key(raw)
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
                elif key[0] == "the" and variant == key and " ".join(key[1:]) in common:
                    # "the States" versus "list the states that signed": the capital counts.
                    rest = re.escape(raw.split(maxsplit=1)[1])
                    self._case_sensitive[variant] = re.compile(
                        rf"(?<![A-Za-z])(?i:the)\s+(?:{rest}|{rest.upper()})(?![A-Za-z])"
                    )

    def _add_localised(self, records: list[tuple[Entity, CountryNames]]) -> set[str]:
        """The Russian and Azerbaijani names, as written (no English plural, no "the"); the
        words of the one-word ones, which may be ordinary words of their language ("того")."""
        single: set[str] = set()
        for entity, names in records:
            for language in NAME_LANGUAGES:
                for raw in names.localised.get(language, ()):
                    key = name_key(raw)
                    if key and key not in self._names:
                        self._names[key] = entity
                        if len(key) == 1:
                            single.add(key[0])
        return single

    def _inflections(self, records: list[tuple[Entity, CountryNames]]) -> dict[str, Words]:
        """Every inflected word of a Russian or Azerbaijani name → the words it may inflect
        ("соединенным": "соединенное" of the Kingdom, "соединенные" of the States; the name
        around it tells which). A form that alone reads as two countries, or that is a one-word
        name as it stands, is left out: the exact names alone are safe. `clashes` lists the
        forms left out because they read as two countries."""
        extra: dict[str, set[str]] = defaultdict(set)
        for _, names in records:  # the knowledge base's: pycountry's are worked out once
            add_forms(extra, names)
        forms = dict(pycountry_forms())
        for form, words in extra.items():
            forms[form] = tuple(sorted(words.union(forms.get(form, ()))))
        one_word = {key[0]: entity for key, entity in self._names.items() if len(key) == 1}
        self.clashes: list[tuple[str, list[str]]] = []  # each form left out, what it reads as
        for form in forms.keys() & one_word.keys():  # spelt as a name: the name it is
            spelt = {one_word[form].key}
            spelt |= {one_word[w].key for w in forms.pop(form) if w in one_word}
            if len(spelt) > 1:
                self.clashes.append((form, sorted(spelt)))
        self._form_country: dict[str, Entity] = {}  # the country a form names by itself
        several = []
        for form, inflected in forms.items():
            if len(inflected) > 1:
                several.append(form)
            elif inflected[0] in one_word:
                self._form_country[form] = one_word[inflected[0]]
        for form in several:
            read = {one_word[w].key: one_word[w] for w in forms[form] if w in one_word}
            if len(read) > 1:
                self.clashes.append((form, sorted(read)))
                del forms[form]
            elif read:
                self._form_country[form] = next(iter(read.values()))
        return forms

    def _capital_only(
        self,
        kb: KnowledgeBase,
        known_words: Iterable[str],
        localised: set[str],
        records: list[tuple[Entity, CountryNames]],
    ) -> frozenset[str]:
        """The words read as a country only when written as a name, with a capital inside a
        sentence: those the knowledge base lists as ordinary words of a language (Russian
        "того" is no Togo, Azerbaijani "mali" is "financial") with their forms, and the
        Russian and Azerbaijani names and forms that the phrasings use as ordinary words, in a
        fact that does not name their country. A word that is part of a longer name only
        ("республики") needs neither: it names nothing alone."""
        alone = self._form_country.keys()
        ordinary: set[str] = set().union(*kb.ordinary_words.values())
        capital = {form for form in alone if not ordinary.isdisjoint(self._forms[form])}
        capital |= {word for word in ordinary if (word,) in self._names}
        clashing = ((alone | localised) & frozenset(known_words)) - capital
        if clashing:
            country = {word: self._alone(word) for word in clashing}
            wanted = {entity.key for entity in country.values() if entity is not None}
            english: dict[str, list[str]] = defaultdict(list)  # their countries' English names
            for entity, names in records:
                if entity.key in wanted:
                    english[entity.key] += [" ".join(name_key(name)) for name in names.english]
            readings = {w: english[e.key] for w, e in country.items() if e is not None}
            capital |= _used_as_ordinary_words(kb, readings)
        return frozenset(capital)

    def _alone(self, word: str) -> Entity | None:
        """The country one word names by itself, as written or in another case."""
        return self._names.get((word,)) or self._form_country.get(word)

    def _longest_at(self, word: str) -> int:
        """The most words a name starting with this word (or its nominative) has."""
        longest = self._longest_from.get(word, 0)
        for nominative in self._forms.get(word, ()):
            longest = max(longest, self._longest_from.get(nominative, 0))
        return longest

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
        forms = self._forms
        longest = (
            self._longest_from.get(token, 0) if token not in forms else self._longest_at(token)
        )
        for length in range(min(longest, len(tokens) - position), 0, -1):
            span = tokens[position : position + length]
            key = tuple(span)
            entity = self._names.get(key)
            if entity is None:  # "Южной Кореей" is read as "Южная Корея"
                if forms.keys().isdisjoint(span):
                    continue
                readings = product(*[forms.get(word, (word,)) for word in span])
                found = {self._names[k] for k in readings if k in self._names}
                if len(found) != 1:
                    continue  # none, or two countries: no guess
                entity = found.pop()
            pattern = self._case_sensitive.get(key)
            if pattern is not None and not pattern.search(raw_text):
                continue
            capitals = self._capital.intersection(span) if self._capital else ()
            if capitals and not capitals <= self._written(raw_text):
                continue  # "кроме того" is no Togo; "Кроме того, Того ..." names it
            return Mention(entity, position, position + length)
        misspelt = self._long_typos.find(tokens, position)  # "Anadolu Gartaly"
        if misspelt is not None:
            return Mention(self._by_key[misspelt[0]], position, position + misspelt[1])
        if token not in self._known_words:
            name = self._typo_of(token)
            if name is not None and name in self._typo_names:
                return Mention(self._by_key[self._names[(name,)].key], position, position + 1)
        return None


def _used_as_ordinary_words(kb: KnowledgeBase, readings: dict[str, list[str]]) -> set[str]:
    """Those of the words (each with the English names of the country it reads as) that the
    phrasings in another language use in a fact whose English text names no such country:
    "Грузии" in a question about the meetings of Azerbaijan, Turkey and Georgia is the name."""
    # One search per fact, for the words as they may be written ("gurcustan": "gürcüstan").
    loose = "|".join("".join(_LOOSE.get(c, re.escape(c)) for c in w) for w in readings)
    pattern = re.compile(rf"(?<!\w)(?:{loose})(?!\w)")
    found: set[str] = set()
    for fact in kb.facts:
        texts = " ".join(q for text in fact.translations.values() for q in text.questions)
        used = {normalise(word) for word in pattern.findall(texts.lower())} & readings.keys()
        if not used:
            continue
        own = (fact.title, fact.answer, *fact.answers.values(), *fact.sources)
        english = f" {normalise(' '.join(own))} "
        found |= {w for w in used if not any(f" {n} " in english for n in readings[w])}
    return found


__all__ = ["Entity", "EntityRecogniser", "Mention", "describe"]
