"""The matcher's vetoes (bot/vetoes.py): a fact that scores best does not answer a question
about a name no fact knows, nor one that shares only the words of its gaps."""

from __future__ import annotations

from bot.engine import QAEngine
from bot.kb.model import Fact, FactKind, Gap
from bot.vetoes import Vetoes


def test_only_the_words_of_a_gap_do_not_make_a_question_about_the_fact(engine: QAEngine) -> None:
    answer = engine.ask("Müdafiə Nazirliyinin büdcəsi nə qədərdir?")  # the ministry's budget
    assert answer.fact_id is None and not answer.matched
    # with a word of the fact's own, the gap's words ask what the fact leaves out
    answer = engine.ask("2016-cı ildə təlimlərin büdcəsi nə qədər olub?")
    assert answer.fact_id == "exercises_2016" and answer.gaps


def test_a_veto_reads_the_fact_and_its_gap_questions_apart(engine: QAEngine) -> None:
    analyse = engine.matcher.analyser.analyse
    gap = Gap(note="The cost is not given.", triggers=("cost",), questions=("what did it cost",))
    fact = Fact(
        id="drills",
        kind=FactKind.FACT,
        title="Drills",
        answer="Drills were held.",
        sources=("Drills were held.",),
        questions=("which drills were held", "what did it cost"),
        gaps=(gap,),
    )
    chat = Fact(id="hi", kind=FactKind.SMALLTALK, title="Hi", answer="Hi!", questions=("hi",))
    readings = [[analyse(q, correct=False) for q in f.phrasings] for f in (fact, chat)]
    vetoes = Vetoes([fact, chat], readings, frozenset({"what", "did"}))
    cost = set(analyse("what did it cost", correct=False).terms)
    drills = set(analyse("what did the drills cost", correct=False).terms)
    assert vetoes.vetoed("drills", cost, (), frozenset())
    assert not vetoes.vetoed("drills", drills, (), frozenset())
    assert vetoes.vetoed("drills", drills, ("nato",), frozenset({"nato"}))  # an unknown name
    assert not vetoes.vetoed("hi", cost, ("nato",), frozenset({"nato"}))  # small talk
