"""Questions about a group of the listed partners: "which partners are in the EU?", "any Nordic
countries on the list?", "how many of them are in Europe?".

The document lists 36 partners and groups none of them. The table `make groups` writes
(knowledge/partner_groups.yaml) says which of the 36 a named classification puts in a group,
and every answer names that classification, so the reply states the document's list and a
sorting someone else vouches for, never a membership of our own. A clause is read as such a
question only when it names a group of the table, asks about the partner list (a cue word such
as "which" or "partners", no word the partner facts do not know) and names no country outside
the group; a group no classification covers ("NATO", "the Balkans") gets the honest fallback.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot.answers import Answer
from bot.entities import describe
from bot.kb.model import Category, Fact, KnowledgeBase, PartnerGroup
from bot.matcher import Match, Matcher
from bot.text import normalise

GROUP_FACT = "partner_group"
MAX_CHARS = 1000  # as the matcher: a paste is read on its beginning


@dataclass(frozen=True)
class GroupQuestion:
    """What a clause asks about groups of partners."""

    groups: tuple[PartnerGroup, ...]
    named: tuple[str, ...] = ()  # countries named beside the groups, each a member of one
    unclassified: str = ""  # a group no classification covers: only the fallback is honest


class CardMaker(Protocol):
    """The part of bot/cards.py's Cards used here (a protocol: cards.py imports this module)."""

    def card(
        self,
        fact: Fact,
        *,
        question: str,
        confidence: float,
        entities: tuple[tuple[str, str], ...] = (),
    ) -> Answer: ...

    def fallback(self, question: str, match: Match | None = None) -> Answer: ...


class PartnerGroups:
    """Built once from the knowledge base; reading a clause looks up words, reads no file."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher) -> None:
        self.matcher = matcher
        self.fact = kb.get(GROUP_FACT)
        table = kb.partner_groups
        self._phrases: dict[tuple[str, ...], PartnerGroup | None] = {}
        self._cues: frozenset[str] = frozenset()
        if table is not None and self.fact is not None:
            for word in table.unclassified:
                self._phrases[tuple(word.split())] = None
            for group in table.groups:
                for word in group.words:
                    self._phrases[tuple(word.split())] = group
            self._cues = table.cues
        self._longest = max((len(key) for key in self._phrases), default=0)
        self._first_words = frozenset(key[0] for key in self._phrases if key)
        self._partners = tuple(country.name for country in kb.partners)
        self._members: dict[str, frozenset[str]] = {}  # filled as groups are asked about
        self._foreign = self._foreign_terms(kb)
        # The table's own words ("member states") are known here, whatever the facts use.
        analyse = self.matcher.analyser.analyse
        self._cue_terms = frozenset(t for cue in self._cues for t in analyse(cue).terms)

    def _foreign_terms(self, kb: KnowledgeBase) -> frozenset[str]:
        """The document's words that no fact about the partner list uses ("exercise", "signed"):
        a clause with one asks about something else ("which EU countries signed agreements?").
        The facts about the partner list are those citing the group fact's own sentence."""
        sources = set(self.fact.sources) if self.fact is not None else set()
        analyse = self.matcher.analyser.analyse
        own: set[str] = set()
        document: set[str] = set()
        for fact in kb.facts:
            if sources & set(fact.sources):
                for text in (*fact.questions, *fact.sources):
                    own.update(analyse(text, correct=False).terms)
            elif fact.states_document_fact:
                for text in fact.sources:
                    document.update(analyse(text, correct=False).terms)
        return frozenset(document - own - self.matcher.analyser.weak_terms)

    def members(self, group: PartnerGroup) -> frozenset[str]:
        """The group's countries as the recogniser keys them, so "Australia" in a question is
        known to be in Oceania; a name it cannot read whole is left out. Read on first use:
        most groups are never asked about, and start-up stays short."""
        if group.key in self._members:
            return self._members[group.key]
        keys = set(group.partners)
        recogniser = self.matcher.analyser.recogniser
        for name in group.members:
            words = normalise(name).split()
            found = recogniser.find(words, name)
            if len(found) == 1 and (found[0].start, found[0].end) == (0, len(words)):
                keys.add(found[0].key)
        self._members[group.key] = frozenset(keys)
        return self._members[group.key]

    # -- reading -----------------------------------------------------------------------------

    def read(self, text: str, *, cue: bool = True) -> GroupQuestion | None:
        """What `text` asks about groups of partners; None when it is no such question.
        `cue=False`: the conversation is already about groups, so "and in Asia?" asks too."""
        words = normalise(text[:MAX_CHARS]).split()
        if not self._phrases or (cue and self._cues.isdisjoint(words)):
            return None
        spans = self._spans(words)
        if not spans:
            return None
        mentions = self.matcher.analyser.recogniser.find(words, text)
        # A longer name wins over a group word inside it ("United Arab Emirates", "Islamic
        # Republic of Iran"); a group word wins over a name as long ("americas").
        spans = [
            (start, end, group)
            for start, end, group in spans
            if not any(
                m.start < end and start < m.end and m.end - m.start > end - start for m in mentions
            )
        ]
        if not spans:
            return None
        covered = {index for start, end, _ in spans for index in range(start, end)}
        others = [m for m in mentions if not covered & set(range(m.start, m.end))]
        if any(m.category is not Category.COUNTRY for m in others):
            return None  # a training or a year: a question about something else
        named = tuple(dict.fromkeys(m.key for m in others))
        groups = tuple(dict.fromkeys(group for _, _, group in spans if group is not None))
        unclassified = next((" ".join(words[s:e]) for s, e, g in spans if g is None), "")
        if unclassified and named:
            return None  # "Is Turkey in NATO?": the country's own question, as before
        if any(not any(key in self.members(g) for g in groups) for key in named):
            return None  # "Is the UK in the EU?": a question about one country, as before
        rest = " ".join(word for index, word in enumerate(words) if index not in covered)
        match = self.matcher.match(rest)
        if not self._cue_terms.issuperset(match.unknown) or self._foreign.intersection(match.terms):
            return None  # words no fact knows, or words of another part of the document
        return GroupQuestion(groups, named, unclassified)

    def _spans(self, words: list[str]) -> list[tuple[int, int, PartnerGroup | None]]:
        """Group words in the clause, the longest at each place, left to right."""
        spans: list[tuple[int, int, PartnerGroup | None]] = []
        position = 0
        first_words = self._first_words  # most words start no group word
        while position < len(words):
            if words[position] not in first_words:
                position += 1
                continue
            for length in range(min(self._longest, len(words) - position), 0, -1):
                key = tuple(words[position : position + length])
                if key in self._phrases:
                    spans.append((position, position + length, self._phrases[key]))
                    position += length
                    break
            else:
                position += 1
        return spans

    # -- answering ---------------------------------------------------------------------------

    def answer(
        self,
        cards: CardMaker,
        question: str,
        match: Match,
        context: Sequence[tuple[str, str]] = (),
    ) -> Answer | None:
        """The reply when `match.question` asks about a group of partners (the honest fallback
        for a group no classification covers); None when it asks no such thing. `context`: what
        the conversation was about, so after a group's answer "how many?" asks about it again
        and "and in Asia?" about another."""
        asked = self.read(match.question)
        before = [name for category, name in context if category == Category.GROUP.value]
        if asked is None and before:
            asked = self.read(match.question, cue=False)
            if asked is None and not match.mentions:  # "Is France a partner?" asks France
                asked = self.read(f"{match.question} {' '.join(before)}")
        if asked is None:
            return None
        if asked.unclassified or not asked.groups or self.fact is None:
            return cards.fallback(question, match)
        entities = tuple((Category.GROUP.value, group.name) for group in asked.groups)
        entities += tuple((Category.COUNTRY.value, key) for key in asked.named)
        card = cards.card(self.fact, question=question, confidence=1.0, entities=entities)
        first = asked.groups[0]
        title = f"Partners in {first.name}" if len(asked.groups) == 1 else self.fact.title
        body = "\n\n".join(
            self._paragraph(group, asked.named, first=index == 0)
            for index, group in enumerate(asked.groups)
        )
        return replace(card, title=title, body=body)

    def _paragraph(self, group: PartnerGroup, named: tuple[str, ...], *, first: bool) -> str:
        """The partners in one group, counted and listed in document order, with the
        classification that put them there; the first paragraph says what the 36 are."""
        inside = [partner for partner in self._partners if partner in group.partners]
        name = html.escape(group.name)
        if group.region:
            one = many = f"in {name}"
        else:
            one, many = f"a member of {name}", f"members of {name}"
        total = len(self._partners)
        lead = f"the <b>{total} countries</b> the document lists for bilateral military cooperation"
        lead = lead if first else f"the {total}"
        per = html.escape(group.classification)
        shown = [f"<b>{html.escape(p)}</b>" if p in named else html.escape(p) for p in inside]
        if not inside:
            text = f"None of {lead} is {one} ({per})."
        elif len(inside) == 1:
            text = f"Of {lead}, <b>one</b> is {one} ({per}): {shown[0]}."
        else:
            text = f"Of {lead}, <b>{len(inside)}</b> are {many} ({per}): {describe(shown)}."
        for key in named:
            if key not in group.partners and key in self.members(group):
                text += (
                    f" <b>{html.escape(key)}</b> is {one} by this classification, but it is not"
                    f" one of the {total}."
                )
        if group.note:
            text += f"\n<i>{html.escape(group.note)}</i>"
        return text
