"""'Was this helpful?' without Telegram: which replies take a vote, the buttons' data (strictly
what the bot writes, within 64 bytes), the bounded memory of the cards voted on, and the topics
offered instead of a card voted down."""

from __future__ import annotations

import pytest

from bot.answers import Outcome
from bot.engine import QAEngine
from bot.feedback import AskedCard, AskedCards, offered_instead, shown_facts, vote_fact
from bot.telegram.render import (
    FeedbackData,
    Press,
    card_message,
    feedback_data,
    instead_keyboard,
    parse_feedback,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- which replies take a vote -----------------------------------------------------------------


def test_a_fact_card_and_a_reply_in_parts_take_a_vote(engine: QAEngine) -> None:
    assert vote_fact(engine.ask("Which exercises were held?")) == "exercises_2016"
    assert vote_fact(engine.ask("Is Japan a partner?")) == "partner_check"
    both = engine.ask("Is Japan a partner? and which exercises were held?")
    assert both.parts and vote_fact(both) == "partner_check"
    assert set(shown_facts(both)) == {"partner_check", "exercises_2016"}
    # Small talk first: the vote is on the document fact that was asked, not on the greeting.
    chat_first = engine.ask("who are you and is Japan a partner?")
    assert chat_first.parts[0].outcome is Outcome.SMALLTALK
    assert vote_fact(chat_first) == "partner_check"
    summary = engine.ask("what happened in 2016?")
    assert vote_fact(summary) == "summary" and "exercises_2016" in shown_facts(summary)


def test_small_talk_and_the_fallback_take_no_vote(engine: QAEngine) -> None:
    assert engine.ask("hi").outcome is Outcome.SMALLTALK
    assert vote_fact(engine.ask("hi")) is None
    fallback = engine.ask("What is the defence budget?")
    assert not fallback.matched and vote_fact(fallback) is None


# -- the buttons -------------------------------------------------------------------------------


def test_a_card_that_takes_votes_ends_with_thumbs_up_and_down(engine: QAEngine) -> None:
    answer = engine.ask("Which exercises were held?")
    _, plain = card_message(answer)
    _, voted = card_message(answer, votes="exercises_2016")
    assert plain is not None and voted is not None
    assert voted.inline_keyboard[:-1] == plain.inline_keyboard  # related topics first
    last = voted.inline_keyboard[-1]
    assert [(b.text, b.callback_data) for b in last] == [
        ("👍", "fb:+:exercises_2016"),
        ("👎", "fb:-:exercises_2016"),
    ]
    assert all("fb:" not in str(b.callback_data) for row in plain.inline_keyboard for b in row)


def test_a_fact_id_too_long_for_the_data_gets_no_vote_buttons(engine: QAEngine) -> None:
    answer = engine.ask("Which exercises were held?")
    long_id = "x" * 60
    assert feedback_data(Press.UP, long_id) is None
    _, keyboard = card_message(answer, votes=long_id)
    assert keyboard == card_message(answer)[1]
    assert feedback_data(Press.UP, "x" * 59) == "fb:+:" + "x" * 59  # exactly 64 bytes


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("fb:+:exercises_2016", FeedbackData(Press.UP, "exercises_2016")),
        ("fb:-:partner_check", FeedbackData(Press.DOWN, "partner_check")),
        ("fb:t:courses", FeedbackData(Press.TOPIC, "courses")),
        ("fb:x", FeedbackData(Press.ELSE)),
    ],
)
def test_the_data_the_bot_writes_reads_back(data: str, parsed: FeedbackData) -> None:
    assert parse_feedback(data) == parsed
    assert feedback_data(parsed.press, parsed.fact_id) == data


@pytest.mark.parametrize(
    "data",
    [
        "fb:",
        "fb:+",
        "fb:+:",
        "fb:*:exercises",
        "fb:+:Exercises",  # fact ids are lower-case snake_case
        "fb:+:exercises 2016",
        "fb:+:exercises_2016\n",
        "fb:+:1abc",
        "fb:x:courses",
        "fb:t",
        "fb:-:x:y",
        "fb:+:ехercises",  # Cyrillic е
        "fb:+:" + "a" * 60,  # over 64 bytes
        "card:exercises_2016",
        " fb:+:exercises_2016",
    ],
)
def test_anything_else_is_refused(data: str) -> None:
    assert parse_feedback(data) is None


def test_the_follow_up_offers_topics_then_something_else_in_the_language(
    engine: QAEngine,
) -> None:
    topics = engine.localiser.topics(engine.topics[:2], "ru")
    keyboard = instead_keyboard(topics, "ru")
    rows = [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard]
    assert rows == [
        [(topics[0].title, f"fb:t:{topics[0].fact_id}")],
        [(topics[1].title, f"fb:t:{topics[1].fact_id}")],
        [("Другое", "fb:x")],
    ]
    assert instead_keyboard((), "az").inline_keyboard[-1][0].text == "Başqa bir şey"
    assert len(instead_keyboard((), "en").inline_keyboard) == 1  # "Something else" only


# -- the memory of the cards voted on ----------------------------------------------------------


def test_a_card_is_remembered_for_a_day_then_forgotten() -> None:
    clock = Clock()
    cards = AskedCards(ttl=100, clock=clock)
    card = cards.remember(
        (1, 10), question="which drills?", fact_id="exercises_2016", language="en"
    )
    assert cards.get((1, 10)) is card and card.shown == ("exercises_2016",)
    assert cards.get((1, 11)) is None and cards.get((2, 10)) is None
    cards.link((1, 12), card)  # its follow-up
    assert cards.get((1, 12)) is card
    clock.now += 99
    assert cards.get((1, 10)) is card
    clock.now += 1
    assert cards.get((1, 10)) is None and cards.get((1, 12)) is None
    assert len(cards) == 0


def test_the_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    cards = AskedCards(max_entries=3, clock=Clock())
    for message in range(5):
        cards.remember((7, message), question=f"q{message}", fact_id="partners", language="en")
    assert len(cards) == 3
    assert cards.get((7, 0)) is None and cards.get((7, 1)) is None
    kept = cards.get((7, 4))
    assert kept is not None and kept.question == "q4"


def test_a_long_question_is_kept_in_part() -> None:
    cards = AskedCards(clock=Clock())
    card = cards.remember((1, 1), question="x" * 5000, fact_id="partners", language="en")
    assert card.question == "x" * 1000


# -- what is offered instead -------------------------------------------------------------------


def test_the_nearest_other_topics_are_offered_never_the_card_voted_down(
    engine: QAEngine,
) -> None:
    answer = engine.ask("Which exercises were held?")
    card = AskedCard(answer.question, "exercises_2016", "en", shown_facts(answer))
    offered = offered_instead(engine, card)
    ids = [topic.fact_id for topic in offered]
    assert 1 <= len(ids) <= 3 and len(set(ids)) == len(ids)
    assert "exercises_2016" not in ids
    assert ids[0] == "exercises_2017"  # the matcher's runner-up for this question
    assert all(engine.card(i) is not None for i in ids)  # every one opens as a card


def test_a_per_name_answer_voted_down_does_not_offer_its_own_card(engine: QAEngine) -> None:
    answer = engine.ask("Is Japan a partner?")
    card = AskedCard(answer.question, "partner_check", "en", shown_facts(answer))
    ids = [topic.fact_id for topic in offered_instead(engine, card)]
    own = [t.fact_id for t in engine.cards.buttons(["partner_check"])]
    assert own and not set(own) & set(ids)


def test_the_offer_is_in_the_cards_language(engine: QAEngine) -> None:
    answer = engine.ask("Какие учения проводились?")
    card = AskedCard(answer.question, "exercises_2016", "ru", shown_facts(answer))
    offered = offered_instead(engine, card)
    titles = {fact.translations["ru"].title for fact in engine.kb.facts}
    assert offered and all(topic.title in titles for topic in offered)


def test_without_the_question_the_cards_related_topics_are_offered(engine: QAEngine) -> None:
    card = AskedCard(None, "exercises_2016", "en")  # a card sent before a restart
    ids = [topic.fact_id for topic in offered_instead(engine, card)]
    related = [t.fact_id for t in engine.cards.buttons(engine.kb.fact("exercises_2016").related)]
    assert ids and ids == [i for i in related if i != "exercises_2016"][:3]
