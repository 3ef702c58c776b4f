"""Reading text into comparable terms: the same code reads the knowledge base and questions.

Normalised tokens, names replaced by placeholders (<country>, <exercise>), lexicon synonyms and
stopwords applied, stems, typos of known words corrected with rapidfuzz. A text's language
(bot/language.py) chooses the stems: Azerbaijani words lose their suffixes ("ölkələrlə" reads as
"ölkə" does), any other word gets Snowball's English stem, or its Russian one when Cyrillic.
English reads exactly as it did before there were other languages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.azerbaijani import AzerbaijaniReader, azerbaijani_stem
from bot.entities import EntityRecogniser, Mention
from bot.fuzzy import TypoCorrector
from bot.kb.model import Category, KnowledgeBase
from bot.language import AZERBAIJANI, Detector
from bot.text import (
    NUMBER_WORDS,
    is_cyrillic,
    normalise,
    shortened_runs,
    singular,
    spoken_numbers,
    stem,
    written_names,
)

MAX_QUESTION_CHARS = 1000  # longer text is matched on its beginning; a paste is not a question
PLACEHOLDERS = {Category.COUNTRY: "<country>", Category.EXERCISE: "<exercise>"}
# A slot phrasing such as "Is {country} a partner?" reads its slot as the placeholder itself.
_SLOT_MARKERS = {f"{{{slot}}}": f" slotmarker{slot} " for slot in PLACEHOLDERS}
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]{0,80}>")  # typed HTML tags are not words of a question
RECENT_ANALYSES = 16
SINGLE_WORDS_KEPT = 16384  # words read alone (word_terms), forgotten all at once when full
MIN_SYNONYM_STEM = 4  # a Russian synonym's stem stands for its forms from this length
_NONE: Any = object()  # "no such phrase", apart from a stopword's None
_NO_NAMES: frozenset[str] = frozenset()
_MARKER_TERMS = {f"slotmarker{slot}": term for slot, term in PLACEHOLDERS.items()}


@dataclass(frozen=True)
class Analysis:
    """What the matcher reads from one text."""

    terms: tuple[str, ...]
    mentions: tuple[Mention, ...]
    names: frozenset[str] = frozenset()  # terms of words written as names
    language: str | None = None  # "az" when read as Azerbaijani; None: as English ever was
    words: tuple[str, ...] = ()  # the normalised words the mentions' positions index into


class Analyser:
    """Turns text into comparable terms; the same code reads the knowledge base and questions."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._recent: dict[tuple[str, bool, str | None], Analysis] = {}
        self._single_words: dict[str, tuple[str, ...]] = {}
        lexicon = kb.lexicon
        self._phrases: dict[tuple[str, ...], str | None] = {}
        stopwords = frozenset(lexicon.stopwords)
        for variant, canonical in lexicon.synonyms.items():
            # A spelling of a stopword ("w" for "with") is a stopword.
            term = None if canonical in stopwords else self._term(canonical)
            self._phrases[_key(variant)] = term
        for canonical in set(lexicon.synonyms.values()) - stopwords:
            self._phrases.setdefault(_key(canonical), self._term(canonical))
        for word in lexicon.stopwords:
            self._phrases.setdefault(_key(word), None)
        self._add_spellings(lexicon.synonyms)
        # A Russian synonym in any of its forms: "договорами" reads as "соглашение" does, by
        # their stems, since a Russian word has too many endings to list. Stopwords are not
        # read so, nor a short stem: a stem is shared too widely ("всего" and "ВС", "ИИ" and
        # "и").
        self._stem_synonyms = {
            found: term
            for variant in lexicon.synonyms
            if " " not in variant
            and is_cyrillic(variant)
            and len(found := stem(variant)) >= MIN_SYNONYM_STEM
            and (term := self._phrases.get(_key(variant))) is not None
        }
        # The same phrases in the singular, so "buddies" reads as "buddy" and "three-country"
        # as "three countries".
        self._singular_phrases: dict[tuple[str, ...], str | None] = {}
        for key, value in self._phrases.items():
            self._singular_phrases.setdefault(tuple(singular(word) for word in key), value)
        # The longest phrase starting with each word (as written, or in the singular): most
        # words start none, and are looked up once instead of once per phrase length.
        self._longest_from: dict[str, int] = {}
        for key in (*self._phrases, *self._singular_phrases):
            self._longest_from[key[0]] = max(self._longest_from.get(key[0], 0), len(key))
        self.weak_terms = frozenset(self._term(word) for word in lexicon.weak_words)
        # A taught message's words are none to know ("heyyy" still reads as "hey").
        written = (q for fact in kb.facts for q in fact.phrasings if q not in fact.taught)
        phrasing_words = {word for question in written for word in normalise(question).split()}
        lexicon_words = {word for key in self._phrases for word in key}
        self.known_words = frozenset(phrasing_words | lexicon_words)
        self.recogniser = EntityRecogniser(kb, known_words=self.known_words)
        # A known word outside a longer lexicon phrase reads to the same term wherever it
        # stands (its one-word phrase, else its stem): worked out once here, it is one look-up
        # per word of a question. `_longer` holds the known words that may start a phrase of
        # two words or more: the longest such phrase, as written or in the singular, and the
        # second words such phrases have (as written; in the singular): most words that may
        # start a longer phrase are not followed by one, and that is a look-up or two.
        self._word_terms: dict[str, str | None] = {}
        self._longer: dict[str, tuple[int, frozenset[str], frozenset[str]]] = {}
        self._openings = frozenset(key[:2] for key in self._phrases if len(key) > 1)
        self._singular_openings = frozenset(
            key[:2] for key in self._singular_phrases if len(key) > 1
        )
        seconds: dict[str, set[str]] = defaultdict(set)
        for first, second in self._openings:
            seconds[first].add(second)
        singular_seconds: dict[str, set[str]] = defaultdict(set)
        for first, second in self._singular_openings:
            singular_seconds[first].add(second)
        for word in self.known_words:
            if word in _MARKER_TERMS:
                continue
            single = singular(word)
            longest = self._longest_from.get(word, 0)
            if single != word:
                longest = max(longest, self._longest_from.get(single, 0))
            if longest > 1:
                self._longer[word] = (
                    longest,
                    frozenset(seconds.get(word, ())),
                    frozenset(singular_seconds.get(single, ())),
                )
            length, term = self._phrase_at([word], 0)
            self._word_terms[word] = term if length else self._stem(word)
        # Any known word but a stopword can be what a typo meant; a word of four letters is
        # one edit from a five-letter typo ("armys").
        meanings = {
            word: self._phrase_at([word], 0)[1] or self._stem(word)
            for word in self.known_words
            if not word.isdigit() and self._phrases.get((word,), "") is not None
        }
        # A common English word is what it says, not a typo: "president" is no "present".
        self._real_words = kb.common_words
        corrector = TypoCorrector(meanings, shortest=4, cyrillic_edits=1)
        self._correct = lru_cache(maxsize=8192)(corrector.correct)
        # Words whose analysis alone is their one-word reading: known, starting no name, no
        # year, no number word to turn into a figure.
        self._plain = frozenset(
            word
            for word in self._word_terms
            if word not in NUMBER_WORDS and self.recogniser.starts_nothing(word)
        )
        self.detector = Detector.of(kb)
        self._azerbaijani = AzerbaijaniReader(
            phrases=self._phrases,
            longest_from=self._longest_from,
            known_words=self.known_words,
            vocabulary=self.detector.azerbaijani_vocabulary,
            recogniser=self.recogniser,
            correct=self._correct,
            real_words=self._real_words,
            markers=_MARKER_TERMS,
        )

    def _add_spellings(self, synonyms: Mapping[str, str]) -> None:
        """A word's chat spelling inside the lexicon's phrases too: "do u know" is the filler
        "do you know", "thank u" is "thank you"."""
        spellings: dict[str, list[str]] = defaultdict(list)
        for variant, canonical in synonyms.items():
            if " " not in variant and " " not in canonical:
                spellings[canonical].append(variant)
        for key, value in list(self._phrases.items()):
            if len(key) < 2:
                continue
            for place, word in enumerate(key):
                for variant in spellings.get(word, ()):
                    self._phrases.setdefault((*key[:place], variant, *key[place + 1 :]), value)

    @staticmethod
    def _term(canonical: str) -> str:
        """Multi-word canonical forms stay whole; single words are stemmed."""
        return canonical if " " in canonical else stem(canonical)

    term_of = _term

    def _stem(self, word: str) -> str:
        """A word's stem, or the term of the Russian synonym it is a form of."""
        found = stem(word)
        return self._stem_synonyms.get(found, found) if self._stem_synonyms else found

    def analyse(self, text: str, *, correct: bool = True, language: str | None = None) -> Analysis:
        """The terms and names of `text`, read in `language` (a code of bot/language.py;
        None: the language its words show). The few last texts are kept: one reply reads the
        same clause for the match, its gap notes and its fallback."""
        key = (text, correct, language)
        found = self._recent.get(key)
        if found is None:
            found = self._recent[key] = self._analyse(text, correct=correct, language=language)
            if len(self._recent) > RECENT_ANALYSES:
                del self._recent[next(iter(self._recent))]
        return found

    def mentions(self, text: str) -> tuple[Mention, ...]:
        """`analyse(text).mentions`, without reading the terms when the text was not
        analysed lately: the names found depend on the words alone, not on the terms."""
        found = self._recent.get((text, True, None)) or self._recent.get((text, False, None))
        if found is not None:
            return found.mentions
        raw = self._raw(text)
        words = spoken_numbers(normalise(raw).split())
        if self._language(raw, words) == AZERBAIJANI:
            words = self._azerbaijani.words(words)
        return tuple(self.recogniser.find(words, raw))

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The terms of one normalised word, read as knowledge-base text (no typo
        correction): `analyse(word, correct=False).terms`, without the parts of an analysis
        one such word cannot need (markup, slots, longer phrases, names). Kept per word: a
        fallback reads every word of its message, and the same words recur."""
        found = self._single_words.get(word)
        if found is None:
            if len(self._single_words) >= SINGLE_WORDS_KEPT:
                self._single_words.clear()
            found = self._single_words[word] = self._read_word(word)
        return found

    def _read_word(self, word: str) -> tuple[str, ...]:
        # Read apart from `analyse`, whose few recent texts are a reply's own clauses.
        if self.detector.is_azerbaijani((word,)):
            return self._analyse(word, correct=False).terms
        if word in self._plain:
            term = self._word_terms[word]
        elif word in NUMBER_WORDS:
            return self._analyse(word, correct=False).terms  # "seven" reads as "7"
        else:
            mentions = self.recogniser.find([word], word)
            if mentions:
                return (PLACEHOLDERS.get(mentions[0].category, mentions[0].key),)
            length, term = self._phrase_at([word], 0)
            if not length:
                term = _MARKER_TERMS.get(word) or self._stem(word)
        return () if term is None else (term,)

    @staticmethod
    def _raw(text: str) -> str:
        """The text as read: its beginning, without typed tags, slots as their markers."""
        raw = text[:MAX_QUESTION_CHARS]
        if "<" in raw:
            raw = _MARKUP.sub(" ", raw)
        if "{" in raw:
            for marker, word in _SLOT_MARKERS.items():
                raw = raw.replace(marker, word)
        return raw

    def _language(self, raw: str, words: Sequence[str]) -> str | None:
        """The language a text is read in: Azerbaijani when its words are (ASCII text: by the
        words already normalised), else None, the reading English always had."""
        if raw.isascii():
            return AZERBAIJANI if self.detector.is_azerbaijani(words) else None
        return AZERBAIJANI if self.detector.detect(raw) == AZERBAIJANI else None

    def _analyse(self, text: str, *, correct: bool, language: str | None = None) -> Analysis:
        raw = self._raw(text)
        words = spoken_numbers(normalise(raw).split())
        if language is None:
            language = self._language(raw, words)
        if language == AZERBAIJANI:
            words = self._azerbaijani.words(words)
            read, found = self._azerbaijani.read(raw, words, _placeholder, correct=correct)
            names = _names(raw, azerbaijani_stem)
            return Analysis(tuple(read), tuple(found), names, AZERBAIJANI, tuple(words))
        mentions = self.recogniser.find(words, raw)
        spans = {m.start: m for m in mentions} if mentions else None
        word_terms, longer = self._word_terms, self._longer
        terms: list[str] = []
        count = len(words)
        after = 0  # the first word not read yet: a mention or a phrase reads several
        for position, word in enumerate(words):
            if position < after:
                continue
            if spans:
                mention = spans.get(position)
                if mention is not None:
                    terms.append(PLACEHOLDERS.get(mention.category, mention.key))
                    after = mention.end
                    continue
            opens = longer.get(word)
            if (
                opens is not None
                and position + 1 < count
                and (words[position + 1] in opens[1] or singular(words[position + 1]) in opens[2])
            ):
                length, term = self._longer_phrase_at(words, position, opens[0])
                if length:
                    if term is not None:
                        terms.append(term)
                    after = position + length
                    continue
            term = word_terms.get(word, _NONE)
            if term is not _NONE:
                if term is not None:
                    terms.append(term)
                continue
            length, term = self._phrase_at(words, position)
            if length:
                if term is not None:
                    terms.append(term)
                after = position + length
                continue
            if word in _MARKER_TERMS:
                terms.append(_MARKER_TERMS[word])
                continue
            if correct and word not in self.known_words and word not in self._real_words:
                fixed = self._unstretch(word) or self._correct(word)
                if fixed is not None and word.endswith("est") and not fixed.endswith("est"):
                    fixed = None  # "strongest" is a superlative the document never uses, no typo
                if fixed is not None:
                    length, term = self._phrase_at([fixed], 0)
                    if length:
                        if term is not None:
                            terms.append(term)
                        continue
                    word = fixed
            terms.append(self._stem(word))
        if words and words[-1] == _TOPIC_WORD and len(words) > 1:
            # "What is this bot about?": a preposition left at the end asks for a topic, which
            # "What is this bot?" does not.
            terms.append(_TOPIC_WORD)
        return Analysis(tuple(terms), tuple(mentions), _names(raw, stem), language, tuple(words))

    def _phrase_at(self, words: Sequence[str], position: int) -> tuple[int, str | None]:
        """The longest lexicon phrase at `position`, as written or in the singular (singular
        is cached: most words only need their own)."""
        first = words[position]
        longest = self._longest_from.get(first, 0)
        single = singular(first)
        if single != first:
            longest = max(longest, self._longest_from.get(single, 0))
        return self._longest_phrase(words, position, longest, 1)

    def _longer_phrase_at(
        self, words: Sequence[str], position: int, longest: int
    ) -> tuple[int, str | None]:
        """`_phrase_at` for a known word, but for its phrases of two words or more only: its
        one-word reading is in `_word_terms`."""
        opening = (words[position], words[position + 1])
        if opening not in self._openings:
            singular_opening = (singular(opening[0]), singular(opening[1]))
            if singular_opening == opening or singular_opening not in self._singular_openings:
                return 0, None
        return self._longest_phrase(words, position, longest, 2)

    def _longest_phrase(
        self, words: Sequence[str], position: int, longest: int, shortest: int
    ) -> tuple[int, str | None]:
        """The longest phrase of `shortest` to `longest` words at `position`, as written or in
        the singular."""
        for length in range(min(longest, len(words) - position), shortest - 1, -1):
            key = tuple(words[position : position + length])
            found = self._phrases.get(key, _NONE)
            if found is not _NONE:
                return length, found
            singular_key = tuple([singular(word) for word in key])
            if singular_key != key:
                found = self._singular_phrases.get(singular_key, _NONE)
                if found is not _NONE:
                    return length, found
        return 0, None

    def _unstretch(self, word: str) -> str | None:
        """'hellooo', 'pleeease': a letter held down, read as the known word it stretches."""
        return next((w for w in shortened_runs(word) if w in self.known_words), None)


_TOPIC_WORD = "about"


def _placeholder(mention: Mention) -> str:
    """The term a name reads as: its kind's placeholder, or the name itself (a year)."""
    return PLACEHOLDERS.get(mention.category, mention.key)


def _names(raw: str, stem_of: Callable[[str], str]) -> frozenset[str]:
    """The terms of the words written as names (most chat texts have none)."""
    written = written_names(raw)
    if not written:
        return _NO_NAMES
    return frozenset(stem_of(w) for w in normalise(" ".join(written)).split())


def _key(phrase: str) -> tuple[str, ...]:
    """A lexicon phrase as the words a question is read into (figures as digits)."""
    return tuple(spoken_numbers(phrase.split()))
