"""Saying what the document does not say.

A question often touches a fact and asks for more than the document gives ("which are the 34
countries?", "who took part in EFES?"). The fact's answer is still the right reply, but only
with a plain statement of what is missing. Each fact carries its gaps as data (`Gap` in the
knowledge base): a note, and trigger phrasings read as the matcher reads questions, so a
question asks for a gap when it holds every term of one trigger, whatever its wording. An
Azerbaijani trigger is read as written instead: its suffixes are what it asks ("neçəsi", how many
of them, is no "neçə"; "keçirildimi", was it held, no "keçiriləcək"), so a question fires it
when it holds each of its words, or a word inflected from it ("neçəsinin"); a plural noun of a
trigger may also be singular, as after a numeral ("hansı 7 ölkə" for "hansı ölkələr").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.analysis import Analyser
from bot.answers import Answer, Outcome
from bot.azerbaijani import azerbaijani_bases
from bot.kb.model import Fact, Gap, KnowledgeBase, Problem
from bot.language import AZERBAIJANI
from bot.message import clean
from bot.text import normalise


@dataclass(frozen=True)
class _Rule:
    """A gap with its phrasings read into terms."""

    gap: Gap
    triggers: tuple[frozenset[str], ...]
    unless: tuple[frozenset[str], ...]
    translated: tuple[frozenset[str], ...] = ()  # the triggers of the fact's translations
    written: tuple[frozenset[str], ...] = ()  # its Azerbaijani triggers' words, as written
    # The same with each plural noun singular: after a numeral Azerbaijani says "hansı 7 ölkə"
    # where the trigger says "hansı ölkələr" (ASCII-folded: "ler", "lar" and what follows).
    singular: tuple[frozenset[str], ...] = ()

    def fires(self, read: _Read) -> bool:
        """The question holds every term of a trigger (every word of an Azerbaijani one), and
        not every term of an `unless`."""
        terms, words = read
        return (
            _holds_one(self.triggers, terms)
            or _holds_one(self.translated, terms)
            or _holds_one(self.written, words)
            or _holds_one(self.singular, words)
        ) and not _holds_one(self.unless, terms)


_PLURAL = re.compile(r"(?<=\w{3})l[ae]r\w*$")  # "olkelerle" is "olke" and its plural case
_Read = tuple[frozenset[str], frozenset[str]]  # a question's terms, and its words as written


class GapNotes:
    """Finds the gaps a question asks for and adds their notes to its answer."""

    def __init__(self, kb: KnowledgeBase, analyser: Analyser) -> None:
        self.kb = kb
        self.analyser = analyser
        self._last: tuple[tuple[str, bool], _Read] | None = None
        self._rules: dict[str, tuple[_Rule, ...]] = {
            fact.id: tuple(self._rule(fact, number) for number in range(len(fact.gaps)))
            for fact in kb.facts
            if fact.gaps
        }

    def _rule(self, fact: Fact, number: int) -> _Rule:
        gap = fact.gaps[number]
        triggers = _translated_triggers(fact, number)
        translated = tuple(
            frozenset(self.analyser.analyse(trigger, correct=False, language=language).terms)
            for trigger, language in triggers
            if language != AZERBAIJANI
        )
        written = tuple(
            frozenset(normalise(trigger).split())
            for trigger, language in triggers
            if language == AZERBAIJANI
        )
        singular = tuple(
            frozenset(_PLURAL.sub("", word) for word in words)
            for words in written
            if any(_PLURAL.search(word) for word in words)
        )
        read = self._read
        return _Rule(gap, read(gap.triggers), read(gap.unless), translated, written, singular)

    def _read(self, phrasings: Iterable[str]) -> tuple[frozenset[str], ...]:
        """Phrasings read as knowledge-base phrasings are: no typo correction."""
        return tuple(self._terms(phrasing, correct=False)[0] for phrasing in phrasings)

    def _terms(self, text: str, *, correct: bool = True) -> _Read:
        # One reply annotates each of its parts against the same message: read it once.
        # Trailing '?', '!' and '.' read to nothing (normalising drops them, and no tag, name
        # or name spelling ends in one), so "Is X a partner?" is read as its clause "Is X a
        # partner" was by the matcher: the analyser still has it.
        text = text.rstrip("?!.")
        key = (text, correct)
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        analysis = self.analyser.analyse(text, correct=correct)
        words = normalise(text).split()
        if analysis.language == AZERBAIJANI:  # "neçəsinin" holds "neçəsi"
            words += [base for word in words for base in azerbaijani_bases(word)]
        read = (frozenset(analysis.terms), frozenset(words))
        self._last = (key, read)
        return read

    def notes(self, fact_id: str, question: str) -> tuple[str, ...]:
        """The notes of the fact's gaps that the question asks for, in the fact's order."""
        rules = self._rules.get(fact_id)
        if not rules:
            return ()
        terms = self._terms(question)
        return tuple(rule.gap.note for rule in rules if rule.fires(terms))

    def annotate(self, answer: Answer, question: str) -> Answer:
        """The answer with the notes of what `question` asked and its fact leaves out (each
        part's, for a reply made of parts)."""
        if answer.parts:
            parts = tuple(self.annotate(part, question) for part in answer.parts)
            return replace(answer, parts=parts)
        if answer.outcome is not Outcome.FACT or answer.fact_id is None:
            return answer
        added = tuple(n for n in self.notes(answer.fact_id, question) if n not in answer.gaps)
        return replace(answer, gaps=answer.gaps + added) if added else answer

    def annotate_parts(self, parts: Sequence[Answer], message: str) -> list[Answer]:
        """The parts of one reply, each with the notes its own clause asked for. Two clauses
        answered by the same card ("which events were held? like which conferences?") make
        one part with the notes of both; a reply left with one part also reads what follows
        its question ("… ? names of the generals pls"), never the backstory before it ("My
        father was a general. Who meets …?")."""
        kept: list[Answer] = []
        for part in parts:
            part = self.annotate(part, part.question)
            twin = next((i for i, k in enumerate(kept) if _same_card(self.kb, k, part)), None)
            if twin is None:
                kept.append(part)
                continue
            extra = tuple(note for note in part.gaps if note not in kept[twin].gaps)
            kept[twin] = replace(kept[twin], gaps=kept[twin].gaps + extra)
        if len(kept) == 1:
            kept[0] = self.annotate(kept[0], _from_question(kept[0].question, message))
        return kept

    def problems(self) -> list[Problem]:
        """Gaps that cannot work as written: a phrasing that reads to no word, a trigger that
        fires on one of the fact's ordinary phrasings (the card answers those in full), and a
        gap question that does not fire its own gap."""
        found: list[Problem] = []
        for fact in self.kb.facts:
            asked = {q for gap in fact.gaps for q in gap.questions}
            asked |= {
                q for text in fact.translations.values() for gap in text.gap_questions for q in gap
            }
            ordinary = [q for q in fact.phrasings if q not in asked]
            for rule in self._rules.get(fact.id, ()):
                found += self._rule_problems(fact, rule, ordinary)
                found += self._translated_problems(fact, rule)
        return found

    def _translated_problems(self, fact: Fact, rule: _Rule) -> list[Problem]:
        """A translated gap question that does not fire its gap, located in its own file."""
        number = fact.gaps.index(rule.gap)
        return [
            Problem(
                text.file,
                text.gap_lines[number],
                f"gap of '{fact.id}': question {question!r} does not fire the gap",
            )
            for text in fact.translations.values()
            if number < len(text.gap_questions)
            for question in text.gap_questions[number]
            if not rule.fires(self._terms(question, correct=False))
        ]

    def _rule_problems(self, fact: Fact, rule: _Rule, ordinary: list[str]) -> list[Problem]:
        gap = rule.gap
        messages: list[str] = []
        triggers = _translated_triggers(fact, fact.gaps.index(gap))
        translated = [trigger for trigger, language in triggers if language != AZERBAIJANI]
        written = [trigger for trigger, language in triggers if language == AZERBAIJANI]
        phrasings = (*gap.triggers, *gap.unless, *translated, *written)
        read = (*rule.triggers, *rule.unless, *rule.translated, *rule.written)
        for phrasing, terms in zip(phrasings, read, strict=True):
            if not terms:
                messages.append(f"{phrasing!r} has no word the matcher keeps (all stopwords)")
        for question in ordinary:
            if rule.fires(self._terms(question, correct=False)):
                messages.append(f"a trigger fires on the ordinary question {question!r}")
        for question in gap.questions:
            if not rule.fires(self._terms(question, correct=False)):
                messages.append(f"question {question!r} does not fire the gap")
        where = f"gap of '{fact.id}'"
        return [Problem(fact.file, gap.line, f"{where}: {message}") for message in messages]


def _translated_triggers(fact: Fact, number: int) -> list[tuple[str, str]]:
    """The triggers of the fact's gap `number` in every translation, with their language."""
    return [
        (trigger, language)
        for language, text in fact.translations.items()
        for trigger in text.triggers[number]
    ]


def _holds_one(phrasings: tuple[frozenset[str], ...], terms: frozenset[str]) -> bool:
    """Whether `terms` hold every term of one non-empty phrasing (C-level loops: a reply
    checks some twenty)."""
    return any(map(terms.issuperset, filter(None, phrasings)))


def _from_question(question: str, message: str) -> str:
    """The message from the clause that asked the question to its end."""
    text = clean(message)
    start = text.find(question) if question else -1
    return text[start:] if start >= 0 else question


def _same_card(kb: KnowledgeBase, first: Answer, second: Answer) -> bool:
    """Two parts showing the same card: a plain fact's card is the same when one clause named
    nothing of its own; a per-name answer, or a card about two different names (the EU, then the
    OECD), differs by its names."""
    if first.fact_id is None or first.fact_id != second.fact_id:
        return False
    fact = kb.get(first.fact_id)
    if fact is None or set(first.entities) == set(second.entities):
        return fact is not None
    return fact.slot is None and not (first.entities and second.entities)
