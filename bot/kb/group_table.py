"""The partner-group table (knowledge/partner_groups.yaml, written by `make groups`): optional, but
when present every group is checked like the rest of the knowledge, so a hand edit that names a
partner the document does not list, or gives two groups one word, is a `check` problem.

Each text and list comes in Russian and Azerbaijani too (`name_ru`, `words_az`, `cues_ru` …).
With an i18n folder (the knowledge base is translated) every group needs them, as every fact
needs its translation: a group missing one would be answered in English to a Russian question.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from bot.kb.model import TRANSLATED, GroupTable, GroupTranslation, PartnerGroup
from bot.kb.reader import ProblemLog
from bot.kb.yaml_lines import LineDict, line_of
from bot.text import is_cyrillic, normalise, stem

GROUP_FIELDS = frozenset({"name", "kind", "classification", "note", "words", "partners", "members"})
TRANSLATED_GROUP_FIELDS = ("name", "classification", "note", "words")
LISTS = ("cues", "unclassified")  # the table's lists, each also in every translation
KINDS = ("region", "membership")
_NUMBER = re.compile(r"\d+")


def group_key(phrase: str) -> tuple[str, ...]:
    """How a normalised phrase is looked up: a Russian word by its stem, so that "Европа" also
    names the group as "Европе" and "Европы" do; any other word as it is written."""
    return tuple(stem(word) if is_cyrillic(word) else word for word in phrase.split())


def read_group_table(
    log: ProblemLog,
    path: Path,
    partners: tuple[str, ...],
    languages: tuple[str, ...] = (),
) -> GroupTable | None:
    """The table, or None when the file is absent (no group is then answered) or wrong.
    `languages`: those every group must be translated into (none for an English-only
    knowledge base); the table's translations are read either way."""
    if not path.exists():
        return None
    name = log.display(path)
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "the partner-group table must be a mapping")
        return None
    source = log.required_text(name, data, "source")
    required = ("en", *languages)
    lists = {
        (field, language): _texts(
            log, name, data, _field(field, language), required=language in required
        )
        for field in LISTS
        for language in ("en", *TRANSLATED)
    }
    owners: dict[tuple[str, ...], str] = {
        group_key(word): "unclassified"
        for language in ("en", *TRANSLATED)
        for word in lists[("unclassified", language)]
    }
    groups_data = data.get("groups")
    if not isinstance(groups_data, LineDict) or not groups_data:
        log.add(name, line_of(data, "groups") or data.line, "'groups' must be a non-empty mapping")
        return None
    groups = []
    for key, entry in groups_data.items():
        group = _group(log, name, str(key), entry, set(partners), languages)
        if group is None:
            continue
        translated = [t.words for t in group.translations.values()]
        for word in (w for words in (group.words, *translated) for w in words):
            owner = owners.setdefault(group_key(word), group.key)
            if owner != group.key:
                log.add(name, line_of(entry, "words"), f"'{word}' names both {owner} and {key}")
        groups.append(group)
    return GroupTable(
        source,
        tuple(groups),
        frozenset(lists[("cues", "en")]),
        tuple(lists[("unclassified", "en")]),
        translated_cues={
            language: frozenset(lists[("cues", language)])
            for language in TRANSLATED
            if lists[("cues", language)]
        },
        translated_unclassified={
            language: tuple(lists[("unclassified", language)])
            for language in TRANSLATED
            if lists[("unclassified", language)]
        },
    )


def _group(
    log: ProblemLog,
    name: str,
    key: str,
    entry: Any,
    partners: set[str],
    languages: tuple[str, ...],
) -> PartnerGroup | None:
    if not isinstance(entry, LineDict):
        log.add(name, line_of(entry), f"group '{key}' must be a mapping")
        return None
    allowed = GROUP_FIELDS | {
        _field(field, language) for field in TRANSLATED_GROUP_FIELDS for language in TRANSLATED
    }
    log.fields(name, entry, allowed, f"{key}: ")
    label = log.required_text(name, entry, "name")
    classification = log.required_text(name, entry, "classification")
    kind = entry.get("kind")
    if kind not in KINDS:
        log.add(name, line_of(entry, "kind"), f"{key}: kind must be one of {', '.join(KINDS)}")
    words = _texts(log, name, entry, "words")
    if not words:
        log.add(name, line_of(entry, "words"), f"{key}: give the words that name the group")
    listed = _texts(log, name, entry, "partners", required=False)
    for partner in listed:
        if partner not in partners:
            where = line_of(entry, "partners")
            log.add(name, where, f"{key}: '{partner}' is not one of the document's partners")
    members = _texts(log, name, entry, "members", required=False)
    note = str(entry.get("note") or "").strip()
    translations: dict[str, GroupTranslation] = {}
    for language in TRANSLATED:
        translation = _translation(log, name, key, entry, language, (classification, note))
        if translation is not None:
            translations[language] = translation
        elif language in languages:
            given = ", ".join(
                _field(field, language) for field in ("name", "classification", "words")
            )
            log.add(name, entry.line, f"{key}: no {language} translation ({given})")
    if not (label and classification and words and kind in KINDS):
        return None
    return PartnerGroup(
        key=key,
        name=label,
        region=kind == "region",
        classification=classification,
        words=tuple(words),
        partners=tuple(p for p in listed if p in partners),
        members=tuple(members),
        note=note,
        translations=translations,
    )


def _translation(
    log: ProblemLog,
    name: str,
    key: str,
    entry: LineDict,
    language: str,
    english: tuple[str, str],
) -> GroupTranslation | None:
    """The group's texts in `language`; None when it has none at all. One given without the
    others, a note the English lacks (or lacks where the English has one), or a figure of the
    English classification or note missing is a problem: a translation never changes one."""
    fields = {field: _field(field, language) for field in TRANSLATED_GROUP_FIELDS}
    if not any(field in entry for field in fields.values()):
        return None
    texts = {}
    for field in ("name", "classification", "note"):
        value = entry.get(fields[field])
        texts[field] = str(value).strip() if isinstance(value, str | int) else ""
    for field, text in zip(("classification", "note"), english, strict=True):
        if bool(text) != bool(texts[field]):
            where = line_of(entry, fields[field]) or entry.line
            given = "the English has none" if texts[field] else "missing"
            log.add(name, where, f"{key}: '{fields[field]}' {given}")
        missing = Counter(_NUMBER.findall(text)) - Counter(_NUMBER.findall(texts[field]))
        if text and texts[field] and missing:
            where = line_of(entry, fields[field])
            log.add(
                name,
                where,
                f"{key}.{fields[field]}: the English numbers {sorted(missing)} are missing",
            )
    if not texts["name"]:
        log.add(name, entry.line, f"{key}: missing field '{fields['name']}'")
    words = _texts(log, name, entry, fields["words"])
    if not words:
        log.add(
            name,
            line_of(entry, fields["words"]) or entry.line,
            f"{key}: give the {language} words that name the group",
        )
    return GroupTranslation(
        language=language,
        name=texts["name"],
        classification=texts["classification"],
        words=tuple(words),
        note=texts["note"],
    )


def _field(field: str, language: str) -> str:
    """A field's name in the table: `words` in English, `words_ru` in Russian."""
    return field if language == "en" else f"{field}_{language}"


def _texts(
    log: ProblemLog, name: str, entry: LineDict, key: str, *, required: bool = True
) -> list[str]:
    """A list of texts, normalised for the cues, unclassified groups and words of any language
    (compared with normalised questions), as written otherwise."""
    items = log.text_list(name, entry, key, required=required)
    if key.split("_")[0] in {"cues", "unclassified", "words"}:
        return [normalise(item) for item in items if normalise(item)]
    return items
