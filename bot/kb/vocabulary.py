"""The entities file (partner countries, exercises, other countries' aliases) and the lexicon
(synonyms, stopwords, weak words): the names and words the matcher reads questions with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n import ENGLISH
from bot.kb.model import ASKING_KINDS, TRANSLATED, Country, Exercise, Lexicon
from bot.kb.name_check import check_names
from bot.kb.reader import ProblemLog
from bot.kb.yaml_lines import LineDict, line_of
from bot.names import country_code, name_key
from bot.text import normalise

LEXICON_SUFFIX = ".lexicon.yaml"  # knowledge/i18n/ru.lexicon.yaml: Russian words of the lexicon

# Per-language fields beside the English ones: `aliases_ru` beside `aliases` for a partner,
# `other_country_aliases_az` beside `other_country_aliases`, and the ordinary words of a language
# a name form is not taken for (`ordinary_words_ru`).
_ALIASES = {language: f"aliases_{language}" for language in TRANSLATED}
_OTHERS = {language: f"other_country_aliases_{language}" for language in TRANSLATED}
_ORDINARY = {language: f"ordinary_words_{language}" for language in TRANSLATED}
_TOP_FIELDS = frozenset(
    {"countries", "exercises", "other_country_aliases", *_OTHERS.values(), *_ORDINARY.values()}
)
_COUNTRY_FIELDS = frozenset({"name", "spelling", "aliases", *_ALIASES.values()})
_EXERCISE_FIELDS = frozenset({"name", "aliases"})


@dataclass(frozen=True)
class Entities:
    """What entities.yaml holds: partners, exercises, other countries' aliases in English and
    in the other languages (language → country → names), and each language's ordinary words."""

    partners: tuple[Country, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    others: dict[str, tuple[str, ...]] = field(default_factory=dict)
    others_localised: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    ordinary_words: dict[str, frozenset[str]] = field(default_factory=dict)


def read_entities(log: ProblemLog, path: Path) -> Entities:
    """Everything entities.yaml holds; empty after reporting a problem that leaves it unread."""
    name = log.display(path)
    if not path.exists():
        log.add(name, 0, "the entities file is missing")
        return Entities()
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "entities must be a mapping")
        return Entities()
    log.fields(name, data, _TOP_FIELDS)
    partners = tuple(
        Country(
            name=str(item["name"]),
            spelling=str(item.get("spelling") or item["name"]),
            aliases=tuple(str(a) for a in item.get("aliases") or ()),
            localised={
                language: tuple(_names(log, name, item, key, language))
                for language, key in _ALIASES.items()
                if key in item
            },
        )
        for item in _entity_items(log, name, data, "countries", ("name", "spelling"))
    )
    exercises = tuple(
        Exercise(name=str(item["name"]), aliases=tuple(str(a) for a in item.get("aliases") or ()))
        for item in _entity_items(log, name, data, "exercises", ("name",))
    )
    others = _other_aliases(log, name, data, "other_country_aliases", "")
    localised = {
        language: _other_aliases(log, name, data, key, language)
        for language, key in _OTHERS.items()
    }
    _check_others(log, name, data, partners, others)
    ordinary = {
        language: _ordinary_words(log, name, data, key, language)
        for language, key in _ORDINARY.items()
    }
    check_names(log, name, data)
    return Entities(partners, exercises, others, localised, ordinary)


def _in_script(text: str, language: str) -> bool:
    """Russian names are written in Cyrillic, Azerbaijani ones in Latin letters: a name in
    the wrong list would be inflected by the other language's rules."""
    folded = "".join(name_key(text))
    cyrillic = any("а" <= letter <= "я" for letter in folded)
    latin = any("a" <= letter <= "z" for letter in folded)
    return cyrillic and not latin if language == "ru" else latin and not cyrillic


def _names(log: ProblemLog, name: str, data: LineDict, key: str, language: str) -> list[str]:
    """A list of names (or words) in one language; each item that is no text or not in the
    language's script is a problem at its line."""
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        log.add(name, line_of(data, key), f"{key} must be a list")
        return []
    good: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not name_key(item):
            log.add(name, line_of(items, index), f"{key}: {item!r} is not a name (quote it)")
        elif language and not _in_script(item, language):
            script = "Cyrillic" if language == "ru" else "Latin letters"
            log.add(name, line_of(items, index), f"{key}: '{item}' is not written in {script}")
        else:
            good.append(item)
    return good


def _ordinary_words(
    log: ProblemLog, name: str, data: LineDict, key: str, language: str
) -> frozenset[str]:
    """A language's ordinary words, one word each, as questions are read."""
    words = frozenset(normalise(word) for word in _names(log, name, data, key, language))
    for word in words:
        if " " in word:
            log.add(name, line_of(data, key), f"{key}: '{word}' is not one word")
    return words


def _other_aliases(
    log: ProblemLog, name: str, data: LineDict, key: str, language: str
) -> dict[str, tuple[str, ...]]:
    raw = data.get(key)
    others: dict[str, tuple[str, ...]] = {}
    if raw is None:
        return others
    if not isinstance(raw, LineDict):
        log.add(name, line_of(data, key), f"{key} must be a mapping")
        return others
    for country in raw:
        if not isinstance(raw[country], list):
            log.add(name, line_of(raw, country), "aliases must be a list")
            continue
        others[str(country)] = tuple(_names(log, name, raw, country, language))
    return others


def _check_others(
    log: ProblemLog,
    name: str,
    data: LineDict,
    partners: tuple[Country, ...],
    others: dict[str, tuple[str, ...]],
) -> None:
    """A country named under other_country_aliases_<language> is one the bot knows, and no
    partner: a partner's names in every language stand beside it under `countries`."""
    partner_codes = {country_code((c.name, c.spelling, *c.aliases)): c.name for c in partners}
    partner_codes.pop("", None)
    partner_names = {c.name for c in partners}
    for key in _OTHERS.values():
        raw = data.get(key)
        if not isinstance(raw, LineDict):
            continue
        for country in raw:
            code = country_code((str(country), *others.get(str(country), ())))
            partner = partner_codes.get(code) if code else None
            if str(country) in partner_names or partner:
                message = (
                    f"{key}: {country} is a partner: give its names as aliases_ under countries"
                )
                log.add(name, line_of(raw, country), message)
            elif str(country) not in others and not code:
                message = f"{key}: no country is called '{country}' (use its English name)"
                log.add(name, line_of(raw, country), message)


def _entity_items(
    log: ProblemLog, name: str, data: LineDict, key: str, required: tuple[str, ...]
) -> list[LineDict]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        log.add(name, line_of(data, key) or data.line, f"'{key}' must be a non-empty list")
        return []
    allowed = _COUNTRY_FIELDS if key == "countries" else _EXERCISE_FIELDS
    good: list[LineDict] = []
    for index, item in enumerate(items):
        if not isinstance(item, LineDict):
            log.add(name, line_of(items, index), f"each of '{key}' must be a mapping")
            continue
        log.fields(name, item, allowed, f"{key}: ")
        missing = [field_name for field_name in required if not item.get(field_name)]
        if missing:
            log.add(name, item.line, f"{key}: missing field '{missing[0]}'")
            continue
        if not isinstance(item.get("aliases") or [], list):
            log.add(name, line_of(item, "aliases"), "aliases must be a list")
            continue
        good.append(item)
    return good


def read_lexicons(log: ProblemLog, path: Path, translations: Path) -> Lexicon:
    """The English lexicon with each other language's words (`translations`/<language>.lexicon
    .yaml, each optional: a folder without one reads that language by its phrasings alone). A
    word both files read differently is a problem: one word, one reading."""
    lexicon = read_lexicon(log, path, ENGLISH)
    for language in TRANSLATED:
        own = translations / f"{language}{LEXICON_SUFFIX}"
        if not own.is_file():
            continue
        extra = read_lexicon(log, own, language)
        name = log.display(own)
        for variant, canonical in extra.synonyms.items():
            if lexicon.synonyms.get(variant, canonical) != canonical:
                message = f"'{variant}' is already a synonym of '{lexicon.synonyms[variant]}'"
                log.add(name, 0, message)
        lexicon = lexicon.merged(extra, language)
    return lexicon


def read_lexicon(log: ProblemLog, path: Path, language: str = ENGLISH) -> Lexicon:
    """Synonyms, stopwords and weak words, normalised as questions will be; the words of
    `language` (the file's) that ask each kind of question."""
    empty = Lexicon(synonyms={}, stopwords=frozenset(), weak_words=frozenset())
    name = log.display(path)
    if not path.exists():
        log.add(name, 0, "the lexicon file is missing")
        return empty
    data = log.read_yaml(path)
    if not isinstance(data, LineDict):
        if data is not None:
            log.add(name, line_of(data), "the lexicon must be a mapping")
        return empty
    return Lexicon(
        synonyms=_synonyms(log, name, data),
        stopwords=_word_set(log, name, data, "stopwords"),
        weak_words=_word_set(log, name, data, "weak_words"),
        question_words=_word_set(log, name, data, "question_words"),
        ask_phrases=_word_set(log, name, data, "ask_phrases"),
        joiners=_word_set(log, name, data, "joiners"),
        wh_words=_word_set(log, name, data, "wh_words"),
        embedding_verbs=_word_set(log, name, data, "embedding_verbs"),
        followup_phrases=_word_set(log, name, data, "followup_phrases"),
        anaphora=_word_set(log, name, data, "anaphora"),
        subject_pronouns=_word_set(log, name, data, "subject_pronouns"),
        first_person=_word_set(log, name, data, "first_person"),
        conjunctions=_word_set(log, name, data, "conjunctions"),
        relative_markers=_word_set(log, name, data, "relative_markers"),
        relation_words=_word_set(log, name, data, "relation_words"),
        relation_postpositions=_word_set(log, name, data, "relation_postpositions"),
        between_words=_word_set(log, name, data, "between_words"),
        home_names=_word_set(log, name, data, "home_names"),
        language_prepositions=_word_set(log, name, data, "language_prepositions"),
        year_anaphora=_word_set(log, name, data, "year_anaphora"),
        country_anaphora=_word_set(log, name, data, "country_anaphora"),
        more_phrases=_word_set(log, name, data, "more_phrases"),
        summary_phrases=_word_set(log, name, data, "summary_phrases"),
        dictation_phrases=_word_set(log, name, data, "dictation_phrases"),
        frame_words=_word_set(log, name, data, "frame_words"),
        asking_kinds={language: _asking_kinds(log, name, data)},
    )


def _asking_kinds(log: ProblemLog, name: str, data: LineDict) -> dict[str, frozenset[str]]:
    kinds = data.get("asking_kinds")
    if kinds is None:
        return {}
    if not isinstance(kinds, LineDict):
        log.add(name, line_of(data, "asking_kinds"), "asking_kinds must be a mapping")
        return {}
    for kind in kinds:
        if kind not in ASKING_KINDS:
            known = ", ".join(ASKING_KINDS)
            log.add(name, line_of(kinds, kind), f"asking_kinds: '{kind}' is none of {known}")
    return {kind: _word_set(log, name, kinds, kind) for kind in ASKING_KINDS if kind in kinds}


def _synonyms(log: ProblemLog, name: str, data: LineDict) -> dict[str, str]:
    synonyms: dict[str, str] = {}
    groups = data.get("synonyms") or {}
    if not isinstance(groups, dict):
        log.add(name, line_of(data, "synonyms"), "synonyms must be a mapping")
        return synonyms
    for canonical, variants in groups.items():
        if not isinstance(variants, list):
            log.add(name, line_of(groups, canonical), "synonyms: give a list of variants")
            continue
        for variant in variants:
            if not isinstance(variant, str):
                message = f"synonyms: {variant!r} is not text (quote it)"
                log.add(name, line_of(groups, canonical), message)
                continue
            key = normalise(variant)
            if key in synonyms and synonyms[key] != normalise(str(canonical)):
                message = f"'{variant}' is a synonym of both '{synonyms[key]}' and '{canonical}'"
                log.add(name, line_of(groups, canonical), message)
            synonyms[key] = normalise(str(canonical))
    return synonyms


def _word_set(log: ProblemLog, name: str, data: LineDict, key: str) -> frozenset[str]:
    words = data.get(key) or []
    if not isinstance(words, list):
        log.add(name, line_of(data, key), f"{key} must be a list")
        return frozenset()
    for word in words:
        if not isinstance(word, str):
            log.add(
                name,
                line_of(data, key),
                f"{key}: {word!r} is not text (YAML reads yes/no/on/off as booleans: quote them)",
            )
    return frozenset(normalise(word) for word in words if isinstance(word, str))
