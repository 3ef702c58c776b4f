"""A knowledge base's version: a short hash of its content, so that a scrape of /metrics can
tell which knowledge each replica answers with after a /reload or a lesson."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from enum import Enum


def knowledge_version(kb: object) -> str:
    """12 hex digits of a SHA-256 of the knowledge base's content, the same in every process
    that loaded the same files and taught phrasings (no set order, no object address)."""
    return hashlib.sha256(repr(_canonical(kb)).encode()).hexdigest()[:12]


def _canonical(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, _canonical(getattr(value, f.name)))
            for f in fields(value)
            if not f.name.startswith("_")
        )
    if isinstance(value, Mapping):
        return tuple(sorted((repr(_canonical(k)), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_canonical(item)) for item in value))
    if isinstance(value, (tuple, list)):
        return tuple(_canonical(item) for item in value)
    return type(value).__name__  # nothing else carries knowledge; an address would differ
