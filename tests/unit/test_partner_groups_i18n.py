"""Partner groups asked in Russian and Azerbaijani (issue 11): the table's words in those
languages, in the forms people write (Russian cases, Azerbaijani suffixes, Azerbaijani typed
without its letters), answered in the question's language with the same counts and countries
as in English and the classification named; a group no classification covers still gets the
honest fallback, and a question about one country or another topic is read as before."""

from __future__ import annotations

import html
import re

import pytest

from bot.dialogue import Context
from bot.engine import QAEngine
from bot.groups import GROUP_FACT
from bot.kb.model import Category, PartnerGroup
from bot.kb.rules import html_problems

CENTRAL_ASIA_RU = ("Казахстан", "Киргизия", "Туркменистан", "Узбекистан", "Таджикистан")


def _groups(engine: QAEngine) -> tuple[PartnerGroup, ...]:
    table = engine.kb.partner_groups
    assert table is not None
    return table.groups


def _group_keys(engine: QAEngine, question: str) -> tuple[str | None, list[str]]:
    """The fact a question is answered with, and the table keys of its groups."""
    answer = engine.ask(question)
    by_name = {group.name: group.key for group in _groups(engine)}
    keys = [by_name[name] for kind, name in answer.entities if kind == Category.GROUP.value]
    return (answer.fact_id if answer.matched else None), keys


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Какие партнёры находятся в Европе?", "continent_europe"),
        ("есть ли среди партнеров европейские страны", "continent_europe"),
        ("Сколько партнёров из Центральной Азии?", "un_central_asia"),
        ("Кто из партнёров входит в Евросоюз?", "eu"),
        ("страны ЕС среди партнёров", "eu"),
        ("Какие партнёры — члены СНГ?", "cis"),
        ("Кто из партнёров входит в Большую двадцатку?", "g20"),
        ("партнеры из стран ОЭСР", "oecd"),
        ("Есть ли партнёры из Африки?", "continent_africa"),
        ("какие партнёры на Ближнем Востоке", "un_western_asia"),
        ("Tərəfdaşlardan hansıları Avropa İttifaqının üzvüdür?", "eu"),
        ("Avropada yerləşən tərəfdaşlar hansılardır?", "continent_europe"),
        ("Mərkəzi Asiyadan olan tərəfdaşlar", "un_central_asia"),
        ("Hansı tərəfdaşlar MDB üzvüdür?", "cis"),
        ("MDB-nin üzvü olan tərəfdaşlar", "cis"),  # a suffix typed apart
        ("G20-yə daxil olan tərəfdaşlar kimlərdir?", "g20"),
        ("İƏİT üzvü olan tərəfdaşlar", "oecd"),
        ("tərəfdaşlar arasında afrika ölkələri varmı", "continent_africa"),
    ],
)
def test_a_group_is_read_in_russian_and_azerbaijani(
    engine: QAEngine, question: str, key: str
) -> None:
    assert _group_keys(engine, question) == (GROUP_FACT, [key])


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Mərkəzi Asiyadan olan tərəfdaşlar?", "Merkezi Asiyadan olan terefdaslar?"),
        ("Tərəfdaşlar arasında Aİ ölkələri varmı?", "terefdaslar arasinda Ai olkeleri varmi"),
        ("Asiyadan neçə tərəfdaş var?", "asiyadan nece terefdas var"),
    ],
)
def test_azerbaijani_typed_without_its_letters_is_read_alike(
    engine: QAEngine, written: str, typed: str
) -> None:
    first, second = engine.ask(written), engine.ask(typed)
    assert first.fact_id == second.fact_id == GROUP_FACT
    assert first.language == second.language == "az"
    assert first.body == second.body


def test_a_russian_question_is_answered_in_russian(engine: QAEngine) -> None:
    answer = engine.ask("Сколько партнёров из Центральной Азии?")
    assert (answer.fact_id, answer.language) == (GROUP_FACT, "ru")
    assert answer.title == "Партнёры в Центральной Азии"
    assert answer.body.startswith(
        "Из <b>36 стран</b>, которые документ называет партнёрами по двустороннему военному"
        " сотрудничеству, <b>5</b> находятся в Центральной Азии (по country_converter 1.3.2,"
        " классификация «UNregion»: регионы ООН по стандарту M49): "
    )
    assert all(name in answer.body for name in CENTRAL_ASIA_RU)
    assert "Kazakhstan" not in answer.body  # only the English source names it so
    assert html_problems(answer.html) == []


def test_an_azerbaijani_question_is_answered_in_azerbaijani(engine: QAEngine) -> None:
    answer = engine.ask("Hansı tərəfdaşlar MDB üzvüdür?")
    assert (answer.fact_id, answer.language) == (GROUP_FACT, "az")
    assert answer.title == "MDB-nin üzvü olan tərəfdaşlar"
    assert "<b>6</b> ölkə MDB-nin üzvüdür (country_converter 1.3.2 üzrə, «CIS» təsnifatı" in (
        answer.body
    )
    for name in ("Rusiya", "Belarus", "Moldova", "Qazaxıstan", "Özbəkistan", "Tacikistan"):
        assert name in answer.body
    assert html_problems(answer.html) == []


def test_none_one_and_a_note_in_both_languages(engine: QAEngine) -> None:
    none = engine.ask("есть ли партнёры из скандинавских стран")
    assert none.body.startswith("Членом Северного совета не является ни одна из <b>36 стран</b>")
    assert "norden.org" in none.body
    none = engine.ask("Cənubi Amerikadan tərəfdaş varmı?")
    assert "<b>36 ölkədən</b> heç biri Cənubi Amerikada yerləşmir" in none.body
    one = engine.ask("Amerikadan tərəfdaş varmı?")
    assert "<b>biri</b> Amerikada yerləşir" in one.body and "ABŞ" in one.body
    noted = engine.ask("какие партнёры на Ближнем Востоке")
    assert "<i>В стандарте ООН M49 нет региона «Ближний Восток»" in noted.body


def test_a_named_member_outside_the_36_is_said_so_in_russian(engine: QAEngine) -> None:
    answer = engine.ask("есть ли партнёры в Австралии или Океании?")
    assert answer.fact_id == GROUP_FACT and answer.language == "ru"
    assert "По этой классификации <b>Австралия</b> находится в Океании" in answer.body


def test_two_groups_get_two_paragraphs_in_russian(engine: QAEngine) -> None:
    answer = engine.ask("Какие партнёры в ЕС и в ОЭСР?")
    first, second = answer.body.split("\n\n")
    assert "<b>14</b> являются членами Европейского союза" in first
    assert second.startswith("Из этих 36, <b>17</b> являются членами ОЭСР")
    assert answer.title == engine.kb.fact(GROUP_FACT).translations["ru"].title
    # Two questions joined by "и какие" get a part each, as "… and which in the OECD?" does.
    parts = engine.ask("Какие партнёры в ЕС и какие в ОЭСР?").parts
    assert [part.fact_id for part in parts] == [GROUP_FACT, GROUP_FACT]
    assert "ОЭСР" in parts[1].body


@pytest.mark.parametrize("language", ["ru", "az"])
def test_every_group_keeps_the_english_counts_and_countries(
    engine: QAEngine, language: str
) -> None:
    """Only the words change: each answer counts and lists the partners the English does, in
    document order, each named as the knowledge base names it in that language."""
    groups = engine.cards.groups
    assert groups is not None
    for group in _groups(engine):
        _, english = groups.render((group,), ())
        _, translated = groups.render(
            (group,), (), language, lambda key: engine.localiser.name(key, language)
        )
        counts = re.findall(r"<b>(\d+)</b>", english)
        assert re.findall(r"<b>(\d+)</b>", translated) == counts, group.key
        classification = html.escape(group.translations[language].classification)
        assert classification in translated, group.key
        listing = translated.split(classification, 1)[1]  # its own list may name countries
        names = [html.escape(engine.localiser.name(p, language)) for p in group.partners]
        places = [listing.find(name) for name in names]
        assert all(place > 0 for place in places) and places == sorted(places), group.key
        assert "{" not in translated and html_problems(translated) == [], group.key


@pytest.mark.parametrize(
    "question",
    [
        "Какие партнёры — члены НАТО?",
        "Есть ли среди партнёров балканские страны?",
        "Какие страны из списка входят в ОДКБ?",
        "Есть ли среди партнёров постсоветские государства?",
        "NATO üzvü olan tərəfdaşlar hansılardır?",
        "Balkan ölkələrindən tərəfdaş var?",
        "Hansı türk dövlətləri tərəfdaşdır?",
        "Tərəfdaşlar arasında ŞƏT üzvləri varmı?",
        "terefdaslar arasinda ATET uzvleri varmi",
    ],
)
def test_a_group_no_classification_covers_is_not_answered(engine: QAEngine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.matched, answer.text


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("Ирак партнёр?", "partner_check"),
        ("Америка партнёр?", "partner_check"),  # "Америка" alone is the United States
        ("Amerika tərəfdaşdır?", "partner_check"),
        ("Южная Африка партнёр?", "partner_check"),  # the country, not the region
        ("Турция член НАТО?", None),
        ("Какие страны ЕС подписали соглашения с Азербайджаном?", "agreements_signed"),
        ("Aİ ölkələri ilə hansı sazişlər imzalanıb?", "agreements_signed"),
        ("which partners use AI?", None),  # "Aİ" is read in an Azerbaijani clause only
    ],
)
def test_other_questions_are_read_as_before(
    engine: QAEngine, question: str, fact_id: str | None
) -> None:
    answer = engine.ask(question)
    assert (answer.fact_id if answer.matched else None) == fact_id


@pytest.mark.parametrize(
    ("first", "again", "other", "title"),
    [
        ("Какие партнёры входят в G7?", "а сколько?", "а в Азии?", "Партнёры в Азии"),
        ("G7-yə daxil olan tərəfdaşlar hansılardır?", "neçədir?", "bəs Asiyada?", "Asiyada"),
    ],
)
def test_follow_ups_lean_on_the_group_in_both_languages(
    engine: QAEngine, first: str, again: str, other: str, title: str
) -> None:
    answer = engine.ask(first)
    context = Context.after(answer)
    repeated = engine.ask(again, context)
    assert repeated.fact_id == GROUP_FACT and repeated.title == answer.title
    assert engine.ask(other, context).title.startswith(title)


def test_every_translated_word_names_its_group(engine: QAEngine) -> None:
    """Each word of the table, in a question of its language, reads as its own group; each
    unclassified group as no group."""
    groups = engine.cards.groups
    table = engine.kb.partner_groups
    assert groups is not None and table is not None
    frames = {"ru": "Какие партнёры — {}?", "az": "{} tərəfdaşlar hansılardır?"}
    for language, frame in frames.items():
        for group in table.groups:
            for word in group.translations[language].words:
                asked = groups.read(frame.format(word))
                assert asked is not None and asked.groups == (group,), (language, word)
        for word in table.translated_unclassified[language]:
            asked = groups.read(frame.format(word))
            assert asked is not None and asked.unclassified, (language, word)
