"""The bot's own words in each language: gettext catalogues, the Python convention, so
translators work in .po files with the usual tools and the code keeps its English text as the
message id. `make catalogs` extracts the marked texts (`N_`) into bot/locale/bot.pot, updates
bot/locale/<language>/LC_MESSAGES/bot.po and compiles each to the bot.mo read here (Babel does
that; the standard library's gettext reads the result, so Babel is no run-time dependency). The
knowledge base's own words are translated in knowledge/i18n/ instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

# The languages the bot speaks: English is the knowledge base's own (the document's), the others
# are translations of it (knowledge/i18n/<language>.yaml, and the catalogues here).
LANGUAGES = ("en", "az", "ru")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "bot"
ENGLISH = LANGUAGES[0]


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for the marker)
    """Marks a text for the catalogues where it is defined; it is translated where it is shown,
    in the reply's language."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English is the texts themselves)."""
    if language == ENGLISH:
        return NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as file:
        return GNUTranslations(file)


def gettext(language: str, message: str) -> str:
    return catalogue(language).gettext(message)


@dataclass(frozen=True)
class Translator:
    """The bot's texts in one language, for a function that shows several: `_(TEXT, id=7)`
    translates TEXT, then fills its {placeholders} (after translation, so a translator may
    move them)."""

    language: str

    def __call__(self, message: str, /, **values: object) -> str:
        text = gettext(self.language, message)
        return text.format(**values) if values else text


_AND = N_("and")  # the last joint of a list: "A, B and C"
AND_MORE = N_("… and {count} more")  # ends a list cut short


def describe(names: Sequence[str], language: str = ENGLISH) -> str:
    """'A', 'A and B', 'A, B and C', in the language's words."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {gettext(language, _AND)} {names[-1]}"
