"""Teaching the bot from real traffic: a question it could not answer becomes one more
phrasing of a fact, checked as strictly as a phrasing written in the YAML.

A taught phrasing only adds a way of asking: it never changes an answer or a source, which stay
in the reviewed YAML. It is refused when the fact does not exist; when the bot answers the
question already, or answers it with another fact and nobody said that answer was wrong; when
it names a name the document never mentions ("NATO": taught, it would become a word the bot
knows and pull every question naming it to that fact); when the matcher would read it the same
as another fact's phrasing (`check`'s collision rule) or could no longer tell another fact's
phrasing from it; and when even taught the bot would not answer it with that fact (a country,
training or year the fact does not cover: "is Iraq a partner" is never the partner list). Each
check runs on the knowledge base the phrasing would make, so what is accepted is exactly what
the bot will then do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import yaml

from bot.engine import QAEngine
from bot.i18n import ENGLISH, LANGUAGES, N_
from bot.kb.model import KnowledgeBase
from bot.quiet import release
from bot.store.records import TaughtPhrasing

EXPORT_HEADING = (
    "# Taught phrasings: paste each list under its fact's `questions:` in the file named\n"
    "# above it, then run `python -m bot taught --clear-exported`.\n"
)
MAX_TAUGHT_CHARS = 300  # a phrasing is a question, not a paste

# Why a phrasing is refused: English message ids, shown in the operator's language.
UNKNOWN_FACT = N_("there is no fact “{fact_id}”")
BLANK = N_("the question is empty")
TOO_LONG = N_("a phrasing is at most {limit} characters long")
NO_WORDS = N_("the bot reads no words in it")
ALREADY_ANSWERED = N_("the bot already answers it with “{fact_id}”: nothing to teach")
UNKNOWN_NAME = N_("it names “{name}”, which the document never mentions")
COLLISION = N_("it reads the same to the matcher as “{other}” ({other_fact})")
OUT_OF_SCOPE = N_("it names {names}, which “{fact_id}” does not cover")
ANSWERED_OTHERWISE = N_(
    "the bot answers it with “{other_fact}”; teach only questions it could not answer or "
    "answered wrongly"
)
TAKES_AWAY = N_("the bot could no longer tell it from “{other}” ({other_fact})")
NOT_LEARNT = N_("even taught, the bot would answer it with “{got}”, not “{fact_id}”")
NOTHING = N_("nothing")


@dataclass(frozen=True)
class Refusal:
    """Why a phrasing cannot be taught: a message id and its fields, so the reason is shown in
    the language of whoever asked (`str()` is the English)."""

    message: str
    fields: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The reason, its message (and "nothing") put in a language by `translate`."""
        values = {k: translate(v) if v == NOTHING else v for k, v in self.fields}
        return translate(self.message).format(**values)

    def __str__(self) -> str:
        return self.text()


def _refusal(message: str, **fields: str) -> Refusal:
    return Refusal(message, tuple(fields.items()))


def with_taught(kb: KnowledgeBase, taught: Iterable[TaughtPhrasing]) -> KnowledgeBase:
    """The knowledge base with each taught phrasing added to its fact, in its language (English
    ones to the fact's questions, others to its translation). A phrasing of a fact the YAML no
    longer has is left out: the fact was removed or renamed since."""
    added: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for phrasing in taught:
        if kb.get(phrasing.fact_id) is not None:
            added[phrasing.fact_id][phrasing.language].append(phrasing.question)
    if not added:
        return kb
    facts = []
    for fact in kb.facts:
        per_language = added.get(fact.id)
        if per_language is None:
            facts.append(fact)
            continue
        translations = dict(fact.translations)
        questions = list(fact.questions)
        for language, texts in per_language.items():
            translation = translations.get(language)
            if language == ENGLISH or translation is None:
                questions += texts
            else:
                translations[language] = replace(
                    translation, questions=(*translation.questions, *texts)
                )
        new = fact.taught | {q for texts in per_language.values() for q in texts}
        facts.append(
            replace(fact, questions=tuple(questions), translations=translations, taught=new)
        )
    return replace(kb, facts=tuple(facts))


@dataclass(frozen=True)
class Lesson:
    """A phrasing accepted: what to store, and the engine that knows it."""

    fact_id: str
    language: str
    question: str
    engine: QAEngine


def teach(
    base: KnowledgeBase,
    taught: Iterable[TaughtPhrasing],
    fact_id: str,
    question: str,
    *,
    current: QAEngine | None = None,
    answered_wrongly: bool = False,
) -> Lesson | Refusal:
    """Check one more phrasing of `fact_id` against the YAML (`base`) and what is taught
    already: the engine with it, or why not. `current`: the engine of `base` and `taught`, when
    one is running (built here otherwise), and only from the thread that answers with it: its
    reading caches are not for two threads at once. A question the bot answers with another
    fact is taught only when its asker said that answer was wrong (`answered_wrongly`)."""
    taught = list(taught)
    made: list[object] = []  # the engines built here, let go of piece by piece (bot/quiet.py)
    try:
        return _lesson(base, taught, fact_id, question, current, answered_wrongly, made)
    finally:
        release(made)


def _lesson(
    base: KnowledgeBase,
    taught: list[TaughtPhrasing],
    fact_id: str,
    question: str,
    current: QAEngine | None,
    answered_wrongly: bool,
    made: list[object],
) -> Lesson | Refusal:
    text = " ".join(question.split())
    if base.get(fact_id) is None:
        return _refusal(UNKNOWN_FACT, fact_id=fact_id)
    if not text:
        return _refusal(BLANK)
    if len(text) > MAX_TAUGHT_CHARS:
        return _refusal(TOO_LONG, limit=str(MAX_TAUGHT_CHARS))
    engine = current or QAEngine(with_taught(base, taught))
    made.append(engine)
    analysis = engine.matcher.analyser.analyse(text)
    if not analysis.terms:
        return _refusal(NO_WORDS)
    before = engine.ask(text)
    if before.fact_id == fact_id:
        return _refusal(ALREADY_ANSWERED, fact_id=fact_id)
    if before.matched and before.fact_id is not None and not answered_wrongly:
        return _refusal(ANSWERED_OTHERWISE, other_fact=before.fact_id)
    unknown = engine.matcher.unknown_terms(text)
    names = sorted(unknown & analysis.names)
    if names:
        return _refusal(UNKNOWN_NAME, name=names[0])
    language = engine.language_of(text) or ENGLISH
    if language not in LANGUAGES:
        language = ENGLISH
    lesson = TaughtPhrasing(0, fact_id, language, text)
    after = QAEngine(with_taught(base, [*taught, lesson]))
    made.append(after)
    for c in after.matcher.collisions():
        if (c.second.id, c.second_question) == (fact_id, text):
            return _refusal(COLLISION, other=c.first_question, other_fact=c.first.id)
        if (c.first.id, c.first_question) == (fact_id, text):
            return _refusal(COLLISION, other=c.second_question, other_fact=c.second.id)
    taken = _taken_away(engine, after, fact_id, frozenset(analysis.terms))
    if taken is not None:
        return _refusal(TAKES_AWAY, other=taken[1], other_fact=taken[0])
    answered = after.ask(text)
    if answered.fact_id != fact_id:
        if analysis.mentions:  # the fact cannot answer about a name its text does not name
            shown = ", ".join(sorted({m.key for m in analysis.mentions}))
            return _refusal(OUT_OF_SCOPE, names=shown, fact_id=fact_id)
        return _refusal(NOT_LEARNT, got=answered.fact_id or NOTHING, fact_id=fact_id)
    return Lesson(fact_id, language, text, after)


def export_yaml(kb: KnowledgeBase, taught: Iterable[TaughtPhrasing]) -> str:
    """The taught phrasings as YAML, by file and then by fact, each list ready to paste under
    that fact's `questions:` in that file (English in the fact's own file, the other languages
    in knowledge/i18n/)."""
    by_file: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for phrasing in taught:
        fact = kb.get(phrasing.fact_id)
        if fact is None:
            where = "(facts no longer in the knowledge base)"
        else:
            translation = fact.translations.get(phrasing.language)
            where = fact.file if translation is None else translation.file
        by_file[where][phrasing.fact_id].append(phrasing.question)
    if not by_file:
        return "# no taught phrasings\n{}\n"
    plain = {where: dict(facts) for where, facts in by_file.items()}
    body = yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=4096)
    return EXPORT_HEADING + body


def exported(kb: KnowledgeBase, taught: Iterable[TaughtPhrasing]) -> list[TaughtPhrasing]:
    """The taught phrasings the YAML now holds (as written, up to case and spacing): what
    the overlay no longer needs."""
    found = []
    for phrasing in taught:
        fact = kb.get(phrasing.fact_id)
        if fact is None:
            continue
        written = {_folded(q) for q in fact.phrasings}
        if _folded(phrasing.question) in written:
            found.append(phrasing)
    return found


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _taken_away(
    before: QAEngine, after: QAEngine, fact_id: str, terms: frozenset[str]
) -> tuple[str, str] | None:
    """The first phrasing of another fact (any language) that the bot matched to its own fact
    and would no longer, once taught: (fact id, phrasing). Only phrasings sharing a word with
    the new one can change."""
    read = before.matcher.phrasing_terms(every_language=True)
    for fact in before.kb.facts:
        if fact.id == fact_id:
            continue
        for phrasing, phrasing_terms in zip(fact.phrasings, read[fact.id], strict=True):
            if terms.isdisjoint(phrasing_terms):
                continue
            if before.matcher.match(phrasing).fact_id != fact.id:
                continue  # not told apart before either: no loss of this lesson's
            if after.matcher.match(phrasing).fact_id != fact.id:
                return fact.id, phrasing
    return None
