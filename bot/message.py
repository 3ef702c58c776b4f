"""A chat message as people type it, turned into the clauses worth scoring.

People wrap a question in context ("my grandfather was an officer and I'm curious: …"), add
politeness and noise (emoji, a link, an @mention, typed markup, "???"), and ask two things at
once. Scoring the whole message lets every word of the wrapping count against the question, so
the message is cleaned and split first, and each clause is scored on its own: the unknown-word
guard then applies to the clause that asks, where it belongs.

The words that mark a question are data (the lexicon's `question_words` and `ask_phrases`), so
another language brings its own.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

# A link is no word of a question, unless a request before a colon points at it ("summarise
# this article: https://…"): then it is what the request is about, read as a quotation.
_URL = re.compile(r"(?i)(?<!:\s)(?<!:)\b(?:https?://|www\.)\S+")
_MENTION = re.compile(r"(?<![\w@])@\w{2,}")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,80}>")
# Markdown people type around words: *bold*, _italic_, ~strike~, `code`.
_MARKDOWN = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
_FIRST_GROUP = itemgetter(1)
_REPEATED = re.compile(r"([?!.,;:])[?!.,;:\s]*\1+")
# Sentence ends: the punctuation, then space or the end of the message.
_SENTENCE_END = re.compile(r"[.!?;:…]+(?=\s|$)|\n+")
_ENDS = ".!?;:…"  # what may end a sentence, and a line break
_ENDS_OR_LINES = _ENDS + "\n"
# A full stop after an abbreviation ends nothing: "U.S.", "e.g.", a single letter.
_ABBREVIATION = re.compile(r"(?:\b[^\W\d_]\.)*\b[^\W\d_]$")
# Emoji and other symbols, their modifiers, surrogates, private and unassigned code points.
_NOISE = frozenset({"So", "Sk", "Cs", "Co", "Cn"})
_ASCII_NOISE = {code: " " for code in range(128) if unicodedata.category(chr(code)) in _NOISE}
_ASCII_NOISE_CHARS = "".join(chr(code) for code in _ASCII_NOISE)  # "^" and "`"
# An emoji between words ends a sentence: "so helpful 🙏 My teacher will…", "je parle un peu
# français 😄 do azeri soldiers learn french?". A flag is a name ("is 🇹🇷 a partner?"), no end.
_EMOJI_BREAK = re.compile(
    r"(?<=\w)\s*[\U0001F000-\U0001F1E5\U0001F200-\U0001FAFF\u2600-\u27BF][\U0001F000-\U0001FAFF"
    r"\u2600-\u27BF\ufe0f\u200d]*\s+(?=\w)"
)
_AMPERSAND = re.compile(r"\s[+&]\s")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_ASCII_WORDS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


@lru_cache(maxsize=1)  # one message is cleaned for its clauses, then for its gap notes
def clean(text: str) -> str:
    """The message without what carries no question: links, @mentions, typed markup,
    emoji and symbols, repeated punctuation. Each pattern runs only on a text holding a
    character it needs: most messages have no tag, link, @mention or markdown."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = html.unescape(text)
    ascii_only = text.isascii()
    if not ascii_only:
        text = _EMOJI_BREAK.sub(". ", text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "*" in text or "_" in text or "~" in text or "`" in text:
        text = _MARKDOWN.sub(" ", text)
    if ascii_only:  # most messages: no emoji, and no per-character look-up
        if any(map(text.__contains__, _ASCII_NOISE_CHARS)):
            text = text.translate(_ASCII_NOISE)
    else:
        text = "".join(" " if unicodedata.category(ch) in _NOISE else ch for ch in text)
        text = text.replace("\u200d", "").replace("\ufe0f", "")
    text = _REPEATED.sub(_FIRST_GROUP, text)  # r"\1", without parsing a template per call
    if "+" in text or "&" in text:
        text = _AMPERSAND.sub(" and ", text)  # "where are the courses + who runs them"
    return " ".join(text.split())  # one space per run of whitespace (as re's \s reads it)


@dataclass(frozen=True)
class Clause:
    """A piece of a message that may hold one question."""

    text: str
    asks: bool  # a question mark, a question word first, or a request ("tell me …")


_THEN_REQUEST = r"(?:and\s+)?then\s+(?:the|a|an|all|your|some|any|its|their)\b"
_ELIDED = re.compile(r"(?i)(?:and\s+)?then\s+(?=(?:the|a|an|all|your|some|any|its|their)\b)")


# Words before a question that do not change what it asks: "and", "so", a greeting ("hey do
# they work with Israel").
_CONNECTIVES = ("and ", "so ", "also ", "plus ", "but ", "then ", "ok ", "okay ", "well ")
_ASIDES = ("hey ", "hi ", "yo ", "lol ", "btw ", "oh ")  # a greeting or an aside
_OPENERS = _CONNECTIVES + _ASIDES


def _first_words(text: str, count: int, within: int = 80) -> str:
    """The first `count` words, lower-cased and joined. They are looked for in the first
    `within` characters: when more than `count` words are found there, the first `count`
    end before the cut and are whole; otherwise the whole text is read."""
    head = text[:within]
    if head.isascii() and "'" not in head:
        # There a word is a run of letters and digits: every other byte to a space, and split.
        words = head.encode().translate(_ASCII_WORDS).decode().split()
    else:
        words = _WORD.findall(text, 0, within)
    if len(words) <= count and len(text) > within:
        words = _WORD.findall(text)
    return " ".join(words[:count]).lower()


class Splitter:
    """Splits a cleaned message into clauses: at sentence ends, and where a conjunction or a
    comma starts a new question ("Is Croatia a partner, and how many deals are pending?")."""

    def __init__(
        self,
        question_words: Collection[str],
        ask_phrases: Collection[str],
        joiners: Collection[str],
        wh_words: Collection[str] = (),
        embedding_verbs: Collection[str] = (),
        pronouns: Collection[str] = (),
        conjunctions: Collection[str] = (),
        first_person: Collection[str] = (),
    ) -> None:
        self.question_words = frozenset(word.lower() for word in question_words)
        self.ask_phrases = tuple(sorted({p.lower() for p in ask_phrases}, key=len, reverse=True))
        self._ask_phrases = frozenset(self.ask_phrases)
        asking = _alternatives(self.question_words)
        opening = _alternatives(word.lower() for word in wh_words)
        glue = _alternatives(word for word in joiners if word)  # "+" normalises to nothing
        # After a comma, a question word that is no wh-word asks anew unless a pronoun
        # follows it: "…, is France a partner?" asks again, "…, is it growing?" goes on, and
        # "подтверди, что …" is no question at all (`conjunctions`).
        others = {w.lower() for w in (*wh_words, *conjunctions)}
        yes_no = _alternatives(self.question_words - others)
        pronoun = _alternatives(word.lower() for word in pronouns)
        self._new_question = _new_question_pattern(asking, opening, glue, yes_no, pronoun)
        # In a sentence ended by "." or "!", only a wh-word after a joiner starts a question:
        # "I am a retired colonel and was pointed here by a colleague." states one thing.
        self._new_question_stated = _new_question_pattern(opening, opening, glue)
        glues = {word.lower() for word in joiners if word}
        self._glue = (
            tuple(f" {word} " for word in glues) if all(w.isascii() for w in glues) else None
        )
        # "… and he keeps asking me how many …": the question starts at the wh-word.
        embedding = _alternatives(embedding_verbs)
        self._embedded = (
            re.compile(
                rf"(?i)\b(?:{embedding})(?:\s+(?:me|us|him|her|them|you))?\s+(?=(?:{opening})\b)"
            )
            if embedding and opening
            else None
        )
        # "which events were held, I am writing an essay": the asker speaks after the question.
        speaker = _alternatives(word.lower() for word in first_person)
        self._speaks = re.compile(rf"(?i),\s*(?=(?:{speaker})\s)") if speaker else None
        # An ASCII clause holds an asking verb only if its lower case holds it: most hold none,
        # and are passed without the pattern (a non-ASCII one may match by case folding).
        verbs = {verb.lower() for verb in embedding_verbs}
        self._verbs = tuple(verbs) if all(verb.isascii() for verb in verbs) else None

    def split(self, message: str) -> list[Clause]:
        clauses: list[Clause] = []
        for sentence, ended_by in _quotes_joined(_sentences(message), self._states):
            parts = self._questions_in(sentence, stated=bool(ended_by) and "?" not in ended_by)
            pieces = [piece for part in parts for piece in self._unembed(part)]
            if "?" not in ended_by:
                pieces = [piece for part in pieces for piece in self._said_after(*part)]
            for number, (part, asks) in enumerate(pieces):
                part = part.strip(" ,;")  # no word changes: `asks` read the same words
                if not _WORD.search(part):
                    continue
                questioned = number == len(pieces) - 1 and "?" in ended_by
                # The request a "then the …" clause leaves out is the one before it.
                elided = number and clauses and clauses[-1].asks and _ELIDED.match(part)
                if elided:  # "then" here orders the requests; it points back at nothing
                    part, asks = part[elided.end() :], True
                if not questioned and asks is None:
                    asks = self.asks(part)
                clauses.append(Clause(part, questioned or bool(asks)))
        return clauses

    def _states(self, sentence: str, ended_by: str) -> bool:
        """Whether a sentence only states something: no question mark, no asking start."""
        return "?" not in ended_by and not self.asks(sentence)

    def _questions_in(self, sentence: str, *, stated: bool = False) -> list[str]:
        """The sentence cut where a new question starts. A cut needs a comma, a dash, or a
        joiner word between single spaces: an ASCII sentence of single-spaced words with none
        is passed without the pattern (which is case-insensitive; in ASCII, lower case
        shows)."""
        if (
            self._glue is not None
            and "," not in sentence
            and " -" not in sentence
            and sentence.isascii()
            and sentence.count(" ") + 1 == len(sentence.split())
        ):
            lowered = f" {sentence.lower()} "
            if not any(map(lowered.__contains__, self._glue)):
                return [sentence]
        pattern = self._new_question_stated if stated else self._new_question
        return pattern.split(sentence)

    def _unembed(self, part: str) -> list[tuple[str, bool | None]]:
        """A statement holding a question after an asking verb, as the two: the statement
        keeps no question of its own, the question is scored alone. Each piece comes with
        whether it `asks`, when that is known already (None: not asked yet)."""
        if self._embedded is None:
            return [(part, None)]
        if self.asks(part):
            return [(part, True)]
        if self._verbs is not None and part.isascii():
            lowered = part.lower()
            if not any(map(lowered.__contains__, self._verbs)):
                return [(part, False)]
        found = self._embedded.search(part)
        if found is None or found.start() == 0:
            return [(part, False)]
        return [(part[: found.end()], None), (part[found.end() :], None)]

    def _said_after(self, part: str, asks: bool | None) -> list[tuple[str, bool | None]]:
        """A question, then what the asker says of himself after a comma ("…, я пишу реферат",
        "…, I need it for a report"), as the two: the statement is read as what the message
        says, as it would be in a sentence of its own. A part that does not ask stays whole
        ("For a report I am drafting, I need an overview.")."""
        found = self._speaks.search(part) if self._speaks is not None else None
        if found is None:
            return [(part, asks)]
        head, tail = part[: found.start()], part[found.end() :]
        if not (asks or self.asks(head)) or self.asks(tail):
            return [(part, asks)]
        return [(head, True), (tail, False)]

    def asks(self, clause: str) -> bool:
        """A question word or a request at the start (after "and", "so", "also" …, or after
        a word or two set off by a comma: "seriously, tell me …", "by the way, when …")."""
        if self._asks_at_start(clause):
            return True
        comma = clause.find(",", 0, 24)
        return (
            comma > 0
            and clause.count(" ", 0, comma) < 3
            and self._asks_at_start(clause[comma + 1 :])
        )

    def _asks_at_start(self, clause: str) -> bool:
        words = _first_words(clause, 6).replace("'", "").replace("’", "")  # "what's": "whats"
        for skip in _OPENERS:
            if words.startswith(skip):
                words = words[len(skip) :]
        first = words.split(" ", 1)[0] if words else ""
        if first in self.question_words:
            return True
        # An ask phrase is the words, or what comes before one of their spaces.
        phrases = self._ask_phrases
        if words in phrases:
            return True
        space = words.find(" ")
        while space >= 0:
            if words[:space] in phrases:
                return True
            space = words.find(" ", space + 1)
        return False


def _new_question_pattern(
    asking: str, opening: str, glue: str, yes_no: str = "", pronouns: str = ""
) -> re.Pattern[str]:
    """Where a new question starts: at a joiner before a question word (", and how …", " and
    is …"), at a comma before a wh-word (", which …"), or at a comma before another question
    word, unless a pronoun follows it: ", is it growing?" is more often the same question
    going on ("how is it going, is it growing?"), ", is France a partner?" a new one."""
    patterns = []
    if asking and glue:
        # "…, and with whom …": a preposition may come before the question word.
        preposition = r"(?:(?:with|for|in|at|from|to|by|about|of|on)\s+)?"
        patterns.append(rf"(?:,\s*|\s+)(?=(?:{glue})\s+{preposition}(?:{asking})\b)")
    if opening:
        patterns.append(rf",\s*(?=(?:{opening})\b)")
    if asking:  # a dash before a question sets off what came before: "she asked me — is …"
        patterns.append(rf"\s+[—–-]+\s+(?=(?:{asking})\b)")
    if yes_no and pronouns:
        patterns.append(rf",\s*(?=(?:{yes_no})\s+(?!(?:{pronouns})\b))")
    # "give me an overview, then the list of partners": a second request whose verb is the
    # first one's.
    patterns.append(rf"(?:,\s*|\s+and\s+)(?={_THEN_REQUEST})")
    return re.compile("(?i)" + "|".join(patterns))


def _sentences(message: str) -> list[tuple[str, str]]:
    """(sentence, the punctuation that ended it) pairs, in order."""
    body = message.rstrip(_ENDS)
    if not any(mark in body for mark in _ENDS_OR_LINES):
        # One sentence (most messages): the only end is the run of marks closing the text,
        # which the pattern below would find, and nothing else.
        closing = message[len(body) :]
        if closing and not (closing == "." and _ABBREVIATION.search(body[-2:])):
            one = (body.strip(), closing)
        else:
            one = (message.strip(), "")
        return [one] if _WORD.search(one[0]) else []
    found: list[tuple[str, str]] = []
    start = 0
    for end in _SENTENCE_END.finditer(message):
        mark = end.group()
        before = message[start : end.start()]
        # The pattern ends with a lone letter at the end: its last two characters decide.
        if mark == "." and _ABBREVIATION.search(before[-2:]):
            continue
        found.append((before.strip(), mark))
        start = end.end()
    found.append((message[start:].strip(), ""))
    return [(text, mark) for text, mark in found if _WORD.search(text)]


_QUOTES = "«“„\"'"
_LINK = re.compile(r"(?i)https?://|www\.")


def _quotes_joined(
    sentences: list[tuple[str, str]], states: Callable[[str, str], bool]
) -> list[tuple[str, str]]:
    """A sentence ended by a colon before a quotation, a link or a statement, with it:
    "Summarize this article: «…»", "xülasə et: dünən Bakıda …" ask about the text after the
    colon, which is the request's object, not the document; read apart, the request alone
    would be a request about the document. A question after the colon stands alone ("Quick
    question: is Turkey a partner?")."""
    if len(sentences) < 2 or not any(mark == ":" for _, mark in sentences):
        return sentences
    joined: list[tuple[str, str]] = []
    for text, mark in sentences:
        after_colon = joined and joined[-1][1] == ":"
        if after_colon and (text[:1] in _QUOTES or _LINK.match(text) or states(text, mark)):
            text, mark = f"{joined.pop()[0]} {text}", mark
        joined.append((text, mark))
    return joined


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))
