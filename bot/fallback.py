"""The honest fallback, made useful: what was recognised, and what the document says of it.

When the document does not answer a question, the reply still states no fact of its own. It
names what it did recognise ("I see you asked about Japan and exercises"), quotes verbatim the
document sentences that mention a name the question used ("It mentions Georgia here: …"), and
offers the topics nearest to the question. Quoting is truthful by construction: the sentences
are the knowledge base's verbatim sources, and the reply stays a fallback (`matched` is false).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from bot.answers import FALLBACK_HINT, Answer, Outcome
from bot.cards import Cards
from bot.entities import Mention
from bot.i18n import ENGLISH, N_, describe, gettext
from bot.kb.model import Category, KnowledgeBase
from bot.localise import Localiser
from bot.matcher import Match, Matcher
from bot.text import collapse_whitespace, normalise

MAX_RECOGNISED = 4  # names and topic words echoed back; more reads as a transcript
MAX_QUOTES = 2  # sentences quoted per reply; the rest are a button away
_NAMED = (Category.COUNTRY, Category.EXERCISE, Category.YEAR)
RECOGNISED = N_(
    "I see you asked about {names}, but the document I answer from does not say that, so I "
    "would rather not guess."
)
MENTIONS = N_("It mentions {name} here:")


class Fallbacks:
    """Builds fallback replies; reads no file, only the knowledge base and the matcher."""

    def __init__(
        self, kb: KnowledgeBase, matcher: Matcher, cards: Cards, localiser: Localiser
    ) -> None:
        self.matcher = matcher
        self.cards = cards
        self.localiser = localiser
        analyser = matcher.analyser
        # What a person can be told they asked about: the words of the topics' titles.
        self._topic_terms = frozenset(
            term
            for fact in kb.facts
            if fact.states_document_fact
            for term in analyser.analyse(fact.title, correct=False).terms
            if term in matcher.topic_terms and not term.startswith("<") and not term.isdigit()
        )
        self._stopwords = kb.lexicon.stopwords
        # The document's sentences, once each and in knowledge-base order.
        sentences: dict[str, None] = {}
        for fact in kb.facts:
            if fact.states_document_fact:
                for source in fact.sources:
                    sentences.setdefault(collapse_whitespace(source), None)
        self._sentences = tuple(sentences)
        self._places: dict[str, frozenset[int]] = {}  # spelling -> the sentences naming it

    def answer(
        self,
        question: str,
        match: Match | None,
        text: str | None = None,
        language: str = ENGLISH,
    ) -> Answer:
        """The fallback for `question`, in `language`; `text` is its cleaned form, which is
        what is read."""
        read = text if text is not None else question
        # Without its trailing '?', '!' and '.' (which read to nothing) a one-clause message is
        # the clause the matcher has just read: the analyser still holds it.
        found = self.matcher.analyser.mentions(read.rstrip("?!."))
        mentions = [m for m in found if m.category in _NAMED]
        groups = self.cards.groups
        if groups is not None and any(m.category is Category.COUNTRY for m in mentions):
            within = groups.names_within(read)  # "America" in "Latin America"
            mentions = [m for m in mentions if m.key not in within]
        name = self.localiser.name
        recognised = _unique(
            [name(m.entity.key, language) for m in mentions] + self._topic_words(read)
        )
        base = self.cards.fallback(question, match, language)
        base = replace(base, suggestions=self.localiser.topics(base.suggestions, language))
        if not recognised:
            return base
        asked = html.escape(describe(recognised[:MAX_RECOGNISED], language))
        lines = [gettext(language, RECOGNISED).format(names=asked)]
        for mention, sentence in self._quotes(mentions):
            named = html.escape(name(mention.entity.key, language))
            lines.append(
                f"{gettext(language, MENTIONS).format(name=named)}\n"
                f"<blockquote>“{html.escape(sentence)}”</blockquote>"
            )
        lines.append(gettext(language, FALLBACK_HINT))
        return Answer(
            question=question,
            outcome=Outcome.FALLBACK,
            fact_id=None,
            confidence=base.confidence,
            title="",
            body="\n".join(lines),
            suggestions=base.suggestions,
            language=language,
            refused=True,
        )

    def _topic_words(self, text: str) -> list[str]:
        """The question's words that are the document's own, as the lexicon names them."""
        words: list[str] = []
        for word in normalise(text).split():
            if word in self._stopwords or word.endswith("ed"):
                continue  # "held", "happened" describe; they are not what was asked about
            terms = self.matcher.analyser.word_terms(word)
            if not self._topic_terms.isdisjoint(terms):
                words.append(word)  # the person's own word: "drills", not "exercise"
        return words

    def _quotes(self, mentions: Sequence[Mention]) -> list[tuple[Mention, str]]:
        """Verbatim sentences naming what the question named, at most one per name."""
        found: list[tuple[Mention, int]] = []
        sentences = self._sentences
        named = [self._naming(_spellings(m)) for m in mentions]  # the sentences naming each
        for mention, naming in zip(mentions, named, strict=True):
            entity = mention.entity
            if entity.category is Category.COUNTRY and not entity.listed:
                continue  # a country the document never names has nothing to quote
            if any(index in naming for _, index in found):
                continue  # a sentence already quoted names it too (so none is quoted twice)
            if not naming:
                continue
            # The sentence that names most of what was asked, then the shortest.
            best = max(
                sorted(naming),
                key=lambda i: (sum(i in other for other in named), -len(sentences[i])),
            )
            found.append((mention, best))
            if len(found) >= MAX_QUOTES:
                break
        return [(mention, sentences[index]) for mention, index in found]

    def _naming(self, spellings: set[str]) -> frozenset[int]:
        """The document sentences (by place) naming any of the spellings; each spelling's are
        looked for on its first use."""
        places: frozenset[int] = frozenset()
        for spelling in spellings:
            known = self._places.get(spelling)
            if known is None:
                known = self._places[spelling] = frozenset(
                    i for i, sentence in enumerate(self._sentences) if spelling in sentence
                )
            places |= known
        return places


def _spellings(mention: Mention) -> set[str]:
    return {mention.entity.key, mention.entity.spelling} - {""}


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


__all__ = ["Fallbacks"]
