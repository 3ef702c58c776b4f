"""The labelled sets of tests/data, and the knowledge base made bigger: what the unit tests and
`make bench` share."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable
from pathlib import Path

from bot.evaluation import Dialogue, Item, load_items
from bot.kb import Fact, KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data"
# The sets of the first issues, then those of issue 10 (chatty wording, several questions in one
# message, follow-ups, what the document does not say, partner groups).
FIRST_SETS = ("questions", "holdout")
NEW_SETS = (
    "chatty",
    "chatty_holdout",
    "chatty_dev",
    "chatty_dev2",
    "chatty_holdout2",
    "chatty_dev3",
    "chatty_dev4",
    "multipart",
    "followups",
    "not_said",
    "groups",
)
# The sets of issue 11: questions in Russian and Azerbaijani, the first two blind, the others
# development sets.
LANGUAGE_SETS = ("lang_ru", "lang_az", "lang_ru_dev", "lang_az_dev")
LANGUAGE_OF = {name: name.split("_")[1] for name in LANGUAGE_SETS}
BLIND_LANGUAGE_SETS = LANGUAGE_SETS[:2]  # Russian, Azerbaijani


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


def scaled(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """The knowledge base with `factor` times the facts and phrasings: each copy's phrasings
    are the originals with generated words, so the vocabulary grows too."""
    rng = random.Random(seed)
    facts: list[Fact] = list(kb.facts)
    for copy in range(1, factor):
        for fact in kb.facts:
            if fact.slot:
                continue
            marker = f"topic{copy}x{rng.randrange(10**6)}"
            questions = tuple(f"{q} {marker} w{rng.randrange(5000)}" for q in fact.questions)
            facts.append(
                dataclasses.replace(
                    fact, id=f"{fact.id}_{copy}", command=None, questions=questions, related=()
                )
            )
    return dataclasses.replace(kb, facts=tuple(facts))
