"""Replies in the question's language (issue 11): the card's own translation, the bot's own
words from its catalogue, the English source labelled as the original; English unchanged."""

from __future__ import annotations

from babel.messages.pofile import read_po

from bot.engine import QAEngine
from bot.i18n import LOCALE_DIR, catalogue
from bot.kb.model import TRANSLATED

SIGNED_RU = "Со сколькими странами Азербайджан подписал соглашения о военном сотрудничестве?"


def test_the_language_is_read_from_the_message(engine: QAEngine) -> None:
    assert engine.language_of(SIGNED_RU) == "ru"
    assert engine.language_of("Türkiyə ilə neçə saziş imzalanıb?") == "az"
    assert engine.language_of("turkiye ile nece sazis imzalanib?") == "az"
    assert engine.language_of("How many countries signed?") == "en"
    assert engine.language_of("2016?") is None and engine.language_of("👍") is None


def test_a_russian_question_gets_the_russian_card(engine: QAEngine) -> None:
    answer = engine.ask(SIGNED_RU)
    russian = engine.kb.fact("agreements_signed").translations["ru"]
    assert (answer.fact_id, answer.language) == ("agreements_signed", "ru")
    assert answer.title == russian.title and answer.body == russian.answer
    assert "34" in answer.text and "34 countries" in answer.text  # the English source, verbatim
    assert "Источник (оригинальный текст на английском):" in answer.message_html()
    assert all(topic.title != "Agreements signed in 2016" for topic in answer.related)
    assert answer.as_json()["language"] == "ru"


def test_an_azerbaijani_question_gets_the_azerbaijani_card(engine: QAEngine) -> None:
    answer = engine.ask("fransız dili kurslarını kim təşkil edir?")
    azerbaijani = engine.kb.fact("french_courses").translations["az"]
    assert (answer.fact_id, answer.language) == ("french_courses", "az")
    assert answer.body == azerbaijani.answer
    assert "Mənbə (ingilis dilində orijinal mətn):" in answer.text


def test_english_is_as_it_was(engine: QAEngine) -> None:
    answer = engine.ask("How many countries has Azerbaijan signed agreements with?")
    fact = engine.kb.fact("agreements_signed")
    assert (answer.language, answer.title, answer.body) == ("en", fact.title, fact.answer)
    assert "Source:" in answer.text


def test_the_reply_language_can_be_forced(engine: QAEngine) -> None:
    answer = engine.ask("How many countries has Azerbaijan signed agreements with?", language="az")
    assert answer.language == "az"
    assert answer.body == engine.kb.fact("agreements_signed").translations["az"].answer


def test_a_message_that_does_not_tell_takes_the_default(engine: QAEngine) -> None:
    assert engine.ask("2016?", default="ru").language == "ru"
    assert engine.ask("2016?").language == "en"


def test_what_the_document_does_not_say_is_said_in_russian(engine: QAEngine) -> None:
    answer = engine.ask("какие именно 34 страны подписали соглашения?")
    note = engine.kb.fact("agreements_signed").translations["ru"].notes[0]
    assert answer.fact_id == "agreements_signed"
    assert answer.gaps == (note,)
    assert "<b>Чего в документе нет:</b>" in answer.message_html()


def test_a_per_country_answer_uses_the_translated_template(engine: QAEngine) -> None:
    answer = engine.command("partners", "France", language="ru")
    assert answer is not None
    assert answer.body.startswith("Да. <b>Франция</b>") and answer.title == "Франция"
    answer = engine.command("partners", "Japan", language="az")
    assert answer is not None and answer.body.startswith("Xeyr. <b>Yaponiya</b>")


def test_the_fallback_is_in_the_questions_language_and_states_no_fact(engine: QAEngine) -> None:
    answer = engine.ask("какое население Турции?")
    assert not answer.matched and answer.language == "ru"
    # It names what it recognised, in Russian, and quotes where the document mentions it.
    assert answer.body.startswith("Ваш вопрос касается темы «Турция»")
    assert "Вот где в нём упоминается Турция:" in answer.body and "Turkey" in answer.body
    assert "Возможно, поможет одна из этих тем:" in answer.text
    english_titles = {fact.title for fact in engine.kb.facts}
    assert answer.suggestions and not {t.title for t in answer.suggestions} & english_titles


def test_a_summary_and_a_reply_in_parts_are_translated_whole(engine: QAEngine) -> None:
    summary = engine.ask("everything about 2017", language="ru")
    assert summary.title == "Что документ говорит о: 2017"
    assert all(part.language == "ru" for part in summary.parts)
    two = "Is Croatia a partner, and how many deals are being negotiated?"
    parts = engine.ask(two, language="az")
    assert len(parts.parts) == 2 and all(part.language == "az" for part in parts.parts)
    assert parts.parts[1].body == engine.kb.fact("agreements_pending").translations["az"].answer


def test_a_partner_group_answer_is_written_in_the_reply_s_language(engine: QAEngine) -> None:
    answer = engine.ask("Which partners are members of the European Union?", language="ru")
    assert answer.fact_id == "partner_group" and answer.language == "ru"
    assert answer.title == "Партнёры — члены Европейского союза"
    assert "<b>14</b> являются членами Европейского союза" in answer.html


def test_every_text_of_the_bot_is_translated_and_compiled() -> None:
    with (LOCALE_DIR / "bot.pot").open("rb") as file:
        wanted = {message.id for message in read_po(file) if message.id}
    assert wanted
    for language in TRANSLATED:
        path = LOCALE_DIR / language / "LC_MESSAGES" / "bot.po"
        with path.open("rb") as file:
            source = {m.id: m.string for m in read_po(file) if m.id}
        assert set(source) == wanted, language
        compiled = catalogue(language)
        for message, translated in source.items():
            assert translated and compiled.gettext(str(message)) == translated, message


def test_a_name_with_turkic_letters_leaves_an_english_question_english(engine: QAEngine) -> None:
    for question in ("Is Türkiye a partner?", "When was Anadolu Kartalı held?"):
        assert engine.ask(question).language == "en", question


def test_the_trainings_are_named_in_cyrillic_too(engine: QAEngine) -> None:
    for question, name in (
        ("Когда проходили учения «Анадолу Картал»?", "Anadolu Gartali"),
        ("ТурАз Шахини проводились?", "TURAZ Shahini"),
        ("что за учения Ишыг", "Ishig"),
    ):
        answer = engine.ask(question)
        assert (answer.fact_id, answer.language) == ("exercise_info", "ru"), question
        assert answer.title == name, question  # the document's spelling, as the issue asks
