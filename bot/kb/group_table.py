"""The partner-group table (knowledge/partner_groups.yaml, written by `make groups`): optional, but
when present every group is checked like the rest of the knowledge, so a hand edit that names a
partner the document does not list, or gives two groups one word, is a `check` problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.kb.model import GroupTable, PartnerGroup
from bot.kb.reader import ProblemLog
from bot.kb.yaml_lines import LineDict, line_of
from bot.text import normalise

GROUP_FIELDS = frozenset({"name", "kind", "classification", "note", "words", "partners", "members"})
KINDS = ("region", "membership")


def read_group_table(log: ProblemLog, path: Path, partners: tuple[str, ...]) -> GroupTable | None:
    """The table, or None when the file is absent (no group is then answered) or wrong."""
    if not path.exists():
        return None
    name = log.display(path)
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "the partner-group table must be a mapping")
        return None
    source = log.required_text(name, data, "source")
    cues = _texts(log, name, data, "cues")
    unclassified = _texts(log, name, data, "unclassified")
    owners: dict[str, str] = {word: "unclassified" for word in unclassified}
    groups_data = data.get("groups")
    if not isinstance(groups_data, LineDict) or not groups_data:
        log.add(name, line_of(data, "groups") or data.line, "'groups' must be a non-empty mapping")
        return None
    groups = []
    for key, entry in groups_data.items():
        group = _group(log, name, str(key), entry, set(partners))
        if group is None:
            continue
        for word in group.words:
            owner = owners.setdefault(word, group.key)
            if owner != group.key:
                log.add(name, line_of(entry, "words"), f"'{word}' names both {owner} and {key}")
        groups.append(group)
    return GroupTable(source, tuple(groups), frozenset(cues), tuple(unclassified))


def _group(
    log: ProblemLog, name: str, key: str, entry: Any, partners: set[str]
) -> PartnerGroup | None:
    if not isinstance(entry, LineDict):
        log.add(name, line_of(entry), f"group '{key}' must be a mapping")
        return None
    log.fields(name, entry, GROUP_FIELDS, f"{key}: ")
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
        note=str(entry.get("note") or "").strip(),
    )


def _texts(
    log: ProblemLog, name: str, entry: LineDict, key: str, *, required: bool = True
) -> list[str]:
    """A list of texts, normalised for `cues`, `unclassified` and `words` (compared with
    normalised questions), as written otherwise."""
    items = log.text_list(name, entry, key, required=required)
    if key in {"cues", "unclassified", "words"}:
        return [normalise(item) for item in items if normalise(item)]
    return items
