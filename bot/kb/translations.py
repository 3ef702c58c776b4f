"""The knowledge base in the other languages: knowledge/i18n/<language>.yaml, one entry per fact.

    - id: agreements_signed          # a fact of facts.yaml or smalltalk.yaml
      title: Соглашения о сотрудничестве
      answer: ...                    # when the English fact has `answer`
      answers: {listed: ...}         # when it has `answers`: the same cases and placeholders
      gaps:                          # when it has gaps: as many, in the same order
        - note: ...
          triggers: [какие страны, ...]
          questions: [...]           # optional: whole questions asking for it
      questions: [...]               # phrasings in this language

A translation is checked against its English fact: every fact has one, no field the English
lacks, every number of the English text in the translation (a translation never changes a
figure), the same HTML tags, /commands and {placeholders}. With an i18n folder, every language
is required.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bot.kb.facts import check_questions
from bot.kb.model import Fact, Translation
from bot.kb.reader import ProblemLog
from bot.kb.rules import html_problems, placeholder_problem
from bot.kb.yaml_lines import LineDict, LineList, line_of
from bot.text import normalise, plain_text

TRANSLATIONS_DIR = "i18n"
TRANSLATION_FIELDS = frozenset({"id", "title", "answer", "answers", "gaps", "questions"})
TRANSLATED_GAP_FIELDS = frozenset({"note", "triggers", "questions"})
_NUMBER = re.compile(r"\d+")
_TAG_NAME = re.compile(r"</?([a-zA-Z][\w-]*)")
_COMMAND = re.compile(r"(?<![\w/])/[a-z0-9_]+")
_PLACEHOLDER = re.compile(r"\{\w+\}")


def read_translations(
    log: ProblemLog, directory: Path, languages: tuple[str, ...], facts: list[Fact]
) -> list[Fact]:
    """The facts with their translations; every missing or unfaithful one is a problem. A
    knowledge folder without an i18n folder is English only (a test's small knowledge base)."""
    if not (directory / TRANSLATIONS_DIR).is_dir():
        return facts
    by_id = {fact.id: fact for fact in facts}
    complete = not log.unreadable  # a fact file that failed to parse leaves facts out
    found: dict[str, dict[str, Translation]] = {fact.id: {} for fact in facts}
    for language in languages:
        path = directory / TRANSLATIONS_DIR / f"{language}.yaml"
        name = log.display(path)
        if not path.is_file():
            log.add(name, 0, f"the {language} translation of the knowledge base is missing")
            continue
        data = log.read_yaml(path)
        if data is None:
            continue
        if not isinstance(data, LineList):
            log.add(name, line_of(data), "a translation file must be a list of facts")
            continue
        for index, entry in enumerate(data):
            line = line_of(data, index)
            translation = _parse(log, name, entry, line, language, by_id, complete)
            if translation is None:
                continue
            fact_id = str(entry.get("id"))
            if language in found[fact_id]:
                log.add(name, line, f"'{fact_id}' is translated twice")
            found[fact_id][language] = translation
        for fact in facts:
            if complete and language not in found[fact.id]:
                log.add(name, 1, f"no {language} translation of '{fact.id}'")
    return [dataclasses.replace(fact, translations=found[fact.id]) for fact in facts]


def _parse(
    log: ProblemLog,
    name: str,
    entry: Any,
    line: int,
    language: str,
    facts: dict[str, Fact],
    complete: bool,
) -> Translation | None:
    if not isinstance(entry, LineDict):
        log.add(name, line, "each translation must be a mapping with id, title, questions, ...")
        return None
    log.fields(name, entry, TRANSLATION_FIELDS)
    fact_id = log.required_text(name, entry, "id")
    fact = facts.get(fact_id)
    if fact is None:
        if fact_id and complete:
            log.add(name, line_of(entry, "id"), f"'{fact_id}' is no fact of the knowledge base")
        return None
    title = log.required_text(name, entry, "title")
    answer = ""
    if fact.answer:
        answer = log.required_text(name, entry, "answer")
        _check_faithful(log, name, line_of(entry, "answer"), "answer", fact.answer, answer)
    elif "answer" in entry:
        log.add(name, line_of(entry, "answer"), "'answer': the English fact has none")
    answers = _answers(log, name, entry, fact)
    gaps = _gaps(log, name, entry, fact)
    questions = log.text_list(name, entry, "questions", required=True)
    asked = [question for listed in gaps.questions for question in listed]
    _check_questions(log, name, entry, fact, questions, asked)
    return Translation(
        language=language,
        title=title,
        answer=answer,
        answers=answers,
        notes=gaps.notes,
        triggers=gaps.triggers,
        questions=(*questions, *asked),
        gap_questions=gaps.questions,
        gap_lines=gaps.lines,
        file=name,
    )


def _answers(log: ProblemLog, name: str, entry: LineDict, fact: Fact) -> dict[str, str]:
    """A slot fact's templates, one per case of the English."""
    given = entry.get("answers")
    if not fact.answers:
        if given is not None:
            log.add(name, line_of(entry, "answers"), "'answers': the English fact has none")
        return {}
    if not isinstance(given, LineDict):
        log.add(name, entry.line, "missing field 'answers'")
        return {}
    templates: dict[str, str] = {}
    for case, english in fact.answers.items():
        text = given.get(case)
        if not isinstance(text, str) or not text.strip():
            log.add(name, given.line, f"answers: missing template '{case}'")
            continue
        templates[case] = text.strip()
        _check_faithful(log, name, line_of(given, case), f"answers.{case}", english, text)
    for case in given:
        if case not in fact.answers:
            log.add(name, line_of(given, case), f"answers: unknown case '{case}'")
    return templates


@dataclasses.dataclass(frozen=True)
class _Gaps:
    """A translation's gaps, field by field, in the order of the English gaps."""

    notes: tuple[str, ...] = ()
    triggers: tuple[tuple[str, ...], ...] = ()
    questions: tuple[tuple[str, ...], ...] = ()
    lines: tuple[int, ...] = ()


def _gaps(log: ProblemLog, name: str, entry: LineDict, fact: Fact) -> _Gaps:
    """The gaps' notes, triggers and questions, as many as the English fact's, in its order."""
    items = entry.get("gaps")
    if not fact.gaps:
        if items is not None:
            log.add(name, line_of(entry, "gaps"), "'gaps': the English fact has none")
        return _Gaps()
    if not isinstance(items, LineList) or len(items) != len(fact.gaps):
        where = line_of(entry, "gaps") or entry.line
        log.add(name, where, f"'gaps' must translate the English fact's {len(fact.gaps)} gaps")
        return _Gaps()
    notes: list[str] = []
    triggers: list[tuple[str, ...]] = []
    questions: list[tuple[str, ...]] = []
    for index, (item, gap) in enumerate(zip(items, fact.gaps, strict=True)):
        if not isinstance(item, LineDict):
            log.add(name, line_of(items, index), "each gap must be a mapping with note, triggers")
            return _Gaps()
        log.fields(name, item, TRANSLATED_GAP_FIELDS, "gap: ")
        note = log.required_text(name, item, "note")
        _check_faithful(log, name, line_of(item, "note"), "gap note", gap.note, note)
        notes.append(note)
        triggers.append(tuple(log.text_list(name, item, "triggers", required=True)))
        asked = log.text_list(name, item, "questions", required=False)
        listed = item.get("questions")
        for number, question in enumerate(asked):
            problem = placeholder_problem(question, fact.slot)
            if problem:
                log.add(name, line_of(listed, number) or line_of(item, "questions"), problem)
        questions.append(tuple(asked))
    lines = tuple(item.line for item in items)
    return _Gaps(tuple(notes), tuple(triggers), tuple(questions), lines)


def _check_questions(
    log: ProblemLog,
    name: str,
    entry: LineDict,
    fact: Fact,
    questions: list[str],
    asked: list[str],
) -> None:
    """The English fact's rules, and no phrasing (gap questions `asked` included) given twice
    or reading to nothing."""
    check_questions(log, name, entry, questions, fact.kind, fact.slot)
    listed = entry.get("questions")
    seen: set[str] = set()
    for index, question in enumerate((*questions, *asked)):
        where = line_of(listed, index) or line_of(entry, "questions") or line_of(entry, "gaps")
        key = normalise(question)
        if not key:
            log.add(name, where, f"question {question!r} has no word the bot can read")
        elif key in seen:
            log.add(name, where, f"question {question!r} is given twice")
        seen.add(key)


def _check_faithful(
    log: ProblemLog, name: str, line: int, field: str, english: str, text: str
) -> None:
    """What a translation must keep of the English: figures, markup, commands, placeholders."""
    for error in html_problems(text):
        log.add(name, line, f"{field} HTML: {error}")
    missing = Counter(_NUMBER.findall(plain_text(english))) - Counter(
        _NUMBER.findall(plain_text(text))
    )
    if missing:
        log.add(name, line, f"{field}: the English numbers {sorted(missing)} are missing")
    for what, pattern in (
        ("HTML tags", _TAG_NAME),
        ("commands", _COMMAND),
        ("placeholders", _PLACEHOLDER),
    ):
        expected = sorted(pattern.findall(english))
        if sorted(pattern.findall(text)) != expected:
            log.add(name, line, f"{field}: not the English {what} {expected}")
