"""Country names in Russian and Azerbaijani, in every grammatical case (issue 11), through the
real engine: each case form is its country, no near miss ever reads as a partner, no ordinary
word reads as a country, and a name clash between two countries cannot slip in unnoticed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.engine import QAEngine
from bot.entities import EntityRecogniser
from bot.kb import KnowledgeBase, KnowledgeError, load_knowledge
from bot.kb.model import TRANSLATED, Category, Problem
from bot.names import NAME_LANGUAGES, azerbaijani_forms, russian_forms
from bot.text import normalise

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    return QAEngine.load(KNOWLEDGE)


def countries(engine: QAEngine, text: str) -> list[tuple[str, bool]]:
    """The countries a text names, each with whether it is a listed partner."""
    mentions = engine.matcher.analyser.mentions(text)
    return [(m.key, m.entity.listed) for m in mentions if m.category is Category.COUNTRY]


def check(directory: Path) -> list[Problem]:
    try:
        load_knowledge(directory)
    except KnowledgeError as error:
        return list(error.problems)
    return []


def test_the_name_languages_are_the_translated_ones() -> None:
    assert NAME_LANGUAGES == TRANSLATED


# -- every case ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("с Турцией", "Turkey"),
        ("в Грузии", "Georgia"),
        ("Германией", "Germany"),
        ("о Франции", "France"),
        ("Турция", "Turkey"),
        ("Türkiyə ilə", "Turkey"),
        ("Almaniyada", "Germany"),
        ("Gürcüstanda", "Georgia"),
        ("Fransaya", "France"),
        ("Türkiyənin", "Turkey"),
        ("Türkiyə'də", "Turkey"),
        ("Южной Кореей", "South Korea"),
        ("Соединёнными Штатами", "United States"),
        ("Cənubi Koreya ilə", "South Korea"),
        ("в Южной Корее", "South Korea"),
        ("Cənubi Koreyada", "South Korea"),
        ("Birləşmiş Ştatlarda", "United States"),
        ("с Соединённым Королевством", "United Kingdom"),
        ("в Гвинее-Бисау", "Guinea-Bissau"),
        ("Боснией и Герцеговиной", "Bosnia and Herzegovina"),
        ("İraqa", "Iraq"),
        ("İrağın", "Iraq"),
        ("в Штатах", "United States"),
        ("турции", "Turkey"),  # typed in lower case, as in chat
        ("almaniyadan", "Germany"),
    ],
)
def test_a_name_in_any_case_is_its_country(engine: QAEngine, text: str, country: str) -> None:
    assert [key for key, _ in countries(engine, text)] == [country], text


@pytest.mark.parametrize(
    ("text", "country"),
    [
        *[
            (name, "United States")
            for name in ("США", "Америка", "Штаты", "ABŞ", "Amerika", "Birləşmiş Ştatlar")
        ],
        *[
            (name, "United Kingdom")
            for name in ("Англия", "Британия", "Великобритания", "İngiltərə", "Britaniya")
        ],
        ("Böyük Britaniya", "United Kingdom"),
        *[
            (name, "South Korea")
            for name in ("Корея", "Южная Корея", "Cənubi Koreya", "Koreya Respublikası")
        ],
        *[(name, "North Korea") for name in ("КНДР", "Северная Корея", "Şimali Koreya", "KXDR")],
        *[(name, "Czech Republic") for name in ("Чехия", "Çexiya", "Чешской Республикой")],
        *[(name, "Kyrgyzstan") for name in ("Киргизия", "Кыргызстан", "Qırğızıstan")],
        *[(name, "Belarus") for name in ("Беларусь", "Белоруссия", "Белоруссией")],
        *[(name, "Turkey") for name in ("Türkiyə", "Türkiye", "Турецкой Республикой")],
        ("Россией", "Russia"),
        ("Rusiyadan", "Russia"),
    ],
)
def test_the_short_forms_people_use(engine: QAEngine, text: str, country: str) -> None:
    assert [key for key, _ in countries(engine, text)] == [country], text


def test_pycountry_names_of_a_partner_are_the_partner(engine: QAEngine) -> None:
    """pycountry's own spellings of a partner are that partner, never a country of their own
    that is no partner."""
    assert countries(engine, "Korea, Republic of") == [("South Korea", True)]
    assert countries(engine, "Iran, Islamic Republic of") == [("Iran", True)]
    assert countries(engine, "Moldova, Republic of") == [("Moldova", True)]


# -- near misses -----------------------------------------------------------------------------

NEAR_MISSES = [
    ("Ирак", "Iraq"),
    ("Ираком", "Iraq"),
    ("İraq", "Iraq"),
    ("İraqla", "Iraq"),
    ("Австрия", "Austria"),
    ("с Австрией", "Austria"),
    ("Avstriya", "Austria"),
    ("Avstriyada", "Austria"),
    ("Австралия", "Australia"),
    ("Австралией", "Australia"),
    ("Avstraliya", "Australia"),
    ("Avstraliyaya", "Australia"),
    ("Армения", "Armenia"),
    ("с Арменией", "Armenia"),
    ("Ermənistan", "Armenia"),
    ("Ermənistanla", "Armenia"),
    ("КНДР", "North Korea"),
    ("Северной Кореей", "North Korea"),
    ("Şimali Koreya", "North Korea"),
    ("Şimali Koreyada", "North Korea"),
    ("İsveç", "Sweden"),  # beside the partner İsveçrə (Switzerland)
    ("İsveçə", "Sweden"),
    ("Нигерии", "Nigeria"),
    ("Нигера", "Niger"),
]


@pytest.mark.parametrize(("text", "country"), NEAR_MISSES)
def test_a_near_miss_is_itself_never_a_partner(engine: QAEngine, text: str, country: str) -> None:
    assert countries(engine, text) == [(country, False)], text


@pytest.mark.parametrize(("text", "country"), [("Иран", "Iran"), ("İranla", "Iran")])
def test_the_partner_iran_is_itself(engine: QAEngine, text: str, country: str) -> None:
    assert countries(engine, text) == [(country, True)]


def _one_edit(word: str) -> set[str]:
    """The word with one letter after the first left out, doubled or changed to another of
    its letters (a typo keeps the first letter: the corrector reads no other)."""
    letters, places = sorted(set(word)), range(1, len(word))
    variants = {word[:i] + word[i + 1 :] for i in places}
    variants |= {word[:i] + word[i] + word[i:] for i in places}
    variants |= {word[:i] + c + word[i + 1 :] for i in places for c in letters}
    return variants - {word}


@pytest.mark.parametrize(("text", "country"), [n for n in NEAR_MISSES if " " not in n[0]])
def test_a_typo_never_turns_a_near_miss_into_another_country(
    engine: QAEngine, text: str, country: str
) -> None:
    recogniser = engine.matcher.analyser.recogniser
    for typo in _one_edit(normalise(text)) - recogniser.known_words:  # "Iran" is no typo
        found = {m.key for m in recogniser.find([typo], typo)}
        assert found <= {country}, (typo, found)


@pytest.mark.parametrize(
    "name",
    [
        "Ирак",
        "Австрия",
        "Австралия",
        "Армения",
        "Северная Корея",
        "Корейская Народно-Демократическая Республика",
    ],
)
def test_every_russian_form_of_a_near_miss_is_itself(engine: QAEngine, name: str) -> None:
    expected = countries(engine, name)
    assert expected and not expected[0][1]
    for form, word in russian_forms(name).items():
        text = normalise(name).replace(word, form)
        assert countries(engine, text) == expected, text


@pytest.mark.parametrize(
    "name", ["İraq", "Avstriya", "Avstraliya", "Ermənistan", "Şimali Koreya", "İsveç"]
)
def test_every_azerbaijani_form_of_a_near_miss_is_itself(engine: QAEngine, name: str) -> None:
    expected = countries(engine, name)
    assert expected and not expected[0][1]
    for form, word in azerbaijani_forms(name).items():
        text = normalise(name).replace(word, form)
        assert countries(engine, text) == expected, text


def _starts_of(engine: QAEngine, case: str) -> set[str]:
    """What the partner answer says before the name, in English and each translation."""
    fact = engine.kb.fact("partner_check")
    templates = [fact.answers[case], *(t.answers[case] for t in fact.translations.values())]
    return {" ".join(template.split("{name}")[0].split()) for template in templates}


@pytest.mark.parametrize("question", ["Ирак партнёр?", "İraq tərəfdaşdır?", "Ирак — партнёр?"])
def test_iraq_is_no_partner_in_any_language(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "partner_check", question
    assert answer.entities == (("country", "Iraq"),)
    # Named as the reply's language names it; never Iran, in any language.
    assert any(f"<b>{name}</b>" in answer.body for name in ("Iraq", "Ирак", "İraq"))
    assert not any(name in answer.body for name in ("Iran", "Иран", "İran"))
    assert any(
        " ".join(answer.body.split()).startswith(s) for s in _starts_of(engine, "not_listed")
    )


@pytest.mark.parametrize(
    ("question", "country"),
    [
        ("Является ли Франция партнёром?", "France"),
        ("Сотрудничает ли Азербайджан с Турцией?", "Turkey"),
        ("Fransa tərəfdaşdır?", "France"),
        ("Azərbaycan Almaniya ilə əməkdaşlıq edir?", "Germany"),
    ],
)
def test_a_partner_is_one_in_any_language(engine: QAEngine, question: str, country: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "partner_check", question
    assert answer.entities == (("country", country),)
    starts = _starts_of(engine, "listed") | _starts_of(engine, "listed_spelling")
    assert any(" ".join(answer.body.split()).startswith(s) for s in starts)


@pytest.mark.parametrize(
    ("question", "country", "listed"),
    [
        # people named in the plural, as in English ("the Turks", "the Georgians")
        ("с турками сотрудничаете?", "Turkey", True),
        ("Работают ли с американцами?", "United States", True),
        ("грузины партнёры?", "Georgia", True),
        ("сотрудничаете с поляками?", "Poland", True),
        ("amerikalılarla əməkdaşlıq edirik?", "United States", True),
        ("ingilislərlə əməkdaşlıq var?", "United Kingdom", True),
        ("иранцы партнёры?", "Iran", True),
        # near misses are themselves: no, never the partner one letter away
        ("иракцы партнёры?", "Iraq", False),
        ("с иракцами сотрудничают?", "Iraq", False),
        ("iraqlılar tərəfdaşdır?", "Iraq", False),
        ("армяне партнёры?", "Armenia", False),
        ("ermənilərlə əməkdaşlıq var?", "Armenia", False),
        ("австрийцы партнёры?", "Austria", False),
        ("австралийцы партнёры?", "Australia", False),
    ],
)
def test_a_people_named_in_the_plural_is_its_country(
    engine: QAEngine, question: str, country: str, listed: bool
) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "partner_check", question
    assert answer.entities == (("country", country),)
    starts = _starts_of(engine, "listed") | _starts_of(engine, "listed_spelling")
    if not listed:
        starts = _starts_of(engine, "not_listed")
    assert any(" ".join(answer.body.split()).startswith(s) for s in starts)


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        # a language is no people: "ingilis dili", "fransız dili" stay the courses
        ("ingilis dili kursları harada keçirilir?", "english_courses"),
        ("fransız dili kursları", "french_courses"),
    ],
)
def test_a_language_is_no_people(engine: QAEngine, question: str, fact_id: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == fact_id and not answer.entities


# -- ordinary words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "кроме того",  # Того (Togo) is an ordinary word in lower case
        "КРОМЕ ТОГО",
        "мало данных",  # Мали (Mali), Дания (Denmark)
        "данные",
        "в каком штате",  # Штаты (the United States) are plural only
        "какая польза",  # one letter from Польша (Poland): a Russian word is never a typo
        "mali yardım",  # Azerbaijani "financial", not Mali
        "Azərbaycana mali dəstək",
        "ümumi sayı nə qədərdir",  # "is as much as": one letter from "Qətərdir", is Qatar
        "İsveçcə",  # one edit from "İsveçə" (to Sweden) and from "İsveçrə" (Switzerland)
    ],
)
def test_an_ordinary_word_names_no_country(engine: QAEngine, text: str) -> None:
    assert countries(engine, text) == [], text


def test_an_ordinary_word_written_as_a_name_is_the_country(engine: QAEngine) -> None:
    assert countries(engine, "А что насчёт Того?") == [("Togo", False)]
    assert countries(engine, "Is Mali a partner?") == [("Mali", False)]
    assert countries(engine, "Того?") == []  # a sentence's first word is no evidence


def test_a_name_the_phrasings_use_as_an_ordinary_word_needs_a_capital(kb: KnowledgeBase) -> None:
    """A Russian phrasing writing "грузией" in lower case in a fact that names no Georgia uses
    it as an ordinary word: then only "Грузией" written as a name is the country."""
    quote = kb.fact("quote")
    russian = quote.translations["ru"]
    odd = dataclasses.replace(russian, questions=(*russian.questions, "что за грузией"))
    facts = tuple(
        dataclasses.replace(f, translations={**f.translations, "ru": odd}) if f is quote else f
        for f in kb.facts
    )
    changed = dataclasses.replace(kb, facts=facts)
    recogniser = EntityRecogniser(changed, known_words={"грузией", "что", "за"})
    assert recogniser.find(["с", "грузией"], "с грузией") == []
    assert [m.key for m in recogniser.find(["с", "грузией"], "А с Грузией?")] == ["Georgia"]
    assert [m.key for m in EntityRecogniser(kb).find(["с", "грузией"], "с грузией")] == ["Georgia"]


# -- clashes ---------------------------------------------------------------------------------


def test_no_form_of_one_country_is_another_country(engine: QAEngine) -> None:
    """Every form of every name, in pycountry and in entities.yaml, reads as one country."""
    assert engine.matcher.analyser.recogniser.clashes == []


def test_a_form_two_countries_share_is_dropped(kb: KnowledgeBase) -> None:
    """Give Iraq the Azerbaijani alias "İra": its genitive "İranın" is Iran's too. Such a form
    is dropped (exact names only) rather than read as either country, and reported."""
    localised = {lang: dict(per) for lang, per in kb.other_country_localised.items()}
    localised["az"]["Iraq"] = (*localised["az"]["Iraq"], "İra")
    changed = dataclasses.replace(kb, other_country_localised=localised)
    recogniser = EntityRecogniser(changed)
    assert ("iraninki", ["Iran", "Iraq"]) in recogniser.clashes
    assert recogniser.find(["iraninki"], "İranınkı") == []
    assert [m.key for m in recogniser.find(["iranda"], "İranda")] == ["Iran"]
    assert [m.key for m in EntityRecogniser(kb).find(["iraninki"], "İranınkı")] == ["Iran"]


def _replace_in_entities(directory: Path, old: str, new: str) -> int:
    """Edit entities.yaml; the line of the edit."""
    path = directory / "entities.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  Iraq: [İraq,",
            "  Iraq: [İraq, İra,",
            "'iranin', a form of 'İra' (Iraq), also reads as Iran",
        ),
        (
            "aliases_az: [İran, İran İslam Respublikası,",
            "aliases_az: [İran, İran İslam Respublikası, İraqa,",
            "'İraqa' names Iran, and is also Iraq in another case",
        ),
        (
            "  Austria: [Австрия,",
            "  Austria: [Австрия, Австралия,",
            "names both Austria and",
        ),
        ("aliases_ru: [Италия,", "aliases_ru: [Италия, Italy,", "'Italy' is not written in"),
        ("aliases_ru: [Италия,", "aliases_ru: [Italia,", "not written in Cyrillic"),
        ("  Iraq: [Ирак,", "  Narnia: [Нарния,", "no country is called 'Narnia'"),
        ("  Iraq: [Ирак,", "  Georgia: [Грузия,", "Georgia is a partner"),
        ("aliases_ru: [Италия,", "aliasez_ru: [Италия,", "unknown field 'aliasez_ru'"),
        ("ordinary_words_ru: [того]", "ordinary_words_ru: [кроме того]", "is not one word"),
    ],
)
def test_a_name_problem_is_located(knowledge_copy: Path, old: str, new: str, message: str) -> None:
    line = _replace_in_entities(knowledge_copy, old, new)
    found = [p for p in check(knowledge_copy) if message in p.message]
    assert found, [str(p) for p in check(knowledge_copy)]
    assert {Path(p.file).name for p in found} == {"entities.yaml"}
    assert line in {p.line for p in found}


# -- the word forms ----------------------------------------------------------------------------


def test_russian_forms_follow_the_declension() -> None:
    assert russian_forms("Южная Корея") == {
        "южной": "южная",
        "южную": "южная",
        "южною": "южная",
        "кореи": "корея",
        "корее": "корея",
        "корею": "корея",
        "кореей": "корея",
        "кореею": "корея",
    }
    assert {"ирака", "ираку", "ираком", "ираке"} == set(russian_forms("Ирак"))
    assert {"штатов", "штатам", "штатами", "штатах"} <= set(russian_forms("Штаты"))
    assert "штат" not in russian_forms("Штаты")
    # The indeclinable and the abbreviations have no other forms.
    for name in ("Мали", "Того", "Перу", "Самоа", "США", "КНДР"):
        assert russian_forms(name) == {}, name
    # A complement after the head noun keeps its case.
    assert "республике" in russian_forms("Республика Корея")
    assert not {"кореи", "корее"} & set(russian_forms("Республика Корея"))


def test_azerbaijani_forms_follow_vowel_harmony() -> None:
    turkey = azerbaijani_forms("Türkiyə")
    assert {"turkiyede", "turkiyeden", "turkiyeye", "turkiyenin", "turkiyeni", "turkiyeyle"} <= set(
        turkey
    )
    assert "turkiyada" not in turkey
    iraq = azerbaijani_forms("İraq")
    assert {"iraqda", "iraqa", "iraga", "iraqin", "iragin", "iraqla"} <= set(iraq)
    assert azerbaijani_forms("ABŞ") == {}
    assert "respublikasinda" in azerbaijani_forms("Koreya Respublikası")


@pytest.mark.parametrize(
    "question",
    ["что за учения подразделений специального назначения?", "расскажи про компьютерные учения"],
)
def test_trainings_by_their_russian_names(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.fact_id == "exercise_info" and answer.language == "ru"
