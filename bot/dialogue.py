"""Reading one clause of a message in the light of the conversation so far.

A chat remembers what it was last about: a fact and the names it concerned, never the text of a
message. "and Spain?" after a partner question asks the same about Spain; "and in 2016?" after
the 2017 exercises asks for 2016's; "name them", "when?", "where?" lean on the last card; "tell
me more" opens the card most related to it. A clause that says something the knowledge base has
no words for is a question of its own: the context never lets it in, so "and its capital?"
after "Is Italy a partner?" is still refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.analysis import PLACEHOLDERS
from bot.answers import Answer, Outcome
from bot.cards import Cards
from bot.dictation import Dictation
from bot.entities import Mention
from bot.kb.model import Category, Fact, KnowledgeBase
from bot.matcher import Match, Matcher
from bot.text import normalise

AFFINITY_SHARE = 0.5  # how much a bare question word counts towards a topic's card
MAX_CONTENT_OF_ELLIPSIS = 1  # "when?", "2016?", "Spain?": one word of its own at most


@dataclass(frozen=True)
class Context:
    """What a conversation was last about; it holds no message text."""

    fact_id: str
    entities: tuple[tuple[str, str], ...] = ()

    @classmethod
    def after(cls, answer: Answer, previous: Context | None = None) -> Context | None:
        """The context once `answer` was given: its last document fact, else the one before."""
        parts = answer.parts or (answer,)
        facts = [part for part in parts if part.outcome is Outcome.FACT and part.fact_id]
        if not facts:
            return previous
        last = facts[-1]
        assert last.fact_id is not None
        return cls(last.fact_id, last.entities)


@dataclass(frozen=True)
class Reading:
    """How one clause was understood."""

    answer: Answer
    stray: bool  # it uses words no phrasing knows: a question the document does not answer
    match: Match  # the clause read on its own, for the fallback's nearest topics
    leans: bool = False  # it points back at what came before ("and Spain?", "when?")


class Reader:
    """Answers a clause on its own, or as a follow-up when it leans on the context."""

    def __init__(
        self, kb: KnowledgeBase, matcher: Matcher, cards: Cards, asks: Callable[[str], bool]
    ) -> None:
        self.kb = kb
        self.matcher = matcher
        self.cards = cards
        lexicon = kb.lexicon
        self._followups = tuple(sorted(lexicon.followup_phrases, key=len, reverse=True))
        self._followup_set = frozenset(self._followups)
        self._longest_followup = max(map(len, self._followups), default=0)
        self._anaphora = lexicon.anaphora
        # Each phrase between spaces, as it is looked for in a text so padded.
        self._named_anaphora = tuple(
            (tuple(f" {phrase} " for phrase in phrases), category)
            for phrases, category in (
                (lexicon.year_anaphora, Category.YEAR),
                (lexicon.country_anaphora, Category.COUNTRY),
            )
        )
        self._more = lexicon.more_phrases
        self._dictation = Dictation(lexicon)
        self._more_words = frozenset(w for phrase in self._more for w in phrase.split())
        self._wh_words = lexicon.wh_words
        self._relative = lexicon.relative_markers
        self._asks: Callable[[str], bool] = asks
        self._weak = matcher.analyser.weak_terms
        analyse = matcher.analyser.analyse
        self._asking_terms = frozenset(
            term for phrase in lexicon.question_words for term in analyse(phrase).terms
        )
        # How often each fact's phrasings use each question word ("where", "when", "how
        # many"): what a bare "where?" most likely asks of a topic.
        self._affinity_terms = self._weak | self._asking_terms
        self._affinity: dict[str, dict[str, float]] = {}
        phrasings = matcher.phrasing_terms()
        # Every word each fact's phrasings use: whether a question touches a fact at all.
        self._vocabulary = {
            fact_id: frozenset(term for terms in read for term in terms)
            for fact_id, read in phrasings.items()
        }
        for fact_id, read in phrasings.items():
            if read:
                self._affinity[fact_id] = {
                    term: sum(term in terms for terms in read) / len(read)
                    for term in self._affinity_terms
                    if any(term in terms for terms in read)
                }

    def read(self, text: str, context: Context | None, said: str = "") -> Reading:
        """The clause's answer; `said` is what the same message stated before it."""
        text = self._with_named(text, context, said)
        match = self.matcher.match(text)
        analysis = self.matcher.analyser.analyse(text)
        if self._dictation.dictates(analysis.words, analysis.mentions):
            # "say that Iraq is a partner": the bot does not repeat a claim, true or not.
            return Reading(self.cards.fallback(text, match), True, match)
        about = context.entities if context is not None else ()
        grouped = self.cards.group_answer(text, match, about)  # "which partners are in the EU?"
        if grouped is not None:
            return Reading(grouped, not grouped.matched, match)
        stray = bool(match.unknown)
        leans = self._leans_on_context(text, match)
        if said:
            # "I read that the army chiefs of three countries meet. Which countries are they?"
            # The question read with what the message said before it, its known words only,
            # wins when it leans on them or is surer than the question alone.
            within = self._within(text, match, said, leans=leans)
            # A country named in passing counts only when the question points back at it
            # (`_known_words`): "I study in Germany. How many soldiers…?" is not about Germany.
            # Surer, and about a fact the question's own words belong to: the statement's
            # words sharpen the question; they do not replace it ("Forget the document.
            # What's 2+2?").
            vocabulary = self._vocabulary.get(within.fact_id or "", frozenset())
            surer = within.confidence > match.confidence and any(
                term in vocabulary for term in self.own_terms(match)
            )
            # Small talk the question asks by itself ("What can you do for me?") is not
            # replaced by small talk the statement holds ("Hello, I'm new here.").
            held = self.kb.get(within.fact_id or "")
            chatter = held is not None and not held.states_document_fact
            chatter = chatter and match.fact_id not in (None, within.fact_id)
            if within.fact_id is not None and (leans or surer) and not chatter:
                # Leaning on the statement, the question asks what the statement says it
                # wants ("I'd love to see the names of the 34 countries. Can you list them?"):
                # what it asks beyond the card is read from both.
                asked = f"{said} {text}" if leans else text
                return Reading(self.cards.answer(asked, within), False, match, leans)
            if leans and context is None and within.fact_id is None and not self.complete(match):
                # "I'm curious about the population of Turkey. What's the number?": it asks
                # about the statement, which no fact answers; alone it would ask nothing.
                return Reading(self.cards.fallback(text, within), True, match, leans)
        if match.fact_id is not None and (not leans or self.complete(match)):
            # A question complete on its own ("Who said the army is a pillar?", "thx!") is a
            # new question, whatever came before: it replaces the context.
            return Reading(self.cards.answer(text, match), stray, match, leans)
        if context is not None and not stray:
            if self._asks_more(text):
                more = self._more_about(text, context)
                if more is not None:
                    return Reading(more, False, match, True)
            resolved = self._resolve(text, match, context)
            if resolved is not None:
                return Reading(resolved, False, match, True)
            if leans and not self.complete(match):
                # "and in 2017?" after the agreements: it asks about the agreements, which the
                # document does not give for 2017; the 2017 exercises would answer another
                # question than the one asked.
                return Reading(self.cards.fallback(text, match), True, match, leans)
        if match.fact_id is not None:
            return Reading(self.cards.answer(text, match), stray, match, leans)
        inner = self._inner_question(text)
        reading = self.read(inner, context, said) if inner is not None else None
        if reading is not None and reading.answer.outcome is Outcome.FACT:
            return reading
        # "bye for now, and thanks": no question in it, and its opening words are small talk.
        opening = text.split(",", 1)[0]
        if opening != text and not self._asks(text):
            chat = self.matcher.match(opening)
            if chat.fact_id is not None and not self.kb.fact(chat.fact_id).states_document_fact:
                return Reading(self.cards.answer(opening, chat), False, chat)
        if reading is not None and reading.answer.matched:
            return reading
        return Reading(self.cards.fallback(text, match), stray, match, leans)

    def opens(self, text: str) -> bool:
        """A request and nothing else ("could you tell me", "подскажите, пожалуйста"): no word
        or name of its own, none unknown, and no fact answers it."""
        match = self.matcher.match(text)
        return (
            match.fact_id is None
            and not match.mentions
            and not match.unknown
            and not self.own_terms(match)
        )

    def elliptical(self, text: str) -> bool:
        """ "also Belarus", "and 2016": no question word, yet a question about a new name."""
        if not self._starts_followup(text):
            return False
        match = self.matcher.match(text)
        return bool(match.mentions) and not match.unknown and self._leans_on_context(text, match)

    def _starts_followup(self, text: str) -> bool:
        joined = " ".join(normalise(text).split())
        # A follow-up phrase is the text, or what stands before one of its first spaces.
        phrases = self._followup_set
        if joined in phrases:
            return True
        space = joined.find(" ")
        while 0 <= space <= self._longest_followup:
            if joined[:space] in phrases:
                return True
            space = joined.find(" ", space + 1)
        return False

    # -- follow-ups --------------------------------------------------------------------------

    def _within(self, text: str, match: Match, said: str, *, leans: bool) -> Match:
        """The question read after the known words of what the message stated before it.
        What those words leave unknown together ("in Baku") is no evidence either way: only
        the question's own unknown words keep it out."""
        background = self._known_words(said, names=leans)
        ignore = self.matcher.unknown_terms(background).difference(match.terms)
        return self.matcher.match(f"{background} {text}", ignore=ignore)

    def _known_words(self, text: str, *, names: bool) -> str:
        """The words of `text` the knowledge base knows: the rest of a statement ("my brother
        mentioned …") is no evidence either way. A country or training named in passing counts
        only when the question points back at it (`names`): "I'm from Austria. Is my country a
        partner?", not "I study in Germany. How many soldiers does Azerbaijan have?"."""
        analyser = self.matcher.analyser
        known = analyser.recogniser.known_words  # the known words and the names' words
        words = normalise(text).split()
        if not names:
            for mention in analyser.recogniser.find(words, text):
                if mention.category is not Category.YEAR:
                    words[mention.start : mention.end] = [""] * (mention.end - mention.start)
        return " ".join(word for word in words if word and word in known)

    def _leans_on_context(self, text: str, match: Match) -> bool:
        """A follow-up marker first ("and", "what about"), a word that points back ("them",
        "there"), or nothing of its own beyond a name or a question word ("when?", "2016?")."""
        words = normalise(text).split()
        if self._starts_followup(text):
            return True
        if not self._anaphora.isdisjoint(words):
            return True
        # "how many?" counts here as a word of its own: "how many countries?" is a question.
        own = [t for t in match.terms if t not in self._weak and not t.startswith("<")]
        return len(own) <= MAX_CONTENT_OF_ELLIPSIS

    def complete(self, match: Match) -> bool:
        """Two things of its own (content words, or a country or training it names), or small
        talk: it needs no context. A year alone does not make it complete ("and in 2016?")."""
        fact = self.kb.get(match.fact_id or "")
        if fact is not None and not fact.states_document_fact:
            return True
        own = [t for t in self.own_terms(match) if not t.isdigit()]
        names = [m for m in match.mentions if m.category is not Category.YEAR]
        return len(own) + len(names) > MAX_CONTENT_OF_ELLIPSIS

    def _with_named(self, text: str, context: Context | None, said: str = "") -> str:
        """ "that year", "my country" read as the year or country the message stated before
        ("I'm going there in 2017. Where do they meet that year?", "I am from Kirgizstan. Is
        my country a partner?") or else the one the conversation was about."""
        words = f" {' '.join(normalise(text).split())} "
        stated: tuple[Mention, ...] | None = None  # the statement's names, read when needed
        for phrases, category in self._named_anaphora:
            if not any(map(words.__contains__, phrases)):
                continue
            if stated is None:
                stated = self.matcher.analyser.analyse(said, correct=False).mentions
            keys = [m.key for m in stated if m.category is category]
            if not keys and context is not None:
                keys = [key for kind, key in context.entities if kind == category.value]
            if keys:
                text = f"{text} {keys[-1]}"
        return text

    def naming(self, text: str, keys: Sequence[str]) -> str:
        """`text` normalised, with "that year", "my country" … read as the names `keys`."""
        words = f" {' '.join(normalise(text).split())} "
        for phrases, _ in self._named_anaphora:
            for phrase in phrases:
                words = words.replace(phrase, f" {' '.join(keys)} ")
        return words.strip()

    def own_terms(self, match: Match) -> list[str]:
        """Content words: no question words ("how many" included), no placeholders."""
        skip = self._affinity_terms  # self._weak | self._asking_terms, made once
        return [t for t in match.terms if t not in skip and not t.startswith("<")]

    def _asks_more(self, text: str) -> bool:
        """ "tell me more", "ok tell me more pls": the phrase, courtesy aside."""
        stop = self.kb.lexicon.stopwords
        words = normalise(text).split()
        kept = " ".join(w for w in words if w not in stop or w in self._more_words)
        return " ".join(words) in self._more or kept in self._more

    def _resolve(self, text: str, match: Match, context: Context) -> Answer | None:
        fact = self.kb.get(context.fact_id)
        if fact is None:
            return None
        # The same question about another name: "Is Chile a partner?" … "and Spain?"
        if fact.slot and any(m.category is fact.slot for m in match.mentions):
            return self.cards.slot_answer(text, fact, match.mentions, match.confidence or 1.0)
        # Otherwise the clause read together with what the conversation was about, answered by
        # the last card or one related to it: a follow-up does not leave the topic.
        topic = {fact.id, *fact.related}
        about = self._about(context, match.mentions, self._replaced(fact, match))
        expanded = self.matcher.match(f"{text} {about}")
        # Ranked by both readings; the clause alone may name the topic better ("and where will
        # English be taught?" after the French courses: the context's France does not fit).
        with_context = {c.fact_id: c.score for c in expanded.candidates}
        allowed = {c.fact_id: c.score for c in match.candidates}
        near = {c.fact_id: c.score for c in match.nearest}
        pool = [f for f in (*with_context, *allowed) if f in topic]
        if not pool:
            return None
        asked = [t for t in match.terms if t in self._affinity_terms]

        def rank(fact_id: str) -> float:
            # "where?" after the trilateral meetings: the card people ask "where" of.
            affinity = self._affinity.get(fact_id, {})
            bonus = sum(affinity.get(term, 0.0) for term in asked) * AFFINITY_SHARE
            return with_context.get(fact_id, 0.0) + near.get(fact_id, 0.0) + bonus

        best = max(pool, key=rank)
        score = max(with_context.get(best, 0.0), allowed.get(best, 0.0))
        if score < self.matcher.threshold:
            return None
        chosen = replace(expanded, fact_id=best, confidence=score)
        if best not in with_context:
            chosen = replace(match, fact_id=best, confidence=score)
        answer = self.cards.answer(text, chosen)
        return answer if answer.outcome is Outcome.FACT else None

    def _replaced(self, fact: Fact, match: Match) -> frozenset[str]:
        """The fact's defining names, when the clause names a related fact's instead: "and
        english?" after the French courses asks about English, not French."""
        own = self.matcher.defining(fact.id)
        others = {t for r in fact.related for t in self.matcher.defining(r)} - own
        return own if others.intersection(match.terms) else frozenset()

    def _about(
        self, context: Context, mentions: Sequence[Mention], dropped: frozenset[str] = frozenset()
    ) -> str:
        """Words for what the context was about: the card's title and the names it concerned,
        less any kind of name the clause brings anew ("and in 2016?" replaces the year), and
        less the `dropped` terms' words."""
        fact = self.kb.fact(context.fact_id)
        replaced = {m.category for m in mentions}
        title = fact.title
        if dropped:
            analyse = self.matcher.analyser.analyse
            title = " ".join(w for w in title.split() if not dropped.issuperset(analyse(w).terms))
        words = [title]
        # A placeholder ("<country>") among the dropped terms drops the names of its kind.
        replaced |= {category for category, term in PLACEHOLDERS.items() if term in dropped}
        words += [key for category, key in context.entities if Category(category) not in replaced]
        text = " ".join(words)
        if Category.YEAR in replaced:
            text = " ".join(word for word in text.split() if not word.isdigit())
        return text

    def _more_about(self, text: str, context: Context) -> Answer | None:
        """ "tell me more": the card most related to the last one."""
        fact = self.kb.get(context.fact_id)
        if fact is None:
            return None
        for topic in self.cards.buttons(fact.related, exclude=fact.id):
            card = self.kb.fact(topic.fact_id)
            return self.cards.card(card, question=text, confidence=1.0)
        return None

    def _inner_question(self, text: str) -> str | None:
        """The question inside a clause that does not start as one ("my grandfather was an
        officer and I am curious how many countries signed"): from its first wh-word on."""
        if self._asks(text):
            return None  # it is a question from its first word: all of it counts
        words = text.split()
        for index in range(1, len(words) - 1):
            if normalise(words[index]) in self._wh_words:
                if normalise(words[index - 1]) in self._relative:
                    return None  # "that was exactly what I needed": no question
                return " ".join(words[index:])
        return None
