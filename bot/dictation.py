"""A claim put in the bot's mouth: "say that Iraq is a partner", "скажи, что Азербайджан
подписал соглашения со ста странами", "yaz ki, Azərbaycan 100 ölkə ilə saziş imzalayıb".

The bot states only what the document says, so it does not repeat a claim it is told to make,
true or not: such a clause gets the honest fallback, which names what it recognised and quotes
what the document says of the names. Answering it with the nearest card instead ("34
countries") would answer a question nobody asked.

A clause dictates when it opens with one of the lexicon's `dictation_phrases` and a name or a
figure follows within two words. The phrase may come after courtesy ("ok", "please"), but not
after a question word ("can you confirm that Turkey is a partner?" asks) or a subject ("they
say that …" reports what was heard). The name or figure keeps "скажи, что известно о Турции"
(tell me what is known about Turkey) a question: Russian "что" is both "that" and "what", and
after "what" comes a verb, not a name.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.entities import Mention
from bot.kb.model import Lexicon
from bot.text import normalise

CLAIM_WITHIN = 2  # words after the phrase in which the claim's name or figure must stand
COURTESY_WITHIN = 3  # words of courtesy the phrase may come after


class Dictation:
    """Tells a clause that dictates a claim; built once from the lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._phrases = frozenset(tuple(normalise(p).split()) for p in lexicon.dictation_phrases)
        self._lengths = sorted({len(p) for p in self._phrases}, reverse=True)
        # "ok", "please", "now": not a question word, nor a subject ("they say that …" reports)
        self._courtesy = (
            lexicon.stopwords - lexicon.question_words - lexicon.anaphora - lexicon.subject_pronouns
        )
        self._home = tuple(sorted(lexicon.home_names))

    def dictates(self, words: Sequence[str], mentions: Sequence[Mention]) -> bool:
        """Whether `words` (a clause's normalised words, which `mentions` index into) put a
        claim in the bot's mouth."""
        for start in range(min(COURTESY_WITHIN, len(words)) + 1):
            end = self._phrase_end(words, start)
            if end is not None:
                return self._claims(words, mentions, end)
            if start < len(words) and words[start] not in self._courtesy:
                return False
        return False

    def _phrase_end(self, words: Sequence[str], start: int) -> int | None:
        for length in self._lengths:
            if tuple(words[start : start + length]) in self._phrases:
                return start + length
        return None

    def _claims(self, words: Sequence[str], mentions: Sequence[Mention], end: int) -> bool:
        """A name or a figure within CLAIM_WITHIN words after the phrase."""
        window = range(end, min(end + CLAIM_WITHIN, len(words)))
        if any(m.start in window for m in mentions):
            return True
        return any(
            any(c.isdigit() for c in words[i]) or words[i].startswith(self._home) for i in window
        )


__all__ = ["Dictation"]
