"""Telegram's limits counted as Telegram counts them (UTF-16 code units) and cuts Telegram
accepts: never inside a tag, an entity, a surrogate pair or a grapheme, tags closed. The fake
Bot API's own parser (tests/support/checks.py) is the judge of what Telegram would accept."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import Answer, Outcome, excerpt
from bot.kb.rules import html_problems
from bot.limits import (
    ELLIPSIS,
    MAX_TEXT,
    fit_html,
    fit_lines,
    shorten,
    utf8_len,
    utf16_len,
    visible_len,
)
from tests.support import checks
from tests.support.fuzzing import PIECES, questions

EMOJI = "😀"
FAST = settings(max_examples=100, deadline=None, database=None)


# -- counting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("ə ş ı", 5),  # BMP letters: one unit each
        (EMOJI, 2),  # one code point, a surrogate pair
        ("👍🏽", 4),  # emoji + skin tone: two pairs
        ("🇦🇿", 4),
        ("👨‍👩‍👧‍👦", 11),  # four pairs and three joiners
        ("\ud83d", 1),  # a lone surrogate, as Python allows
        ("NN " + EMOJI * 497, 997),
    ],
)
def test_utf16_length_counts_as_telegram_does(text: str, units: int) -> None:
    assert utf16_len(text) == units
    if "\ud83d" not in text:
        assert checks.utf16_len(text) == units  # the fake counts the same, written apart


@FAST
@given(questions)
def test_utf16_length_agrees_with_the_fake_bot_api(text: str) -> None:
    assert utf16_len(text) == checks.utf16_len(text)


def test_utf8_length_counts_bytes() -> None:
    assert utf8_len("ask:" + "ə" * 30) == 64
    assert utf8_len("\ud83d") == 3  # no UnicodeEncodeError on a lone surrogate


def test_visible_length_is_the_text_without_markup() -> None:
    assert visible_len("<b>a &amp; b</b> " + EMOJI) == len("a & b ") + 2


# -- cutting HTML --------------------------------------------------------------------------------


def test_a_message_within_the_limit_is_left_alone() -> None:
    card = "<b>Title</b>\n\nBody &amp; more\n\n<blockquote expandable>Source</blockquote>"
    assert fit_html(card) == card
    exactly = EMOJI * (MAX_TEXT // 2)
    assert fit_html(exactly) == exactly


def test_emoji_count_twice_so_3000_of_them_are_cut() -> None:
    """3,014 code points, 6,014 UTF-16 units: counting code points let it through."""
    card = "<b>Title</b>\n\n" + EMOJI * 3000
    fitted = fit_html(card)
    assert fitted != card
    assert checks.utf16_len(checks.render_html(fitted)) <= MAX_TEXT
    assert fitted.startswith("<b>Title</b>\n\n" + EMOJI * 2000) and fitted.endswith(ELLIPSIS)


def test_a_long_card_is_cut_between_paragraphs_and_stays_valid_html() -> None:
    body = "<b>Title</b>\n\n" + "\n\n".join(f"<i>paragraph {n}</i> " + "x" * 300 for n in range(20))
    fitted = fit_html(body, limit=1000)
    assert visible_len(fitted) <= 1000
    assert fitted.startswith("<b>Title</b>") and fitted.endswith("\n" + ELLIPSIS)
    assert html_problems(fitted) == []
    assert "paragraph 0" in fitted and "paragraph 19" not in fitted
    assert re.search(r"x\n…$", fitted)  # a whole paragraph, then the mark on its own line


def test_one_huge_paragraph_is_cut_inside_its_tag_which_is_closed() -> None:
    card = "<b>" + "a &amp; b &lt; " * 1000 + "</b>"
    fitted = fit_html(card, limit=500)
    assert visible_len(fitted) <= 500 and fitted.endswith("</b>" + ELLIPSIS)
    assert html_problems(fitted) == []
    assert html.unescape(checks.render_html(fitted)).startswith("a & b < a & b")
    assert not re.search(r"&[a-z#0-9]*$", fitted.removesuffix("</b>" + ELLIPSIS))


def test_nested_tags_are_closed_innermost_first() -> None:
    text = '<blockquote expandable><a href="https://x.org/?a=1&amp;b=2"><b>' + "y " * 300
    fitted = fit_html(text + "</b></a></blockquote>", limit=100)
    assert fitted.endswith("</b></a></blockquote>" + ELLIPSIS)
    assert '<a href="https://x.org/?a=1&amp;b=2">' in fitted  # the tag itself is never cut
    checks.render_html(fitted)


@pytest.mark.parametrize(
    ("grapheme", "units"),
    [(EMOJI, 2), ("👍🏽", 4), ("🇦🇿", 4), ("👨‍👩‍👧‍👦", 11), ("e\u0301", 2), ("1️⃣", 3)],
)
@pytest.mark.parametrize("limit", [20, 21, 22, 23, 101])
def test_a_cut_never_splits_a_surrogate_pair_or_a_grapheme(
    grapheme: str, units: int, limit: int
) -> None:
    fitted = fit_html(grapheme * 200, limit=limit)
    kept = fitted.removesuffix(ELLIPSIS)
    assert kept and kept == grapheme * (len(kept) // len(grapheme))
    assert utf16_len(fitted) <= limit
    assert utf16_len(kept) > limit - 1 - 2 * units  # and it keeps as much as fits


def test_a_single_grapheme_over_the_budget_is_cut_between_code_points() -> None:
    """ "Zalgo": one letter and 3,000 accents is one grapheme; better some of it than none."""
    fitted = fit_html("a" + "\u0301" * 5000, limit=100)
    assert fitted.startswith("a\u0301") and utf16_len(fitted) <= 100


@st.composite
def html_messages(draw: st.DrawFn) -> str:
    """Valid Telegram HTML: balanced tags around hostile text, escaped as the bot escapes."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        text = html.escape(draw(questions))
        tag = draw(st.sampled_from(["", "b", "i", "code", "blockquote expandable", 'a href="x"']))
        name = tag.split(" ")[0]
        parts.append(f"<{tag}>{text}</{name}>" if tag else text)
        parts.append(draw(st.sampled_from(["", "\n", "\n\n", " "])))
    return "".join(parts)


@FAST
@given(html_messages(), st.integers(min_value=10, max_value=5000))
def test_any_cut_is_html_telegram_accepts_within_the_limit(text: str, limit: int) -> None:
    fitted = fit_html(text, limit)
    shown = checks.render_html(fitted)  # raises as Telegram would on broken markup
    assert checks.utf16_len(shown) <= limit
    original = checks.render_html(text)
    if fitted == text:
        assert checks.utf16_len(original) <= limit
    else:
        assert shown.endswith(ELLIPSIS)
        assert original.startswith(shown.removesuffix(ELLIPSIS).rstrip())


# -- plain text ----------------------------------------------------------------------------------


def test_shorten_prefers_a_word_boundary_and_counts_units() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("one two three four five", 15) == "one two three…"
    assert shorten(EMOJI * 100, 9) == EMOJI * 4 + ELLIPSIS
    assert utf16_len(shorten(EMOJI * 100, 10)) <= 10


@FAST
@given(questions, st.integers(min_value=2, max_value=300))
def test_shorten_keeps_a_prefix_within_the_limit(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert utf16_len(short) <= limit
    assert short == text or (short.endswith(ELLIPSIS) and text.startswith(short[:-1]))


def test_fit_lines_keeps_whole_lines_and_says_how_many_are_left_out() -> None:
    lines = [f"- {EMOJI * 40} {n}" for n in range(20)]  # 85 units each
    fitted = fit_lines(lines, 500, lambda n: f"# … and {n} more")
    assert fitted[:-1] == lines[: len(fitted) - 1]
    assert fitted[-1] == f"# … and {20 - len(fitted) + 1} more"
    assert utf16_len("\n".join(fitted)) <= 500
    assert fit_lines(lines[:2], 500, lambda n: "never") == lines[:2]


# -- answers: the source quoted, folded in Telegram and shortened in plain text -----------------

PARTNERS = (
    "The military cooperation on bilateral basis is implemented with Turkey, USA, Germany, "
    "United Kingdom, Italy, Israel, Spain, Pakistan, China, Russia, Ukraine, Belarus, Moldova, "
    "Poland, Romania, Bulgaria, Kazakhstan, Kirgizstan, Turkmenistan, Lithuania, Latvia, "
    "Switzerland, Estonia, Georgia, Uzbekistan, Tajikistan, Jordan, Bahrain, France, Check "
    "Republic, Slovenia, Serbia, Croatia, Slovakia, Iran and Republic of Korea."
)


def answer(body: str, sources: tuple[str, ...] = (PARTNERS,)) -> Answer:
    return Answer("q", Outcome.FACT, "partner_check", 1.0, "Japan", body, sources)


def test_a_long_source_is_quoted_verbatim_in_part_in_plain_text() -> None:
    text = answer("No. Japan is not among the 36 countries.").text
    assert "> " not in text  # the blockquote mark no longer leaks
    source = text.split("\n\n")[-1]
    assert source.startswith("Source: The military cooperation on bilateral basis")
    head, tail = source.removeprefix("Source: ").split(" … ")
    assert PARTNERS.startswith(head) and PARTNERS.endswith(tail)
    assert len(source) < 260 and "Iran and Republic of Korea." in tail


def test_a_short_source_stays_whole_and_excerpts_are_verbatim() -> None:
    short = "Azerbaijan signed agreements with 34 countries."
    assert excerpt(short) == short
    assert answer("x", (short,)).text.endswith(f"Source: {short}")
    long_word = "x" * 500
    assert excerpt(long_word) == "x" * 239 + "…"


def test_telegram_gets_the_whole_source_in_an_expandable_quote() -> None:
    card = answer("No. <b>Japan</b> is not among the 36 countries.")
    assert card.html.endswith(
        f"<i>Source:</i>\n<blockquote expandable>{html.escape(PARTNERS)}</blockquote>"
    )
    checks.render_html(card.html)  # the fake Bot API accepts the expandable quote


def test_a_long_answer_loses_paragraphs_but_never_its_source() -> None:
    body = "\n\n".join(f"No. <b>Country{n}</b> is not among them. " + "z" * 100 for n in range(60))
    card = answer(body)
    assert visible_len(card.html) > MAX_TEXT
    message = card.message_html()
    assert visible_len(message) <= MAX_TEXT
    assert message.endswith(card.source_html)
    assert "Country0" in message and "Country59" not in message and ELLIPSIS in message
    checks.render_html(message)


def test_pieces_of_nasty_text_are_all_distinct() -> None:
    assert len(set(PIECES)) == len(PIECES)
