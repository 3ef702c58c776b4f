"""Questions about a group of the listed partners: "which partners are in the EU?", "any Nordic
countries on the list?", "how many of them are in Europe?".

The document lists 36 partners and groups none of them. The table `make groups` writes
(knowledge/partner_groups.yaml) says which of the 36 a named classification puts in a group,
and every answer names that classification, so the reply states the document's list and a
sorting someone else vouches for, never a membership of our own. A clause is read as such a
question only when it names a group of the table, asks about the partner list (a cue word such
as "which" or "partners", no word the partner facts do not know) and names no country outside
the group; a group no classification covers ("NATO", "the Balkans") gets the honest fallback.

Russian and Azerbaijani questions are read with the table's words in those languages: Russian
by their stems, so its cases need no list of their own; Azerbaijani with case suffixes, in a
clause read as Azerbaijani only. The document's words are English, so such a clause whose other
words ask another of its facts ("какие страны ЕС подписали соглашения?") asks that instead. The
answer is built in English and written again in the reply's language (bot/localise.py calls
`render_about`) with the same counts and countries: only the words change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bot.answers import Answer
from bot.azerbaijani import azerbaijani_bases, only_suffixes
from bot.entities import Mention
from bot.group_answers import paragraph, title
from bot.i18n import ENGLISH
from bot.kb.group_table import group_key
from bot.kb.model import Category, Fact, GroupTable, KnowledgeBase, PartnerGroup
from bot.language import AZERBAIJANI, RUSSIAN
from bot.matcher import Match, Matcher
from bot.text import is_cyrillic, normalise

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
        # English and Russian phrases by their keys (a Russian word by its stem: group_key);
        # Azerbaijani phrases apart, read in an Azerbaijani clause only, with their suffixes.
        self._phrases: dict[tuple[str, ...], PartnerGroup | None] = {}
        self._azerbaijani: dict[tuple[str, ...], PartnerGroup | None] = {}
        self._cues: frozenset[str] = frozenset()
        self._azerbaijani_cues: frozenset[str] = frozenset()
        cue_texts: list[tuple[str, str | None]] = []  # each cue, and the language it is read in
        if table is not None and self.fact is not None:
            self._index(table)
            russian_cues = table.translated_cues.get(RUSSIAN, frozenset())
            self._cues = table.cues | {key for cue in russian_cues for key in group_key(cue)}
            self._azerbaijani_cues = table.translated_cues.get(AZERBAIJANI, frozenset())
            cue_texts = [(cue, None) for cue in (*table.cues, *russian_cues)]
            cue_texts += [(cue, AZERBAIJANI) for cue in self._azerbaijani_cues]
        self._longest = max((len(key) for key in (*self._phrases, *self._azerbaijani)), default=0)
        self._first_words = frozenset(key[0] for key in self._phrases if key)
        self._azerbaijani_first = frozenset(key[0] for key in self._azerbaijani if key)
        self._partners = tuple(country.name for country in kb.partners)
        # An answer names its groups by their English names: a translation finds them again.
        self._by_name = {group.name: group for group in table.groups} if table else {}
        self._members: dict[str, frozenset[str]] = {}  # filled as groups are asked about
        self._foreign = self._foreign_terms(kb)
        # The other document facts: what a Russian or Azerbaijani clause's other words may ask.
        sources = set(self.fact.sources) if self.fact is not None else set()
        self._elsewhere = frozenset(
            fact.id
            for fact in kb.facts
            if fact.states_document_fact and not sources & set(fact.sources)
        )
        # The table's own words ("member states") are known here, whatever the facts use; an
        # Azerbaijani cue is read as Azerbaijani, whatever a word alone looks like.
        analyse = self.matcher.analyser.analyse
        self._cue_terms = frozenset(
            term for cue, language in cue_texts for term in analyse(cue, language=language).terms
        )

    def _index(self, table: GroupTable) -> None:
        """Every phrase of the table that names a group (None: a group no classification
        covers), in each language."""
        phrases, azerbaijani = self._phrases, self._azerbaijani
        for word in (*table.unclassified, *table.translated_unclassified.get(RUSSIAN, ())):
            phrases[group_key(word)] = None
        for word in table.translated_unclassified.get(AZERBAIJANI, ()):
            azerbaijani[tuple(word.split())] = None
        for group in table.groups:
            translations = group.translations
            russian = translations[RUSSIAN].words if RUSSIAN in translations else ()
            for word in (*group.words, *russian):
                phrases[group_key(word)] = group
            for word in translations[AZERBAIJANI].words if AZERBAIJANI in translations else ():
                azerbaijani[tuple(word.split())] = group

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
        if not self._phrases:
            return None
        keys = group_key(" ".join(words))
        azerbaijani = bool(self._azerbaijani) and self._reads_azerbaijani(text)
        if cue and self._cues.isdisjoint(keys) and not (azerbaijani and self._az_cue(words)):
            return None
        spans, mentions = self._named_groups(text, words, keys, azerbaijani=azerbaijani)
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
        if match.fact_id in self._elsewhere and (azerbaijani or _russian(words)):
            # The document's words are English: a Russian or Azerbaijani clause whose other
            # words ask another of its facts asks that ("какие страны ЕС подписали соглашения?").
            return None
        return GroupQuestion(groups, named, unclassified)

    def names_within(self, text: str) -> frozenset[str]:
        """The countries read only inside a group's words ("America" in "Latin America",
        "Латинской Америки", "Latın Amerikasından"): no country the clause asks about. They
        are the names the analyser no longer finds once the group's words are left out."""
        words = normalise(text[:MAX_CHARS]).split()
        if not self._phrases or not words:
            return frozenset()
        keys = group_key(" ".join(words))
        azerbaijani = bool(self._azerbaijani) and self._reads_azerbaijani(text)
        spans = self._named_groups(text, words, keys, azerbaijani=azerbaijani)[0]
        if not spans:
            return frozenset()
        covered = {index for start, end, _ in spans for index in range(start, end)}
        rest = " ".join(word for index, word in enumerate(words) if index not in covered)
        mentions = self.matcher.analyser.mentions
        return frozenset({m.key for m in mentions(text)} - {m.key for m in mentions(rest)})

    def _names_a_group(self, text: str) -> bool:
        words = normalise(text[:MAX_CHARS]).split()
        keys = group_key(" ".join(words))
        azerbaijani = bool(self._azerbaijani) and self._reads_azerbaijani(text)
        return bool(self._named_groups(text, words, keys, azerbaijani=azerbaijani)[0])

    def _named_groups(
        self, text: str, words: list[str], keys: tuple[str, ...], *, azerbaijani: bool
    ) -> tuple[list[tuple[int, int, PartnerGroup | None]], list[Mention]]:
        """The group words of a clause that no longer name holds, and the clause's names."""
        spans = self._spans(words, keys, azerbaijani=azerbaijani)
        if not spans:
            return [], []
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
        return spans, mentions

    def _named_again(self, names: Sequence[str], clause: str) -> str:
        """The groups the conversation was about (their English names, as answers keep them),
        named in the clause's language, so that "neçədir?" after the G7 reads as Azerbaijani
        ("neçədir? g7"), not as "neçədir? the G7"."""
        groups = [self._by_name[name] for name in names if name in self._by_name]
        language = AZERBAIJANI if self._reads_azerbaijani(clause) else None
        if language is None and _russian(normalise(clause).split()):
            language = RUSSIAN
        if language is None or any(language not in group.translations for group in groups):
            return " ".join(names)
        return " ".join(group.translations[language].words[0] for group in groups)

    def _reads_azerbaijani(self, text: str) -> bool:
        """Whether the clause is read as Azerbaijani (the analyser's reading, kept from the
        match): only then are Azerbaijani group words and cues looked for, so that English
        "AI" is never the EU's "Aİ"."""
        return self.matcher.analyser.analyse(text).language == AZERBAIJANI

    def _az_cue(self, words: list[str]) -> bool:
        """Whether an Azerbaijani clause uses a cue, as written or with suffixes
        ("tərəfdaşlarımızdan" is "tərəfdaş")."""
        cues = self._azerbaijani_cues
        return any(
            word in cues or any(base in cues for base in azerbaijani_bases(word)) for word in words
        )

    def _spans(
        self, words: list[str], keys: tuple[str, ...], *, azerbaijani: bool = False
    ) -> list[tuple[int, int, PartnerGroup | None]]:
        """Group words in the clause, the longest at each place, left to right; in an
        Azerbaijani clause also its Azerbaijani group words, a suffix typed apart ("MDB-nin")
        read as a part of the group word before it."""
        spans: list[tuple[int, int, PartnerGroup | None]] = []
        position = 0
        first_words = self._first_words  # most words start no group word
        while position < len(words):
            found = self._phrase_at(keys, position) if keys[position] in first_words else None
            if azerbaijani:
                inflected = self._azerbaijani_at(words, position)
                if inflected is not None and (found is None or inflected[0] > found[0]):
                    found = inflected
            if found is None:
                position += 1
                continue
            length, group = found
            end = position + length
            if azerbaijani and end < len(words) and only_suffixes(words[end]):
                end += 1
            spans.append((position, end, group))
            position = end
        return spans

    def _phrase_at(
        self, keys: tuple[str, ...], position: int
    ) -> tuple[int, PartnerGroup | None] | None:
        """The longest English or Russian group word at `position`: its length and group."""
        for length in range(min(self._longest, len(keys) - position), 0, -1):
            key = keys[position : position + length]
            if key in self._phrases:
                return length, self._phrases[key]
        return None

    def _azerbaijani_at(
        self, words: list[str], position: int
    ) -> tuple[int, PartnerGroup | None] | None:
        """The longest Azerbaijani group word at `position`, its last word as written or with
        case suffixes ("Mərkəzi Asiyadan" is "Mərkəzi Asiya"): its length and group."""
        first = words[position]
        if first not in self._azerbaijani_first and not any(
            base in self._azerbaijani_first for base in azerbaijani_bases(first)
        ):
            return None
        for length in range(min(self._longest, len(words) - position), 0, -1):
            head = tuple(words[position : position + length - 1])
            last = words[position + length - 1]
            for form in (last, *azerbaijani_bases(last)):
                if (*head, form) in self._azerbaijani:
                    return length, self._azerbaijani[(*head, form)]
        return None

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
                asked = self.read(f"{match.question} {self._named_again(before, match.question)}")
        if asked is None:
            # "Is Poland in the EU?" asks the country's membership, which the document does not
            # give: no partner check of the country answers it.
            slot = self.matcher.slot_of(match.fact_id)
            if slot is Category.COUNTRY and self._names_a_group(match.question):
                return cards.fallback(question, match)
            return None
        if asked.unclassified or not asked.groups or self.fact is None:
            return cards.fallback(question, match)
        entities = tuple((Category.GROUP.value, group.name) for group in asked.groups)
        entities += tuple((Category.COUNTRY.value, key) for key in asked.named)
        card = cards.card(self.fact, question=question, confidence=1.0, entities=entities)
        title, body = self.render(asked.groups, asked.named)
        return replace(card, title=title or self.fact.title, body=body)

    def render_about(
        self,
        entities: Sequence[tuple[str, str]],
        language: str,
        name_of: Callable[[str], str],
    ) -> tuple[str | None, str] | None:
        """A group answer's title and body again, in `language`, from what it is about (its
        `entities`: the groups by name, the countries named beside them, whose names
        `name_of` gives in that language); None when a group has no translation in it, and
        the answer stays English."""
        table = self._by_name
        groups = [table[name] for kind, name in entities if kind == Category.GROUP.value]
        named = tuple(key for kind, key in entities if kind == Category.COUNTRY.value)
        if not groups or any(language not in group.translations for group in groups):
            return None
        return self.render(tuple(groups), named, language, name_of)

    def render(
        self,
        groups: Sequence[PartnerGroup],
        named: tuple[str, ...],
        language: str = ENGLISH,
        name_of: Callable[[str], str] = str,
    ) -> tuple[str | None, str]:
        """The answer about `groups` in `language`: a title naming the group (None for
        several: the card's own title), and one paragraph per group, each counting and
        listing its partners in document order; `named` countries outside the 36 are said so."""
        paragraphs = [
            paragraph(
                group,
                [partner for partner in self._partners if partner in group.partners],
                [key for key in named if key not in group.partners and key in self.members(group)],
                named=named,
                total=len(self._partners),
                first=index == 0,
                language=language,
                name_of=name_of,
            )
            for index, group in enumerate(groups)
        ]
        return (title(groups[0], language) if len(groups) == 1 else None), "\n\n".join(paragraphs)


def _russian(words: list[str]) -> bool:
    """Whether a clause has a Russian word (Cyrillic, as `normalise` keeps it)."""
    return any(map(is_cyrillic, words))
