"""Azerbaijani questions with their suffixes (issue 11): an inflected word reads as the word
the phrasings hold ("ölkələrlə" as "ölkə"), with or without the Azerbaijani letters, through the
real engine; a question the document does not answer is still refused."""

from __future__ import annotations

import pytest

from bot.answers import Outcome
from bot.azerbaijani import azerbaijani_bases, azerbaijani_stem
from bot.engine import QAEngine
from bot.kb.model import Category
from bot.text import normalise, spoken_numbers


def stem_of(word: str) -> str:
    return azerbaijani_stem(normalise(word))


@pytest.mark.parametrize(
    ("inflected", "plain"),
    [
        ("ölkələrlə", "ölkə"),
        ("ölkəsinin", "ölkə"),
        ("ölkəyə", "ölkə"),
        ("sazişlərin", "saziş"),
        ("təlimlərdə", "təlim"),
        ("tərəfdaşlarımız", "tərəfdaş"),
        ("tərəfdaşdırmı", "tərəfdaş"),
        ("əməkdaşlığın", "əməkdaşlıq"),  # ğ before a vowel is the q of the word
        ("kursların", "kurs"),
        ("keçiriləcəkmi", "keçirilir"),
        ("imzalanıb", "imzalayıb"),
    ],
)
def test_the_suffix_rules_strip_inflections(inflected: str, plain: str) -> None:
    assert stem_of(inflected) == stem_of(plain)


def test_short_roots_and_figures_keep_their_letters() -> None:
    assert azerbaijani_stem("dil") == "dil"
    assert azerbaijani_stem("2016") == "2016"
    assert azerbaijani_stem("ol") == "ol"


def test_a_word_may_be_inflected_from_the_words_before_its_suffixes() -> None:
    bases = azerbaijani_bases("olkelerimizle")
    assert bases == sorted(bases, key=len, reverse=True)  # the least cut off first
    assert {"olkelerimiz", "olkeler", "olke"} <= set(bases)
    assert "sened" in azerbaijani_bases("senede")  # "sənədə": the dative of "sənəd"


@pytest.mark.parametrize(
    ("inflected", "plain"),
    [
        ("ölkələrlə əməkdaşlıq", "ölkə əməkdaşlıq"),
        ("olkelerimizle emekdasliq", "olke emekdasliq"),  # no phrasing has this form
        ("sazişlərin sayı", "saziş sayı"),
        ("təlimlərdə iştirak", "təlim iştirak"),
        ("Sənədə görə", "sənəd görə"),
    ],
)
def test_inflected_words_read_as_the_phrasings_words(
    engine: QAEngine, inflected: str, plain: str
) -> None:
    analyser = engine.matcher.analyser
    assert analyser.analyse(inflected).terms == analyser.analyse(plain).terms


def test_azerbaijani_phrasings_read_as_azerbaijani(engine: QAEngine) -> None:
    analyser = engine.matcher.analyser
    assert analyser.analyse("{country} ilə hərbi əməkdaşlıq", language="az").language == "az"
    assert analyser.analyse("hansi olkeler").language == "az"
    assert analyser.analyse("which countries").language != "az"


def test_a_name_or_a_year_with_a_suffix_is_still_the_name(engine: QAEngine) -> None:
    analyser = engine.matcher.analyser
    mentions = analyser.analyse("Pakistanla hərbi əməkdaşlıq").mentions
    assert [(m.category, m.key) for m in mentions] == [(Category.COUNTRY, "Pakistan")]
    mentions = analyser.analyse("2016da hansi sazisler imzalanib").mentions
    assert [(m.category, m.key) for m in mentions] == [(Category.YEAR, "2016")]
    assert (
        analyser.mentions("Pakistanla hərbi əməkdaşlıq")
        == analyser.analyse("Pakistanla hərbi əməkdaşlıq").mentions
    )


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("Azərbaycan neçə ölkəylə sazişlər imzalayıb?", "agreements_signed"),
        ("imzalanmış sazişlərin ümumi sayı nə qədərdir", "agreements_signed"),
        ("2016 ilde hansi olkelerle sazisler imzalanib", "agreements_2016"),
        ("muzakire olunan memorandumlarin ve protokollarin sayi", "agreements_pending"),
        ("Azərbaycanın tərəfdaş ölkələrinin siyahısını göstərin", "partners"),
        ("terefdaslarimiz hansi olkelerdir", "partners"),
        ("Üçtərəfli görüşlərə kimlər qatılır?", "trilateral_meetings"),
        ("2017de ucterefli gorusler hansi olkede olacaq", "trilateral_2017"),
        ("emekdasliq planlarinin hazirlanmasinda neye diqqet yetirilir", "partnership_goals"),
        ("2016 ilde kecirilen tedbirlerin sayi nece olub", "events_2016"),
        ("tedbirlerde istirak eden herbcilerin sayi", "events_attendance"),
        ("Fransız dili kurslarını hansı səfirlik təşkil edir?", "french_courses"),
        ("akademiyada ingilis dili kurslarinin kecirilmesi", "english_courses"),
        ("2016-cı ilin birinci yarısında hansı təlimlər keçirilmişdir?", "exercises_2016"),
        ("2017-ci ildə oxşar təlimlərin keçirilməsi planlaşdırılırmı?", "exercises_2017"),
        ("Pakistanla hərbi əməkdaşlıq edirikmi?", "partner_check"),
        ("hansı suallarıma cavab verə bilərsən?", "capabilities"),
        ("kimlərlə əməkdaşlıq edirik?", "partners"),  # "edirik": "et", the light verb
        ("hansi ucheniyalar olub 2016da", "exercises_2016"),  # Russian typed in Latin
        ("2016 da kurslar, seminarlar, seferler falan ne qeder olub?", "events_2016"),  # "falan"
        ("hele razilasdirilmamis protokollar var? nece olkeyle", "agreements_pending"),
        ("hele ki, sagol", "goodbye"),  # for now, bye
        ("Sən insansan yoksa robot musun?", "bot_identity"),  # Turkish "yoksa", "musun"
        ("sən nəyə yarayırsan?", "capabilities"),
        ("Hansı sənəd haqqında danışırsan?", "about"),  # talking about: "cover", as in English
        ("sənəd nədən danışır?", "about"),
        ("kurslar haqqında danış", "courses"),  # "danış", tell me, is still a request
        (
            "Hazırda neçə saziş, anlaşma memorandumu və protokol müzakirə mərhələsindədir, "
            "bəyan edərsinizmi?",
            "agreements_pending",
        ),
    ],
)
def test_azerbaijani_questions_with_suffixes_find_their_facts(
    engine: QAEngine, question: str, fact_id: str
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id, (question, answer.fact_id, answer.confidence)


@pytest.mark.parametrize(
    "question",
    [
        "Azərbaycan ordusunda neçə əsgər var?",
        "herbi budce ne qederdir",
        "Bakıda hava necədir?",
        "Ermənistanla sülh müqaviləsi imzalanıb?",
        "generallarin maaslari ne qederdir",
        "azerbaycan ordusu ne vaxt yaranib",  # "yaran-", be created: no "yara-", be of use
        "Müdafiə Nazirliyinin büdcəsi nə qədərdir?",  # a gap's word only (bot/vetoes.py)
        "Türkiyədə hansı dildə danışırlar?",  # "danışırlar", they speak: no "danış", tell me
        "Qazaxıstanda hansi dilde danisirlar",
    ],
)
def test_an_azerbaijani_question_the_document_does_not_answer_is_refused(
    engine: QAEngine, question: str
) -> None:
    answer = engine.ask(question)
    assert answer.outcome is Outcome.FALLBACK, (question, answer.fact_id)


def test_a_name_with_the_language_suffix_is_the_language_not_the_country(
    engine: QAEngine,
) -> None:
    """ "İsveçcə" is Swedish, the language: no country is read, so no partner check."""
    mentions = engine.matcher.analyser.analyse("İsveçcə kurslar var?").mentions
    assert [m.key for m in mentions] == []


def test_an_inflected_word_is_no_typo_of_a_country(engine: QAEngine) -> None:
    # "danışa" (to tell) is "danış" inflected; one edit from "Dania" once read it as Denmark.
    analysis = engine.matcher.analyser.analyse("Mənə nələr danışa bilərsiniz?")
    assert analysis.mentions == ()
    assert engine.matcher.analyser.analyse("Danimarkada təlim olub?").mentions[0].key == "Denmark"


def test_bes_opening_a_question_is_no_figure(engine: QAEngine) -> None:
    """ "Bəs" ("and what about") folds to "bes", as "beş" (5) does: it is read as a word."""
    assert spoken_numbers(normalise("bəs 2016-da").split()) == ["bes", "2016", "da"]
    answer = engine.ask("bəs 2016-da neçə dövlətlə analoji sənədlər imzalandı")
    assert answer.fact_id == "agreements_2016" and "7" in answer.text
