"""Hostile questions for fuzzing, as hypothesis strategies: emoji that count two UTF-16 units,
graphemes built of several code points, markup, right-to-left and zero-width characters, control
characters, line separators, lone surrogates (Python strings allow them, Telegram never sends
them), words the bot knows, and 4,000-character floods; and the checks every reply to them must
pass. Shared by the fuzz test in `make test` and the Fuzz figure of `make bench`."""

from __future__ import annotations

import re

import pycountry
from hypothesis import strategies as st

from bot.engine import QAEngine
from tests.support import checks
from tests.support.wire import ApiError

# Seventy-odd distinct countries in one question.
MANY_COUNTRIES = ", ".join(
    country.name for country in list(pycountry.countries)[:80] if "," not in country.name
)
PIECES = (
    # emoji: outside the BMP, with a skin tone, a ZWJ family, a flag, a keycap
    "😀",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🇦🇿",
    "1️⃣",
    # markup and entities a careless renderer would pass through
    "<",
    ">",
    "&",
    '"',
    "'",
    "<b>",
    "</b>",
    "<script>alert(1)</script>",
    "<a href='javascript:x'>",
    "&amp;",
    "&lt;b&gt;",
    "&#x1F600;",
    "<blockquote expandable>",
    "</pre>",
    # right to left, bidi controls, zero width, combining marks
    "\u202e",
    "\u200f",
    "مرحبا",
    "שלום",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "e\u0301",
    "\u0301" * 20,
    # control characters and every line break Unicode knows
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    # lone surrogates
    "\ud83d",
    "\ude00",
    # the bot's own words, so fuzzed questions also reach its answers
    "Is Japan a partner?",
    "Japan, Turkey, Iran, Iraq, USA",
    MANY_COUNTRIES,  # one paragraph each: an answer over 4096 units, cut to fit
    "Türkiye",
    "Çexiya",
    "Kirgizstan",
    "which exercises were held in 2016",
    "/partners",
    "/start",
    "@ThisBot",
    "ə ş ı ğ ç ö ü",
    "учения",
    "?",
    " ",
)

_ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and unassigned included
_PIECE = st.sampled_from(PIECES)
_SHORT = st.lists(st.one_of(_PIECE, _ANY_CHARACTER, st.text(max_size=8)), max_size=30).map("".join)
# A long flood: one piece (or a short mix) repeated up to about 4,000 characters.
_FLOOD = st.tuples(st.one_of(_PIECE, _SHORT.filter(bool)), st.integers(1, 4000)).map(
    lambda pair: (pair[0] * (pair[1] // max(1, len(pair[0])) + 1))[: pair[1]]
)

questions = st.one_of(_SHORT, _SHORT, _SHORT, _FLOOD)
"""Mostly short mixes, a quarter floods of up to 4,000 characters."""


def without_lone_surrogates(text: str) -> str:
    """U+FFFD for each lone surrogate; a pair left as two code points becomes its character."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


valid_questions = questions.map(without_lone_surrogates)
"""The same as valid Unicode: what a program can write to another's stdin as UTF-8."""


# -- what a reply must never be ------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def own_tags(engine: QAEngine) -> frozenset[str]:
    """Every tag the bot writes itself: in its cards, its fallback and its slot answers."""
    answers = [engine.card(topic.fact_id) for topic in engine.topics]
    answers += [engine.fallback("x"), engine.ask("Is Japan a partner?"), engine.ask("Is Iraq?")]
    answers += [engine.ask("What is the population of Turkey?")]  # a fallback that quotes
    answers += [engine.ask(q) for fact in engine.kb.facts for q in fact.questions[:1]]
    return frozenset(tag for a in answers if a is not None for tag in _TAG.findall(a.html))


def reply_problems(text_html: str, tags: frozenset[str]) -> list[str]:
    """Why Telegram would refuse this message, or what in it came from the user unescaped:
    "invalid HTML", "over 4096 UTF-16 units", "unescaped <"."""
    problems = []
    try:
        shown = checks.render_html(text_html)
    except ApiError:
        problems.append("invalid HTML")
    else:
        if checks.utf16_len(shown) > checks.MAX_TEXT:
            problems.append("over 4096 UTF-16 units")
    if "<" in _TAG.sub(lambda m: "" if m[0] in tags else m[0], text_html):
        problems.append("unescaped <")
    return problems
