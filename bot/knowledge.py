"""The knowledge base: schema, loading and validation of the YAML files in the knowledge folder.

Every problem is reported as ``file:line: message`` so a non-programmer can find and fix it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bot.text import collapse_whitespace, normalise
from bot.yaml_lines import LineDict, LineList, line_of, load_with_lines

DOCUMENT_FILE = "document.txt"
ENTITIES_FILE = "entities.yaml"
LEXICON_FILE = "lexicon.yaml"

KINDS = ("fact", "smalltalk")
SLOTS: dict[str, tuple[str, ...]] = {
    "country": ("listed", "listed_spelling", "not_listed"),
    "exercise": ("held",),
}
MIN_PHRASINGS = {"fact": 12, "smalltalk": 5}
# Telegram: 1-32 characters, lower-case letters, digits and underscores.
COMMAND_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
# Commands the bot defines itself; a topic may not take them over.
RESERVED_COMMANDS = frozenset(
    {
        "start",
        "help",
        "settings",
        "subscribe",
        "unsubscribe",
        "announce",
        "digest",
        "stats",
        "unanswered",
        "reload",
        "cancel",
    }
)
# Tags Telegram accepts with parse_mode=HTML.
TELEGRAM_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
    }
)
FACT_FIELDS = frozenset(
    {
        "id",
        "title",
        "kind",
        "command",
        "answer",
        "answers",
        "source",
        "questions",
        "related",
        "slot",
    }
)


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
class Fact:
    """One answerable topic: a document fact, a slot fact (per country/exercise) or small talk."""

    id: str
    title: str
    kind: str
    questions: tuple[str, ...]
    answer: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    command: str | None = None
    slot: str | None = None
    file: str = ""
    line: int = 0

    @property
    def states_document_fact(self) -> bool:
        """Small talk answers but states nothing from the document."""
        return self.kind == "fact"


@dataclass(frozen=True)
class Country:
    """A country the document lists as a bilateral partner."""

    name: str
    spelling: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    """A training the document names, with the spellings people use for it."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Words the matcher treats as equal (synonyms) or as carrying no meaning (stopwords)."""

    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    weak_words: frozenset[str]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated; built once and shared read-only."""

    facts: tuple[Fact, ...]
    partners: tuple[Country, ...]
    exercises: tuple[Exercise, ...]
    other_country_aliases: Mapping[str, tuple[str, ...]]
    lexicon: Lexicon
    document: str
    directory: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {fact.id: fact for fact in self.facts})
        object.__setattr__(
            self, "_by_command", {fact.command: fact for fact in self.facts if fact.command}
        )

    def fact(self, fact_id: str) -> Fact:
        return self._by_id[fact_id]  # type: ignore[attr-defined,no-any-return]

    def get(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)  # type: ignore[attr-defined,no-any-return]

    def by_command(self, command: str) -> Fact | None:
        return self._by_command.get(command.lower())  # type: ignore[attr-defined,no-any-return]

    @property
    def commands(self) -> tuple[Fact, ...]:
        """Facts reachable by a /command, in file order."""
        return tuple(fact for fact in self.facts if fact.command)

    def slot_fact(self, slot: str) -> Fact | None:
        return next((fact for fact in self.facts if fact.slot == slot), None)


def default_knowledge_dir() -> Path:
    """Find the knowledge folder from a checkout, an installed package or the Docker image."""
    configured = os.environ.get("KNOWLEDGE_DIR")
    if configured:
        return Path(configured)
    candidates = [
        Path(__file__).resolve().parent.parent / "knowledge",  # checkout, editable install, image
        Path(sys.prefix) / "share" / "milcoop-bot" / "knowledge",  # wheel data files
        Path.cwd() / "knowledge",
    ]
    for candidate in candidates:
        if (candidate / DOCUMENT_FILE).is_file():
            return candidate
    return candidates[0]


def load_knowledge(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate every file; raise KnowledgeError listing all problems."""
    loader = _Loader(Path(directory) if directory else default_knowledge_dir())
    return loader.load()


def check_knowledge(directory: Path | str | None = None) -> list[Problem]:
    """All problems of the knowledge folder; empty when it is sound."""
    try:
        load_knowledge(directory)
    except KnowledgeError as error:
        return list(error.problems)
    return []


class _TagChecker(HTMLParser):
    """Finds tags Telegram would refuse and tags left open or closed twice."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"closing </{tag}> does not match an open tag")
            return
        self.stack.pop()


def html_problems(html_text: str) -> list[str]:
    """What Telegram would refuse in an answer: bare '&', unknown or unbalanced tags."""
    checker = _TagChecker()
    checker.feed(html_text)
    checker.close()
    errors = list(checker.errors)
    if checker.stack:
        errors.append(f"<{checker.stack[-1]}> is never closed")
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", html_text):
        errors.append("a bare '&' must be written &amp;")
    return errors


class _Loader:
    """One pass over the folder that collects problems instead of stopping at the first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []
        self.unreadable = False

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def read_yaml(self, path: Path) -> Any:
        name = self.display(path)
        try:
            return load_with_lines(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else 1
            what = error.problem or "invalid YAML"
            self.problem(name, line, f"YAML syntax error: {what}")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(name, 1, f"cannot read file: {error}")
        self.unreadable = True
        return None

    def load(self) -> KnowledgeBase:
        directory = self.directory
        if not directory.is_dir():
            raise KnowledgeError([Problem(str(directory), 0, "knowledge folder not found")])
        document_path = directory / DOCUMENT_FILE
        try:
            document = document_path.read_text(encoding="utf-8")
        except OSError:
            self.problem(self.display(document_path), 0, "the document is missing")
            document = ""
        facts = self.load_facts(collapse_whitespace(document))
        partners, exercises, others = self.load_entities(directory / ENTITIES_FILE)
        lexicon = self.load_lexicon(directory / LEXICON_FILE)
        if self.problems:
            raise KnowledgeError(self.problems)
        return KnowledgeBase(
            facts=tuple(facts),
            partners=partners,
            exercises=exercises,
            other_country_aliases=others,
            lexicon=lexicon,
            document=document,
            directory=directory,
        )

    # -- facts -----------------------------------------------------------------------------

    def load_facts(self, document: str) -> list[Fact]:
        special = {ENTITIES_FILE, LEXICON_FILE}
        paths = sorted(p for p in self.directory.glob("*.yaml") if p.name not in special)
        if not paths:
            self.problem(self.display(self.directory), 0, "no fact files (*.yaml) found")
        facts: list[Fact] = []
        for path in paths:
            data = self.read_yaml(path)
            if data is None:
                continue
            name = self.display(path)
            if not isinstance(data, LineList):
                self.problem(name, line_of(data), "a fact file must be a list of facts")
                continue
            for index, entry in enumerate(data):
                fact = self.parse_fact(name, entry, line_of(data, index), document)
                if fact is not None:
                    facts.append(fact)
        self.check_cross_references(facts)
        return facts

    def parse_fact(self, name: str, entry: Any, line: int, document: str) -> Fact | None:
        if not isinstance(entry, LineDict):
            self.problem(name, line, "each fact must be a mapping with id, title, questions, ...")
            return None
        for key, key_line in entry.duplicate_keys:
            self.problem(name, key_line, f"field '{key}' appears twice")
        for key in entry:
            if key not in FACT_FIELDS:
                self.problem(name, line_of(entry, key), f"unknown field '{key}'")
        fact_id = self.required_text(name, entry, "id")
        title = self.required_text(name, entry, "title")
        kind = entry.get("kind", "fact")
        if kind not in KINDS:
            self.problem(name, line_of(entry, "kind"), f"kind must be one of {', '.join(KINDS)}")
            kind = "fact"
        if fact_id and not re.fullmatch(r"[a-z][a-z0-9_]*", fact_id):
            self.problem(name, line_of(entry, "id"), f"id '{fact_id}' must be snake_case")
        slot = entry.get("slot")
        if slot is not None and slot not in SLOTS:
            self.problem(name, line_of(entry, "slot"), f"slot must be one of {', '.join(SLOTS)}")
            slot = None
        questions = self.text_list(name, entry, "questions", required=True)
        self.check_questions(name, entry, questions, kind, slot)
        answer, answers = self.parse_answers(name, entry, slot)
        sources = self.text_list(name, entry, "source", required=kind == "fact")
        if kind == "smalltalk" and sources:
            self.problem(name, line_of(entry, "source"), "small talk must not cite a source")
        for index, source in enumerate(sources):
            if collapse_whitespace(source) not in document:
                where = line_of(entry.get("source"), index) or line_of(entry, "source")
                self.problem(name, where, f"source is not verbatim in the document: {source!r}")
        command = entry.get("command")
        if command is not None:
            command = str(command)
            if not COMMAND_PATTERN.fullmatch(command):
                self.problem(
                    name,
                    line_of(entry, "command"),
                    f"command '{command}' is refused by Telegram: use 1-32 of a-z, 0-9 and _",
                )
            elif command in RESERVED_COMMANDS:
                self.problem(name, line_of(entry, "command"), f"command '/{command}' is reserved")
        related = tuple(str(r) for r in self.text_list(name, entry, "related", required=False))
        if not (fact_id and title and questions):
            return None
        return Fact(
            id=fact_id,
            title=title,
            kind=kind,
            questions=tuple(questions),
            answer=answer,
            answers=answers,
            sources=tuple(collapse_whitespace(s) for s in sources),
            related=related,
            command=command,
            slot=slot,
            file=name,
            line=entry.line,
        )

    def required_text(self, name: str, entry: LineDict, key: str) -> str:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(name, entry.line, f"missing field '{key}'")
            return ""
        if not isinstance(value, str | int):
            self.problem(name, line_of(entry, key), f"'{key}' must be text")
            return ""
        return str(value).strip()

    def text_list(self, name: str, entry: LineDict, key: str, *, required: bool) -> list[str]:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(name, entry.line, f"missing field '{key}'")
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.problem(name, line_of(entry, key), f"'{key}' must be text or a list of texts")
            return []
        result: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str | int | float) or not str(item).strip():
                self.problem(name, line_of(items, index), f"'{key}' item must be non-empty text")
                continue
            result.append(str(item).strip())
        if required and not result:
            self.problem(name, line_of(entry, key), f"'{key}' is empty")
        return result

    def check_questions(
        self, name: str, entry: LineDict, questions: list[str], kind: str, slot: str | None
    ) -> None:
        minimum = MIN_PHRASINGS[kind]
        if questions and len(questions) < minimum:
            self.problem(
                name,
                line_of(entry, "questions"),
                f"only {len(questions)} questions; give at least {minimum} varied phrasings",
            )
        items = entry.get("questions")
        for index, question in enumerate(questions):
            has_slot = slot is not None and f"{{{slot}}}" in question
            if slot is not None and not has_slot:
                self.problem(
                    name, line_of(items, index), f"question must contain {{{slot}}}: {question!r}"
                )
            if slot is None and re.search(r"\{\w+\}", question):
                self.problem(name, line_of(items, index), f"placeholder without slot: {question!r}")

    def parse_answers(self, name: str, entry: LineDict, slot: str | None) -> tuple[str, dict]:
        if slot is None:
            if "answers" in entry:
                self.problem(name, line_of(entry, "answers"), "'answers' needs a 'slot'")
            answer = self.required_text(name, entry, "answer")
            for error in html_problems(answer):
                self.problem(name, line_of(entry, "answer"), f"answer HTML: {error}")
            return answer, {}
        answers = entry.get("answers")
        if not isinstance(answers, LineDict):
            self.problem(name, entry.line, f"missing field 'answers' (templates for slot {slot})")
            return "", {}
        templates: dict[str, str] = {}
        for case in SLOTS[slot]:
            template = answers.get(case)
            if not isinstance(template, str) or not template.strip():
                self.problem(name, answers.line, f"answers: missing template '{case}'")
                continue
            for error in html_problems(template):
                self.problem(name, line_of(answers, case), f"answers.{case} HTML: {error}")
            templates[case] = template.strip()
        for case in answers:
            if case not in SLOTS[slot]:
                self.problem(name, line_of(answers, case), f"answers: unknown case '{case}'")
        return str(entry.get("answer") or ""), templates

    def check_cross_references(self, facts: list[Fact]) -> None:
        seen_ids: dict[str, Fact] = {}
        seen_commands: dict[str, Fact] = {}
        seen_questions: dict[str, Fact] = {}
        for fact in facts:
            if fact.id in seen_ids:
                first = seen_ids[fact.id]
                self.problem(
                    fact.file, fact.line, f"duplicate id '{fact.id}' (first at line {first.line})"
                )
            seen_ids.setdefault(fact.id, fact)
            if fact.command:
                if fact.command in seen_commands:
                    other = seen_commands[fact.command].id
                    self.problem(
                        fact.file, fact.line, f"command '/{fact.command}' is also used by {other}"
                    )
                seen_commands.setdefault(fact.command, fact)
            for question in fact.questions:
                key = normalise(question)
                other = seen_questions.get(key)
                if other is not None:
                    where = "twice in this fact" if other is fact else f"also under '{other.id}'"
                    self.problem(fact.file, fact.line, f"question {question!r} is {where}")
                seen_questions.setdefault(key, fact)
        if self.unreadable:
            return  # the missing ids may live in the file that failed to parse
        for fact in facts:
            for related in fact.related:
                if related not in seen_ids:
                    self.problem(
                        fact.file, fact.line, f"'{fact.id}' relates to unknown id '{related}'"
                    )

    # -- entities and lexicon ---------------------------------------------------------------

    def load_entities(
        self, path: Path
    ) -> tuple[tuple[Country, ...], tuple[Exercise, ...], dict[str, tuple[str, ...]]]:
        data = self.read_yaml(path) if path.exists() else None
        name = self.display(path)
        if not path.exists():
            self.problem(name, 0, "the entities file is missing")
        if not isinstance(data, LineDict):
            if data is not None:
                self.problem(name, line_of(data), "entities must be a mapping")
            return (), (), {}
        partners = tuple(
            Country(
                name=str(item["name"]),
                spelling=str(item.get("spelling") or item["name"]),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
            )
            for item in self.entity_items(name, data, "countries", ("name", "spelling"))
        )
        exercises = tuple(
            Exercise(
                name=str(item["name"]), aliases=tuple(str(a) for a in item.get("aliases") or ())
            )
            for item in self.entity_items(name, data, "exercises", ("name",))
        )
        others_raw = data.get("other_country_aliases") or {}
        others: dict[str, tuple[str, ...]] = {}
        if not isinstance(others_raw, dict):
            self.problem(name, line_of(data, "other_country_aliases"), "must be a mapping")
        else:
            for country, aliases in others_raw.items():
                if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                    self.problem(name, line_of(others_raw, country), "aliases must be a list")
                    continue
                others[str(country)] = tuple(aliases)
        return partners, exercises, others

    def entity_items(
        self, name: str, data: LineDict, key: str, required: tuple[str, ...]
    ) -> list[LineDict]:
        items = data.get(key)
        if not isinstance(items, list) or not items:
            self.problem(name, line_of(data, key) or data.line, f"'{key}' must be a non-empty list")
            return []
        good: list[LineDict] = []
        for index, item in enumerate(items):
            if not isinstance(item, LineDict):
                self.problem(name, line_of(items, index), f"each of '{key}' must be a mapping")
                continue
            missing = [field_name for field_name in required if not item.get(field_name)]
            if missing:
                self.problem(name, item.line, f"{key}: missing field '{missing[0]}'")
                continue
            aliases = item.get("aliases") or []
            if not isinstance(aliases, list):
                self.problem(name, line_of(item, "aliases"), "aliases must be a list")
                continue
            good.append(item)
        return good

    def load_lexicon(self, path: Path) -> Lexicon:
        empty = Lexicon(synonyms={}, stopwords=frozenset(), weak_words=frozenset())
        if not path.exists():
            self.problem(self.display(path), 0, "the lexicon file is missing")
            return empty
        data = self.read_yaml(path)
        name = self.display(path)
        if not isinstance(data, LineDict):
            if data is not None:
                self.problem(name, line_of(data), "the lexicon must be a mapping")
            return empty
        synonyms: dict[str, str] = {}
        groups = data.get("synonyms") or {}
        if not isinstance(groups, dict):
            self.problem(name, line_of(data, "synonyms"), "synonyms must be a mapping")
            groups = {}
        for canonical, variants in groups.items():
            if not isinstance(variants, list):
                self.problem(name, line_of(groups, canonical), "synonyms: give a list of variants")
                continue
            for variant in variants:
                if not isinstance(variant, str):
                    self.problem(
                        name,
                        line_of(groups, canonical),
                        f"synonyms: {variant!r} is not text (quote it)",
                    )
                    continue
                key = normalise(variant)
                if key in synonyms and synonyms[key] != normalise(str(canonical)):
                    self.problem(
                        name,
                        line_of(groups, canonical),
                        f"'{variant}' is a synonym of both '{synonyms[key]}' and '{canonical}'",
                    )
                synonyms[key] = normalise(str(canonical))
        word_sets = {}
        for key in ("stopwords", "weak_words"):
            words = data.get(key) or []
            if not isinstance(words, list):
                self.problem(name, line_of(data, key), f"{key} must be a list")
                words = []
            for word in words:
                if not isinstance(word, str):
                    self.problem(
                        name,
                        line_of(data, key),
                        f"{key}: {word!r} is not text (YAML reads yes/no/on/off as booleans:"
                        " quote them)",
                    )
            word_sets[key] = frozenset(
                normalise(str(word)) for word in words if isinstance(word, str)
            )
        return Lexicon(
            synonyms=synonyms, stopwords=word_sets["stopwords"], weak_words=word_sets["weak_words"]
        )
