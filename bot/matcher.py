"""Matching a question to a fact, preferring an honest fallback to a confident wrong answer.

A question and every knowledge-base phrasing go through the same analysis (bot/analysis.py).
Each phrasing then scores by a weighted F-measure of the words both share: rare words weigh
more, and a word the knowledge base has never seen weighs a lot, so "the population of Turkey"
cannot ride on "Turkey" alone. A rapidfuzz token-sort ratio over the analysed words breaks near
ties by word order. Entity
constraints come last: a fact cannot answer about a country, training or year its own text does
not name, and a per-country or per-training fact needs one named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.analysis import Analyser, Analysis
from bot.entities import Mention
from bot.frames import DocumentFrame
from bot.index import PhrasingIndex
from bot.kb.model import ASKING_KINDS, Category, Fact, KnowledgeBase
from bot.language import ENGLISH
from bot.relations import Relations
from bot.text import plain_text
from bot.ties import Candidate, TieRules
from bot.vetoes import Vetoes
from bot.weights import UNKNOWN_WEIGHT_FACTOR, term_weights, weigher

# A name the knowledge base has never seen ("NATO", "Pentagon") is what the question is about,
# more surely than an unknown lower-case word ("tie in", "busy"): it weighs more.
UNKNOWN_NAME_FACTOR = 2.5
ANSWER_FACTOR = 0.85
TAUGHT_FACTOR = 0.8  # a taught phrasing answers its own message; near ones, less surely
# The kinds of question a per-name fact is asked (ASKING_KINDS, in every language by the
# lexicons' `asking_kinds`), read from its phrasings and its gaps' triggers: a question of a
# kind it is never asked ("How many soldiers does Turkey have?", "Сколько солдат у Турции?" of
# "Is Turkey a partner?") is not about it. Only per-name facts: their phrasings are templates
# that spell out every way they are asked, while a topic's phrasings may fold "who" into a
# phrase ("who said" reads as "author").


@dataclass(frozen=True)
class Match:
    """The matcher's verdict: a fact when confident, else None with the nearest facts."""

    question: str
    fact_id: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    mentions: tuple[Mention, ...]
    nearest: tuple[Candidate, ...] = ()
    terms: tuple[str, ...] = ()  # what the matcher read from the question
    unknown: tuple[str, ...] = ()  # terms no phrasing uses: what the knowledge cannot explain

    @property
    def matched(self) -> bool:
        return self.fact_id is not None


@dataclass(frozen=True)
class Collision:
    """Two facts with phrasings the matcher cannot tell apart: a knowledge-base bug."""

    first: Fact
    first_question: str
    second: Fact
    second_question: str


class Matcher:
    """Built once from the knowledge base; answering a question reads no file."""

    def __init__(self, kb: KnowledgeBase, *, threshold: float = 0.55, margin: float = 0.02) -> None:
        self.kb = kb
        self.threshold = threshold
        self.margin = margin
        self.analyser = Analyser(kb)
        self._facts: list[Fact] = list(kb.facts)
        # The English texts are read as English, as they were before there were other languages;
        # a taught phrasing as the message it was (its typos corrected, as they will be).
        read = self.analyser.analyse
        analysed = [
            [read(q, correct=q in fact.taught, language=ENGLISH) for q in fact.questions]
            for fact in self._facts
        ]
        self._questions = analysed
        # The phrasings in the other languages: phrasings like the English ones, but the tie
        # rules and the gap checks read the English only. Each is read in its own language,
        # whatever its words show ("IPAP", "{country}" are Azerbaijani phrasings too).
        translated = [
            [
                read(question, correct=question in fact.taught, language=language)
                for language, text in fact.translations.items()
                for question in text.questions
            ]
            for fact in self._facts
        ]
        # A fact's own answer reads as one more, weaker phrasing: document words count as known.
        answer_texts = [
            self.analyser.analyse(plain_text(fact.answer), correct=False, language=ENGLISH)
            if fact.answer and fact.states_document_fact
            else None
            for fact in self._facts
        ]
        self._translated = translated
        readings = [[*a, *t] for a, t in zip(analysed, translated, strict=True)]
        facts, weak = self._facts, self.analyser.weak_terms
        self._weights = term_weights(facts, analysed, readings, weak)
        self.weight = weigher(self._weights, weak)
        self._index = PhrasingIndex(self.weight, known=self._weights)
        for index, (fact, per_fact) in enumerate(zip(facts, readings, strict=True)):
            for text, item in zip(fact.phrasings, per_fact, strict=True):
                factor = TAUGHT_FACTOR if text in fact.taught else 1.0
                self._add_phrasing(index, frozenset(item.terms), factor)
            answer = answer_texts[index]
            if answer is not None:
                self._add_phrasing(index, frozenset(answer.terms), ANSWER_FACTOR)
        self._scope = [self._scope_of(fact) for fact in self._facts]
        self._ties = TieRules(kb, self._facts, analysed, self.analyser.weak_terms)
        self._kinds = self._kind_terms(kb)
        self._kind_limits = {
            index: self._kinds_in(
                [
                    *per_fact,
                    *(read(t, correct=False) for gap in fact.gaps for t in gap.triggers),
                ]
            )
            for index, (fact, per_fact) in enumerate(zip(self._facts, readings, strict=True))
            if fact.slot
        }
        self._question_words = kb.lexicon.question_words
        self._ids = [fact.id for fact in self._facts]
        self._at = {fact_id: index for index, fact_id in enumerate(self._ids)}
        self._slot = [fact.slot for fact in self._facts]
        self._relations = Relations(kb.lexicon)
        # Single letters no phrasing uses: a particle or a slip of the thumb, no unknown word.
        letters = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюя"
        self._letters = frozenset(letters) - self._weights.keys() - self.analyser.weak_terms
        self._document = [fact.states_document_fact for fact in self._facts]
        # What a question naming nothing may be answered by: no per-name fact, and when it
        # uses the document's own words, no small talk either (see _admits).
        self._open = frozenset(i for i, slot in enumerate(self._slot) if slot is None)
        self._open_topical = frozenset(i for i in self._open if self._document[i])
        # Per name, the facts without a slot whose own text names it; and the slot facts.
        naming: dict[tuple[Category, str], set[int]] = defaultdict(set)
        for index in self._open:
            for name in self._scope[index]:
                naming[name].add(index)
        self._naming = {name: frozenset(facts) for name, facts in naming.items()}
        self._slotted = [i for i, slot in enumerate(self._slot) if slot is not None]
        # The document's own words: a message that uses one is about the document, and a
        # greeting or a "see you" around it does not make it small talk.
        document_terms = {
            term
            for fact in self._facts
            for source in fact.sources
            for term in self.analyser.analyse(source, correct=False, language=ENGLISH).terms
        }
        chat_terms = {
            term
            for index, fact in enumerate(self._facts)
            if not fact.states_document_fact
            for item in analysed[index]
            for term in item.terms
        }
        self._topic_terms = frozenset(document_terms - chat_terms - self.analyser.weak_terms)
        self._vetoes = Vetoes(self._facts, readings, self.analyser.weak_terms)
        self._frame = DocumentFrame(kb.lexicon, self.analyser)
        self._frame.learn(self._facts, readings, lambda word: self.match(word).fact_id)

    def _kind_terms(self, kb: KnowledgeBase) -> dict[str, str]:
        """Each term that asks a kind of question, and the kind: the English words, and each
        lexicon's, read in its own language."""
        kinds = {term: kind for kind in ASKING_KINDS for term in self._terms_of(kind, ENGLISH)}
        for language, words in kb.lexicon.asking_kinds.items():
            for kind, spelled in words.items():
                kinds |= {term: kind for word in spelled for term in self._terms_of(word, language)}
        return kinds

    def _terms_of(self, text: str, language: str) -> tuple[str, ...]:
        return self.analyser.analyse(text, correct=False, language=language).terms

    def _kinds_in(self, readings: Iterable[Analysis]) -> frozenset[str]:
        """The kinds of question these readings ask."""
        kinds = self._kinds
        return frozenset(kinds[t] for reading in readings for t in reading.terms if t in kinds)

    @property
    def topic_terms(self) -> frozenset[str]:
        """Terms of the document's own sentences (not of small talk)."""
        return self._topic_terms

    def phrasing_terms(self, *, every_language: bool = False) -> dict[str, list[frozenset[str]]]:
        """Each fact's phrasings as read at start-up, so nobody reads them again: the English
        ones, or (`every_language`) all of `Fact.phrasings`, in its order."""
        translated = self._translated if every_language else [[] for _ in self._facts]
        return {
            fact.id: [frozenset(item.terms) for item in (*per_fact, *others)]
            for fact, per_fact, others in zip(self._facts, self._questions, translated, strict=True)
        }

    def _add_phrasing(self, fact: int, terms: frozenset[str], factor: float) -> None:
        self._index.add(fact, terms, factor)

    def collisions(self) -> list[Collision]:
        """Phrasings of different facts that analyse to the same words, in any language."""
        seen: dict[frozenset[str], tuple[Fact, str]] = {}
        found = []
        for fact, per_fact, other_languages in zip(
            self._facts, self._questions, self._translated, strict=True
        ):
            for question, item in zip(fact.phrasings, (*per_fact, *other_languages), strict=True):
                terms = frozenset(item.terms)
                if not terms:
                    continue
                other = seen.setdefault(terms, (fact, question))
                if other[0].id != fact.id:
                    found.append(Collision(other[0], other[1], fact, question))
        return found

    def _scope_of(self, fact: Fact) -> frozenset[tuple[Category, str]]:
        """Entities a fact's own text names: the only ones it may be asked about."""
        texts = [fact.answer, *fact.answers.values(), *fact.sources]
        found: set[tuple[Category, str]] = set()
        for text in texts:
            mentions = self.analyser.analyse(text, correct=False).mentions
            found |= {(m.category, m.key) for m in mentions}
        return frozenset(found)

    def _admits(self, mentions: Sequence[Mention], topical: bool) -> Callable[[int], bool]:
        """Which facts may answer a question naming `mentions`, asked fact by fact: a fact's
        own text names every name but those of its slot, and a per-name fact needs a name of
        its kind; a question using the document's own words (`topical`) is no small talk. The
        admitted facts are one set per question (set look-ups for the index), from the facts
        naming each name, worked out at start-up."""
        if not mentions:
            return (self._open_topical if topical else self._open).__contains__
        named = frozenset([(m.category, m.key) for m in mentions])
        # A fact without a slot: its text names every name. A slot fact: one name of its kind,
        # and its text names the others. Worked out as one set per question.
        admitted = self._open_topical if topical else self._open
        for name in named:
            admitted = admitted & self._naming.get(name, frozenset())
            if not admitted:
                break
        categories = {category for category, _ in named}
        slotted = [
            index
            for index in self._slotted
            if (not topical or self._document[index])
            and self._slot[index] in categories
            and all(n[0] == self._slot[index] or n in self._scope[index] for n in named)
        ]
        return (admitted.union(slotted) if slotted else admitted).__contains__

    def slot_of(self, fact_id: str | None) -> Category | None:
        """The kind of name a per-name fact answers for; None for any other fact."""
        return self._slot[self._at[fact_id]] if fact_id in self._at else None

    def defining(self, fact_id: str) -> frozenset[str]:
        """The names that define a fact (see bot/ties.py)."""
        return self._ties.defining(fact_id)

    def unknown_terms(self, text: str) -> frozenset[str]:
        """The terms of `text` that no phrasing holds, weak words aside."""
        return frozenset(self._unknown(self.analyser.analyse(text).terms))

    def _unknown(self, terms: Iterable[str]) -> tuple[str, ...]:
        # A weak word ("u", "hi") is lexicon, not knowledge the document lacks.
        known, weak = self._weights, self.analyser.weak_terms
        return tuple([t for t in terms if t not in known and t not in weak])

    def match(self, question: str, *, ignore: frozenset[str] = frozenset()) -> Match:
        """The best fact for a question, or a fallback verdict with the nearest facts.
        `ignore`: terms read as if absent (what a statement before the question left unknown:
        "I work at a school in Baku. Who organises the French lessons?")."""
        analysis = self.analyser.analyse(question)
        mentions = analysis.mentions
        terms = analysis.terms
        if ignore:
            terms = tuple([t for t in terms if t not in ignore])
        if not self._letters.isdisjoint(terms):  # a stray letter ("sen kimsen e?") is no word
            terms = tuple([t for t in terms if t not in self._letters])
        query = frozenset(terms)
        unknown = self._unknown(query)
        if not query:
            return Match(question, None, 0.0, (), mentions, terms=terms, unknown=unknown)
        # An unknown name ("NATO") weighs more than an unknown word: only the question's own
        # weight grows, since no phrasing holds either.
        surplus = (UNKNOWN_NAME_FACTOR - UNKNOWN_WEIGHT_FACTOR) / UNKNOWN_WEIGHT_FACTOR
        extra = (
            sum(self.weight(t) * surplus for t in sorted(unknown) if t in analysis.names)
            if unknown
            else 0
        )
        topical = not query.isdisjoint(self._topic_terms)
        admits = self._admits(mentions, topical)
        asked = frozenset(self._kinds[t] for t in query if t in self._kinds)
        if asked:  # "how many …", "when …": not of a per-name fact never asked so
            limits, admitted = self._kind_limits, admits

            def admits(index: int) -> bool:
                limit = limits.get(index)
                return admitted(index) and (limit is None or asked <= limit)

        ranking = self._index.search(query, admits, extra_weight=extra)
        ids = self._ids
        candidates = tuple([Candidate(ids[i], round(s, 4)) for i, s in ranking.best])
        # A fact not re-ranked has the same score among the nearest: the same candidate.
        made = dict(zip(ranking.best, candidates, strict=True))
        near = tuple(
            [
                made.get(item) or Candidate(ids[item[0]], round(item[1], 4))
                for item in ranking.nearest
            ]
        )
        candidates = self._ties.settle(candidates, query, terms)
        fact_id: str | None = None
        confidence = candidates[0].score if candidates else 0.0
        if candidates and confidence >= self.threshold:
            top = candidates[0]
            runner_up = candidates[1].score if len(candidates) > 1 else 0.0
            if top.score - runner_up >= self.margin or self._ties.siblings(top, candidates[1]):
                fact_id = top.fact_id
        if fact_id is not None and self._vetoes.vetoed(fact_id, query, unknown, analysis.names):
            fact_id = None  # a name no fact knows, or only the words of a fact's gaps
        if (
            fact_id is not None
            and self.slot_of(fact_id) is Category.COUNTRY
            and (
                self._relations.between_others(analysis.words, mentions)
                or self._relations.names_a_language(analysis.words, mentions)
            )
        ):
            fact_id = None  # "Does Armenia cooperate with Russia?": not Azerbaijan's partners
        card = candidates[0].fact_id if candidates else None  # the best, sure or not
        if card in self._frame.cards and (framed := self._frame.framed(terms)):
            # "which exercises does the document mention?": the exercises, not the document
            other = self.match(question, ignore=ignore | framed)
            if other.fact_id not in (None, card):
                return other
        if fact_id is None and unknown and not topical and candidates and not self._asks(question):
            chat = self._small_talk(query, mentions, extra, unknown)
            if chat is not None:
                fact_id, confidence, candidates = chat.fact_id, chat.score, (chat, *candidates)
        return Match(
            question,
            fact_id,
            confidence,
            candidates,
            mentions,
            near,
            terms=terms,
            unknown=unknown,
        )

    def _asks(self, text: str) -> bool:
        """A question word first ("was anyone hurt?"): with a word no fact knows, it asks
        about something else, and small talk does not answer it."""
        first = text.lstrip().split(" ", 1)[0].lower().strip("?!.,")
        return first in self._question_words

    def _small_talk(
        self,
        query: frozenset[str],
        mentions: Sequence[Mention],
        extra: float,
        unknown: Sequence[str],
    ) -> Candidate | None:
        """Small talk with a word the knowledge base lacks ("pls help, im stuck!!"): the word
        weighs as the rarest known one, not more, since a small-talk reply states no fact and
        a message using no document word cannot be a document question answered wrongly."""
        relief = sum(self.weight(t) for t in sorted(unknown)) * (1 - 1 / UNKNOWN_WEIGHT_FACTOR)

        admitted = self._admits(mentions, False)

        def chat(index: int) -> bool:
            return not self._document[index] and admitted(index)

        ranking = self._index.search(query, chat, extra_weight=extra - relief)
        if not ranking.best or ranking.best[0][1] < self.threshold:
            return None
        runner_up = ranking.best[1][1] if len(ranking.best) > 1 else 0.0
        if ranking.best[0][1] - runner_up < self.margin:
            return None
        index, score = ranking.best[0]
        return Candidate(self._facts[index].id, round(score, 4))


__all__ = ["Analyser", "Analysis", "Candidate", "Match", "Matcher"]
