"""The limits the knowledge must meet: its fields and phrasing counts, and what Telegram
accepts in the parts the bot sends as they are (command names, answer HTML)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.commands import RESERVED_NAMES
from bot.kb.model import Category, FactKind

FACT_FIELDS = frozenset(
    {
        "id",
        "title",
        "kind",
        "command",
        "answer",
        "answers",
        "source",
        "questions",
        "related",
        "slot",
        "gaps",
    }
)
# A gap: what the fact leaves out, the phrasings that ask for it, whole questions asking it.
GAP_FIELDS = frozenset({"note", "triggers", "unless", "questions"})
# Ids the answers use for themselves: a reply about everything on a year or country.
RESERVED_IDS = frozenset({"summary"})
# A slot fact answers through one template per case, chosen by what the document says.
SLOT_CASES: dict[Category, tuple[str, ...]] = {
    Category.COUNTRY: ("listed", "listed_spelling", "not_listed"),
    Category.EXERCISE: ("held",),
}
MIN_PHRASINGS = {FactKind.FACT: 12, FactKind.SMALLTALK: 5}
FACT_ID = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{\w+\}")
# Telegram: 1-32 characters, lower-case letters, digits and underscores.
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# Tags Telegram accepts with parse_mode=HTML.
ANSWER_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
    }
)
_BARE_AMPERSAND = re.compile(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)")


class _TagChecker(HTMLParser):
    """Finds tags Telegram would refuse and tags left open or closed twice."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ANSWER_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"closing </{tag}> does not match an open tag")
            return
        self.stack.pop()


def html_problems(html_text: str) -> list[str]:
    """What Telegram would refuse in an answer: bare '&', unknown or unbalanced tags."""
    checker = _TagChecker()
    checker.feed(html_text)
    checker.close()
    errors = list(checker.errors)
    if checker.stack:
        errors.append(f"<{checker.stack[-1]}> is never closed")
    if _BARE_AMPERSAND.search(html_text):
        errors.append("a bare '&' must be written &amp;")
    return errors


def placeholder_problem(question: str, slot: Category | None) -> str | None:
    """Why a phrasing does not fit its fact: a slot fact's must hold its {placeholder}, a
    plain fact's none."""
    if slot is not None and f"{{{slot.value}}}" not in question:
        return f"question must contain {{{slot}}}: {question!r}"
    if slot is None and _PLACEHOLDER.search(question):
        return f"placeholder without slot: {question!r}"
    return None


def command_problem(command: str) -> str | None:
    """Why a fact may not use this /command, or None when it may."""
    if not COMMAND_NAME.fullmatch(command):
        return f"command '{command}' is refused by Telegram: use 1-32 of a-z, 0-9 and _"
    if command in RESERVED_NAMES:
        return f"command '/{command}' is reserved"
    return None
