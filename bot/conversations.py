"""What each conversation was last about, kept briefly in memory so follow-ups ("and Spain?",
"when?") resolve against it.

Only a `bot.dialogue.Context` is kept (a fact id and the names it concerned), never the text
of a message, and never on disk: a restart forgets every conversation. An entry lives
TTL_SECONDS after the answer that set it; at most MAX_CONVERSATIONS are kept, the least
recently answered forgotten first, so memory stays bounded whoever writes to the bot.

A private chat is one conversation. In a group each member has their own: two people asking at
once must not answer each other's follow-ups.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.answers import Answer
from bot.dialogue import Context
from bot.expiring import ExpiringMap

TTL_SECONDS = 5 * 60.0  # a follow-up comes within minutes; later, a question stands alone
MAX_CONVERSATIONS = 10_000  # a few MB at most: a Context is a fact id and a few names
PRIVATE = "private"
GROUP_TYPES = frozenset({"group", "supergroup"})

# (chat id, sender id): the sender is None in a private chat, where the chat is the person.
ConversationKey = tuple[int, int | None]


def conversation_key(
    chat_type: str | None, chat_id: int, sender_id: int | None
) -> ConversationKey | None:
    """The conversation a message belongs to: the chat in private, (chat, sender) in groups;
    None where there is no conversation to carry (channels, inline mode, an unknown sender)."""
    if chat_type == PRIVATE:
        return (chat_id, None)
    if chat_type in GROUP_TYPES and sender_id is not None:
        return (chat_id, sender_id)
    return None


class Conversations:
    """Key → Context with a time limit and a size bound.

    Entries are ordered by when they were last written; every write refreshes the time limit,
    so the oldest entry is also the first to expire, and both clean-ups work from the front."""

    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: ExpiringMap[ConversationKey, Context] = ExpiringMap(
            ttl=ttl, max_entries=max_entries, clock=clock
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: ConversationKey | None) -> Context | None:
        """What the conversation was last about, unless it has gone quiet for too long."""
        return None if key is None else self._entries.get(key)

    def put(self, key: ConversationKey | None, context: Context | None) -> None:
        """Set (or, with None, forget) a conversation's context, restarting its time limit."""
        if key is None:
            return
        if context is None:
            self._entries.forget(key)
        else:
            self._entries.put(key, context)

    def remember(self, key: ConversationKey | None, answer: Answer) -> Context | None:
        """Move the conversation on to `answer` (a reply or a card shown); a reply that
        states no fact keeps what it was about before."""
        context = Context.after(answer, self.get(key))
        self.put(key, context)
        return context
