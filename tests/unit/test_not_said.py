"""Saying what the document does not say, through the real engine: a question that asks beyond
a fact gets the fact and a plain note of what is missing; a question about everything on a
year, a country or a training gets every fact on it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answers import NOT_SAID, Answer, Outcome
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.kb import KnowledgeBase, load_knowledge
from bot.kb.translations import TRANSLATIONS_DIR
from bot.limits import MAX_TEXT, visible_len
from bot.summary import SUMMARY_ID
from bot.text import normalise
from tests.conftest import KNOWLEDGE

DATA = Path(__file__).resolve().parents[1] / "data" / "not_said.yaml"


def _labelled() -> list[dict[str, Any]]:
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert isinstance(items, list)
    return items


def _facts_of(answer: Answer) -> list[str | None]:
    return [part.fact_id for part in answer.parts] if answer.parts else [answer.fact_id]


def _noted(answer: Answer) -> bool:
    """The note is in both renderings, of the answer or of one of its parts."""
    return NOT_SAID in answer.text and NOT_SAID in answer.message_html()


# -- a question beyond the fact: the fact, and what the document does not say -------------------


@pytest.mark.parametrize(
    ("question", "fact_id", "words"),
    [
        ("Which countries signed the agreements?", "agreements_signed", ["none of the 34"]),
        ("name the 34 countries", "agreements_signed", ["different list"]),
        ("What do the 34 agreements contain?", "agreements_signed", ["what the agreements"]),
        ("Which 7 countries signed in 2016?", "agreements_2016", ["none of the 7"]),
        ("who are the seven countries from 2016", "agreements_2016", ["none of the 7"]),
        ("which are the 11 countries negotiating?", "agreements_pending", ["none of the 11"]),
        ("What do the 21 agreements contain?", "agreements_pending", ["what they contain"]),
        ("Who took part in TURAZ Shahini?", "exercise_info", ["who took part"]),
        ("What kind of exercise was EFES?", "exercise_info", ["what kind of training"]),
        ("what happened at Ishig?", "exercise_info", ["what happened"]),
        ("who won EFES?", "exercise_info", ["how it ended"]),
        ("where did he say the army is a pillar?", "quote", ["on what occasion"]),
        ("when did Heydar Aliyev say those words?", "quote", ["when"]),
        ("so when r the 21 pending deals gonna be signed", "agreements_pending", ["when they"]),
        ("any drills in the second half of 2016?", "exercises_2016", ["second"]),
        ("what did the 900 attendees learn?", "events_attendance", ["learned"]),
        (
            "what is the name of the head of the Georgian armed forces?",
            "trilateral_meetings",
            ["names no one"],
        ),
        ("who are the trilateral meeting participants by name?", "trilateral_meetings", ["no one"]),
        ("who is the head of the armed forces?", "trilateral_meetings", ["names no one"]),
        ("How often do the trilateral meetings take place?", "trilateral_meetings", ["how often"]),
        ("In which city is the 2017 trilateral meeting?", "trilateral_2017", ["no city"]),
        ("On what date is the 2017 trilateral meeting?", "trilateral_2017", ["date"]),
        ("How many Georgian officers will attend the 2017 meeting?", "trilateral_2017", ["no one"]),
        ("why did azerbaijan sign so many agreements", "agreements_signed", ["no reason"]),
        ("How many troops joined the drills?", "exercises_2016", ["troops", "900"]),
        ("Where were the 2016 trainings held?", "exercises_2016", ["where they were held"]),
        ("when do the 2017 exercises start, on which dates?", "exercises_2017", ["dates"]),
        ("What are the Partnership Goals?", "partnership_goals", ["Partnership Goals"]),
        ("how many of the attendees went abroad", "events_attendance", ["abroad"]),
        ("who are the teachers of the French classes?", "french_courses", ["who teaches"]),
        ("when does the English course begin", "english_courses", ["start"]),
    ],
)
def test_a_question_beyond_the_fact_gets_the_fact_and_what_is_missing(
    engine: QAEngine, kb: KnowledgeBase, question: str, fact_id: str, words: list[str]
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id, question
    assert _noted(answer), answer.text
    note = answer.text.split(NOT_SAID, 1)[1]
    for word in words:
        assert word in note, note
    assert answer.sources  # the fact's answer and source stay
    data = answer.as_json()
    assert data["matched"] is True and data["intent"] == fact_id


def test_the_note_stands_after_the_answer_and_before_the_source(engine: QAEngine) -> None:
    answer = engine.ask("Which countries signed the agreements?")
    html = answer.message_html()
    assert html.index("34 countries") < html.index(NOT_SAID) < html.index("Source:")
    assert f"<b>{NOT_SAID}</b>" in html
    assert answer.text.index("34 countries") < answer.text.index(NOT_SAID)


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("how many countries signed agreements?", "agreements_signed"),
        ("How many agreements were signed in 2016?", "agreements_2016"),
        ("i need the number of countries who signed agreements in 2016", "agreements_2016"),
        ("How many agreements are under discussion?", "agreements_pending"),
        ("Who takes part in the trilateral meetings?", "trilateral_meetings"),
        ("Where will the trilateral meetings be held in 2017?", "trilateral_2017"),
        ("What exercises were held in 2016?", "exercises_2016"),
        ("When was EFES held?", "exercise_info"),
        ("How many representatives attended the events?", "events_attendance"),
        ("who organizes the French language courses", "french_courses"),
        ("Is Turkey a partner?", "partner_check"),
    ],
)
def test_an_ordinary_question_gets_no_note(engine: QAEngine, question: str, fact_id: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id
    assert not answer.gaps and NOT_SAID not in answer.text and NOT_SAID not in answer.html


def test_no_gap_fires_on_a_phrasing_the_card_answers(engine: QAEngine) -> None:
    assert engine.gaps.problems() == []


def test_backstory_before_the_question_asks_nothing(engine: QAEngine) -> None:
    answer = engine.ask("My father was a general. Who takes part in the trilateral meetings?")
    assert answer.fact_id == "trilateral_meetings" and not answer.gaps


def test_a_question_leaning_on_the_statement_asks_what_the_statement_wants(
    engine: QAEngine,
) -> None:
    answer = engine.ask(
        "I'm after the names of all 34 countries with those pacts. Could you list them?"
    )
    assert answer.fact_id == "agreements_signed" and _noted(answer)


def test_what_follows_the_question_still_asks(engine: QAEngine) -> None:
    answer = engine.ask("Who exactly attends the trilateral meetings? names of the generals pls")
    assert answer.fact_id == "trilateral_meetings" and _noted(answer)


def test_two_clauses_on_one_card_make_one_part_with_both_notes(engine: QAEngine) -> None:
    answer = engine.ask("which events were held in 2016? like which conferences and where")
    assert answer.fact_id == "events_2016" and not answer.parts
    assert _noted(answer)


def test_a_part_of_a_longer_reply_carries_its_own_note(engine: QAEngine) -> None:
    answer = engine.ask("who took part in EFES? was it a NATO thing?")
    assert _facts_of(answer) == ["exercise_info", None]
    assert answer.parts[0].gaps and "NATO" not in answer.parts[0].text
    assert _noted(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Which countries took part in the Zapad exercise?",
        "who took part in the Olympic games?",
        "what happened in 2015?",
        "in which city is the NATO summit?",
        "how many troops does Azerbaijan have?",
        "what is the growth rate of the economy?",
        "everything about Heydar Aliyev's childhood",
    ],
)
def test_a_question_about_what_the_document_never_mentions_stays_refused(
    engine: QAEngine, question: str
) -> None:
    answer = engine.ask(question)
    assert answer.outcome is Outcome.FALLBACK and not answer.gaps


# -- everything about a year, a country or a training ------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Anything happening in 2017?", ["exercises_2017", "trilateral_2017"]),
        ("Everything about Turkey", ["partner_check", "trilateral_meetings"]),
        (
            "what happened in 2016?",
            ["agreements_2016", "events_2016", "events_attendance", "exercises_2016"],
        ),
        ("give me an overview of Georgia", ["trilateral_meetings", "trilateral_2017"]),
        ("what does the document say about France?", ["partner_check", "french_courses"]),
        ("2017 as a whole, please", ["exercises_2017", "trilateral_2017"]),
        # a request, a year word, a preposition: words of no topic, as "tell me" and "in" are
        ("что было в 2016 году?", ["agreements_2016", "events_2016", "exercises_2016"]),
        ("скажи, что было в 2016 году", ["agreements_2016", "events_2016", "exercises_2016"]),
        ("подскажите, что происходило в 2017 году", ["exercises_2017", "trilateral_2017"]),
        ("Расскажите всё о Турции", ["partner_check", "trilateral_meetings"]),
        ("make a summary of 2016", ["agreements_2016", "events_2016", "exercises_2016"]),
        ("hello, everything about Turkey pls", ["partner_check", "trilateral_meetings"]),
    ],
)
def test_a_summary_gathers_every_fact_on_the_name(
    engine: QAEngine, question: str, expected: list[str]
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == SUMMARY_ID and answer.matched
    assert set(expected) <= set(_facts_of(answer))
    data = answer.as_json()
    assert data["intent"] == SUMMARY_ID and data["matched"] is True
    assert visible_len(answer.message_html()) <= MAX_TEXT
    title = {"en": "What the document says about", "ru": "Что документ говорит о"}
    assert answer.text.startswith(title[answer.language])


def test_a_summary_keeps_to_its_year(engine: QAEngine) -> None:
    facts_2016 = _facts_of(engine.ask("what happened in 2016?"))
    assert "exercises_2017" not in facts_2016 and "trilateral_2017" not in facts_2016
    assert "agreements_2016" not in _facts_of(engine.ask("anything planned for 2017?"))


def test_a_country_summary_answers_for_the_country_not_with_the_whole_list(
    engine: QAEngine,
) -> None:
    answer = engine.ask("everything about Georgia")
    assert _facts_of(answer)[0] == "partner_check" and "partners" not in _facts_of(answer)
    assert "Georgia" in answer.parts[0].text


def test_every_summary_fits_one_message(engine: QAEngine, kb: KnowledgeBase) -> None:
    names = [c.name for c in kb.partners] + [e.name for e in kb.exercises] + ["2016", "2017"]
    for name in names:
        answer = engine.ask(f"everything about {name}")
        assert answer.matched, name
        assert visible_len(answer.message_html()) <= MAX_TEXT, name


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("What exercises were held in 2016?", "exercises_2016"),
        ("Is Turkey a partner?", "partner_check"),
        ("Where will the trilateral meetings be held in 2017?", "trilateral_2017"),
        ("what does the document say about the agreements", "agreements_signed"),
        ("everything about EFES", "exercise_info"),
    ],
)
def test_a_precise_question_is_no_summary(engine: QAEngine, question: str, fact_id: str) -> None:
    assert engine.ask(question).fact_id == fact_id


def test_a_summary_phrase_with_another_topic_is_no_summary(engine: QAEngine) -> None:
    assert engine.ask("How do you say thank you in Georgian?").fact_id != SUMMARY_ID


def test_two_clauses_asking_everything_about_one_year_are_one_summary(
    engine: QAEngine,
) -> None:
    message = "anything going on in 2017? give me everything the document has on that year"
    answer = engine.ask(message)
    assert answer.fact_id == "summary"
    assert "Georgia" in answer.text and "exercises" in answer.text.lower()
    # A second clause asking something of its own is still asked.
    parts = engine.ask("anything going on in 2017? and is Spain a partner?").parts
    assert [part.fact_id for part in parts][-1] == "partner_check"


def test_a_follow_up_on_a_year_stays_a_follow_up(engine: QAEngine) -> None:
    first = engine.ask("Are exercises planned for 2017?")
    assert engine.ask("and in 2016?", Context.after(first)).fact_id == "exercises_2016"


def test_a_summary_asked_beyond_its_facts_notes_what_is_missing(engine: QAEngine) -> None:
    answer = engine.ask("When is anything planned in 2017?")
    exercises = next(p for p in answer.parts if p.fact_id == "exercises_2017")
    assert exercises.gaps and _noted(answer)


# -- the labelled set ------------------------------------------------------------------------


def test_the_labelled_questions_are_answered_with_what_the_document_does_not_say(
    engine: QAEngine,
) -> None:
    items = _labelled()
    assert sum(bool(item.get("not_said")) for item in items) >= 20
    assert sum(item["intent"] == SUMMARY_ID for item in items) >= 10
    wrong = []
    for item in items:
        answer = engine.ask(item["q"])
        if item["intent"] == SUMMARY_ID:
            right = set(item["expect"]) <= set(_facts_of(answer))
        else:
            right = answer.fact_id == item["intent"] and _noted(answer)
        if not right:
            wrong.append((item["q"], _facts_of(answer)))
    assert len(wrong) <= 0.03 * len(items), wrong


def test_no_labelled_question_copies_a_phrasing(kb: KnowledgeBase) -> None:
    phrasings = {normalise(q) for fact in kb.facts for q in fact.questions}
    assert [i["q"] for i in _labelled() if normalise(i["q"]) in phrasings] == []


# -- the knowledge carries its gaps as data, checked like the rest -----------------------------


def test_gap_questions_are_phrasings_of_their_fact(kb: KnowledgeBase) -> None:
    with_gaps = [fact for fact in kb.facts if fact.gaps]
    assert len(with_gaps) >= 10
    for fact in with_gaps:
        for gap in fact.gaps:
            assert gap.note and gap.triggers
            assert set(gap.questions) <= set(fact.questions)


def _with_gap(directory: Path, gap: str) -> int:
    """Give trilateral_2017 this gap (YAML lines at the gaps level); returns its first line."""
    path = directory / "facts.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index("- id: trilateral_2017")
    related = next(i for i in range(start, len(lines)) if lines[i].startswith("  related:"))
    old = next(i for i in range(start, related) if lines[i] == "  gaps:")
    lines[old:related] = ["  gaps:", *gap.strip("\n").split("\n")]
    path.write_text("\n".join(lines), encoding="utf-8")
    # The English checks alone: the translations of the old gaps would no longer match.
    shutil.rmtree(directory / TRANSLATIONS_DIR)
    return old + 2


def _problems(directory: Path) -> list[str]:
    from bot.kb import KnowledgeError

    try:
        engine = QAEngine.load(directory)
    except KnowledgeError as error:
        return [str(problem) for problem in error.problems]
    return [str(problem) for problem in engine.gaps.problems()]


@pytest.mark.parametrize(
    ("gap", "message"),
    [
        ("    - triggers: [city]", "missing field 'note'"),
        ("    - note: Nothing.", "missing field 'triggers'"),
        ("    - note: Nothing.\n      triggers: [city]\n      colour: red", "unknown field"),
        ("    - note: <b>Nothing.\n      triggers: [city]", "never closed"),
        ("    - note: Nothing.\n      triggers: [the, of]", "all stopwords"),
        ("    - note: Nothing.\n      triggers: [where]", "fires on the ordinary question"),
        (
            "    - note: Nothing.\n      triggers: [city]\n      questions: [when is it]",
            "does not fire the gap",
        ),
        ("    - just a text", "must be a mapping"),
    ],
)
def test_a_bad_gap_is_reported_with_file_and_line(
    knowledge_copy: Path, gap: str, message: str
) -> None:
    line = _with_gap(knowledge_copy, gap)
    problems = _problems(knowledge_copy)
    found = [p for p in problems if message in p]
    assert found, problems
    where, number, _ = found[0].split(":", 2)
    assert Path(where).name == "facts.yaml" and line <= int(number) <= line + 3, found[0]


def test_the_real_knowledge_has_no_gap_problem() -> None:
    assert _problems(KNOWLEDGE) == []
    assert load_knowledge(KNOWLEDGE).lexicon.summary_phrases


@pytest.mark.parametrize(
    "question", ["кто глава вооружённых сил?", "Silahlı Qüvvələrin başçısı kimdir?"]
)
def test_who_heads_the_armed_forces_is_no_name_in_any_language(
    engine: QAEngine, question: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "trilateral_meetings" and len(answer.gaps) == 1


@pytest.mark.parametrize(
    ("question", "fact_id", "noted"),
    [
        # after a numeral Azerbaijani puts its noun in the singular: "hansı 7 ölkə", where the
        # trigger says "hansı ölkələr"
        ("2016-cı ildə hansı 7 ölkə ilə saziş imzalanıb?", "agreements_2016", True),
        ("muzakire olunan 11 olke hansilardir", "agreements_pending", True),
        ("2017 telimleri hansi tarixde baslayacaq", "exercises_2017", True),
        # the same words without the question the gap is about: no note
        ("2016-cı ildə neçə ölkə ilə saziş imzalanıb?", "agreements_2016", False),
        ("Müzakirə olunan neçə saziş var?", "agreements_pending", False),
        ("2017-ci ildə hansı təlimlər keçiriləcək?", "exercises_2017", False),
    ],
)
def test_an_azerbaijani_trigger_in_the_plural_fires_on_the_singular(
    engine: QAEngine, question: str, fact_id: str, noted: bool
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id and answer.language == "az"
    assert bool(answer.gaps) is noted, answer.gaps
