"""What the knowledge base holds once loaded and validated: plain, frozen data, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from bot.i18n import LANGUAGES


class FactKind(StrEnum):
    """A fact states something from the document; small talk answers but states nothing."""

    FACT = "fact"
    SMALLTALK = "smalltalk"


class Category(StrEnum):
    """What a name found in a question stands for; a slot fact is asked about one of them."""

    COUNTRY = "country"
    EXERCISE = "exercise"
    YEAR = "year"
    GROUP = "group"  # a group of partners ("the EU"): named in an answer's context, never a slot


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, located in its file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Gap:
    """What a fact leaves out: the plain statement an answer adds when a question asks for it
    (`note`), the short phrasings that ask for it (`triggers`: a question asks for it when it
    holds every word a trigger reads to), phrasings that show the question asks what the card
    answers after all (`unless`: "how many" in "the number of countries who signed"), and whole
    questions that ask for it (`questions`, also phrasings of the fact, so the matcher knows
    their words)."""

    note: str
    triggers: tuple[str, ...]
    questions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    line: int = 0


T = TypeVar("T")
TRANSLATED = LANGUAGES[1:]  # the languages the knowledge base is translated into
# The kinds of question a lexicon's `asking_kinds` names words for ("сколько": how many).
ASKING_KINDS = ("how many", "when", "where", "who", "why")
_MAPPINGS = ("synonyms", "own_words", "asking_kinds")  # the lexicon's fields that are no sets


@dataclass(frozen=True)
class Translation:
    """A fact's texts in a language other than English. A reply in that language shows them;
    the source it cites stays the document's English sentence, labelled as the original."""

    language: str
    title: str
    answer: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # the gaps' notes, in the order of the English gaps
    triggers: tuple[tuple[str, ...], ...] = ()  # per gap: what asks for it in this language
    # Phrasings in this language; like a fact's `questions`, they include the gap questions.
    questions: tuple[str, ...] = ()
    # Per gap: whole questions in this language that ask for it, and where the gap is written.
    gap_questions: tuple[tuple[str, ...], ...] = ()
    gap_lines: tuple[int, ...] = ()
    file: str = ""


@dataclass(frozen=True)
class Fact:
    """One answerable entry: a document fact, a slot fact (per country or exercise) or small
    talk. `id` is what the rest of the code calls a fact id."""

    id: str
    title: str
    kind: FactKind
    questions: tuple[str, ...]
    answer: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    command: str | None = None
    slot: Category | None = None
    file: str = ""
    line: int = 0
    # What the fact leaves out; `questions` above includes every gap's questions.
    gaps: tuple[Gap, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)
    # Phrasings taught from Telegram (bot/teaching.py), among those above in any language: they
    # add ways of asking, not weight to the words the YAML's phrasings use.
    taught: frozenset[str] = frozenset()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way of asking for the fact, in every language."""
        translated = [q for text in self.translations.values() for q in text.questions]
        return (*self.questions, *translated) if translated else self.questions

    def untaught(self, readings: Sequence[T], *, english: bool = False) -> list[T]:
        """The `readings` of this fact's phrasings (of its English ones: `english`), in their
        order, but those of the phrasings taught."""
        texts = self.questions if english else self.phrasings
        return [read for text, read in zip(texts, readings, strict=True) if text not in self.taught]

    @property
    def states_document_fact(self) -> bool:
        """Small talk answers but states nothing from the document."""
        return self.kind is FactKind.FACT


@dataclass(frozen=True)
class Country:
    """A country the document lists as a bilateral partner."""

    name: str
    spelling: str
    aliases: tuple[str, ...]
    # Names in the other languages (language → names), beside pycountry's translations.
    localised: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Exercise:
    """A training the document names, with the spellings people use for it."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Words the matcher treats as equal (synonyms) or as carrying no meaning (stopwords), and
    the words that shape a message: what starts a question, what joins two, what refers back to
    the conversation."""

    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    weak_words: frozenset[str]
    question_words: frozenset[str] = frozenset()  # a clause starting so asks ("how", "is" …)
    ask_phrases: frozenset[str] = frozenset()  # requests that ask ("tell me", "list" …)
    joiners: frozenset[str] = frozenset()  # words that join two questions ("and", "also" …)
    wh_words: frozenset[str] = frozenset()  # open a question mid-sentence ("how", "which" …)
    # "he keeps asking me | how many …": verbs after which a wh-word opens the real question
    embedding_verbs: frozenset[str] = frozenset()
    followup_phrases: frozenset[str] = frozenset()  # "and", "what about" …: refers back
    anaphora: frozenset[str] = frozenset()  # "them", "it", "there" …: refers back
    subject_pronouns: frozenset[str] = frozenset()  # "you", "I": ", can you …" goes on
    # "I", "we": after a comma they start a statement ("which events were held, I am writing
    # an essay"), which is read as what the message says, not as part of the question.
    first_person: frozenset[str] = frozenset()
    relative_markers: frozenset[str] = frozenset()  # "was exactly | what …": no question
    # How two other countries relate: "with", "of" before the second (bot/relations.py), or a
    # postposition after it ("ilə"); and the starts of the words that name Azerbaijan.
    relation_words: frozenset[str] = frozenset()
    relation_postpositions: frozenset[str] = frozenset()
    between_words: frozenset[str] = frozenset()  # "between", "между" / "arasında" after
    home_names: frozenset[str] = frozenset()
    language_prepositions: frozenset[str] = frozenset()  # "in", "into" French: the language
    # Question words that after a comma open a subordinate clause ("подтверди, что …").
    conjunctions: frozenset[str] = frozenset()
    year_anaphora: frozenset[str] = frozenset()  # "that year": the year talked about
    country_anaphora: frozenset[str] = frozenset()  # "my country": the country talked about
    more_phrases: frozenset[str] = frozenset()  # "tell me more": the next related card
    # "everything", "what happened", "what does the document say": a question so worded about
    # a year or a country asks for every fact on it.
    summary_phrases: frozenset[str] = frozenset()
    # "say that", "скажи, что", "yaz ki": a claim put in the bot's mouth (bot/dictation.py)
    dictation_phrases: frozenset[str] = frozenset()
    frame_words: frozenset[str] = frozenset()  # "the document" framing a question (bot/frames.py)
    # Language → kind of question (ASKING_KINDS) → the words that ask it: "сколько", "neçə"
    # ask "how many" as the English words do (bot/matcher.py).
    asking_kinds: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    # The words a language's own file adds to the English lexicon (language → words, each
    # word of its phrases): the language detector counts them for that language, not English.
    own_words: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def words(self) -> frozenset[str]:
        """Every word of every phrase of the lexicon, synonyms' both sides included."""
        phrases = {*self.synonyms, *self.synonyms.values()}
        for name in self.__dataclass_fields__:
            if name not in _MAPPINGS:
                phrases |= getattr(self, name)
        for kinds in self.asking_kinds.values():
            phrases = phrases.union(*kinds.values())
        return frozenset(word for phrase in phrases for word in phrase.split())

    def merged(self, other: Lexicon, language: str | None = None) -> Lexicon:
        """Both lexicons' words: a language's own file adds its words to the English ones (a
        Cyrillic or Azerbaijani word reads the same whichever language the message is in).
        `language`: the language `other` is the own file of, whose new words are noted."""
        sets = {
            name: getattr(self, name) | getattr(other, name)
            for name in self.__dataclass_fields__
            if name not in _MAPPINGS
        }
        own = {**self.own_words}
        if language is not None:
            own[language] = own.get(language, frozenset()) | (other.words() - self.words())
        return Lexicon(
            synonyms={**self.synonyms, **other.synonyms},
            own_words=own,
            asking_kinds={**self.asking_kinds, **other.asking_kinds},
            **sets,
        )


@dataclass(frozen=True)
class GroupTranslation:
    """A partner group's texts in a language other than English, so that a question asked in
    that language is read and answered in it: the name as its answers say it (a region in the
    case its "in" takes, an organisation in the genitive), the classification and note as
    they are shown, and the normalised phrases that name the group in its questions."""

    language: str
    name: str
    classification: str
    words: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class PartnerGroup:
    """A group the partners can be sorted by ("the EU", "Central Asia"), as a named
    classification defines it: knowledge/partner_groups.yaml, which `make groups` writes."""

    key: str
    name: str
    region: bool  # a place ("are in Central Asia"), else an organisation ("are members of")
    classification: str  # named in every answer: "per country_converter 1.3.2, ..."
    words: tuple[str, ...]  # normalised phrases that name it in a question
    partners: tuple[str, ...]  # the document's partners in it, in document order
    members: tuple[str, ...]  # every country in it, as the classification names them
    note: str = ""
    # The same in the other languages (language → texts); English is the fields above.
    translations: Mapping[str, GroupTranslation] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class GroupTable:
    """Every group of the table, and the words that make a clause about a group of partners."""

    source: str
    groups: tuple[PartnerGroup, ...]
    cues: frozenset[str]  # a clause about the partner list uses one ("which", "partners" …)
    unclassified: tuple[str, ...]  # groups no classification covers ("nato"): never answered
    # The cues and unclassified groups of the other languages (language → normalised phrases).
    translated_cues: Mapping[str, frozenset[str]] = field(default_factory=dict)
    translated_unclassified: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated; built once and shared read-only."""

    facts: tuple[Fact, ...]
    partners: tuple[Country, ...]
    exercises: tuple[Exercise, ...]
    other_country_aliases: Mapping[str, tuple[str, ...]]
    lexicon: Lexicon
    partner_groups: GroupTable | None = None  # optional: without it no group is answered
    # Real words, never read as typos of a knowledge word (knowledge/common_words.txt; optional)
    common_words: frozenset[str] = frozenset()
    # Other countries' names in the other languages: language → country → names.
    other_country_localised: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=dict
    )
    # Words of each other language that a country's name form is not taken for unless written
    # as a name (a capital inside a sentence): Russian "того" is no Togo.
    ordinary_words: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _by_id: Mapping[str, Fact] = field(init=False, repr=False, compare=False)
    _by_command: Mapping[str, Fact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {fact.id: fact for fact in self.facts})
        commands = {fact.command: fact for fact in self.facts if fact.command}
        object.__setattr__(self, "_by_command", commands)

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id; KeyError when there is none."""
        return self._by_id[fact_id]

    def get(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def by_command(self, command: str) -> Fact | None:
        return self._by_command.get(command.lower())

    @property
    def commands(self) -> tuple[Fact, ...]:
        """Facts reachable by a /command, in file order."""
        return tuple(fact for fact in self.facts if fact.command)
