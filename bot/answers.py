"""Answer objects and their two renderings: Telegram HTML and plain text."""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum

from bot.text import collapse_whitespace, plain_text

FALLBACK_HTML = "I could not find that in the document I answer from, so I would rather not guess."
FALLBACK_OFFER = "Perhaps one of these topics helps:"
FALLBACK_HINT = "Try rephrasing, or send /help to see what I can answer."
REPLY_LANGUAGE = "en"  # every reply is in English, the document's language


class Outcome(StrEnum):
    """What a reply is: a document fact, small talk, or the honest fallback."""

    FACT = "fact"
    SMALLTALK = "smalltalk"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Topic:
    """A fact a user can open as a card: offered as a button, a suggestion or a command."""

    fact_id: str
    title: str
    command: str | None = None


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question, independent of where it is shown."""

    question: str
    outcome: Outcome
    fact_id: str | None
    confidence: float
    title: str
    body: str
    sources: tuple[str, ...] = ()
    related: tuple[Topic, ...] = ()
    suggestions: tuple[Topic, ...] = ()

    @property
    def matched(self) -> bool:
        """False exactly when the reply is a fallback that states no document fact."""
        return self.outcome is not Outcome.FALLBACK

    @property
    def html(self) -> str:
        parts = []
        if self.title and self.outcome is Outcome.FACT:
            parts.append(f"<b>{html.escape(self.title)}</b>")
        parts.append(self.body)
        if self.outcome is Outcome.FALLBACK and self.suggestions:
            lines = "\n".join(f"• {html.escape(topic.title)}" for topic in self.suggestions)
            parts.append(f"{FALLBACK_OFFER}\n{lines}")
        if self.sources:
            quoted = html.escape(collapse_whitespace(" ".join(self.sources)))
            parts.append(f"<i>Source:</i>\n<blockquote>{quoted}</blockquote>")
        return "\n\n".join(parts)

    @property
    def text(self) -> str:
        """Plain text for terminals and JSON: no markup, sources quoted with '>'."""
        parts = []
        if self.title and self.outcome is Outcome.FACT:
            parts.append(self.title)
        parts.append(plain_text(self.body))
        if self.outcome is Outcome.FALLBACK and self.suggestions:
            lines = "\n".join(f"- {topic.title}" for topic in self.suggestions)
            parts.append(f"{FALLBACK_OFFER}\n{lines}")
        if self.sources:
            parts.append("Source: > " + collapse_whitespace(" ".join(self.sources)))
        return "\n\n".join(parts)

    def as_json(self) -> dict[str, object]:
        """The `python -m bot ask --json` contract (DESIGN.md section 4): the fact id is called
        "intent" there."""
        return {
            "question": self.question,
            "matched": self.matched,
            "intent": self.fact_id,
            "confidence": round(self.confidence, 4),
            "text": self.text,
            "html": self.html,
            "suggestions": [topic.title for topic in self.suggestions],
            "language": REPLY_LANGUAGE,
        }
