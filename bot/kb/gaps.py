"""A fact's `gaps`: what the document leaves out of it, each checked field by field.

    gaps:
      - note: The document does not name the 34 countries.   # the plain statement, answer HTML
        triggers: [which countries, who signed]               # short phrasings that ask for it
        unless: [how many]                                    # optional: the card answers it
        questions: [which countries signed the agreements]    # optional whole questions

A question matched to the fact gets the note when it holds every word of one trigger (as the
matcher reads words: synonyms, stems) and all the words of no `unless` phrasing. The questions
become phrasings of the fact too, so a question that asks beyond the document still finds the
fact it is about.
"""

from __future__ import annotations

from typing import Any

from bot.kb.model import Category, FactKind, Gap
from bot.kb.reader import ProblemLog
from bot.kb.rules import GAP_FIELDS, html_problems, placeholder_problem
from bot.kb.yaml_lines import LineDict, LineList, line_of
from bot.text import normalise


def read_gaps(
    log: ProblemLog, name: str, entry: LineDict, kind: FactKind, slot: Category | None
) -> tuple[Gap, ...]:
    """The fact's gaps; a malformed one is reported and left out."""
    items = entry.get("gaps")
    if items is None:
        return ()
    where = line_of(entry, "gaps")
    if kind is not FactKind.FACT:
        log.add(name, where, "small talk states nothing, so it has no gaps")
        return ()
    if not isinstance(items, LineList) or not items:
        log.add(name, where, "'gaps' must be a non-empty list of {note, triggers, questions}")
        return ()
    gaps: list[Gap] = []
    for index, item in enumerate(items):
        gap = _parse_gap(log, name, item, line_of(items, index), slot)
        if gap is not None:
            gaps.append(gap)
    return tuple(gaps)


def _parse_gap(
    log: ProblemLog, name: str, item: Any, line: int, slot: Category | None
) -> Gap | None:
    if not isinstance(item, LineDict):
        log.add(name, line, "each gap must be a mapping with note, triggers and questions")
        return None
    log.fields(name, item, GAP_FIELDS, "gap: ")
    note = log.required_text(name, item, "note")
    for error in html_problems(note):
        log.add(name, line_of(item, "note"), f"gap note HTML: {error}")
    triggers = log.text_list(name, item, "triggers", required=True)
    _check_repeats(log, name, item, "triggers", triggers)
    unless = log.text_list(name, item, "unless", required=False)
    _check_repeats(log, name, item, "unless", unless)
    questions = log.text_list(name, item, "questions", required=False)
    _check_repeats(log, name, item, "questions", questions)
    listed = item.get("questions")
    for index, question in enumerate(questions):
        problem = placeholder_problem(question, slot)
        if problem:
            log.add(name, line_of(listed, index) or line_of(item, "questions"), problem)
    if not (note and triggers):
        return None
    return Gap(
        note=note,
        triggers=tuple(triggers),
        questions=tuple(questions),
        unless=tuple(unless),
        line=item.line,
    )


def _check_repeats(log: ProblemLog, name: str, item: LineDict, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    listed = item.get(key)
    for index, value in enumerate(values):
        normalised = normalise(value)
        if normalised in seen:
            where = line_of(listed, index) or line_of(item, key)
            log.add(name, where, f"gap: {key} item {value!r} is given twice")
        seen.add(normalised)
