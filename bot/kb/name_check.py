"""entities.yaml's names against each other and against every country pycountry knows, in
every language and grammatical case. A name two countries share is read as whichever was
registered first, and a name that is another country's name in another case hides that form
("İraqa" given to Iran would read "to Iraq" as Iran): each is a `check` problem at its line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from bot.kb.model import TRANSLATED
from bot.kb.reader import ProblemLog
from bot.kb.yaml_lines import LineDict, LineList, line_of
from bot.names import country_code, forms_of, name_index, name_key, pycountry_forms

Name = tuple[str, int, str]  # as written, its line, its language ("" for English)
_ALIASES = {"aliases": "", **{f"aliases_{language}": language for language in TRANSLATED}}
_OTHERS = {
    "other_country_aliases": "",
    **{f"other_country_aliases_{language}": language for language in TRANSLATED},
}


def check_names(log: ProblemLog, name: str, data: LineDict) -> None:
    """Every clash of the file's names, each at the line of the name that makes it."""
    countries = dict(_names_by_country(data))
    codes = {
        country: country_code(text for text, _, language in names if not language)
        for country, names in countries.items()
    }
    by_code = {code: country for country, code in codes.items() if code}
    owners: dict[tuple[str, ...], str] = {}  # a name's words → the country it names
    index = name_index()
    for country, names in countries.items():
        code = codes[country]
        for text, line, _ in names:
            key = name_key(text)
            other = owners.setdefault(key, country)
            elsewhere = index.get(key, code)
            if other != country or (code and elsewhere != code):
                what = other if other != country else by_code.get(elsewhere, elsewhere)
                log.add(name, line, f"'{text}' names both {country} and {what}")

    def named(words: Iterable[str]) -> set[str]:
        """The countries these words are one-word names of, in the file or in pycountry."""
        found = set()
        for word in words:
            code = index.get((word,), "")
            found.add(owners.get((word,)) or by_code.get(code, code))
        return found - {""}

    _check_forms(log, name, countries, named)


def _check_forms(
    log: ProblemLog,
    name: str,
    countries: dict[str, list[Name]],
    named: Callable[[Iterable[str]], set[str]],
) -> None:
    """A one-word name that is another country's name in another case, and a form of a
    name that inflects two countries' names (`named`: the countries some words name)."""
    forms: dict[str, set[str]] = defaultdict(set)  # an inflected word → the words it inflects
    made: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # → country, name, line
    for country, names in countries.items():
        for text, line, language in names:
            for form, word in (forms_of(language, text) if language else {}).items():
                forms[form].add(word)
                made[form].append((country, text, line))
    inflected = pycountry_forms()
    for country, names in countries.items():
        for text, line, _ in names:
            key = name_key(text)
            if len(key) != 1:
                continue
            inflecting = {*inflected.get(key[0], ()), *forms.get(key[0], ())}
            for other in sorted(named(inflecting) - {country}):
                message = f"'{text}' names {country}, and is also {other} in another case"
                log.add(name, line, message)
    for form, words in forms.items():
        meant = named({*words, *inflected.get(form, ())})
        if len(meant) < 2:
            continue
        for country, text, line in made[form]:
            others = ", ".join(sorted(meant - {country}))
            log.add(name, line, f"'{form}', a form of '{text}' ({country}), also reads as {others}")


def _names_by_country(data: LineDict) -> Iterator[tuple[str, list[Name]]]:
    """Each country of the file with its names in every language and their lines."""
    per: dict[str, list[Name]] = defaultdict(list)
    items = data.get("countries")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, LineDict) and isinstance(item.get("name"), str):
            per[item["name"]].append((item["name"], item.line, ""))
            for key, language in _ALIASES.items():
                per[item["name"]] += _texts(item.get(key), language)
    for key, language in _OTHERS.items():
        others = data.get(key)
        if not isinstance(others, LineDict):
            continue
        for country, aliases in others.items():
            per[str(country)].append((str(country), line_of(others, country), ""))
            per[str(country)] += _texts(aliases, language)
    yield from per.items()


def _texts(items: object, language: str) -> list[Name]:
    """The texts of a YAML list, each with its line and language."""
    if not isinstance(items, LineList):
        return []
    return [
        (text, line_of(items, n), language) for n, text in enumerate(items) if isinstance(text, str)
    ]
