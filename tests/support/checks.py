"""What Telegram refuses in what the bot sends: parse_mode=HTML markup, text limits, keyboards.

The bot only ever sends HTML, so these checks are what make a passing end-to-end test mean
"Telegram would have accepted this": a stray "<" or an over-long text fails here as it would
in production. Any other parse_mode is refused outright instead of being passed unchecked.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.support.wire import JSON, ApiError, bad_request

MAX_TEXT = 4096  # UTF-16 code units of visible text in a message
MAX_CALLBACK_DATA = 64  # bytes of callback_data in a button
MAX_CALLBACK_ANSWER = 200  # UTF-16 code units of an answerCallbackQuery text

# Tags Telegram accepts with parse_mode=HTML.
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-emoji",
        "tg-spoiler",
        "tg-time",
        "u",
    }
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
# An inline keyboard button must do something: a button with only a text is refused.
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def utf16_len(text: str) -> int:
    """Telegram measures text, offsets and lengths in UTF-16 code units: an emoji outside the
    Basic Multilingual Plane counts two. Written apart from the bot's own count (bot.limits),
    so a mistake there cannot hide here."""
    return len(text) + len(_ASTRAL.findall(text))


def _parse_error(text: str, index: int, detail: str) -> ApiError:
    """Telegram's parse error, which reports the UTF-8 byte offset of the culprit."""
    offset = len(text[:index].encode("utf-8"))
    return bad_request(f"can't parse entities: {detail.format(offset=offset)}")


def render_html(text: str) -> str:
    """Strip Telegram-HTML to the visible text, rejecting markup Telegram would reject."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while (start := text.find("<", pos)) != -1:
        out.append(text[pos:start])
        match = _HTML_TAG_RE.match(text, start)
        if match is None:
            raise _parse_error(text, start, 'Unsupported start tag "" at byte offset {offset}')
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _HTML_TAGS:
            raise _parse_error(
                text, start, f'Unsupported start tag "{tag}" at byte offset {{offset}}'
            )
        if not closing:
            stack.append(tag)
        elif not stack or stack[-1] != tag:
            expected = f'"</{stack[-1]}>"' if stack else "no end tag"
            raise _parse_error(
                text,
                start,
                f"Unmatched end tag at byte offset {{offset}}, expected {expected}, "
                f'found "</{tag}>"',
            )
        else:
            stack.pop()
        pos = match.end()
    if stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    out.append(text[pos:])
    return html.unescape("".join(out))


def visible_text(params: JSON) -> str:
    """The text Telegram would show for a sendMessage/editMessageText, or its 400."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    mode = str(params.get("parse_mode") or "")
    if mode.lower() == "html":
        text = render_html(text)
    elif mode:
        raise bad_request(f"unsupported parse_mode {mode} (the fake Bot API renders only HTML)")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text


def checked_markup(markup: Any) -> JSON | None:
    """Validate reply_markup; return it if Telegram would echo it (inline keyboards only)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not _BUTTON_ACTIONS & button.keys():
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup
