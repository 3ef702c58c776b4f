"""Real words are not typos: knowledge/common_words.txt (written by `make words` from wordfreq)
keeps the corrector from reading "president" as "present" or "stranger" as "stronger", which
turned off-topic messages into document answers. Real typos are still corrected."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import Outcome
from bot.engine import QAEngine
from bot.kb import KnowledgeBase, KnowledgeError, load_knowledge
from bot.kb.loader import COMMON_WORDS_FILE


def test_the_list_is_read_and_holds_everyday_words(kb: KnowledgeBase) -> None:
    assert {"president", "stranger", "colleague", "story", "whole"} <= kb.common_words
    assert not {"partnrs", "excersises", "armys"} & kb.common_words


@pytest.mark.parametrize(
    "message",
    [
        "hey there, stranger",  # was read as "stronger": the growth of cooperation
        "who is the president of france?",  # "present"
        "my colleague says the college is closed",  # "college"
        "tell me a story about ships",  # "store", "shops"
    ],
)
def test_a_real_word_is_not_read_as_a_knowledge_word(engine: QAEngine, message: str) -> None:
    answer = engine.ask(message)  # "hey there, stranger" is greeted: no document fact
    assert answer.outcome is not Outcome.FACT, (message, answer.fact_id)


@pytest.mark.parametrize(
    ("message", "fact_id"),
    [
        ("partnrs list", "partners"),
        ("excersises in 2016?", "exercises_2016"),
        ("wich countrys are partners", "partners"),
        ("the whole list of partners pls", "partners"),
    ],
)
def test_typos_are_still_corrected(engine: QAEngine, message: str, fact_id: str) -> None:
    assert engine.ask(message).fact_id == fact_id


def test_without_the_list_every_unknown_word_may_be_a_typo(knowledge_copy: Path) -> None:
    (knowledge_copy / COMMON_WORDS_FILE).unlink()
    kb = load_knowledge(knowledge_copy)
    assert kb.common_words == frozenset()
    assert QAEngine(kb).ask("hey there, stranger").fact_id == "cooperation_growth"


def test_a_line_that_is_not_one_word_is_located(knowledge_copy: Path) -> None:
    path = knowledge_copy / COMMON_WORDS_FILE
    path.write_text("# a comment\nwhole\nNew York\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    [problem] = raised.value.problems
    assert (problem.line, "'New York' is not one lower-case word") == (3, problem.message)
