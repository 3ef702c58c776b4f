"""Every country's names in English, Russian and Azerbaijani, and the forms a question puts
them in ("с Турцией", "в Южной Корее", "Almaniyada", "Türkiyənin").

pycountry ships ISO 3166-1 translated (gettext catalogues inside the package): Russian is
complete, Azerbaijani is not; knowledge/entities.yaml fills the gaps and adds the short forms
people use. The forms are generated once at start-up from each name's nominative, Russian by
its declension (known from its ending) and Azerbaijani by case suffixes in vowel harmony, so a
question's word is found by one look-up, and each form can be checked against every other
country's names and against ordinary words before it is trusted. Snowball's Russian stems are
no help here: "Иран" stems to "ира" but "Ираном" to "иран", "Корея" to "коре" but "Кореи" to
"кор", while "данные" (data) stems like "Дания" (Denmark).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pycountry

from bot.text import normalise

HOME_COUNTRY = "AZ"  # the document's own country is the subject, never a partner to check
NAME_LANGUAGES = ("az", "ru")  # the languages besides English whose names are known
_CATALOGUE = "iso3166-1"
_NAME_FIELDS = ("name", "common_name", "official_name")


@dataclass(frozen=True)
class CountryNames:
    """One country's names: `code` is pycountry's alpha-2 ("" for a country it does not
    list, such as Kosovo); names per language, as written."""

    display: str
    code: str = ""
    english: tuple[str, ...] = ()
    localised: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Names whose last word takes Azerbaijani case suffixes: the translated ones, the
    # one-word names the catalogue keeps in English ("Pakistan", "Oman"), the aliases.
    inflected_az: tuple[str, ...] = ()


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    """pycountry's ISO 3166-1 names in one language, read from its .mo file once."""
    return gettext.translation(_CATALOGUE, pycountry.LOCALES_DIR, languages=[language])


def _inverted(name: str) -> list[str]:
    """ "Korea, Republic of" is also "Republic of Korea"."""
    if "," not in name:
        return [name]
    base, _, qualifier = name.partition(",")
    return [name, f"{qualifier.strip()} {base.strip()}"]


@cache
def pycountry_names() -> tuple[CountryNames, ...]:
    """Every country but the home country, with its English names and pycountry's
    translations of them; read once (the check and the recogniser both need them)."""
    found: list[CountryNames] = []
    for country in pycountry.countries:
        if country.alpha_2 == HOME_COUNTRY:
            continue
        name: str = country.name
        display: str = getattr(country, "common_name", None) or name.split(",")[0].strip()
        official = getattr(country, "official_name", None)
        english = [name, display, *([official] if official else []), *_inverted(name)[1:]]
        fields = [getattr(country, attribute, None) for attribute in _NAME_FIELDS]
        localised: dict[str, tuple[str, ...]] = {}
        inflected: list[str] = []
        for language in NAME_LANGUAGES:
            names: list[str] = []
            for text in filter(None, fields):
                translated = _catalogue(language).gettext(text)
                if translated != text:
                    names += _inverted(translated)
                    if language == "az" and "," not in translated:
                        inflected.append(translated)
                elif language == "az" and " " not in text and "," not in text:
                    inflected.append(text)  # "Pakistan", "Oman": Azerbaijani too
            localised[language] = tuple(names)
        found.append(
            CountryNames(display, country.alpha_2, tuple(english), localised, tuple(inflected))
        )
    return tuple(found)


@lru_cache(maxsize=8192)
def name_key(text: str) -> tuple[str, ...]:
    """A name as the words a question is read into; cached, as every name is read twice
    (by the knowledge check and by the recogniser)."""
    return tuple(normalise(text).split())


@cache
def name_index() -> dict[tuple[str, ...], str]:
    """Every name pycountry knows, in every language (normalised, "the" and bracketed parts
    left out too) → its alpha-2 code; the first country to have a name keeps it."""
    index: dict[tuple[str, ...], str] = {}
    for country in pycountry.countries:
        for attribute in _NAME_FIELDS:
            text = getattr(country, attribute, None)
            for variant in _inverted(text) if text else ():
                for form in (variant, variant.split("(")[0]):
                    key = name_key(form)
                    index.setdefault(key, country.alpha_2)
                    if key[:1] == ("the",):
                        index.setdefault(key[1:], country.alpha_2)
    for names in pycountry_names():
        for group in names.localised.values():
            for text in group:
                index.setdefault(name_key(text), names.code)
    return index


def country_code(names: Iterable[str]) -> str:
    """pycountry's code for the first of these names it knows; "" when it knows none."""
    index = name_index()
    return next((index[key] for key in map(name_key, names) if key in index), "")


@cache
def pycountry_forms() -> dict[str, tuple[str, ...]]:
    """Every inflected word of pycountry's Russian and Azerbaijani names → the words it may
    inflect, in sorted order ("соединенным": "соединенное", "соединенные")."""
    forms: dict[str, tuple[str, ...]] = {}
    for names in pycountry_names():
        for language, raw in _inflected(names):
            for form, word in forms_of(language, raw).items():
                found = forms.get(form)
                if found is None:
                    forms[form] = (word,)
                elif word not in found:
                    forms[form] = tuple(sorted((*found, word)))
    return forms


def add_forms(forms: dict[str, set[str]], names: CountryNames) -> None:
    """A country's inflected words into `forms` (inflected word → words it inflects)."""
    for language, raw in _inflected(names):
        for form, word in forms_of(language, raw).items():
            forms[form].add(word)


def _inflected(names: CountryNames) -> Iterator[tuple[str, str]]:
    """A country's names that take endings, each with its language: the Russian ones, and
    the Azerbaijani ones that take case suffixes."""
    yield from (("ru", raw) for raw in names.localised.get("ru", ()))
    yield from (("az", raw) for raw in names.inflected_az)


# -- Russian -----------------------------------------------------------------------------------

_HUSHING = frozenset("жшчщц")
_VELAR = frozenset("гкх")
_VOWELS_RU = frozenset("аеиоуыэюяё")
_INDECLINABLE_ENDINGS = frozenset("оеиуюэ")
# Nominative adjective endings → the endings of their other cases, the same gender.
_ADJECTIVE_CASES = {
    "ая": ("ой", "ую", "ою"),
    "яя": ("ей", "юю", "ею"),
    "ый": ("ого", "ому", "ым", "ом"),
    "ой": ("ого", "ому", "ым", "ом"),
    "ое": ("ого", "ому", "ым", "ом"),
    "ее": ("его", "ему", "им", "ем"),
    "ые": ("ых", "ым", "ыми"),
    "ие": ("их", "им", "ими"),
}


def _is_adjective(word: str) -> bool:
    """An adjective's ending: a word before the head noun so ending declines like one."""
    return len(word) > 3 and word[-2:] in {*_ADJECTIVE_CASES, "ий"}


def _adjective_forms(word: str) -> list[str]:
    """The other cases of an adjective, in its nominative's gender and number."""
    base, ending = word[:-2], word[-2:]
    cases: tuple[str, ...]
    if ending == "ий":
        cases = ("ого", "ому", "им", "ом") if base[-1:] in _VELAR else ("его", "ему", "им", "ем")
    else:
        cases = _ADJECTIVE_CASES[ending]
    return [base + case for case in cases]


def _noun_forms(word: str) -> list[str]:
    """The other cases of a noun, by its nominative's ending; none for the indeclinable
    ("Мали", "Перу", "Того", "Самоа") and for the shortest ("РФ")."""
    if len(word) < 3:
        return []
    last, base = word[-1], word[:-1]
    cases: tuple[str, ...]
    if word.endswith("ство"):  # "Королевство", "Государство": neuter, declined
        cases = ("а", "у", "ом", "е")
    elif last in _INDECLINABLE_ENDINGS:
        return []
    elif word.endswith("ия"):  # Турция, Турции, Турцию, Турцией
        cases = ("и", "ю", "ей", "ею")
    elif last == "я":  # Корея, Кореи, Корее, Корею, Кореей
        cases = ("и", "е", "ю", "ей", "ею")
    elif last == "а":
        if word[-2] in _VOWELS_RU:  # Никарагуа, Самоа
            return []
        hushing = word[-2] in _HUSHING
        plural = "и" if word[-2] in _VELAR or hushing else "ы"
        cases = (plural, "е", "у", "ей" if hushing else "ой", "ею" if hushing else "ою")
    elif last == "ы":  # Штаты, Нидерланды, Филиппины: plural
        cases = ("ов", "ам", "ами", "ах")
    elif last == "й":  # Китай, Уругвай, Маврикий
        cases = ("я", "ю", "ем", "е", "и") if word.endswith("ий") else ("я", "ю", "ем", "е")
    elif last == "ь":  # Израиль (masculine), Беларусь (feminine)
        cases = ("я", "ю", "ем", "е", "и", "ью")
    else:  # Ирак, Иран, Казахстан
        return [word + case for case in ("а", "у", "ем" if last in _HUSHING else "ом", "е")]
    return [base + case for case in cases]


def _head_forms(compound: list[str]) -> dict[str, str]:
    """The head noun, hyphenated or not: its last part declines ("Шри-Ланки"), or its first
    when the last does not ("Гвинеи-Бисау")."""
    last = compound[-1]
    forms = _noun_forms(last)
    if forms or len(compound) == 1:
        return {form: last for form in forms}
    first = compound[0]
    return {form: first for form in _noun_forms(first)} if first.endswith("я") else {}


@lru_cache(maxsize=4096)
def russian_forms(name: str) -> dict[str, str]:
    """Each inflected word of a Russian name → its word in the nominative: the adjectives and
    the head noun decline ("Южной Кореей"), a complement after the head does not ("Республики
    Корея", "Королевства Великобритании"), words joined by "и" both do ("Боснии и
    Герцеговине")."""
    written = [(word, list(name_key(word))) for word in name.split()]
    words = [(word.isupper(), parts) for word, parts in written if parts]
    forms: dict[str, str] = {}
    position = 0
    while position < len(words):
        while position < len(words) - 1 and _is_adjective(words[position][1][-1]):
            adjective = words[position][1][-1]
            forms.update({form: adjective for form in _adjective_forms(adjective)})
            position += 1
        abbreviation, head = words[position]
        if not abbreviation:  # "США", "КНДР" are not declined
            forms.update(_head_forms(head))
        position += 1
        if position < len(words) and words[position][1] == ["и"]:
            position += 1
            continue
        break
    return forms


# -- Azerbaijani -------------------------------------------------------------------------------

_BACK_VOWELS = frozenset("aıou")
_ROUNDED_VOWELS = frozenset("ouöü")
_AZ_VOWELS = frozenset("aıoueəiöü")
# Case suffixes with A for a/e and I for i/u (ı and ü fold to i and u), after a consonant and
# after a vowel: locative, ablative, "the one in", dative, genitive, "the one of", accusative,
# instrumental, "is", the question particle.
_AFTER_CONSONANT = ("dA", "dAn", "dAkI", "A", "In", "InkI", "I", "lA", "dIr", "mI")
_AFTER_VOWEL = ("dA", "dAn", "dAkI", "yA", "nIn", "nInkI", "nI", "ylA", "dIr", "mI")
# After the possessive ending of a compound ("Koreya Respublikası", "Səudiyyə Ərəbistanı").
_AFTER_POSSESSIVE = ("ndA", "ndAn", "ndAkI", "nA")


@lru_cache(maxsize=4096)
def azerbaijani_forms(name: str) -> dict[str, str]:
    """The last word of an Azerbaijani name with its case suffixes → the word itself:
    "Almaniya" gives "almaniyada", "almaniyanin", ...; vowel harmony follows the name as
    written, before folding ("Türkiyə" takes -də, "İraq" -da and also "İrağa")."""
    words = name.split()
    if not words or "," in name:
        return {}
    written = words[-1].replace("İ", "i").replace("I", "ı").lower()
    parts = name_key(written)
    if not parts:
        return {}
    word = parts[-1]
    vowels = [letter for letter in written if letter in _AZ_VOWELS]
    if len(word) < 3 or not vowels or words[-1].isupper():
        return {}  # "ABŞ-da" is written with a hyphen, and read as two words
    back, rounded = vowels[-1] in _BACK_VOWELS, vowels[-1] in _ROUNDED_VOWELS
    if word[-1] not in "aeiou":
        endings = _endings(_AFTER_CONSONANT, back, rounded)
    elif len(words) > 1 and word[-1] in "iu":
        endings = _endings(_AFTER_VOWEL + _AFTER_POSSESSIVE, back, rounded)
    else:
        endings = _endings(_AFTER_VOWEL, back, rounded)
    forms = {word + ending: word for ending in endings}
    if word.endswith("q"):  # İraq → İrağa
        forms.update({word[:-1] + "g" + e: word for e in endings if e[0] in "aeiu"})
    return forms


@cache
def _endings(suffixes: tuple[str, ...], back: bool, rounded: bool) -> tuple[str, ...]:
    """The suffixes in one vowel harmony: A is a after a back vowel, else e; I is u after a
    rounded vowel, else i."""
    harmony = str.maketrans({"A": "a" if back else "e", "I": "u" if rounded else "i"})
    return tuple(suffix.translate(harmony) for suffix in suffixes)


def forms_of(language: str, name: str) -> dict[str, str]:
    """The inflected words of a name in this language → the words of the name they inflect;
    cached (the check and the recogniser read the same names), so never to be changed."""
    return russian_forms(name) if language == "ru" else azerbaijani_forms(name)
