"""Teaching (issue 12): a taught phrasing is checked like a YAML one, answers at once, never
changes an answer text, and cannot teach the bot a wrong fact about a name."""

from __future__ import annotations

import pytest
import yaml

from bot.engine import QAEngine
from bot.i18n import Translator
from bot.kb import KnowledgeBase
from bot.store.records import TaughtPhrasing
from bot.teaching import (
    ALREADY_ANSWERED,
    ANSWERED_OTHERWISE,
    BLANK,
    COLLISION,
    MAX_TAUGHT_CHARS,
    OUT_OF_SCOPE,
    TOO_LONG,
    UNKNOWN_FACT,
    UNKNOWN_NAME,
    Lesson,
    Refusal,
    export_yaml,
    exported,
    teach,
    with_taught,
)

GRANDPA = "my grandpa keeps quoting that line about soldiers holding up the whole nation"
RUSSIAN = "в 17м году встреча командующих аз тур груз в какой стране будет"


def refused(verdict: Lesson | Refusal) -> str:
    assert isinstance(verdict, Refusal), verdict
    return verdict.message


def test_a_taught_phrasing_answers_at_once_and_changes_no_answer(
    kb: KnowledgeBase, engine: QAEngine
) -> None:
    assert engine.ask(GRANDPA).fact_id is None  # what the bot did before
    lesson = teach(kb, [], "quote", GRANDPA, current=engine)
    assert isinstance(lesson, Lesson) and lesson.language == "en"
    answer = lesson.engine.ask(GRANDPA)
    assert answer.fact_id == "quote" and answer.matched
    assert answer.html == lesson.engine.card("quote").html == engine.card("quote").html
    # The near-miss rules still hold in the engine that learnt it.
    for question in ("Is Iraq a partner?", "Is Austria a partner?", "What is NATO?"):
        assert lesson.engine.ask(question).fact_id == engine.ask(question).fact_id


def test_a_phrasing_is_taught_in_its_own_language(kb: KnowledgeBase, engine: QAEngine) -> None:
    lesson = teach(kb, [], "trilateral_2017", RUSSIAN, current=engine)
    assert isinstance(lesson, Lesson) and lesson.language == "ru"
    fact = lesson.engine.kb.fact("trilateral_2017")
    assert fact.translations["ru"].questions[-1] == RUSSIAN
    assert RUSSIAN not in fact.questions
    answer = lesson.engine.ask(RUSSIAN)
    assert (answer.fact_id, answer.language) == ("trilateral_2017", "ru")
    assert "Грузи" in answer.html


def test_with_taught_leaves_out_facts_the_yaml_no_longer_has(kb: KnowledgeBase) -> None:
    taught = [TaughtPhrasing(1, "gone", "en", "x"), TaughtPhrasing(2, "quote", "az", "atalar sözü")]
    changed = with_taught(kb, taught)
    assert changed.get("gone") is None
    assert changed.fact("quote").translations["az"].questions[-1] == "atalar sözü"
    assert with_taught(kb, []) is kb


@pytest.mark.parametrize(
    ("fact_id", "question", "reason"),
    [
        ("no_such_fact", "what drills", UNKNOWN_FACT),
        ("quote", "   ", BLANK),
        ("quote", "why " * MAX_TAUGHT_CHARS, TOO_LONG),
        ("exercises_2016", "yo what drills did they do in 2016 lol", ALREADY_ANSWERED),
        # a question the bot answers with another fact: only when its asker said it was wrong
        ("exercises_2016", "Which countries are partners?", ANSWERED_OTHERWISE),
        # a name the document never mentions would become a word that pulls to the fact
        ("partner_group", "which partners are in NATO", UNKNOWN_NAME),
        # a name the fact does not cover: the bot could never answer it with that fact
        ("exercises_2016", "did Iraq take part in the drills", OUT_OF_SCOPE),
        ("partners", "what about Japan in the old days", OUT_OF_SCOPE),
    ],
)
def test_refusals(
    kb: KnowledgeBase, engine: QAEngine, fact_id: str, question: str, reason: str
) -> None:
    assert refused(teach(kb, [], fact_id, question, current=engine)) == reason


def test_teaching_is_a_partner_to_the_partner_list_is_refused(
    kb: KnowledgeBase, engine: QAEngine
) -> None:
    """The issue's own example, even with the asker saying the answer was wrong: it reads the
    same as the per-country check, whose entity rules answer it truthfully."""
    verdict = teach(kb, [], "partners", "is Iraq a partner", answered_wrongly=True, current=engine)
    assert refused(verdict) == COLLISION
    assert "partner_check" in str(verdict)


def test_a_refusal_is_shown_in_the_operators_language(kb: KnowledgeBase) -> None:
    verdict = Refusal(UNKNOWN_NAME, (("name", "nato"),))
    assert str(verdict) == "it names “nato”, which the document never mentions"
    assert (
        verdict.text(Translator("ru")) == "в нём названо «nato», а документ это нигде не упоминает"
    )


def test_export_groups_by_file_and_fact_and_clears_what_the_yaml_holds(kb: KnowledgeBase) -> None:
    taught = [
        TaughtPhrasing(1, "quote", "en", GRANDPA),
        TaughtPhrasing(2, "trilateral_2017", "ru", RUSSIAN),
        TaughtPhrasing(3, "quote", "en", "  CITATION  please "),
        TaughtPhrasing(4, "quote", "en", "Цитата Гейдара Алиева"),  # the YAML has it (in ru)
    ]
    text = export_yaml(kb, taught)
    assert text.startswith("# Taught phrasings")
    assert yaml.safe_load(text) == {
        kb.fact("quote").file: {"quote": [GRANDPA, "  CITATION  please ", "Цитата Гейдара Алиева"]},
        kb.fact("quote").translations["ru"].file: {"trilateral_2017": [RUSSIAN]},
    }
    assert exported(kb, taught) == [taught[3]]
    assert yaml.safe_load(export_yaml(kb, [])) == {}


def test_a_taught_message_adds_a_way_of_asking_and_no_weight_to_other_words(
    kb: KnowledgeBase, engine: QAEngine
) -> None:
    """Taught, a chatty message must not change how other questions are read: its words do
    not count as known (its "heyyy" still reads as "hey"), and it moves no YAML word's weight."""
    greeting = "heyyy 👋👋 anyone home in this chat?"
    lesson = teach(kb, [], "greeting", greeting, current=engine)
    assert isinstance(lesson, Lesson)
    assert lesson.engine.ask(greeting).fact_id == "greeting"
    assert lesson.engine.ask("heyyy 👋").fact_id == engine.ask("heyyy 👋").fact_id == "greeting"
    before, after = engine.matcher, lesson.engine.matcher
    shared = [term for term in before.phrasing_terms()["greeting"][0] if term]
    assert all(after.weight(term) == before.weight(term) for term in shared)
    # A taught phrasing answers its own message less surely than a written one would.
    assert lesson.engine.ask(greeting).confidence < 1.0


def test_an_engine_is_freed_when_dropped(kb: KnowledgeBase) -> None:
    """No reference cycle: a swapped-out engine goes at once, without the cyclic collector
    (whose passes over a heap of two engines stall the event loop; bot/quiet.py freezes)."""
    import gc

    gc.collect()
    engine = QAEngine(kb)
    engine.ask("Which exercises were held in 2016?")
    enabled = gc.isenabled()
    gc.disable()
    try:
        del engine
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
