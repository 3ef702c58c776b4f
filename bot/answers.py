"""Answer objects and their two renderings: Telegram HTML and plain text."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.i18n import ENGLISH, N_, gettext
from bot.limits import MAX_TEXT, fit_html, visible_len
from bot.text import collapse_whitespace, plain_text

# The bot's own words, translated where they are shown (bot/i18n.py).
FALLBACK_HTML = N_(
    "I could not find that in the document I answer from, so I would rather not guess."
)
FALLBACK_OFFER = N_("Perhaps one of these topics helps:")
FALLBACK_HINT = N_("Try rephrasing, or send /help to see what I can answer.")
NOT_IN_DOCUMENT = N_("the document does not say.")  # one unanswered part of a longer message
NOT_SAID = N_("What the document does not say:")  # heads the notes of what a fact leaves out
# Heads the cited sentences: in another language it says they are the English original.
SOURCE = N_("Source:")
# Plain text quotes a longer source as its opening and its end around an ellipsis; Telegram
# shows it whole in an expandable quote, folded to a few lines until tapped.
SOURCE_EXCERPT_CHARS = 240
_EXCERPT_HEAD = 0.6  # of the excerpt: the opening; the rest is the sentence's end


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
    # The card this answer is, or belongs to (a slot answer's card): a button can reopen it.
    card: Topic | None = None
    # What the answer is about, (category, key) pairs: a follow-up resolves against them.
    entities: tuple[tuple[str, str], ...] = ()
    # A message that asked two or three things gets one answer made of one part each.
    parts: tuple[Answer, ...] = ()
    # What the question asked that the fact leaves out: plain statements (HTML), one per gap.
    gaps: tuple[str, ...] = ()
    language: str = ENGLISH  # of the reply: its texts, and the bot's own words around them
    # A fallback that names what it recognised ("I see you asked about Japan, but the document
    # does not say that"): an honest refusal, which the metrics tell from "nothing found".
    refused: bool = False

    def _(self, message: str) -> str:
        """One of the bot's own texts in the reply's language."""
        return gettext(self.language, message)

    @classmethod
    def combined(cls, question: str, parts: tuple[Answer, ...]) -> Answer:
        """One reply to a message that asked several things, in the order asked; its buttons
        open the cards involved."""
        answered = [part for part in parts if part.matched]
        first = answered[0] if answered else parts[0]
        outcomes = {part.outcome for part in parts}
        outcome = next(o for o in Outcome if o in outcomes)  # FACT, else SMALLTALK, else FALLBACK
        related: list[Topic] = []
        for part in parts:
            cards = (part.card,) if part.card is not None else ()
            for topic in (*cards, *part.related):
                if all(topic.fact_id != seen.fact_id for seen in related):
                    related.append(topic)
        return cls(
            question=question,
            outcome=outcome,
            fact_id=first.fact_id,
            confidence=first.confidence,
            title="",
            body="",
            related=tuple(related),
            entities=tuple(e for part in parts for e in part.entities),
            parts=parts,
        )

    @property
    def matched(self) -> bool:
        """False exactly when the reply is a fallback that states no document fact."""
        return self.outcome is not Outcome.FALLBACK

    @property
    def html(self) -> str:
        """The whole reply as Telegram HTML; `message_html` is what fits one message."""
        return "\n\n".join(part for part in (self.main_html, self.source_html) if part)

    @property
    def main_html(self) -> str:
        """The reply without its source (a combined answer: every part with its own)."""
        heading = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        if self.parts:
            shown: list[str] = [heading] if heading else []
            for number, part in enumerate(self.parts):
                # Two parts citing one sentence ("Is Chile a partner? And Poland?") cite it once.
                earlier = {s for p in self.parts[:number] for s in p.sources}
                fresh = part.sources and not set(part.sources) <= earlier
                shown.append(part.part_html if fresh or not part.sources else part.main_html)
            return "\n\n".join(shown)
        parts = []
        if heading and self.outcome is Outcome.FACT:
            parts.append(heading)
        parts.append(self.body)
        if self.gaps:
            parts.append(f"<b>{self._(NOT_SAID)}</b> {_notes(self.gaps, '•')}")
        if self.outcome is Outcome.FALLBACK and self.suggestions:
            lines = "\n".join(f"• {html.escape(topic.title)}" for topic in self.suggestions)
            parts.append(f"{self._(FALLBACK_OFFER)}\n{lines}")
        return "\n\n".join(parts)

    @property
    def part_html(self) -> str:
        """This answer as one part of a combined reply."""
        if self.outcome is Outcome.FALLBACK:
            return f"<i>{html.escape(self.question)}</i>: {self._(NOT_IN_DOCUMENT)}"
        return self.html

    @property
    def source_html(self) -> str:
        """The source sentences verbatim, in a quote Telegram folds when it is long."""
        if not self.sources:
            return ""
        quoted = html.escape(collapse_whitespace(" ".join(self.sources)))
        return f"<i>{self._(SOURCE)}</i>\n<blockquote expandable>{quoted}</blockquote>"

    def message_html(self, limit: int = MAX_TEXT) -> str:
        """The reply within one message's limit. A long reply (one paragraph per country
        named) loses its last paragraphs, never its source, unless the source alone would
        take over half the message."""
        whole = self.html
        if visible_len(whole) <= limit:
            return whole
        room = limit - visible_len(self.source_html) - 2
        if self.source_html and room >= limit // 2:
            return f"{fit_html(self.main_html, room)}\n\n{self.source_html}"
        return fit_html(whole, limit)

    @property
    def text(self) -> str:
        """Plain text for terminals and JSON: no markup, a long source quoted in part."""
        if self.parts:
            texts = [self.title] if self.title else []
            for number, part in enumerate(self.parts):
                earlier = {s for p in self.parts[:number] for s in p.sources}
                if part.outcome is Outcome.FALLBACK:
                    texts.append(f"{part.question}: {self._(NOT_IN_DOCUMENT)}")
                elif part.sources and set(part.sources) <= earlier:
                    texts.append(replace(part, sources=()).text)
                else:
                    texts.append(part.text)
            return "\n\n".join(texts)
        parts = []
        if self.title and self.outcome is Outcome.FACT:
            parts.append(self.title)
        parts.append(plain_text(self.body))
        if self.gaps:
            parts.append(f"{self._(NOT_SAID)} {plain_text(_notes(self.gaps, '-'))}")
        if self.outcome is Outcome.FALLBACK and self.suggestions:
            lines = "\n".join(f"- {topic.title}" for topic in self.suggestions)
            parts.append(f"{self._(FALLBACK_OFFER)}\n{lines}")
        if self.sources:
            quoted = " ".join(excerpt(collapse_whitespace(s)) for s in self.sources)
            parts.append(f"{self._(SOURCE)} {quoted}")
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
            "html": self.message_html(),
            "suggestions": [topic.title for topic in self.suggestions],
            "language": self.language,
        }


def _notes(notes: tuple[str, ...], bullet: str) -> str:
    """One note after the heading on its line; several as a list below it."""
    if len(notes) == 1:
        return notes[0]
    return "".join(f"\n{bullet} {note}" for note in notes)


def excerpt(sentence: str, limit: int = SOURCE_EXCERPT_CHARS) -> str:
    """A long sentence as its opening words, an ellipsis and its closing words: still a
    verbatim quote, never a paraphrase; a sentence within `limit` characters stays whole."""
    if len(sentence) <= limit:
        return sentence
    words = sentence.split(" ")
    head: list[str] = []
    for word in words:
        if len(" ".join([*head, word])) > limit * _EXCERPT_HEAD:
            break
        head.append(word)
    tail: list[str] = []
    for word in reversed(words[len(head) :]):
        if len(" ".join([word, *tail])) > limit * (1 - _EXCERPT_HEAD) - 3:
            break
        tail.insert(0, word)
    if not head or not tail:  # words too long to split on: cut inside them
        return sentence[: limit - 1] + "…"
    return f"{' '.join(head)} … {' '.join(tail)}"
