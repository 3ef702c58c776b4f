"""The labelled sets of tests/data: what the unit tests and `make bench` share."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.evaluation import Dialogue, Item, load_items

DATA = Path(__file__).resolve().parents[1] / "data"
# The sets of the first issues, then those of issue 10 (chatty wording, several questions in one
# message, follow-ups, what the document does not say, partner groups).
FIRST_SETS = ("questions", "holdout")
NEW_SETS = ("chatty", "chatty_holdout", "multipart", "followups", "not_said", "groups")


def items(name: str) -> list[Item]:
    return load_items(DATA / f"{name}.yaml")


def messages(names: Iterable[str]) -> list[str]:
    """Every message of these sets: each question, each multi-part message, each turn."""
    found = []
    for name in names:
        for item in items(name):
            if isinstance(item, Dialogue):
                found += [turn.question for turn in item.turns]
            else:
                found.append(item.question)
    return found
