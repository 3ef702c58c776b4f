"""Which language a message is written in: English, Azerbaijani or Russian, or None when its
words do not tell (a bare /command, a number, a name).

Each word votes. A Cyrillic word is Russian; a word with a letter of the Azerbaijani alphabet
(ə, ğ, ı, ş, ç, ö, ü) is Azerbaijani. A word in plain ASCII votes by vocabulary, taken from the
knowledge base itself: Azerbaijani are the words of its Azerbaijani texts (knowledge/i18n/
az.yaml), English the common English words (knowledge/common_words.txt) and the words of its
English texts; a word in both, or of a name ("Turkey", "Türkiye", "NATO"), votes for neither.
An unseen ASCII word that is an Azerbaijani word with Azerbaijani suffixes votes Azerbaijani:
"olkelerimizle" is "ölkələrimizlə" typed without its letters. The language with most votes
wins, and a tie with English goes to the other language; a tie of Azerbaijani and Russian, or
no vote at all, is None. Three words are enough, and no model is loaded: start-up reads the
vocabulary the knowledge base holds anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from itertools import islice
from typing import Final, Literal

import pycountry

from bot.azerbaijani import azerbaijani_bases
from bot.kb.model import KnowledgeBase, Translation
from bot.text import normalise, plain_text

Language = Literal["en", "az", "ru"]
ENGLISH: Final = "en"
AZERBAIJANI: Final = "az"
RUSSIAN: Final = "ru"

# Letters of the Azerbaijani Latin alphabet that English does not use (ı, ğ, ə are also
# nowhere else among the languages a message here comes in).
_AZERBAIJANI_LETTERS = frozenset("əğışçöü")
_CYRILLIC = re.compile(r"[а-яё]")
_WORD = re.compile(r"[^\W\d_]+")  # letters only: figures tell no language
# A /command is the same in every language, and so is a {placeholder} of a phrasing.
_MARKUP = re.compile(r"/\w+|\{\w+\}")
_BATCH = 64  # texts read at once by _words
# A word this short is the start of too many unrelated words to tell a language.
_SHORTEST_TELLING_BASE = 4


class Detector:
    """Tells a text's language by its words' votes; built once from the vocabularies."""

    def __init__(
        self,
        azerbaijani: Iterable[str],
        english: Iterable[str],
        names: Iterable[str] = (),
    ) -> None:
        # Built word by word, not by set operations: each of those over the tens of thousands
        # of English words would hold the interpreter's lock for milliseconds while an engine
        # is built beside the event loop (bot/quiet.py). Never changed after.
        # Every word of the Azerbaijani texts, those shared with English too ("bot", "plan").
        self.azerbaijani_vocabulary: AbstractSet[str] = {word for word in azerbaijani}
        self._names: set[str] = {word for word in names}
        english_words = {word for word in english}
        ignored = {word for word in self.azerbaijani_vocabulary if word in english_words}
        ignored.update(word for word in self._names)
        self._azerbaijani: set[str] = {
            word for word in self.azerbaijani_vocabulary if word not in ignored
        }
        self._english: set[str] = {word for word in english_words if word not in ignored}
        self._neutral: set[str] = ignored

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Detector:
        """The vocabularies of a knowledge base: its Azerbaijani texts and the words its
        Azerbaijani lexicon adds (knowledge/i18n/az.lexicon.yaml: "zəhmət olmasa", "barədə");
        the common English words with the words of its English phrasings and its English
        stopwords (the short words the common ones leave out); the names of countries and
        trainings. A word of the Azerbaijani lexicon that English has too stays English."""
        azerbaijani = _words(
            text
            for fact in kb.facts
            if AZERBAIJANI in fact.translations
            for text in _texts(fact.translations[AZERBAIJANI])
        )
        english = set(kb.common_words) | _words(
            text
            for fact in kb.facts
            for text in (*fact.questions, *(t for gap in fact.gaps for t in gap.triggers))
        )
        own = kb.lexicon.own_words  # the words each other language's lexicon adds
        foreign = frozenset().union(*own.values())
        english |= {
            word
            for phrase in kb.lexicon.stopwords
            for word in normalise(phrase).split()
            if word not in foreign
        }
        azerbaijani |= {word for word in own.get(AZERBAIJANI, ()) if word.isalpha()} - english
        return cls(azerbaijani, english, _name_words(kb, english))

    def detect(self, text: str) -> Language | None:
        """The language of `text`, or None when its words do not tell."""
        if "/" in text or "{" in text:
            text = _MARKUP.sub(" ", text)
        if text.isascii():
            return self.of_words(normalise(text).split())
        english = azerbaijani = russian = 0
        for word in _WORD.findall(text.replace("İ", "i").lower()):
            if _CYRILLIC.search(word):
                russian += 1
                continue
            folded = normalise(word)
            if folded in self._names:
                continue  # "Türkiye" is a name in any language
            if not _AZERBAIJANI_LETTERS.isdisjoint(word):
                azerbaijani += 1
                continue
            vote = self._vote(folded)
            english += vote == ENGLISH
            azerbaijani += vote == AZERBAIJANI
        return _winner(english, azerbaijani, russian)

    def of_words(self, words: Iterable[str]) -> Language | None:
        """The language of normalised ASCII words (what `normalise` leaves of ASCII text):
        `detect` without the letters. Each word votes once, counted by set operations, since
        every English question is read so; only the words in no vocabulary are looked at one
        by one, for Azerbaijani suffixes."""
        distinct = set(words)
        english = len(self._english.intersection(distinct))
        azerbaijani = len(self._azerbaijani.intersection(distinct))
        if english + azerbaijani < len(distinct):
            unknown = distinct.difference(self._english, self._azerbaijani, self._neutral)
            azerbaijani += sum([self._inflected(word) for word in unknown if word.isalpha()])
        return _winner(english, azerbaijani, 0)

    def is_azerbaijani(self, words: Sequence[str]) -> bool:
        """Whether normalised ASCII words are Azerbaijani (`of_words` says "az"), told quicker
        for English, as every English question is asked this: without a word of the
        Azerbaijani vocabulary nor one in no vocabulary, no word votes Azerbaijani."""
        if self._azerbaijani.isdisjoint(words):
            english, neutral = self._english, self._neutral
            if all([word in english or word in neutral or not word.isalpha() for word in words]):
                return False
        return self.of_words(words) == AZERBAIJANI

    def _vote(self, word: str) -> Language | None:
        """What one folded ASCII word says."""
        if word in self._azerbaijani:
            return AZERBAIJANI
        if word in self._english:
            return ENGLISH
        if word in self._neutral or not word.isalpha():
            return None
        return AZERBAIJANI if self._inflected(word) else None

    def _inflected(self, word: str) -> bool:
        """Whether a word in no vocabulary is an Azerbaijani word with suffixes."""
        return any(
            len(base) >= _SHORTEST_TELLING_BASE and base in self._azerbaijani
            for base in azerbaijani_bases(word)
        )


def _winner(english: int, azerbaijani: int, russian: int) -> Language | None:
    """The language with most votes; None for no vote or a tie of Azerbaijani and Russian.
    A tie with English goes to the other language: people writing Azerbaijani or Russian
    borrow English words ("thanks qardaş", "help pls"), English writers rarely theirs."""
    best = max(english, azerbaijani, russian)
    if not best or (azerbaijani == russian == best):
        return None
    if best == russian:
        return RUSSIAN
    return AZERBAIJANI if best == azerbaijani else ENGLISH


def _words(texts: Iterable[str]) -> set[str]:
    """The words knowledge-base texts are written in: no tags, /commands, {placeholders} or
    figures. Read a few dozen texts at a time, and not kept by `normalise`'s cache of short
    ones: each step of reading one long text holds the interpreter's lock for milliseconds,
    which an engine built beside the event loop must not (bot/quiet.py)."""
    found: set[str] = set()
    texts = iter(texts)
    while batch := list(islice(texts, _BATCH)):
        text = "\n".join(batch)
        found.update(
            word
            for word in normalise.__wrapped__(_MARKUP.sub(" ", plain_text(text))).split()
            if word.isalpha()
        )
    return found


def _name_words(kb: KnowledgeBase, english: set[str]) -> set[str]:
    """The words of country and training names, as normalised (any country pycountry knows,
    and the knowledge base's own names and spellings): a one-word name, and the words of a
    longer one but for English words ("Anadolu Kartalı", not "Joint" of "Joint Exercise")."""
    names = [
        name
        for country in pycountry.countries
        for name in (
            country.name,
            getattr(country, "common_name", ""),
            getattr(country, "official_name", ""),
        )
    ]
    names += [n for c in kb.partners for n in (c.name, c.spelling, *c.aliases)]
    names += [n for e in kb.exercises for n in (e.name, *e.aliases)]
    names += [n for key, aliases in kb.other_country_aliases.items() for n in (key, *aliases)]
    found: set[str] = set()
    for words in map(str.split, map(normalise, names)):
        found.update(words if len(words) == 1 else set(words) - english)
    return found


def _texts(translation: Translation) -> Iterable[str]:
    """Every text of a translation: what its language is written with."""
    yield translation.title
    yield translation.answer
    yield from translation.answers.values()
    yield from translation.notes
    for triggers in translation.triggers:
        yield from triggers
    yield from translation.questions


__all__ = ["AZERBAIJANI", "ENGLISH", "RUSSIAN", "Detector", "Language"]
