"""The knowledge base in Azerbaijani and Russian (issue 11): every fact translated, every figure
kept, and `check` finding a missing or unfaithful translation with its file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.engine import QAEngine
from bot.kb import KnowledgeBase, KnowledgeError, load_knowledge
from bot.kb.model import TRANSLATED
from bot.kb.translations import TRANSLATIONS_DIR
from bot.matcher import Matcher
from bot.text import normalise, plain_text, spoken_numbers, stem

NUMBER = re.compile(r"\d+")


def problems(directory: Path) -> list[str]:
    try:
        load_knowledge(directory)
    except KnowledgeError as error:
        return [f"{p.file}:{p.line}: {p.message}" for p in error.problems]
    return []


def rewrite(directory: Path, language: str, change: object) -> None:
    """Load a translation file, let `change` edit its entries, write it back."""
    path = directory / TRANSLATIONS_DIR / f"{language}.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(entries)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), "utf-8")


def entry(entries: list[dict[str, object]], fact_id: str) -> dict[str, object]:
    return next(e for e in entries if e["id"] == fact_id)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_fact_has_its_translation(kb: KnowledgeBase, language: str) -> None:
    for fact in kb.facts:
        text = fact.translations[language]
        assert text.title and text.title != fact.title, fact.id
        minimum = 12 if fact.states_document_fact else 5
        assert len(text.questions) >= minimum, fact.id
        assert len(text.notes) == len(fact.gaps), fact.id
        if fact.answer:
            assert text.answer and text.answer != fact.answer, fact.id
        assert set(text.answers) == set(fact.answers), fact.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_figure(kb: KnowledgeBase, language: str) -> None:
    for fact in kb.facts:
        text = fact.translations[language]
        pairs = [(fact.answer, text.answer)]
        pairs += [(english, text.answers[case]) for case, english in fact.answers.items()]
        pairs += [(gap.note, note) for gap, note in zip(fact.gaps, text.notes, strict=True)]
        for english, translated in pairs:
            for number in NUMBER.findall(plain_text(english)):
                assert number in NUMBER.findall(plain_text(translated)), (fact.id, number)


def test_a_missing_translation_file_is_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / TRANSLATIONS_DIR / "ru.yaml").unlink()
    assert any(
        "ru translation of the knowledge base is missing" in p for p in problems(knowledge_copy)
    )


def test_a_fact_left_untranslated_is_reported(knowledge_copy: Path) -> None:
    rewrite(knowledge_copy, "az", lambda es: es.remove(entry(es, "events_2016")))
    assert any("no az translation of 'events_2016'" in p for p in problems(knowledge_copy))


def test_an_empty_answer_is_reported(knowledge_copy: Path) -> None:
    rewrite(knowledge_copy, "ru", lambda es: entry(es, "partners").update(answer=" "))
    found = problems(knowledge_copy)
    assert any("ru.yaml" in p and "missing field 'answer'" in p for p in found)


def test_a_changed_figure_is_reported(knowledge_copy: Path) -> None:
    def change(entries: list[dict[str, object]]) -> None:
        card = entry(entries, "agreements_signed")
        card["answer"] = str(card["answer"]).replace("34", "43")

    rewrite(knowledge_copy, "ru", change)
    assert any("the English numbers ['34'] are missing" in p for p in problems(knowledge_copy))


def test_lost_markup_and_commands_are_reported(knowledge_copy: Path) -> None:
    def change(entries: list[dict[str, object]]) -> None:
        card = entry(entries, "about")
        card["answer"] = str(card["answer"]).replace("<b>", "").replace("</b>", "")
        card["answer"] = str(card["answer"]).replace("/exercises", "exercises")

    rewrite(knowledge_copy, "az", change)
    found = problems(knowledge_copy)
    assert any("not the English HTML tags" in p for p in found)
    assert any("not the English commands" in p for p in found)


def test_a_gap_left_out_and_an_unknown_id_are_reported(knowledge_copy: Path) -> None:
    def change(entries: list[dict[str, object]]) -> None:
        gaps = entry(entries, "quote")["gaps"]
        assert isinstance(gaps, list)
        gaps.pop()
        entries.append({"id": "weather", "title": "Погода", "questions": ["какая погода"] * 12})

    rewrite(knowledge_copy, "ru", change)
    found = problems(knowledge_copy)
    assert any("'gaps' must translate the English fact's 2 gaps" in p for p in found)
    assert any("'weather' is no fact of the knowledge base" in p for p in found)


def test_a_knowledge_folder_without_translations_is_english_only(knowledge_copy: Path) -> None:
    for path in (knowledge_copy / TRANSLATIONS_DIR).iterdir():
        path.unlink()
    (knowledge_copy / TRANSLATIONS_DIR).rmdir()
    kb = load_knowledge(knowledge_copy)
    assert all(not fact.translations for fact in kb.facts)


def test_questions_in_russian_and_azerbaijani_find_their_fact(engine: QAEngine) -> None:
    asked = {
        "Со сколькими странами Азербайджан подписал соглашения о военном сотрудничестве?": (
            "agreements_signed"
        ),
        "какие учения прошли в первой половине 2016 года": "exercises_2016",
        "fransiz dili kurslarini kim teskil edir": "french_courses",
        "2017-ci ildə üçtərəfli görüş harada olacaq?": "trilateral_2017",
    }
    for question, fact_id in asked.items():
        assert engine.ask(question).fact_id == fact_id, question


def test_out_of_scope_questions_in_every_language_stay_out(engine: QAEngine) -> None:
    for question in ("какое население Турции?", "Türkiyənin əhalisi nə qədərdir?"):
        answer = engine.ask(question)
        assert not answer.matched and answer.fact_id is None, question


def test_the_translations_do_not_change_how_english_is_weighed(knowledge_copy: Path) -> None:
    """A word English shares with a translation ("bot", "general") keeps its English weight,
    so every English question scores as it did before the translations."""
    translated = Matcher(load_knowledge(knowledge_copy))
    shutil.rmtree(knowledge_copy / TRANSLATIONS_DIR)
    english = Matcher(load_knowledge(knowledge_copy))
    assert english.kb.facts[0].translations == {}
    for term in english.topic_terms | {"bot", "head", "document"}:
        assert translated.weight(term) == english.weight(term), term
    assert translated.weight("соглашен") < translated.weight("no-such-term")


def test_a_translated_phrasing_of_another_fact_is_a_collision(knowledge_copy: Path) -> None:
    rewrite(knowledge_copy, "ru", lambda es: entry(es, "partners")["questions"].append("quote"))
    collisions = Matcher(load_knowledge(knowledge_copy)).collisions()
    assert [(c.first.id, c.second.id, c.second_question) for c in collisions] == [
        ("quote", "partners", "quote")
    ]


def test_russian_words_are_kept_and_stemmed() -> None:
    assert normalise("Учёные, Й-й! «Соглашения» с Турцией?") == "ученые й й соглашения с турцией"
    assert [stem(w) for w in normalise("соглашений соглашениями Турции Турцией").split()] == [
        "соглашен",
        "соглашен",
        "турц",
        "турц",
    ]
    assert normalise("Türkiyə İLƏ neçə") == "turkiye ile nece"


def test_a_language_lexicon_adds_its_words(knowledge_copy: Path) -> None:
    own = knowledge_copy / TRANSLATIONS_DIR / "ru.lexicon.yaml"
    own.write_text(
        "stopwords: [пожалуйста]\nsynonyms:\n  соглашение: [договор, пакт]\n", encoding="utf-8"
    )
    kb = load_knowledge(knowledge_copy)
    assert "пожалуйста" in kb.lexicon.stopwords
    assert "the" in kb.lexicon.stopwords  # the English words stay
    analyse = Matcher(kb).analyser.analyse
    # Every form of a Russian synonym reads as its word: a Russian word has too many endings.
    assert analyse("договорами").terms == analyse("соглашения").terms == analyse("пакты").terms
    assert analyse("пожалуйста").terms == ()


def test_a_word_two_lexicons_read_differently_is_reported(knowledge_copy: Path) -> None:
    own = knowledge_copy / TRANSLATIONS_DIR / "az.lexicon.yaml"
    own.write_text("synonyms:\n  meeting: [drill]\n", encoding="utf-8")
    assert any("az.lexicon.yaml" in p and "'drill'" in p for p in problems(knowledge_copy))


def test_russian_and_azerbaijani_numerals_read_as_figures() -> None:
    def read(text: str) -> str:
        return " ".join(spoken_numbers(text.split()))

    assert read("со сколькими из тридцати четырех стран") == "со сколькими из 34 стран"
    assert read("семь стран в 2016") == "7 стран в 2016"
    assert read("on bir olke") == "11 olke"
    assert read("yeddi olke") == "7 olke"
    # "one" and its Russian and Azerbaijani words stay words; "on" alone is English.
    assert read("одна из стран") == "одна из стран"
    assert read("bir olke on the list") == "bir olke on the list"


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        # function words, a politeness formula and synonyms in their case forms
        ("А со сколькими государствами у нас уже заключены договоры?", "agreements_signed"),
        ("подскажите пожалуйста какие маневры намечены на 2017-й", "exercises_2017"),
        ("семь стран это кто", "agreements_2016"),
        ("IPAP упоминается в документе?", "partnership_goals"),
        ("спс, выручил", "thanks"),
        ("Почему соглашения до сих пор не подписаны?", "agreements_pending"),  # not signed
        ("Какие конкретно мероприятия прошли в 2016?", "events_2016"),
        ("с кем азербайджан дружит по армейской линии", "partners"),  # "friends with"
        ("Турция союзник?", "partner_check"),  # "ally"
        ("сотрудничество с годами растет или наоборот сворачивается?", "cooperation_growth"),
        ("со сколькими странами подписали сделки?", "agreements_signed"),  # "deals"
        # "указаны" (listed): a frame word, as "упомянуты"
        ("Какие государства Центральной Азии указаны среди партнёров?", "partner_group"),
        ("Военное сотрудничество Азербайджан каждый год больше или меньше?", "cooperation_growth"),
    ],
)
def test_russian_lexicon_reads_everyday_questions(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    assert engine.ask(question).fact_id == fact_id


@pytest.mark.parametrize(
    "question",
    [
        # another ministry, written as a name in Cyrillic capitals: what the question is about
        "С какими странами сотрудничает МВД Азербайджана?",
        "С какими странами сотрудничает Министерство образования?",
        "Когда родился Гейдар Алиев?",
    ],
)
def test_russian_questions_about_something_else_stay_out(engine: QAEngine, question: str) -> None:
    assert engine.ask(question).fact_id is None


@pytest.mark.parametrize(
    "question",
    ["Кто начальник Генштаба?", "правда что военные начальники Турции и Грузии собираются?"],
)
def test_a_chief_is_no_bot_command(engine: QAEngine, question: str) -> None:
    """ "Командующий" stems as "команды" (the bot's commands) do: it is left out of the words
    for a head, so a question about chiefs is never answered with /help."""
    assert engine.ask(question).fact_id != "help"
    assert engine.ask("какие команды есть?").fact_id == "help"


def test_a_short_russian_synonym_is_read_as_written_only(engine: QAEngine) -> None:
    analyse = engine.matcher.analyser.analyse
    # "ИИ" (AI) is a synonym of "бот"; its stem "и" is the conjunction, which stays itself.
    assert analyse("ИИ").terms == analyse("бот").terms
    assert analyse("Турция и Грузия").terms.count(analyse("бот").terms[0]) == 0


def test_a_cost_asked_in_other_words_gets_its_note(engine: QAEngine) -> None:
    answer = engine.ask("Какой бюджет у курсов французского?")
    assert answer.fact_id == "french_courses"
    assert any("стоят" in note for note in answer.gaps), answer.gaps


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        (
            "Salam, zəhmət olmasa deyin, Azərbaycan neçə dövlətlə hərbi müqavilə bağlayıb?",
            "agreements_signed",
        ),
        (
            "salam, zehmet olmasa deyin, azerbaycan nece dovletle herbi muqavile baglayib",
            "agreements_signed",
        ),
        ("Xahiş edirəm, 2017-ci il üçün nəzərdə tutulan manevrlər barədə danış", "exercises_2017"),
        ("xahis edirem, 2017-ci il ucun nezerde tutulan manevrler barede danis", "exercises_2017"),
    ],
)
def test_azerbaijani_function_words_and_politeness_ask_nothing(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    """knowledge/i18n/az.lexicon.yaml: "zəhmət olmasa", "deyin", "barədə" are stopwords, and
    "müqavilə", "manevr", "nəzərdə tutulan" read as the phrasings' "saziş", "təlim",
    "planlaşdırılan", with the Azerbaijani letters or without them."""
    assert engine.ask(question).fact_id == fact_id
    analyse = engine.matcher.analyser.analyse
    assert analyse("zəhmət olmasa mənə deyin, barədə").terms == ()
    assert analyse("müqavilələrin").terms == analyse("sazişlər").terms


def test_the_azerbaijani_lexicon_is_azerbaijani_to_the_detector(engine: QAEngine) -> None:
    """A word of the Azerbaijani lexicon votes Azerbaijani, not English as an English stopword
    would, and reads with its suffixes as the lexicon word does."""
    detector = engine.matcher.analyser.detector
    assert detector.detect("zehmet olmasa EFES barede danis") == "az"
    assert detector.detect("partnyorlarimiz hansilardir") == "az"
    assert detector.detect("tell me about EFES please") == "en"
    analyse = engine.matcher.analyser.analyse
    assert analyse("partnyorlarımız").terms == analyse("tərəfdaş").terms


def test_a_translated_gap_question_that_does_not_fire_its_gap_is_reported(
    knowledge_copy: Path,
) -> None:
    asked = "Армия и правда опора государства?"  # no trigger of the quote's first gap

    def change(entries: list[dict[str, object]]) -> None:
        gaps = entry(entries, "quote")["gaps"]
        assert isinstance(gaps, list)
        gaps[0]["questions"] = [asked]

    rewrite(knowledge_copy, "ru", change)
    lines = (knowledge_copy / TRANSLATIONS_DIR / "ru.yaml").read_text("utf-8").split("\n")
    where = next(i for i, line in enumerate(lines, 1) if asked in line)
    gap = max(i for i, line in enumerate(lines[:where], 1) if line.lstrip().startswith("- note:"))
    engine = QAEngine.load(knowledge_copy)
    found = [str(p) for p in engine.gaps.problems() if asked in p.message]
    assert found, engine.gaps.problems()
    name, number, message = found[0].split(":", 2)
    assert Path(name).name == "ru.yaml" and int(number) == gap, found[0]
    assert "does not fire the gap" in message


def test_translated_gap_questions_must_be_a_list_of_texts(knowledge_copy: Path) -> None:
    def change(entries: list[dict[str, object]]) -> None:
        gaps = entry(entries, "quote")["gaps"]
        assert isinstance(gaps, list)
        gaps[0]["questions"] = {"когда": "сказал"}
        gaps[1]["questions"] = [{"почему": "сказал"}]

    rewrite(knowledge_copy, "az", change)
    found = problems(knowledge_copy)
    assert any("az.yaml" in p and "'questions' must be text or a list" in p for p in found)
    assert any("az.yaml" in p and "'questions' item must be non-empty text" in p for p in found)


@pytest.mark.parametrize(
    ("question", "fact_id", "words"),
    [
        ("Какая техника была задействована на учениях 2016 года?", "exercises_2016", "техника"),
        ("Почему до сих пор не подписаны 21 соглашение?", "agreements_pending", "почему"),
        ("2016 təlimlərinə nə qədər pul xərclənib?", "exercises_2016", "büdcəsi"),
        ("2016 telimlerine ne qeder pul xerclenib?", "exercises_2016", "büdcəsi"),
    ],
)
def test_a_question_about_a_gap_gets_the_card_and_the_note_in_its_language(
    engine: QAEngine, question: str, fact_id: str, words: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id
    assert any(words in note for note in answer.gaps), answer.gaps


def test_translated_gap_questions_are_phrasings_in_their_language(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        for language, text in fact.translations.items():
            assert len(text.gap_questions) == len(fact.gaps), (fact.id, language)
            for asked in text.gap_questions:
                assert len(asked) == 2 and set(asked) <= set(text.questions), fact.id
