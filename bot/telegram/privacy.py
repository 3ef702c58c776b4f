"""What the log may say about people: from INFO up, no message text and no user id.

A user id is logged as a pseudonym, a keyed hash under a key drawn at start and never written
anywhere: the same user reads the same within one run (so repeated refused attempts can be
told apart from many users), but the id cannot be recovered from the log, not even by trying
every possible id. An update is described by its kind, its chat type and its text's length.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from telegram import Update

from bot.telegram.render import CARD_PREFIX

_KEY = secrets.token_bytes(32)
_FACT_ID = re.compile(r"[a-z0-9_]{1,60}")


def pseudonym(user_id: int) -> str:
    """`user-1a2b3c4d5e`: stable within this process, meaningless outside it."""
    digest = hmac.new(_KEY, str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"user-{digest[:10]}"


def chat_ref(chat_id: int | str) -> str:
    """Groups and channels (negative ids, @names) as they are; a private chat's id is its
    user's id, so it is a pseudonym."""
    if isinstance(chat_id, int) and chat_id > 0:
        return pseudonym(chat_id)
    return str(chat_id)


def update_kind(update: Update) -> str:
    """The update's field that is set: message, callback_query, my_chat_member, ..."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "unknown"


def describe_update(update: object) -> str:
    """`callback_query in a private chat, 20 characters, fact exercises_2016`: enough to find
    the handler that failed, nothing that says who wrote what."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    chat = update.effective_chat
    where = f"a {chat.type} chat" if chat is not None else "no chat"
    text: str | None = None
    if update.callback_query is not None:
        text = update.callback_query.data
    elif update.inline_query is not None:
        text = update.inline_query.query
    elif update.effective_message is not None:
        text = update.effective_message.text or update.effective_message.caption
    length = f", {len(text)} characters" if text is not None else ""
    fact = ""
    if text is not None and update.callback_query is not None and text.startswith(CARD_PREFIX):
        fact_id = text.removeprefix(CARD_PREFIX)
        fact = f", fact {fact_id}" if _FACT_ID.fullmatch(fact_id) else ""
    return f"{update_kind(update)} in {where}{length}{fact}"
