"""The one function every front end calls: a message in, an Answer out.

A message is cleaned and split into clauses (bot/message.py); the clauses that ask are read one
by one (bot/dialogue.py), each in the light of the conversation and of the clauses before it;
the reply answers every part that asked something the document answers, in order, up to three.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.answers import Answer, Outcome, Topic
from bot.cards import Cards
from bot.dialogue import Context, Reader, Reading
from bot.fallback import Fallbacks
from bot.gaps import GapNotes
from bot.groups import PartnerGroups
from bot.i18n import ENGLISH
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.localise import Localiser
from bot.matcher import Match, Matcher
from bot.message import Clause, Splitter, clean
from bot.summary import Summaries

EXAMPLE_QUESTIONS = 4
MAX_PARTS = 3  # a reply answers at most three questions of one message
MAX_CLAUSES_READ = 6  # a pasted essay is not read clause by clause to its end
MAX_ELABORATION_WORDS = 6  # "… conferences, workshops, all that": what a question meant
# A topic command opening the text, as Telegram writes it ("/partners@bot Japan").
_COMMAND = re.compile(r"/(?P<name>[A-Za-z]\w*)(?:@\w+)?(?:\s+(?P<argument>.*))?", re.DOTALL)


class QAEngine:
    """Knowledge base plus matcher, built once; answering is pure computation."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher | None = None) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher(kb)
        self.cards = Cards(kb, PartnerGroups(kb, self.matcher))
        self.topics: tuple[Topic, ...] = self.cards.topics
        lexicon = kb.lexicon
        self.splitter = Splitter(
            lexicon.question_words,
            lexicon.ask_phrases,
            lexicon.joiners,
            lexicon.wh_words,
            lexicon.embedding_verbs,
            lexicon.anaphora | lexicon.subject_pronouns,
            lexicon.conjunctions,
            lexicon.first_person,
        )
        self.reader = Reader(kb, self.matcher, self.cards, self.splitter.asks)
        # What the document does not say (gap notes), and "everything about <name>" summaries.
        self.gaps = GapNotes(kb, self.matcher.analyser)
        self.summaries = Summaries(kb, self.matcher.analyser, self.cards)
        # Answers are built in English, the document's language, and then put in the reader's.
        self.localiser = Localiser(kb, self.summaries, self.cards.groups)
        self.fallbacks = Fallbacks(kb, self.matcher, self.cards, self.localiser)

    def language_of(self, text: str) -> str | None:
        """The language a message is written in (bot/language.py), None when it does not
        tell (a number, a name, a bare command)."""
        return self.matcher.analyser.detector.detect(text)

    @classmethod
    def load(cls, directory: Path | str) -> QAEngine:
        return cls(load_knowledge(directory))

    def examples(
        self,
        count: int = EXAMPLE_QUESTIONS,
        fits: Callable[[str], bool] = lambda _: True,
        language: str = ENGLISH,
    ) -> list[str]:
        """Questions to offer a newcomer (Telegram's /start as buttons, the console's as text):
        each topic command's first real question that `fits` where it is shown, in
        `language`."""
        examples: list[str] = []
        for fact in self.kb.commands:
            text = fact.translations.get(language)
            asked = text.questions if text is not None else fact.questions
            question = next((q for q in asked if q.endswith("?") and fits(q)), None)
            if question is not None:
                examples.append(question)
            if len(examples) >= count:
                break
        return examples

    # -- answering ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        context: Context | None = None,
        language: str | None = None,
        *,
        default: str = ENGLISH,
    ) -> Answer:
        """Answer a message, or fall back honestly with the nearest topics. `context` is what
        the conversation was last about (`Context.after` the previous answer); `language` is the
        reply's, by default the message's own, and `default` when the message does not tell
        (a number, a name: the chat's or the sender's language)."""
        command = _COMMAND.match(question.strip())
        if command is not None:  # "/overview", "/partners Japan" typed inline or to `ask`
            argument = command["argument"] or ""
            answer = self.command(
                command["name"].lower(),
                argument,
                language or self.language_of(argument) or default,
            )
            if answer is not None:
                return replace(answer, question=question)
        language = language or self.language_of(question) or default
        return self.localiser.localise(self._answer(question, context, language), language)

    def _answer(self, question: str, context: Context | None, language: str) -> Answer:
        """The answer in English, but for its fallback, which is written in `language`."""
        cleaned = clean(question)
        clauses = self._elaborated(self._joined_requests(self.splitter.split(cleaned)), context)
        if not clauses:
            return self.fallback(question, language=language)
        # "also Belarus" after a question asks about Belarus; as the first clause it asks nothing.
        asking = [
            c for n, c in enumerate(clauses) if c.asks or (n and self.reader.elliptical(c.text))
        ] or clauses
        summary = self.summaries.answer(asking[0].text) if len(asking) <= MAX_PARTS else None
        if summary is not None and not self._all_about(asking):
            summary = None
        if summary is not None:  # "what happened in 2016?": every fact on it
            return _asked(self.gaps.annotate(summary, question), question)
        readings: list[Reading] = []
        running = context
        said = ""  # the statements before a question, which it may lean on ("Is that true?")
        for clause in clauses[:MAX_CLAUSES_READ]:
            if clause not in asking:
                said = f"{said} {clause.text}"
                continue
            reading = self.reader.read(clause.text, running, said.strip())
            if (
                reading.leans
                and not self.reader.complete(reading.match)
                and reading.answer.outcome is Outcome.FACT
                and readings
                and readings[-1].stray
                and not readings[-1].answer.matched
            ):
                # "What tanks does the army use? Any Russian ones?": it points back at a question
                # the document does not answer, so it is not answered either.
                reading = Reading(
                    self.cards.fallback(clause.text, reading.match),
                    True,
                    reading.match,
                    True,
                )
            readings.append(reading)
            running = Context.after(reading.answer, running)
        facts = [r for r in readings if r.answer.outcome is Outcome.FACT]
        if facts or len(readings) > 1:
            # "who are you and what can you do?", "what can you do? also is Germany a partner":
            # small talk that was asked is a part of the reply like any other.
            facts = [r for r in readings if r.answer.matched]
        # A question the document does not answer vetoes small talk; a stray statement does not.
        questions_asked = any(clause.asks for clause in clauses)
        unanswered = [r for r in readings if r.stray and not r.answer.matched and questions_asked]
        courtesy = all(not self.reader.own_terms(r.match) for r in readings)
        if not facts and not unanswered and courtesy and len(asking) < len(clauses):
            # The asking clauses were only courtesy ("can you help?"): a statement may hold
            # the topic ("I'm interested in the trilateral meetings."). A question with words
            # of its own ("… what's 2+2?") was asked, and is not answered by a statement.
            statements = [self.reader.read(c.text, context) for c in clauses if not c.asks]
            facts = [r for r in statements if r.answer.outcome is Outcome.FACT][:1]
        if not facts:
            smalltalk = [r for r in readings if r.answer.outcome is Outcome.SMALLTALK]
            if smalltalk and not unanswered:
                return _asked(smalltalk[0].answer, question)
            return self.fallbacks.answer(question, _nearest(readings), cleaned, language)
        parts = [r.answer for r in readings if r in facts or r in unanswered]
        parts = _distinct(parts)[:MAX_PARTS] if len(facts) > 1 or unanswered else [facts[0].answer]
        parts = self.gaps.annotate_parts(parts, question)  # "which are the 34 countries?"
        if len(parts) == 1:
            return _asked(parts[0], question)
        return Answer.combined(question, tuple(parts))

    def _all_about(self, asking: list[Clause]) -> bool:
        """Whether every clause after the first asks everything about the same names:
        "anything going on in 2017? give me everything the document has on that year"."""
        names = self.summaries.names(asking[0].text)
        return all(
            self.summaries.names(f"{self.reader.naming(c.text, names)} {' '.join(names)}") == names
            for c in asking[1:]
        )

    def _joined_requests(self, clauses: list[Clause]) -> list[Clause]:
        """ "Could you tell me, how many …?", "Подскажите, пожалуйста, какое …": a request with
        nothing of its own, which no fact answers, opens the question after it. Read alone, it
        would lean on the greeting said before it and be answered as one."""
        joined: list[Clause] = []
        for clause in clauses:
            if joined and joined[-1].asks and clause.asks and self.reader.opens(joined[-1].text):
                joined[-1] = Clause(f"{joined[-1].text}, {clause.text}", True)
            else:
                joined.append(clause)
        return joined

    def _elaborated(self, clauses: list[Clause], context: Context | None) -> list[Clause]:
        """ "how much stuff went on in 2016 lol... conferences, workshops, all that": a short
        statement right after a question says what the question meant. When the two read
        together ask for another document fact, and more surely, they are one question."""
        joined: list[Clause] = []
        for clause in clauses:
            before = joined[-1] if joined else None
            if (
                before is not None
                and before.asks
                and not clause.asks
                and len(clause.text.split()) <= MAX_ELABORATION_WORDS
            ):
                alone = self.reader.read(before.text, context)
                both = self.reader.read(f"{before.text} {clause.text}", context)
                if (
                    both.answer.outcome is Outcome.FACT
                    and both.match.confidence > alone.match.confidence
                    and both.answer.fact_id != alone.answer.fact_id
                ):
                    joined[-1] = Clause(f"{before.text} {clause.text}", True)
                    continue
            joined.append(clause)
        return joined

    def card(self, fact_id: str, *, question: str = "", language: str = ENGLISH) -> Answer | None:
        """A topic's card by fact id (buttons, deep links, announcements)."""
        fact = self.kb.get(fact_id)
        if fact is None or fact.slot:
            return None
        card = self.cards.card(fact, question=question or fact.title, confidence=1.0)
        return self.localiser.localise(card, language)

    def command(self, name: str, argument: str = "", language: str = ENGLISH) -> Answer | None:
        """`/partners`, `/partners Japan`, `/exercises EFES`: a card, or the per-name answer."""
        fact = self.kb.by_command(name)
        if fact is None:
            return None
        answer: Answer | None = None
        if argument.strip():
            analysis = self.matcher.analyser.analyse(argument)
            for related_id in fact.related:
                slot_fact = self.kb.get(related_id)
                if slot_fact is None or not slot_fact.slot:
                    continue
                wanted = [m for m in analysis.mentions if m.category == slot_fact.slot]
                if wanted:
                    answer = self.cards.slot_answer(argument, slot_fact, tuple(wanted), 1.0)
                    break
        if answer is None:
            question = f"/{fact.command} {argument}".strip()
            answer = self.cards.card(fact, question=question, confidence=1.0)
        return self.localiser.localise(answer, language)

    def fallback(
        self, question: str, match: Match | None = None, language: str = ENGLISH
    ) -> Answer:
        """The honest reply: no document fact, the nearest topics offered."""
        match = match or self.matcher.match(question)
        return self.fallbacks.answer(question, match, language=language)


def _asked(answer: Answer, question: str) -> Answer:
    """The answer to one clause, as the reply to the whole message it came from."""
    return replace(answer, question=question)


def _distinct(answers: list[Answer]) -> list[Answer]:
    """Each thing once: two clauses that asked the same get one part; every unanswered
    clause keeps its own."""
    kept: list[Answer] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for answer in answers:
        if answer.fact_id is not None:
            key = (answer.fact_id, answer.entities)
            if key in seen:
                continue
            seen.add(key)
        kept.append(answer)
    return kept


def _nearest(readings: list[Reading]) -> Match | None:
    """The clause reading that came closest, for the fallback's suggestions."""
    return max((r.match for r in readings), key=lambda match: match.confidence, default=None)
