"""The entities file (partner countries, exercises, other countries' aliases) and the lexicon
(synonyms, stopwords, weak words): the names and words the matcher reads questions with."""

from __future__ import annotations

from pathlib import Path

from bot.kb.model import Country, Exercise, Lexicon
from bot.kb.reader import ProblemLog
from bot.kb.yaml_lines import LineDict, line_of
from bot.text import normalise

Entities = tuple[tuple[Country, ...], tuple[Exercise, ...], dict[str, tuple[str, ...]]]


def read_entities(log: ProblemLog, path: Path) -> Entities:
    """Partners, exercises and other countries' aliases; empty after reporting a problem."""
    name = log.display(path)
    if not path.exists():
        log.add(name, 0, "the entities file is missing")
        return (), (), {}
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "entities must be a mapping")
        return (), (), {}
    partners = tuple(
        Country(
            name=str(item["name"]),
            spelling=str(item.get("spelling") or item["name"]),
            aliases=tuple(str(a) for a in item.get("aliases") or ()),
        )
        for item in _entity_items(log, name, data, "countries", ("name", "spelling"))
    )
    exercises = tuple(
        Exercise(name=str(item["name"]), aliases=tuple(str(a) for a in item.get("aliases") or ()))
        for item in _entity_items(log, name, data, "exercises", ("name",))
    )
    others_raw = data.get("other_country_aliases") or {}
    others: dict[str, tuple[str, ...]] = {}
    if not isinstance(others_raw, dict):
        log.add(name, line_of(data, "other_country_aliases"), "must be a mapping")
        return partners, exercises, others
    for country, aliases in others_raw.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            log.add(name, line_of(others_raw, country), "aliases must be a list")
            continue
        others[str(country)] = tuple(aliases)
    return partners, exercises, others


def _entity_items(
    log: ProblemLog, name: str, data: LineDict, key: str, required: tuple[str, ...]
) -> list[LineDict]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        log.add(name, line_of(data, key) or data.line, f"'{key}' must be a non-empty list")
        return []
    good: list[LineDict] = []
    for index, item in enumerate(items):
        if not isinstance(item, LineDict):
            log.add(name, line_of(items, index), f"each of '{key}' must be a mapping")
            continue
        missing = [field_name for field_name in required if not item.get(field_name)]
        if missing:
            log.add(name, item.line, f"{key}: missing field '{missing[0]}'")
            continue
        if not isinstance(item.get("aliases") or [], list):
            log.add(name, line_of(item, "aliases"), "aliases must be a list")
            continue
        good.append(item)
    return good


def read_lexicon(log: ProblemLog, path: Path) -> Lexicon:
    """Synonyms, stopwords and weak words, normalised as questions will be."""
    empty = Lexicon(synonyms={}, stopwords=frozenset(), weak_words=frozenset())
    name = log.display(path)
    if not path.exists():
        log.add(name, 0, "the lexicon file is missing")
        return empty
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "the lexicon must be a mapping")
        return empty
    return Lexicon(
        synonyms=_synonyms(log, name, data),
        stopwords=_word_set(log, name, data, "stopwords"),
        weak_words=_word_set(log, name, data, "weak_words"),
        question_words=_word_set(log, name, data, "question_words"),
        ask_phrases=_word_set(log, name, data, "ask_phrases"),
        joiners=_word_set(log, name, data, "joiners"),
        wh_words=_word_set(log, name, data, "wh_words"),
        embedding_verbs=_word_set(log, name, data, "embedding_verbs"),
        followup_phrases=_word_set(log, name, data, "followup_phrases"),
        anaphora=_word_set(log, name, data, "anaphora"),
        year_anaphora=_word_set(log, name, data, "year_anaphora"),
        country_anaphora=_word_set(log, name, data, "country_anaphora"),
        more_phrases=_word_set(log, name, data, "more_phrases"),
        summary_phrases=_word_set(log, name, data, "summary_phrases"),
    )


def _synonyms(log: ProblemLog, name: str, data: LineDict) -> dict[str, str]:
    synonyms: dict[str, str] = {}
    groups = data.get("synonyms") or {}
    if not isinstance(groups, dict):
        log.add(name, line_of(data, "synonyms"), "synonyms must be a mapping")
        return synonyms
    for canonical, variants in groups.items():
        if not isinstance(variants, list):
            log.add(name, line_of(groups, canonical), "synonyms: give a list of variants")
            continue
        for variant in variants:
            if not isinstance(variant, str):
                message = f"synonyms: {variant!r} is not text (quote it)"
                log.add(name, line_of(groups, canonical), message)
                continue
            key = normalise(variant)
            if key in synonyms and synonyms[key] != normalise(str(canonical)):
                message = f"'{variant}' is a synonym of both '{synonyms[key]}' and '{canonical}'"
                log.add(name, line_of(groups, canonical), message)
            synonyms[key] = normalise(str(canonical))
    return synonyms


def _word_set(log: ProblemLog, name: str, data: LineDict, key: str) -> frozenset[str]:
    words = data.get(key) or []
    if not isinstance(words, list):
        log.add(name, line_of(data, key), f"{key} must be a list")
        return frozenset()
    for word in words:
        if not isinstance(word, str):
            log.add(
                name,
                line_of(data, key),
                f"{key}: {word!r} is not text (YAML reads yes/no/on/off as booleans: quote them)",
            )
    return frozenset(normalise(word) for word in words if isinstance(word, str))
