"""Scoring the engine on labelled sets, reported the way `rasa test nlu` does.

Each labelled file (tests/data/*.yaml) is a YAML list; an item is one of:
- `{q: message, intent: fact id or null}`: one question ("intent" is the label's name in these
  files as in `ask --json`), with optional `not_said: true` (the reply must also say what the
  document does not say), `intent: summary` with `expect: [fact ids]` (the reply must cover
  them all) or `group: key` (the partner classification the reply must use);
- `{q: message, parts: [fact id or null, ...]}`: a message asking several things;
- `{dialogue: [{q, intent, expect?}, ...]}`: turns of one chat, each read in the context the
  turns before it left; `expect` is a word or figure its reply must contain.

What is judged is `QAEngine.ask(message, context)`: the engine cleans and splits a message, so
the matcher alone is not the whole story. Everything here is pure: the engine comes in as a
function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answers import Answer
from bot.dialogue import Context
from bot.report import OUT_OF_SCOPE, FactScore, Report, Tally

Ask = Callable[[str, Context | None], Answer]
SUMMARY = "summary"  # the label of a question that gathers every fact about a year or a name
GAP_PHRASE = "does not say"

__all__ = [
    "IN_LANGUAGE",
    "OUT_OF_SCOPE",
    "Ask",
    "Dialogue",
    "Example",
    "FactScore",
    "Item",
    "Multipart",
    "Report",
    "Turn",
    "answered",
    "covers",
    "evaluate",
    "evaluate_items",
    "group_matches",
    "load_examples",
    "load_items",
    "notes_a_gap",
]


@dataclass(frozen=True)
class Example:
    """One labelled message; fact_id None means the document does not answer it."""

    question: str
    fact_id: str | None
    not_said: bool = False  # the reply must also say what the document does not say
    expect: tuple[str, ...] = ()  # a summary: the fact ids its reply must cover
    group: str | None = None  # the partner classification the reply must use


@dataclass(frozen=True)
class Multipart:
    """A message that asks several things: the fact answering each part, in order."""

    question: str
    parts: tuple[str | None, ...]
    # Parts answered by the card of an earlier part ("how many agreements are pending? and
    # with how many countries?": one card gives both): by place, from `{same: fact}` labels.
    same: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Turn:
    """One message of a dialogue, with what its reply must be and contain."""

    question: str
    fact_id: str | None
    expect: str | None = None


@dataclass(frozen=True)
class Dialogue:
    """Successive messages of one chat."""

    turns: tuple[Turn, ...]


Item = Example | Multipart | Dialogue
_UNITS = {Example: "questions", Multipart: "message parts", Dialogue: "dialogue turns"}


# -- what a reply is judged on: each rule in one function, so that it can be adjusted ---------


def answered(answer: Answer) -> str | None:
    """The fact a reply gives, or None for the honest fallback."""
    return answer.fact_id if answer.matched else None


def notes_a_gap(answer: Answer) -> bool:
    """The reply says what the document does not say: a non-empty `gaps` attribute, where the
    Answer has one, or the words "does not say" in its text."""
    return bool(getattr(answer, "gaps", None)) or GAP_PHRASE in answer.text.lower()


def covers(answer: Answer, fact_ids: Iterable[str]) -> bool:
    """Every fact of a summary is among the reply's parts."""
    given = {answered(part) for part in answer.parts or (answer,)}
    return all(fact_id in given for fact_id in fact_ids)


def group_matches(answer: Answer, group: str | None) -> bool:
    """The reply answers with the partner-group fact, and with `group` where the Answer says
    which group it used (a `group` attribute)."""
    if answered(answer) != "partner_group":
        return False
    used = getattr(answer, "group", None)
    return used is None or used == group


# -- loading ----------------------------------------------------------------------------------


def _label(value: object) -> str | None:
    return None if value in (None, "null") else str(value)


def _item(path: Path | str, number: int, raw: object) -> Item:
    where = f"{path}: item {number}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not a mapping")
    if "dialogue" in raw:
        turns = raw["dialogue"]
        if not isinstance(turns, list) or not turns:
            raise ValueError(f"{where}: 'dialogue' needs a list of {{q, intent}} turns")
        read = []
        for turn in turns:
            if not isinstance(turn, dict) or not isinstance(turn.get("q"), str):
                raise ValueError(f"{where}: every turn needs a 'q' string and an 'intent'")
            expect = turn.get("expect")
            read.append(Turn(turn["q"], _label(turn.get("intent")), _label(expect)))
        return Dialogue(tuple(read))
    if not isinstance(raw.get("q"), str):
        raise ValueError(f"{where} needs a 'q' string and an 'intent'")
    if "parts" in raw:
        parts = raw["parts"]
        if not isinstance(parts, list) or not parts:
            raise ValueError(f"{where}: 'parts' needs a list of fact ids or nulls")
        same = frozenset(n for n, part in enumerate(parts) if isinstance(part, dict))
        if any(set(parts[n]) != {"same"} for n in same) or 0 in same:
            raise ValueError(f"{where}: a later part may be {{same: fact id}}, nothing else")
        labels = [part["same"] if isinstance(part, dict) else part for part in parts]
        return Multipart(raw["q"], tuple(_label(label) for label in labels), same)
    expect = raw.get("expect") or []
    expect = [expect] if isinstance(expect, str) else expect
    if not isinstance(expect, list):
        raise ValueError(f"{where}: 'expect' needs a list of fact ids")
    return Example(
        raw["q"],
        _label(raw.get("intent")),
        not_said=bool(raw.get("not_said", False)),
        expect=tuple(str(fact_id) for fact_id in expect),
        group=_label(raw.get("group")),
    )


def load_items(path: Path | str) -> list[Item]:
    """Every item of a labelled file; a clear error names a malformed one."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of labelled items")
    return [_item(path, number, raw) for number, raw in enumerate(data, start=1)]


def load_examples(path: Path | str) -> list[Example]:
    """A file of single questions (`- q: ...\\n  intent: id|null`)."""
    items = load_items(path)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Example):
            raise ValueError(f"{path}: item {number} needs a 'q' string and an 'intent'")
    return [item for item in items if isinstance(item, Example)]


# -- scoring ----------------------------------------------------------------------------------


def evaluate(examples: Iterable[Example], predict: Callable[[str], str | None]) -> Report:
    """Per-fact precision/recall/F1 with out-of-scope as its own label, for any predictor of a
    fact id (the bench scores naive peers with it too)."""
    tally = Tally()
    for example in examples:
        got = predict(example.question)
        tally.record(example.fact_id, got, got == example.fact_id, example.question)
    return tally.report()


IN_LANGUAGE = "replies in the question's language"


def evaluate_items(items: Iterable[Item], ask: Ask, language: str | None = None) -> Report:
    """The engine's figures on labelled items of any kind: single questions count one each,
    a multi-part message one per part, a dialogue one per turn. With `language` (the set's),
    it also counts the replies in that language."""
    items = list(items)
    units = {_UNITS[type(item)] for item in items}
    tally = Tally(units.pop() if len(units) == 1 else "units")
    for item in items:
        if isinstance(item, Dialogue):
            _dialogue(tally, item, ask)
            continue
        answer = ask(item.question, None)
        if isinstance(item, Multipart):
            _multipart(tally, item, answer)
        else:
            _example(tally, item, answer)
        if language is not None:
            tally.count(IN_LANGUAGE, answer.language == language)
    return tally.report()


def _example(tally: Tally, example: Example, answer: Answer) -> None:
    got = answered(answer)
    if example.fact_id == SUMMARY and example.expect:
        right = covers(answer, example.expect)
        given = "+".join(str(answered(part)) for part in answer.parts or (answer,))
        tally.record(SUMMARY, SUMMARY if right else given, right, example.question)
        return
    right = got == example.fact_id
    if example.group is not None:
        right = group_matches(answer, example.group)
    if example.not_said:
        noted = notes_a_gap(answer)
        tally.count("gap notes", noted)
        if right and not noted:
            tally.record(example.fact_id, got, False, example.question, "without a gap note")
            return
    tally.record(example.fact_id, got, right, example.question)


def _multipart(tally: Tally, item: Multipart, answer: Answer) -> None:
    """The reply's parts against the labelled ones, in order. One part may answer several:
    a part naming two countries ("are Pakistan and India partners?") answers a question on
    each, and a `same` part is answered by the card an earlier part already gave."""
    given = answer.parts or (answer,)
    taken = 0  # reply parts used so far
    room = 0  # further questions the last used part answers (its names beyond the first)
    whole = True
    for place, expected in enumerate(item.parts):
        note = ""
        last = answered(given[taken - 1]) if taken else None
        if place in item.same:
            got = expected if expected in {answered(p) for p in given[:taken]} else None
        elif taken and room and last == expected and expected is not None:
            got, room = last, room - 1
        elif taken < len(given):
            got, taken = answered(given[taken]), taken + 1
            room = max(len(given[taken - 1].entities) - 1, 0)
        else:
            got, note = None, "no such part in the reply"
        right = got == expected and not note
        whole = whole and right
        tally.record(expected, got, right, f"{item.question} [part {place + 1}]", note)
    tally.count("messages answered part for part", whole and taken == len(given))


def _dialogue(tally: Tally, item: Dialogue, ask: Ask) -> None:
    context: Context | None = None
    whole = True
    for place, turn in enumerate(item.turns):
        answer = ask(turn.question, context)
        context = Context.after(answer, context)
        got = answered(answer)
        right = got == turn.fact_id
        missing = turn.expect is not None and turn.expect.lower() not in answer.text.lower()
        note = f"reply lacks {turn.expect!r}" if right and missing else ""
        whole = whole and right and not missing
        question = f"[turn {place + 1}] {turn.question}"
        tally.record(turn.fact_id, got, right and not missing, question, note)
    tally.count("dialogues right turn for turn", whole)
