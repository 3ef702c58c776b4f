"""Telegram's length limits, counted as Telegram counts them, and cuts that Telegram accepts.

Telegram measures text in UTF-16 code units, so an emoji outside the Basic Multilingual Plane
counts twice: 3,000 emoji are 6,000 units and a message of them is refused as too long. A cut
never splits an HTML tag or entity, a surrogate pair or a grapheme (an emoji with its modifiers,
a letter with its accents), and closes every tag it leaves open. Pure, so the CLI and the
benchmarks measure exactly what the bot sends.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import NamedTuple

from bot.text import plain_text

# The limits the bot meets (it sends no media, so a caption's 1024 units never apply; inline
# answers carry at most 10 results, with 32-character ids, under Telegram's 50 and 64 bytes).
MAX_TEXT = 4096  # a message's text after entity parsing
MAX_CALLBACK_ANSWER = 200  # answerCallbackQuery's text
MAX_CALLBACK_DATA = 64  # bytes of UTF-8 in a button's callback_data
ELLIPSIS = "…"

# A tag, an entity, or one character: the units a cut may not split.
_TOKEN = re.compile(
    r"<[A-Za-z/][^<>]*>|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});|.", re.S
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ZWJ = "\u200d"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units; a lone surrogate (Python allows them) counts as one."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes, as callback data and inline result ids are measured."""
    return len(text.encode("utf-8", "surrogatepass"))


def visible_len(text_html: str) -> int:
    """What Telegram counts of an HTML message: the visible text, in UTF-16 code units."""
    return utf16_len(plain_text(text_html))


def _joins(previous: str, current: str, regional_run: int) -> bool:
    """Whether `current` belongs to the grapheme `previous` ends, so no cut may fall between."""
    code = ord(current)
    if code < 0x300:  # below the combining marks: only CR LF holds together
        return previous == "\r" and current == "\n"
    if not previous:
        return False
    before = ord(previous)
    return (
        unicodedata.category(current) in ("Mn", "Mc", "Me")
        or current == _ZWJ
        or previous == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji or text presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF
        or (0xD800 <= before <= 0xDBFF and 0xDC00 <= code <= 0xDFFF)  # a pair left as two
        or (_regional(current) and regional_run % 2 == 1)  # the second letter of a flag
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


class Boundary(Enum):
    """Where a cut fell, best first; each is taken when it keeps enough of the budget (half,
    70%, 80%, half), else the next. The caller marks a cut between lines differently."""

    PARAGRAPH = 1
    LINE = 2
    WORD = 3
    GRAPHEME = 4
    CHARACTER = 5


class _Cut(NamedTuple):
    end: int  # index in the source after the kept part
    units: int  # visible UTF-16 units kept
    open_tags: tuple[str, ...]


def _tokens(text: str, markup: bool) -> Iterator[tuple[str, int]]:
    """(token, end index): tags and entities whole when `markup`, else one character each."""
    if markup:
        for match in _TOKEN.finditer(text):
            yield match.group(), match.end()
    else:
        for index, char in enumerate(text, start=1):
            yield char, index


def cut(text: str, budget: int, *, markup: bool) -> tuple[str, Boundary] | None:
    """The longest prefix of `text` showing at most `budget` UTF-16 units, ending at the best
    boundary that keeps most of it, with open tags closed; None when all of it fits."""
    last = paragraph = line = word = grapheme = _Cut(0, 0, ())  # `last`: after the last kept
    stack: list[str] = []
    open_tags: tuple[str, ...] = ()
    used, previous, regional_run = 0, "", 0
    for token, end in _tokens(text, markup):
        if markup and len(token) > 1:
            tag = _TAG.match(token)
            if tag is not None:
                closing, name = tag.group(1), tag.group(2).lower()
                if not closing:
                    stack.append(name)
                elif stack and stack[-1] == name:
                    stack.pop()
                open_tags = tuple(stack)
                continue
            token = html.unescape(token)
        if not _joins(previous, token[0], regional_run):
            grapheme = last
        units = (2 if ord(token) > 0xFFFF else 1) if len(token) == 1 else utf16_len(token)
        if used + units > budget:
            cuts = ((paragraph, 0.5), (line, 0.7), (word, 0.8), (grapheme, 0.5), (last, 0.0))
            boundary, where = next(
                (Boundary(rank), where)
                for rank, (where, share) in enumerate(cuts, start=1)
                if where.units >= budget * share
            )
            kept = text[: where.end].rstrip()
            return kept + "".join(f"</{tag}>" for tag in reversed(where.open_tags)), boundary
        used += units
        last = _Cut(end, used, open_tags)
        if token == "\n":
            line = last
            if previous == "\n":
                paragraph = last
        elif token.isspace():
            word = last
        regional_run = regional_run + 1 if _regional(token[0]) else 0
        previous = token[-1]
    return None


def fit_html(text_html: str, limit: int = MAX_TEXT) -> str:
    """A message within `limit` visible UTF-16 units, still valid Telegram HTML; a cut text
    ends with an ellipsis (on its own line when the cut fell between lines)."""
    if visible_len(text_html) <= limit:
        return text_html
    result = cut(text_html, limit - 2, markup=True)
    if result is None:  # cannot happen: the text was over the limit
        return text_html
    kept, boundary = result
    separator = "\n" if boundary in (Boundary.PARAGRAPH, Boundary.LINE) else ""
    return f"{kept}{separator}{ELLIPSIS}" if kept else ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """Plain text within `limit` UTF-16 units, cut at a word when that keeps most of it."""
    if len(text) * 2 <= limit or utf16_len(text) <= limit:
        return text
    result = cut(text, limit - 1, markup=False)
    if result is None:
        return text
    return result[0] + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str]) -> list[str]:
    """The leading whole lines that fit `limit` UTF-16 units (newlines included) together with
    `more(n)`, the line saying how many were left out; `more` is added only when some were."""
    if utf16_len("\n".join(lines)) <= limit:
        return list(lines)
    room = limit - utf16_len(more(len(lines))) - 1
    kept: list[str] = []
    for line in lines:
        room -= utf16_len(line) + 1
        if room < 0:
            break
        kept.append(line)
    return [*kept, more(len(lines) - len(kept))]
