"""Azerbaijani words without their suffixes, and Azerbaijani text read into terms.

Azerbaijani builds a word by suffixes ("ölkə-lər-imiz-lə", with our countries), so a question's
words rarely stand as a phrasing writes them. Suffix rules of our own cut the inflection off
folded words (`fold` writes ə as e, ı as i, ş as s …, as people who type without the letters
do); a word inflected from a word of the Azerbaijani texts reads as that word does, so the
rules need not know every stem. Snowball's Turkish stemmer was measured and read less:
it checks vowel harmony on ı, ö and ü, which folding and letterless typing lose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any

from bot.entities import EntityRecogniser, Mention

# Azerbaijani suffixes as `fold` writes them (ı→i, ü→u, ö→o, ə→e, ğ→g, ş→s, ç→c), in the order
# they follow one another from a word's end inward; each slot is optional. A noun: "mi" (the
# question), "dir" (is), a case, a possessive, the plural ("ölkə-lər-i-nin", "tərəfdaş-dır-mı").
# A verb: the same outer slots, a person, a tense or participle, a passive ("keçir-il-əcək-mi",
# "imzala-n-ıb", "edir-ik"); a participle takes the noun's slots too ("keçiril-ən-lər-in").
_PARTICLE = ("mi", "mu")
_PREDICATE = ("dir", "dur", "tir", "tur", "san", "sen", "siniz", "sunuz")
_CASE = (
    *("nin", "nun", "in", "un"),  # genitive
    *("ni", "nu", "i", "u"),  # accusative
    *("na", "ne", "ya", "ye", "a", "e"),  # dative
    *("nda", "nde", "da", "de", "ta", "te"),  # locative
    *("ndan", "nden", "dan", "den", "tan", "ten"),  # ablative
    *("la", "le", "yla", "yle"),  # instrumental ("ölkələrlə")
    *("ndaki", "ndeki", "daki", "deki", "taki", "teki"),  # "-dakı": "əvvəlindəki"
    *("ca", "ce"),  # "fransızca"
)
_POSSESSIVE = ("i", "u", "si", "su", "imiz", "umuz", "miz", "muz", "iniz", "unuz", "niz", "nuz")
_PLURAL = ("lar", "ler")
_LANGUAGE_SUFFIXES = frozenset({"ca", "ce"})  # after a name: its language ("almanca")
_PERSON = (
    *("am", "em", "yam", "yem", "san", "sen", "siniz", "sunuz"),  # I, you: "bilərəm"
    *("iq", "ik", "uq", "uk", "yiq", "yik", "lar", "ler"),  # we, they: "edirik"
)
_TENSE = (
    *("ib", "ub", "yib", "yub", "ip", "up", "mis", "mus"),  # perfect: "imzalayıb"
    *("ir", "ur", "yir", "yur"),  # present: "edir", "olur"
    *("acaq", "ecek", "yacaq", "yecek", "acag", "eceg", "yacag", "yeceg"),  # future
    *("an", "en", "yan", "yen", "dig", "dik", "diy", "duq", "duk"),  # participles
    *("di", "du", "ti", "tu", "mali", "meli", "arken", "erken"),  # past, "must", "while"
    *("maq", "mek", "ma", "me"),  # infinitive, verbal noun
)
_PASSIVE = ("il", "ul", "in", "un", "n", "l")  # "keçir-il-ib", "imzala-n-ıb"
_SLOTS = {
    name: frozenset(suffixes)
    for name, suffixes in (
        ("particle", _PARTICLE),
        ("predicate", _PREDICATE),
        ("case", _CASE),
        ("possessive", _POSSESSIVE),
        ("plural", _PLURAL),
        ("person", _PERSON),
        ("tense", _TENSE),
        ("passive", _PASSIVE),
    )
}
_LONGEST_SUFFIX = max(len(suffix) for slot in _SLOTS.values() for suffix in slot)
_SHORTEST_AZERBAIJANI_STEM = 3
_VOWELS = frozenset("aeiou")


def _cut_before(word: str, ends: set[int], suffixes: frozenset[str]) -> set[int]:
    """Where a stem ends once one of `suffixes` is cut off in front of any of `ends`."""
    return {
        end - length
        for end in ends
        for length in range(1, min(end, _LONGEST_SUFFIX + 1))
        if word[end - length : end] in suffixes
    }


@lru_cache(maxsize=65536)
def azerbaijani_cuts(word: str) -> tuple[int, ...]:
    """Every length of `word` that leaves a valid suffix chain after it, longest first (the
    word itself first): where its stem may end."""
    slots = _SLOTS
    whole = {len(word)}
    outer = whole | _cut_before(word, whole, slots["particle"])
    outer |= _cut_before(word, outer, slots["predicate"])
    noun = outer | _cut_before(word, outer, slots["case"])
    noun |= _cut_before(word, noun, slots["possessive"])
    noun |= _cut_before(word, noun, slots["plural"])
    person = outer | _cut_before(word, outer, slots["person"])
    verb = _cut_before(word, person | (noun - outer), slots["tense"])  # a participle: "-ənlər"
    verb |= _cut_before(word, verb, slots["passive"])
    return tuple(sorted(noun | verb, reverse=True))


@lru_cache(maxsize=65536)
def azerbaijani_stem(word: str) -> str:
    """An Azerbaijani word, folded, without its inflection: its longest suffix chain cut off
    while a stem of three letters with a vowel is left, then a final vowel ("ölkə" and
    "ölkəyə" alike), ğ read as the q it softens ("əməkdaşlığı" → "əməkdaşlıq"). Numbers and
    words too short to carry a suffix stay."""
    if not word.isalpha() or len(word) <= _SHORTEST_AZERBAIJANI_STEM:
        return word
    for end in reversed(azerbaijani_cuts(word)):
        stem = word[:end]
        if end >= _SHORTEST_AZERBAIJANI_STEM and not _VOWELS.isdisjoint(stem):
            return _stem_end(stem)
    return _stem_end(word)


@lru_cache(maxsize=4096)
def only_suffixes(word: str) -> bool:
    """Whether a folded word is nothing but Azerbaijani suffixes: one typed apart from the
    abbreviation or figure it inflects ("MDB-nin", "G20-yə", "NATO'ya" are normalised to
    "mdb nin", "g20 ye", "nato ya")."""
    # The suffixes are the whole word when one letter put before it is left as the stem.
    return word.isalpha() and 1 in azerbaijani_cuts(f"_{word}")


def azerbaijani_bases(word: str) -> list[str]:
    """What `word` may be inflected from: its stems at each cut, of three letters or more,
    the least cut off first, with ğ's q ("əməkdaşlığın" → "əməkdaşlığ" → "əməkdaşlıq")."""
    bases = []
    for end in azerbaijani_cuts(word)[1:]:
        if end < _SHORTEST_AZERBAIJANI_STEM:
            break
        base = word[:end]
        bases.append(base[:-1] + "q" if base[-1] == "g" else base)
    return bases


def _stem_end(stem: str) -> str:
    """A stem without its final vowel, and with ğ's q."""
    if stem[-1] in _VOWELS and len(stem) > _SHORTEST_AZERBAIJANI_STEM:
        stem = stem[:-1]
    return stem[:-1] + "q" if stem[-1] == "g" else stem


# "2016-da", "2017ci": a figure with an Azerbaijani suffix typed on, read as the figure and
# the suffix, so the year is a year.
_FIGURE_SUFFIX = re.compile(r"(\d+)([a-z]+)")
_NONE: Any = object()  # "no such phrase", apart from a stopword's None


class AzerbaijaniReader:
    """Reads the words of an Azerbaijani text into terms: the analyser's (bot/analysis.py)
    names, slots and lexicon phrases, and the words' readings instead of English stems."""

    def __init__(
        self,
        *,
        phrases: Mapping[tuple[str, ...], str | None],
        longest_from: Mapping[str, int],
        known_words: frozenset[str],
        vocabulary: AbstractSet[str],
        recogniser: EntityRecogniser,
        correct: Callable[[str], str | None],
        real_words: frozenset[str],
        markers: Mapping[str, str],
    ) -> None:
        self._phrases = phrases
        self._longest_from = longest_from
        self._known = known_words
        self._vocabulary = vocabulary  # what a word may be inflected from (not English "sure")
        self._recogniser = recogniser
        self._correct = correct
        self._real_words = real_words
        self._markers = markers
        # How known words read, worked out on their first use (most known words are English).
        self._readings: dict[str, str | None] = {}

    def words(self, words: list[str]) -> list[str]:
        """Words as the recogniser should read them: a figure and its suffix apart ("2016-da"
        is typed "2016da" too), a name without its suffix ("Pakistanla", "Türkiyənin")."""
        if any(word[0].isdigit() and not word.isdigit() for word in words):
            words = [part for word in words for part in _figure_and_suffix(word)]
        known, names = self._known, self._recogniser.name_words
        found: list[str] = []
        for word in words:
            if word not in known and word not in names and word.isalpha():
                shortest = len(azerbaijani_stem(word))
                name = next(
                    (
                        word[:end]
                        for end in range(len(word) - 1, shortest - 1, -1)
                        # "İsveçcə" is Swedish, the language, not Sweden
                        if word[:end] in names and word[end:] not in _LANGUAGE_SUFFIXES
                    ),
                    None,
                )
                if name is not None and self._recogniser.find([name], name):
                    word = name
                elif word.isalpha():
                    # "danışa" is "danış" inflected, no typo of a country's name ("Dania").
                    word = next(
                        (base for base in azerbaijani_bases(word) if base in self._vocabulary),
                        word,
                    )
            found.append(word)
        return found

    def read(
        self, raw: str, words: list[str], placeholder: Callable[[Mention], str], *, correct: bool
    ) -> tuple[list[str], list[Mention]]:
        """The terms and mentions of a text's words as `words` reads them (`raw`: as
        written): a name reads as its `placeholder`, a lexicon phrase as its term ("sag
        olun", "ve"), any other word as its reading, a typo of a known word as that word."""
        mentions = self._recogniser.find(words, raw)
        spans = {m.start: m for m in mentions}
        terms: list[str] = []
        after = 0
        for position, word in enumerate(words):
            if position < after:
                continue
            mention = spans.get(position)
            if mention is not None:
                terms.append(placeholder(mention))
                after = mention.end
                continue
            length, term = self._phrase_at(words, position)
            if length > 1:
                if term is not None:
                    terms.append(term)
                after = position + length
                continue
            if word in self._markers:
                terms.append(self._markers[word])
                continue
            found, known = self.reading(word)
            if correct and not known and word not in self._real_words:
                fixed = self._correct(word)
                if fixed is not None:
                    found = self.reading(fixed)[0]
            if found is not None:
                terms.append(found)
        return terms, mentions

    def reading(self, word: str) -> tuple[str | None, bool]:
        """How a word reads, and whether it is known or inflected from a known word. A known
        word reads as its one-word lexicon phrase ("sagol", "ve"), else as the word of the
        Azerbaijani texts it is inflected from, the least cut off first ("ölkələr" as "ölkə",
        "Azərbaycanın" as the stopword "Azərbaycan"), else as its stem; so does an unknown
        word, which is no typo when it is inflected from a known word."""
        readings = self._readings
        found = readings.get(word, _NONE)
        if found is not _NONE:
            return found, True
        known = word in self._known
        phrase = self._phrases.get((word,), _NONE) if known else _NONE
        if phrase is not _NONE:
            found = phrase
        else:
            bases = azerbaijani_bases(word) if word.isalpha() else []
            base = next((base for base in bases if base in self._vocabulary), None)
            if base is not None:
                found, known = self.reading(base)[0], True
            else:
                found = azerbaijani_stem(word)
        if known:
            readings[word] = found
        return found, known

    def _phrase_at(self, words: Sequence[str], position: int) -> tuple[int, str | None]:
        """The longest lexicon phrase at `position` as written (an Azerbaijani word has no
        English singular)."""
        longest = min(self._longest_from.get(words[position], 0), len(words) - position)
        for length in range(longest, 0, -1):
            found = self._phrases.get(tuple(words[position : position + length]), _NONE)
            if found is not _NONE:
                return length, found
        return 0, None


def _figure_and_suffix(word: str) -> list[str]:
    """ "2016da" as "2016" and "da"; any other word as it is."""
    split = _FIGURE_SUFFIX.fullmatch(word)
    return [split[1], split[2]] if split else [word]
