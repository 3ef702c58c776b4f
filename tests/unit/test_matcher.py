"""The matcher answers what the document says and never bluffs: positives, near misses,
out-of-scope questions and hostile input, asserted on the answer's content."""

from __future__ import annotations

import re

import pytest

from bot.engine import QAEngine
from bot.frames import DocumentFrame
from bot.kb import Category
from bot.text import fold, normalise


def test_normalisation_folds_azerbaijani_and_turkish_letters() -> None:
    assert fold("Şahini Kartalı Işıq Əli ğüöç İ") == "sahini kartali isiq eli guoc i"
    assert normalise("  TurAz   Şahini!!! ") == "turaz sahini"
    assert normalise("Azerbaijan's army") == "azerbaijan army"


@pytest.mark.parametrize(
    ("question", "fact_id", "expected"),
    [
        ("Which exercises were held?", "exercises_2016", "Anadolu Gartali"),
        ("list the drills of 2016", "exercises_2016", "EFES"),
        ("military manoeuvres in the first half of 2016", "exercises_2016", "Ishig"),
        ("What exercises are planned for 2017?", "exercises_2017", "2017"),
        (
            "How many countries has Azerbaijan signed military agreements with?",
            "agreements_signed",
            "34",
        ),
        ("how many agreements were signed in 2016", "agreements_2016", "7 countries"),
        ("how many MoUs are under discussion", "agreements_pending", "21"),
        ("Who are the partners?", "partners", "Kirgizstan"),
        ("who takes part in the trilateral meetings", "trilateral_meetings", "Georgia"),
        ("where will the trilateral meeting be held in 2017", "trilateral_2017", "Georgia"),
        ("how many servicemen attended the events", "events_attendance", "900"),
        ("how many events were held in 2016", "events_2016", "250-300"),
        ("who organizes the French language courses", "french_courses", "Embassy of France"),
        ("where will English courses be held", "english_courses", "Academy"),
        ("what did Heydar Aliyev say", "quote", "pillar"),
        ("what did he say about the army?", "quote", "pillar"),
        # What a text says is what it is about, not who said something.
        ("What does the text say?", "about", "Bilateral and multilateral military cooperation"),
        ("what are the Partnership Goals", "partnership_goals", "Individual Partnership"),
        ("Is military cooperation growing?", "cooperation_growth", "every year"),
    ],
)
def test_document_questions_get_the_right_card(
    engine: QAEngine, question: str, fact_id: str, expected: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id, (question, answer.fact_id, answer.confidence)
    assert answer.matched
    assert expected in answer.html
    assert "<blockquote expandable>" in answer.html  # the source sentence is cited
    assert 0.0 <= answer.confidence <= 1.0


@pytest.mark.parametrize(
    ("question", "name", "spelling"),
    [
        ("Is Czechia a partner?", "Czech Republic", "Check Republic"),
        ("is the czech republic a partner", "Czech Republic", "Check Republic"),
        ("Is Kyrgyzstan a partner?", "Kyrgyzstan", "Kirgizstan"),
        ("Does Azerbaijan cooperate with the United States?", "United States", "USA"),
        ("Is America a partner?", "United States", "USA"),
        ("is the UK a partner", "United Kingdom", None),
        ("Is Britain a partner?", "United Kingdom", None),
        ("Is South Korea a partner?", "South Korea", "Republic of Korea"),
        ("is Türkiye a partner", "Turkey", None),
        ("is turkiye a partner", "Turkey", None),
        ("does azerbaijan cooperate with germny", "Germany", None),
        ("is slovakai a partner", "Slovakia", None),
        ("Is Iran a partner?", "Iran", None),
        ("Is Moldova a partner?", "Moldova", None),
        ("Is Serbia a partner?", "Serbia", None),
        ("Is Romania a partner?", "Romania", None),
    ],
)
def test_listed_partners_are_confirmed(
    engine: QAEngine, question: str, name: str, spelling: str | None
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "partner_check", (question, answer.fact_id)
    assert answer.body.startswith("Yes.")
    assert f"<b>{name}</b>" in answer.body
    if spelling:
        assert f"“{spelling}”" in answer.body


@pytest.mark.parametrize(
    ("question", "name", "not_confused_with"),
    [
        ("Is Iraq a partner?", "Iraq", "Iran"),
        ("Is Austria a partner?", "Austria", "Australia"),
        ("Is Australia a partner?", "Australia", "Austria"),
        ("Is Syria a partner?", "Syria", "Serbia"),
        ("Is Oman a partner?", "Oman", "Romania"),
        ("Is Armenia a partner?", "Armenia", "Romania"),
        ("Is North Korea a partner?", "North Korea", "Republic of Korea"),
        ("Is Mongolia a partner?", "Mongolia", "Moldova"),
        ("Does Azerbaijan cooperate with Japan?", "Japan", "Turkey"),
        ("Is Canada a partner?", "Canada", "USA"),
    ],
)
def test_near_misses_are_never_partners(
    engine: QAEngine, question: str, name: str, not_confused_with: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "partner_check", (question, answer.fact_id)
    assert answer.body.startswith("No.")
    assert f"<b>{name}</b>" in answer.body
    assert not_confused_with not in answer.body


def test_several_countries_in_one_question(engine: QAEngine) -> None:
    answer = engine.ask("Are Turkey and Austria partners?")
    assert "Yes. <b>Turkey</b>" in answer.body
    assert "No. <b>Austria</b>" in answer.body


def test_us_the_pronoun_is_not_the_country(engine: QAEngine) -> None:
    mentions = engine.matcher.analyser.analyse("tell us about the exercises").mentions
    assert not [m for m in mentions if m.category is Category.COUNTRY]
    mentions = engine.matcher.analyser.analyse("Is the US a partner?").mentions
    assert [m.key for m in mentions] == ["United States"]


def test_the_states_is_a_name_but_states_is_a_word(engine: QAEngine) -> None:
    analyse = engine.matcher.analyser.analyse
    assert [m.key for m in analyse("Is the States a partner?").mentions] == ["United States"]
    assert not analyse("how many states signed agreements with Azerbaijan").mentions
    assert engine.ask("how many states signed agreements with Azerbaijan").fact_id == (
        "agreements_signed"
    )
    # "the states" written small is the states of a list; "the States", "THE STATES" the country
    assert not analyse("list the states with which Azerbaijan cooperates").mentions
    assert engine.ask("list the states with which Azerbaijan cooperates").fact_id == "partners"
    assert [m.key for m in analyse("IS THE STATES A PARTNER").mentions] == ["United States"]
    assert [m.key for m in analyse("The States?").mentions] == ["United States"]


@pytest.mark.parametrize(
    ("question", "exercise"),
    [
        ("What is EFES?", "EFES"),
        ("When was Anadolu Kartalı held?", "Anadolu Gartali"),
        ("Tell me about TurAz Şahini", "TURAZ Shahini"),
        ("what is isiq", "Ishig"),
    ],
)
def test_one_exercise_is_answered_in_context(
    engine: QAEngine, question: str, exercise: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "exercise_info", (question, answer.fact_id)
    assert answer.body.startswith(f"<b>{exercise}</b>")
    assert "first half of 2016" in answer.body


@pytest.mark.parametrize(
    "question",
    [
        "What is the defence budget of Azerbaijan?",
        "How many soldiers does the Azerbaijani army have?",
        "Who is the minister of defence?",
        "Is there conscription in Azerbaijan?",
        "What is the population of Turkey?",
        "What is the capital of Georgia?",
        "Who won the football world cup?",
        "What is the weather in Baku today?",
        "When was Heydar Aliyev born?",
        "What tanks does the army use?",
        # an organisation the document never names ("UN" is no Azerbaijani suffix here)
        "when did Azerbaijan join the UN?",
        "when did Azerbaijan join the United Nations?",
        "Когда основана армия Азербайджана?",  # founded, not "based on" (what the bot is)
        "Какая численность армии Азербайджана?",  # the army's size, not the 900 at the events
        # the document does not name its author; Heydar Aliyev is the author of its quote
        "who wrote the document?",
        "Кто написал этот документ?",
        "Sənədi kim yazıb?",
        "tell me a joke",
        "asdkjhasd qwpoeiru zxmcnv",
        "12345",
        "?!?!...",
        "",
        "   ",
        "🙂🙂🙂",
    ],
)
def test_out_of_scope_falls_back_without_stating_facts(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.matched, (question, answer.fact_id, answer.confidence)
    assert answer.fact_id is None
    assert not answer.sources
    assert 1 <= len(answer.suggestions) <= 3
    said = re.sub(r"<blockquote>.*?</blockquote>", "", answer.body, flags=re.S)
    for figure in ("34", "36", "900", "250-300", "2016", "2017"):
        assert figure not in said  # only a verbatim quote of the document may hold one


def test_fallback_offers_the_nearest_topics(engine: QAEngine) -> None:
    answer = engine.ask("Which exercises did Azerbaijan hold with Japan?")
    assert not answer.matched
    assert any("2016" in topic.title or "xercise" in topic.title for topic in answer.suggestions)


def test_small_talk_is_matched_and_states_no_fact(engine: QAEngine) -> None:
    for question, fact_id in [
        ("hello", "greeting"),
        ("thanks!", "thanks"),
        ("who are you?", "bot_identity"),
    ]:
        answer = engine.ask(question)
        assert answer.fact_id == fact_id
        assert answer.matched
        assert not answer.sources


def test_long_and_marked_up_input_is_handled(engine: QAEngine) -> None:
    long_question = "Which exercises were held? " + "blah " * 800
    assert len(long_question) > 4000
    engine.ask(long_question)  # no crash, whatever the verdict
    answer = engine.ask("<b>Which exercises were held?</b>")
    assert answer.fact_id == "exercises_2016"
    assert answer.question == "<b>Which exercises were held?</b>"
    assert "<script>" not in engine.ask("<script>alert(1)</script>").html


def test_command_argument_routes_to_the_per_country_answer(engine: QAEngine) -> None:
    answer = engine.command("partners", "Japan")
    assert answer is not None and answer.body.startswith("No. <b>Japan</b>")
    answer = engine.command("exercises", "EFES")
    assert answer is not None and answer.body.startswith("<b>EFES</b>")
    card = engine.command("partners")
    assert card is not None and card.fact_id == "partners"
    assert engine.command("nonexistent") is None


def test_cards_and_related_buttons(engine: QAEngine) -> None:
    card = engine.card("agreements_signed")
    assert card is not None and "34 countries" in card.html
    assert card.related and all(topic.fact_id != "agreements_signed" for topic in card.related)
    assert all(not engine.kb.fact(topic.fact_id).slot for topic in card.related)
    assert engine.card("nope") is None


def test_matching_reads_no_files(engine: QAEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("file access while answering")

    monkeypatch.setattr("builtins.open", forbidden)
    assert engine.ask("Which exercises were held?").fact_id == "exercises_2016"


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        # The courses give no figure; the attendance of the events (courses and visits among
        # them) does, within a whisker of the courses' score.
        ("how many soldiers went to all those courses and visits?", "events_attendance"),
        # Clearly about a fact with no figure: it answers, and says the figure is not given.
        ("how many servicemen are enrolled in the french classes", "french_courses"),
        ("how many languages are taught?", "courses"),
        # Both give a figure; what is counted decides: servicemen, or events.
        ("how many servicemen attended the 2016 conferences and workshops?", "events_attendance"),
        ("how many conferences and workshops were there in 2016?", "events_2016"),
    ],
)
def test_a_count_question_prefers_a_fact_that_gives_a_figure(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.matcher.match(question).fact_id == fact_id


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        # Near-tied with the French courses, which nearly every phrasing names France for.
        ("which languages are officers able to learn via these programmes?", "courses"),
        ("do servicemen learn French?", "french_courses"),
        ("Are English lessons offered to officers?", "english_courses"),
    ],
)
def test_a_fact_defined_by_a_name_needs_the_name_to_win_a_near_tie(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.matcher.match(question).fact_id == fact_id


@pytest.mark.parametrize(
    "question",
    [
        "how many soldiers does the UK have",
        "How many military bases does Russia have overseas?",
        "when did Spain become a partner?",
        # the same kinds asked in Russian and Azerbaijani (the lexicons' asking_kinds)
        "Сколько военных в армии Турции?",
        "Когда Испания стала партнёром?",
        "İspaniya nə vaxt tərəfdaş olub?",
        "Ispaniya ne vaxt terefdas olub",
    ],
)
def test_a_per_name_fact_is_not_asked_a_kind_of_question_it_never_is(
    engine: QAEngine, question: str
) -> None:
    # "Is Spain a partner?" is never asked with "how many" or "when": these only name a partner.
    assert not engine.ask(question).matched, question


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("Is Spain a partner?", "partner_check"),
        ("where was Ishig held?", "exercise_info"),
        ("Испания партнёр?", "partner_check"),
        ("İspaniya tərəfdaşdır?", "partner_check"),
        ("где проходили учения Ishig?", "exercise_info"),
        ("Ishig təlimi harada keçirilib?", "exercise_info"),
        ("когда прошли учения Ishig?", "exercise_info"),
    ],
)
def test_a_per_name_fact_still_answers_the_kinds_it_is_asked(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id


@pytest.mark.parametrize(
    "question",
    [
        "How many agreements has Azerbaijan signed with NATO?",
        "Which exercises will NATO hold in 2017?",
        "Сколько соглашений Азербайджан подписал с НАТО?",
        "Какие мероприятия провёл МИД в 2016 году?",
        "Daxili İşlər Nazirliyi hansı ölkələrlə əməkdaşlıq edir?",
        # a name opening the sentence: its first word's capital is the name's, since the
        # next word is capitalised too (the Ministry of Health, of Education)
        "Səhiyyə Nazirliyi hansı ölkələrlə əməkdaşlıq edir?",
        "Təhsil Nazirliyi neçə ingilis dili kursu təşkil edib?",
        "Health Ministry partners?",
    ],
)
def test_a_name_no_fact_knows_is_what_the_question_is_about(
    engine: QAEngine, question: str
) -> None:
    # The rest of each matches a fact well; the unknown name makes it another question.
    assert engine.ask(question).fact_id is None


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("Müdafiə Nazirliyi hansı ölkələrlə əməkdaşlıq edir?", "partners"),
        ("Türkiyə Azərbaycanın tərəfdaşıdır?", "partner_check"),
        ("Joint Exercises in 2017?", "exercises_2017"),
    ],
)
def test_a_sentence_opening_with_known_capitalised_words_still_answers(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id


def test_a_known_name_still_answers(engine: QAEngine) -> None:
    assert engine.ask("Which exercises are planned for 2017?").fact_id == "exercises_2017"
    assert engine.ask("Is IPAP mentioned anywhere?").fact_id == "partnership_goals"


@pytest.mark.parametrize(
    "question",
    [
        "NATO exercises in 2017?",  # an acronym first is a name too
        "XİN 2016-da hansı tədbirləri keçirib?",
        "Heydər Əliyev kimdir?",  # the quote's author, not the quote
        "Кто такой Гейдар Алиев?",
    ],
)
def test_questions_about_other_names_stay_out_in_every_language(
    engine: QAEngine, question: str
) -> None:
    assert engine.ask(question).fact_id is None


def test_a_shouted_message_is_not_all_names(engine: QAEngine) -> None:
    assert engine.ask("HOW MANY COUNTRIES SIGNED AGREEMENTS").fact_id == "agreements_signed"
    assert engine.ask("SQ Akademiyasında ingilis dili tədris olunacaq?").fact_id == (
        "english_courses"
    )


def test_a_stray_letter_is_no_unknown_word(engine: QAEngine) -> None:
    """A particle or a slip of the thumb ("sen kimsen e?", "is turkey a partner q") weighs
    nothing: it is no subject the document lacks."""
    assert engine.ask("sen kimsen e?").fact_id == "bot_identity"
    assert engine.ask("is turkey a partner q").fact_id == "partner_check"
    assert engine.matcher.match("which countries are partners j").unknown == ()


@pytest.mark.parametrize("word", ["there", "туда", "сюда", "orada", "orda", "oradan"])
def test_a_word_for_there_is_no_unknown_word(engine: QAEngine, word: str) -> None:
    """ "there" points back and asks about nothing: a stopword in every language, so it
    weighs nothing against the question it stands in."""
    assert engine.matcher.unknown_terms(word) == frozenset()


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("sənəddə orada hansı təlimlər yazılıb 2016-da?", "exercises_2016"),
        ("есть ли тройной формат встреч командующих?", "trilateral_meetings"),
        ("who is in the troika of army chiefs?", "trilateral_meetings"),
        ("на чём основан этот бот?", "about"),
        ("Какова численность участников мероприятий в 2016 году?", "events_attendance"),
        # a legal footing is the legal basis; "already" is a stopword as "just" is
        ("how many states are already on a legal footing with the ministry?", "agreements_signed"),
        ("legal footing of military ties: with how many states?", "agreements_signed"),
    ],
)
def test_everyday_words_of_each_language_find_their_fact(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("which exercises does the document mention?", "exercises_2016"),
        ("What language courses does the document talk about?", "courses"),
        ("which countries does the document list?", "partners"),
        ("какие учения упоминаются в документе?", "exercises_2016"),
        ("sənəddə hansı ölkələr var?", "partners"),  # a topic in any language
        # the document alone is what is asked about
        ("what does the document cover?", "about"),
        ("which document is this?", "about"),
        ("tell me about the document", "about"),
    ],
)
def test_the_document_as_the_frame_of_a_question_about_a_topic(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id


def test_a_frame_is_dropped_only_beside_a_topic(engine: QAEngine) -> None:
    kb, analyser = engine.kb, engine.matcher.analyser
    readings = [
        [
            *(analyser.analyse(q, correct=False) for q in fact.questions),
            *(
                analyser.analyse(q, correct=False, language=language)
                for language, text in fact.translations.items()
                for q in text.questions
            ),
        ]
        for fact in kb.facts
    ]
    frame = DocumentFrame(kb.lexicon, analyser)
    frame.learn(list(kb.facts), readings, lambda word: "about")
    assert frame.cards == {"about"}
    assert frame.framed(["exercis", "document", "which"]) == frozenset({"document"})
    assert frame.framed(["olk", "sene", "hansi"]) == frozenset({"sene"})  # any language
    assert frame.framed(["what", "document", "cover"]) == frozenset()
    assert frame.framed(["exercis", "which"]) == frozenset()


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("какие страны упоминаются?", "partners"),
        ("sənəddə hansı təlimlər qeyd olunur?", "exercises_2016"),
        ("Fransa sənəddə xatırlanır?", "partner_check"),
    ],
)
def test_is_mentioned_asks_what_is_mentioned_in_every_language(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    """ "mentioned" is a stopword in English; "упоминается", "qeyd olunur" are too, so the
    language courses, whose phrasings ask which languages are mentioned, do not answer which
    countries are."""
    assert engine.ask(question).fact_id == fact_id
    assert engine.ask("какие страны упоминаются в документе?").fact_id in (None, "partners")


@pytest.mark.parametrize("message", ["catch you later!", "ok gonna log off now, until next time"])
def test_chat_goodbyes_are_goodbyes(engine: QAEngine, message: str) -> None:
    answer = engine.ask(message)
    assert answer.fact_id == "goodbye" and not answer.sources


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        # "bütün" (all) weighed as a word of the partners' phrasings ("bütün tərəfdaşları
        # sadala"): "list all the exercises" was answered with the partners
        ("bütün təlimləri sadala", "exercises_2016"),
        ("bütün tərəfdaşları sadala", "partners"),
        # "adı çəkilən" (mentioned), as "mentioned" in English: where, not what
        ("Sənəddə adı çəkilən bütün təlimləri sadala", "exercises_2016"),
    ],
)
def test_azerbaijani_all_and_mentioned_frame_the_question(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id
