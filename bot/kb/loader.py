"""Loading the knowledge folder: the document, the fact files, entities and lexicon, all
validated in one pass that reports every problem as `file:line: message`."""

from __future__ import annotations

from pathlib import Path

from bot.kb.common_words import read_common_words
from bot.kb.facts import read_facts
from bot.kb.group_table import read_group_table
from bot.kb.location import DOCUMENT_FILE
from bot.kb.model import TRANSLATED, KnowledgeBase, KnowledgeError, Problem
from bot.kb.reader import ProblemLog
from bot.kb.translations import TRANSLATIONS_DIR, read_translations
from bot.kb.vocabulary import read_entities, read_lexicons
from bot.text import collapse_whitespace

ENTITIES_FILE = "entities.yaml"
LEXICON_FILE = "lexicon.yaml"
GROUPS_FILE = "partner_groups.yaml"  # optional; written by `make groups`
COMMON_WORDS_FILE = "common_words.txt"  # optional; written by `make words`
NOT_FACT_FILES = frozenset({ENTITIES_FILE, LEXICON_FILE, GROUPS_FILE})


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Load and validate every file; raise KnowledgeError listing all problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), 0, "knowledge folder not found")])
    log = ProblemLog()
    document_path = directory / DOCUMENT_FILE
    try:
        document = document_path.read_text(encoding="utf-8")
    except OSError:
        log.add(log.display(document_path), 0, "the document is missing")
        document = ""
    fact_files = sorted(p for p in directory.glob("*.yaml") if p.name not in NOT_FACT_FILES)
    if not fact_files:
        log.add(log.display(directory), 0, "no fact files (*.yaml) found")
    facts = read_facts(log, fact_files, collapse_whitespace(document))
    facts = read_translations(log, directory, TRANSLATED, facts)
    entities = read_entities(log, directory / ENTITIES_FILE)
    lexicon = read_lexicons(log, directory / LEXICON_FILE, directory / TRANSLATIONS_DIR)
    names = tuple(country.name for country in entities.partners)
    # Translated like the facts: with an i18n folder, every group in every language.
    translated = TRANSLATED if (directory / TRANSLATIONS_DIR).is_dir() else ()
    partner_groups = read_group_table(log, directory / GROUPS_FILE, names, translated)
    common_words = read_common_words(log, directory / COMMON_WORDS_FILE)
    if log.problems:
        raise KnowledgeError(log.problems)
    return KnowledgeBase(
        facts=tuple(facts),
        partners=entities.partners,
        exercises=entities.exercises,
        other_country_aliases=entities.others,
        other_country_localised=entities.others_localised,
        ordinary_words=entities.ordinary_words,
        lexicon=lexicon,
        partner_groups=partner_groups,
        common_words=common_words,
    )
