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
from dataclasses import dataclass

from bot.answers import Answer, Outcome
from bot.cards import Cards
from bot.entities import Mention
from bot.kb.model import Category, KnowledgeBase
from bot.matcher import Match, Matcher
from bot.text import normalise

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
        self._anaphora = lexicon.anaphora
        self._more = lexicon.more_phrases
        self._wh_words = lexicon.wh_words
        self._asks: Callable[[str], bool] = asks
        self._weak = matcher.analyser.weak_terms

    def read(self, text: str, context: Context | None, said: str = "") -> Reading:
        """The clause's answer; `said` is what the same message stated before it."""
        match = self.matcher.match(text)
        about = context.entities if context is not None else ()
        grouped = self.cards.group_answer(text, match, about)  # "which partners are in the EU?"
        if grouped is not None:
            return Reading(grouped, not grouped.matched, match)
        stray = bool(match.unknown)
        if said and not stray:
            # "I read that the army chiefs of three countries meet. Which countries are they?"
            # The question read with what the message said before it, its known words only,
            # wins when it leans on them or is surer than the question alone.
            within = self.matcher.match(f"{text} {self._known_words(said)}")
            leans = self._leans_on_context(text, match)
            if within.fact_id is not None and (leans or within.confidence > match.confidence):
                return Reading(self.cards.answer(text, within), False, match)
        if context is not None and not stray:
            if normalise(text) in self._more:
                more = self._more_about(text, context)
                if more is not None:
                    return Reading(more, False, match)
            if self._leans_on_context(text, match):
                resolved = self._resolve(text, match, context)
                if resolved is not None:
                    return Reading(resolved, False, match)
        if match.fact_id is not None:
            return Reading(self.cards.answer(text, match), stray, match)
        inner = self._inner_question(text)
        if inner is not None:
            reading = self.read(inner, context, said)
            if reading.answer.matched:
                return reading
        if context is not None and not stray:
            resolved = self._resolve(text, match, context)
            if resolved is not None:
                return Reading(resolved, False, match)
        return Reading(self.cards.fallback(text, match), stray, match)

    # -- follow-ups --------------------------------------------------------------------------

    def _known_words(self, text: str) -> str:
        """The words of `text` the knowledge base knows: the rest of a statement ("my brother
        mentioned …") is no evidence either way."""
        known = self.matcher.analyser.known_words | self.matcher.analyser.recogniser.name_words
        return " ".join(word for word in normalise(text).split() if word in known)

    def _leans_on_context(self, text: str, match: Match) -> bool:
        """A follow-up marker first ("and", "what about"), a word that points back ("them",
        "there"), or nothing of its own beyond a name or a question word ("when?", "2016?")."""
        words = normalise(text).split()
        joined = " ".join(words)
        if any(joined == f or joined.startswith(f + " ") for f in self._followups):
            return True
        if any(word in self._anaphora for word in words):
            return True
        own = [t for t in match.terms if t not in self._weak and not t.startswith("<")]
        return len(own) <= MAX_CONTENT_OF_ELLIPSIS

    def _resolve(self, text: str, match: Match, context: Context) -> Answer | None:
        fact = self.kb.get(context.fact_id)
        if fact is None:
            return None
        # The same question about another name: "Is Chile a partner?" … "and Spain?"
        if fact.slot and any(m.category is fact.slot for m in match.mentions):
            return self.cards.slot_answer(text, fact, match.mentions, match.confidence or 1.0)
        # Otherwise the clause read together with what the conversation was about.
        expanded = self.matcher.match(f"{text} {self._about(context, match.mentions)}")
        if expanded.fact_id is None:
            return None
        answer = self.cards.answer(text, expanded)
        return answer if answer.outcome is Outcome.FACT else None

    def _about(self, context: Context, mentions: Sequence[Mention]) -> str:
        """Words for what the context was about: the card's title and the names it concerned,
        less any kind of name the clause brings anew ("and in 2016?" replaces the year)."""
        fact = self.kb.fact(context.fact_id)
        replaced = {m.category for m in mentions}
        words = [fact.title]
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
                return " ".join(words[index:])
        return None
