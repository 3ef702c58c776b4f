"""The common-words list (knowledge/common_words.txt, written by `make words`): optional, but when
present every line is checked like the rest of the knowledge, so a hand edit that slips in a
phrase or a capital is a `check` problem rather than a word the corrector silently ignores."""

from __future__ import annotations

import re
from pathlib import Path

from bot.kb.reader import ProblemLog

_WORD = re.compile(r"[a-z]+")


def read_common_words(log: ProblemLog, path: Path) -> frozenset[str]:
    """The words, or none when the file is absent (every unknown word may then be a typo)."""
    if not path.exists():
        return frozenset()
    name = log.display(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        log.add(name, 0, f"cannot read the common-words list: {error}")
        return frozenset()
    words: set[str] = set()
    for number, line in enumerate(lines, start=1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not _WORD.fullmatch(word):
            log.add(name, number, f"'{word}' is not one lower-case word")
            continue
        words.add(word)
    return frozenset(words)
