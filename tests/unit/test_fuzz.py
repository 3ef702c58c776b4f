"""A few hundred hostile questions through every front end's path; `make bench` runs 20,000
(tests/bench/fuzz.py). No exception, no reply Telegram would refuse, no user text unescaped."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from bot.cli import json_line
from bot.console import reply_to_console
from bot.engine import QAEngine
from bot.store.questions import MAX_QUESTION_CHARS, stored_text
from bot.telegram.render import card_message, inline_article
from tests.support.fuzzing import own_tags, questions, reply_problems

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def tags(engine: QAEngine) -> frozenset[str]:
    return own_tags(engine)


def test_the_checks_catch_what_they_look_for(tags: frozenset[str]) -> None:
    assert reply_problems("<b>ok</b> &lt;", tags) == []
    assert reply_problems("a < b", tags) == ["invalid HTML", "unescaped <"]
    assert reply_problems("<script>x</script>", tags) == ["invalid HTML", "unescaped <"]
    assert reply_problems("😀" * 2049, tags) == ["over 4096 UTF-16 units"]


@FUZZ
@given(question=questions)
def test_hostile_questions_get_replies_telegram_accepts(
    engine: QAEngine, tags: frozenset[str], question: str
) -> None:
    answer = engine.ask(question)
    text, _keyboard = card_message(answer)
    assert reply_problems(text, tags) == []
    assert reply_problems(inline_article(answer).input_message_content.message_text, tags) == []
    line = json_line(answer.as_json())
    assert "\n" not in line and "\u2028" not in line and json.loads(line)["question"] == question
    assert reply_problems(json.loads(line)["html"], tags) == []
    assert "<" not in answer.text or "<" in question  # plain text carries no markup
    reply_to_console(engine, question)
    kept = stored_text(question)
    assert len(kept) <= MAX_QUESTION_CHARS
    kept.encode("utf-8")  # what SQLite needs: no lone surrogate left
