"""Fact files: each fact checked field by field, then across facts (ids, commands, phrasings,
related ids), every problem reported with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.kb.gaps import read_gaps
from bot.kb.model import Category, Fact, FactKind
from bot.kb.reader import ProblemLog
from bot.kb.rules import (
    FACT_FIELDS,
    FACT_ID,
    MIN_PHRASINGS,
    RESERVED_IDS,
    SLOT_CASES,
    command_problem,
    html_problems,
    placeholder_problem,
)
from bot.kb.yaml_lines import LineDict, LineList, line_of
from bot.text import collapse_whitespace, normalise


def read_facts(log: ProblemLog, paths: list[Path], document: str) -> list[Fact]:
    """Every fact of the given files; `document` is the whitespace-collapsed document text."""
    facts: list[Fact] = []
    for path in paths:
        data = log.read_yaml(path)
        if data is None:
            continue
        name = log.display(path)
        if not isinstance(data, LineList):
            log.add(name, line_of(data), "a fact file must be a list of facts")
            continue
        for index, entry in enumerate(data):
            fact = _parse_fact(log, name, entry, line_of(data, index), document)
            if fact is not None:
                facts.append(fact)
    _check_cross_references(log, facts)
    return facts


def _parse_fact(log: ProblemLog, name: str, entry: Any, line: int, document: str) -> Fact | None:
    if not isinstance(entry, LineDict):
        log.add(name, line, "each fact must be a mapping with id, title, questions, ...")
        return None
    log.fields(name, entry, FACT_FIELDS)
    fact_id = log.required_text(name, entry, "id")
    title = log.required_text(name, entry, "title")
    if fact_id and not FACT_ID.fullmatch(fact_id):
        log.add(name, line_of(entry, "id"), f"id '{fact_id}' must be snake_case")
    if fact_id in RESERVED_IDS:
        log.add(name, line_of(entry, "id"), f"id '{fact_id}' is reserved")
    kind = _kind(log, name, entry)
    slot = _slot(log, name, entry)
    questions = log.text_list(name, entry, "questions", required=True)
    check_questions(log, name, entry, questions, kind, slot)
    answer, answers = _parse_answers(log, name, entry, slot)
    sources = _sources(log, name, entry, kind, document)
    command = entry.get("command")
    if command is not None:
        command = str(command)
        problem = command_problem(command)
        if problem:
            log.add(name, line_of(entry, "command"), problem)
    related = tuple(log.text_list(name, entry, "related", required=False))
    gaps = read_gaps(log, name, entry, kind, slot)
    if not (fact_id and title and questions):
        return None
    return Fact(
        id=fact_id,
        title=title,
        kind=kind,
        questions=(*questions, *(q for gap in gaps for q in gap.questions)),
        answer=answer,
        answers=answers,
        sources=tuple(collapse_whitespace(s) for s in sources),
        related=related,
        command=command,
        slot=slot,
        file=name,
        line=entry.line,
        gaps=gaps,
    )


def _kind(log: ProblemLog, name: str, entry: LineDict) -> FactKind:
    value = entry.get("kind", FactKind.FACT.value)
    try:
        return FactKind(value)
    except ValueError:
        kinds = ", ".join(kind.value for kind in FactKind)
        log.add(name, line_of(entry, "kind"), f"kind must be one of {kinds}")
        return FactKind.FACT


def _slot(log: ProblemLog, name: str, entry: LineDict) -> Category | None:
    value = entry.get("slot")
    if value is None:
        return None
    for category in SLOT_CASES:
        if value == category.value:
            return category
    slots = ", ".join(category.value for category in SLOT_CASES)
    log.add(name, line_of(entry, "slot"), f"slot must be one of {slots}")
    return None


def _sources(
    log: ProblemLog, name: str, entry: LineDict, kind: FactKind, document: str
) -> list[str]:
    """The cited sentences: required for facts, forbidden for small talk, always verbatim."""
    sources = log.text_list(name, entry, "source", required=kind is FactKind.FACT)
    if kind is FactKind.SMALLTALK and sources:
        log.add(name, line_of(entry, "source"), "small talk must not cite a source")
    for index, source in enumerate(sources):
        if collapse_whitespace(source) not in document:
            where = line_of(entry.get("source"), index) or line_of(entry, "source")
            log.add(name, where, f"source is not verbatim in the document: {source!r}")
    return sources


def check_questions(
    log: ProblemLog,
    name: str,
    entry: LineDict,
    questions: list[str],
    kind: FactKind,
    slot: Category | None,
) -> None:
    """Enough phrasings, each fitting the fact's slot (in any language)."""
    minimum = MIN_PHRASINGS[kind]
    if questions and len(questions) < minimum:
        log.add(
            name,
            line_of(entry, "questions"),
            f"only {len(questions)} questions; give at least {minimum} varied phrasings",
        )
    items = entry.get("questions")
    for index, question in enumerate(questions):
        problem = placeholder_problem(question, slot)
        if problem:
            log.add(name, line_of(items, index), problem)


def _parse_answers(
    log: ProblemLog, name: str, entry: LineDict, slot: Category | None
) -> tuple[str, dict[str, str]]:
    """A plain fact's `answer`, or a slot fact's templates, one per case."""
    if slot is None:
        if "answers" in entry:
            log.add(name, line_of(entry, "answers"), "'answers' needs a 'slot'")
        answer = log.required_text(name, entry, "answer")
        for error in html_problems(answer):
            log.add(name, line_of(entry, "answer"), f"answer HTML: {error}")
        return answer, {}
    answers = entry.get("answers")
    if not isinstance(answers, LineDict):
        log.add(name, entry.line, f"missing field 'answers' (templates for slot {slot})")
        return "", {}
    templates: dict[str, str] = {}
    for case in SLOT_CASES[slot]:
        template = answers.get(case)
        if not isinstance(template, str) or not template.strip():
            log.add(name, answers.line, f"answers: missing template '{case}'")
            continue
        for error in html_problems(template):
            log.add(name, line_of(answers, case), f"answers.{case} HTML: {error}")
        templates[case] = template.strip()
    for case in answers:
        if case not in SLOT_CASES[slot]:
            log.add(name, line_of(answers, case), f"answers: unknown case '{case}'")
    return str(entry.get("answer") or ""), templates


def _check_cross_references(log: ProblemLog, facts: list[Fact]) -> None:
    seen_ids: dict[str, Fact] = {}
    seen_commands: dict[str, Fact] = {}
    seen_questions: dict[str, Fact] = {}
    for fact in facts:
        if fact.id in seen_ids:
            first = seen_ids[fact.id]
            log.add(fact.file, fact.line, f"duplicate id '{fact.id}' (first at line {first.line})")
        seen_ids.setdefault(fact.id, fact)
        if fact.command:
            if fact.command in seen_commands:
                other = seen_commands[fact.command].id
                log.add(fact.file, fact.line, f"command '/{fact.command}' is also used by {other}")
            seen_commands.setdefault(fact.command, fact)
        for question in fact.questions:
            key = normalise(question)
            previous = seen_questions.get(key)
            if previous is not None:
                where = "twice in this fact" if previous is fact else f"also under '{previous.id}'"
                log.add(fact.file, fact.line, f"question {question!r} is {where}")
            seen_questions.setdefault(key, fact)
    if log.unreadable:
        return  # the missing ids may live in the file that failed to parse
    for fact in facts:
        for related in fact.related:
            if related not in seen_ids:
                log.add(fact.file, fact.line, f"'{fact.id}' relates to unknown id '{related}'")
