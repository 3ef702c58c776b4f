"""Text normalisation shared by the knowledge base and the questions, so both compare alike."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Letters that Unicode decomposition does not fold to ASCII (Azerbaijani schwa, dotless i, ...).
_SPECIAL_LETTERS = str.maketrans(
    {
        "ə": "e",
        "Ə": "e",
        "ı": "i",
        "İ": "i",
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ł": "l",
        "’": "'",
        "‘": "'",
        "`": "'",
    }
)
_BACKTICK = "`"  # the only ASCII character folding changes (checked at import)
assert [chr(code) for code in _SPECIAL_LETTERS if code < 128] == [_BACKTICK]
_APOSTROPHE_S = re.compile(r"'s\b")
_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # what _NON_WORD keeps
_WORD_BYTES = bytes(code if chr(code) in _WORD_CHARACTERS else 32 for code in range(256))
# Latin letters, digits and the Russian alphabet (ё read as е, as most people type it).
_NON_WORD = re.compile(r"[^a-z0-9а-я]+")
_SHORT_I = "\u0438\u0306"  # и + combining breve: й as NFKD writes it, kept whole
_STEMMER = snowballstemmer.stemmer("english")
_RUSSIAN_STEMMER = snowballstemmer.stemmer("russian")


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics and Azerbaijani/Turkish letters folded (ş→s, ə→e, ı→i)."""
    if text.isascii():  # nothing to decompose: most messages
        if _BACKTICK in text:  # the one ASCII character the table changes
            text = text.translate(_SPECIAL_LETTERS)
        return text.lower()
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if _SHORT_I in decomposed:  # й is a letter of its own, not и with a mark (ё is е)
        decomposed = decomposed.replace(_SHORT_I, "й")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# One clause is normalised by the analyser, the follow-up checks, the group reader and the
# summary reader in turn: the last few are kept (far fewer than one message's worth of texts
# times the messages between two of the same).
@lru_cache(maxsize=32)
def normalise(text: str) -> str:
    """Folded text with punctuation turned into single spaces: the form every comparison uses."""
    folded = fold(text)
    if "'" in folded:  # fold turns the typographic apostrophes into this one
        folded = _APOSTROPHE_S.sub("", _SHORT_YEAR.sub(r"20\1", folded))
    if folded.isascii():  # every byte but a-z and 0-9 to a space: the same words
        return " ".join(folded.encode().translate(_WORD_BYTES).decode().split())
    return _FIGURE_THEN_LETTER.sub(" ", _NON_WORD.sub(" ", folded)).strip()


# "in '16" is 2016 (not "'90s": only this century's years are written so here).
_SHORT_YEAR = re.compile(r"(?<![\w'])'([0-3]\d)\b")
# A Russian ending typed on a figure ("16м", "2016г") is a word of its own, as "16-м" is.
_FIGURE_THEN_LETTER = re.compile(r"(?<=\d)(?=[а-я])")


# Latin, Cyrillic and Azerbaijani capitals ("МВД", "Pentagon", "Şuşa").
_UPPER = "A-ZА-ЯЁƏÇĞİÖŞÜ"
_LOWER = "a-zа-яёəçğıöşü"
# An acronym anywhere ("NATO exercises?", "XİN"); a capitalised word after the first; and the
# first, when a capitalised word follows it: the name goes on ("Səhiyyə Nazirliyi …", "Health
# Ministry …"), which a sentence's capital alone does not say.
_NAME = re.compile(
    rf"\b[{_UPPER}]{{2,}}\b|(?<![.!?]\s)(?<!^)(?<![.!?])\b[{_UPPER}][{_LOWER}]+\b"
    rf"|\b[{_UPPER}][{_LOWER}]+\b(?=\s+[{_UPPER}][{_LOWER}]+\b)"
)


def written_names(raw: str) -> list[str]:
    """The words of a text written as names: an acronym, or a capital after the first
    character. A message shouted in capitals names nothing by them."""
    if raw[1:].islower() or raw.isupper():
        return []
    return _NAME.findall(raw)


_SENTENCE_END = ".!?"
_WORD_OR_END = re.compile(r"\w+|[.!?]")


def capitalised_words(raw_text: str) -> frozenset[str]:
    """The normalised words of a text written capitalised ("Того", not "ТОГО" nor "того"), and
    not as the first word of a sentence, where any word takes a capital: a word that is also
    an ordinary word names a country only so written."""
    found: set[str] = set()
    first = True
    for match in _WORD_OR_END.finditer(raw_text):
        word = match.group()
        if word in _SENTENCE_END:
            first = True
            continue
        if not first and word[0].isupper() and not word[1:].isupper():
            found.update(normalise(word).split())
        first = False
    return frozenset(found)


def is_cyrillic(word: str) -> bool:
    """Whether a normalised word is Russian (Cyrillic folds to а-я, ё read as е)."""
    return "а" <= word[:1] <= "я"


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem, Russian for a Cyrillic word and English for any other; cached because the
    same words recur in every question."""
    if is_cyrillic(word):
        return str(_RUSSIAN_STEMMER.stemWord(word))
    return str(_STEMMER.stemWord(word))


# Characters that show as nothing: zero-width and format characters (Cf), and the fillers
# people send to post a message that looks empty.
_INVISIBLE_FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_blank(text: str) -> bool:
    """Whether a message shows nothing at all (empty, spaces, zero-width characters): it asks
    nothing and says nothing, so it gets no reply, unlike emoji or a sticker."""
    return all(
        ch.isspace() or ch in _INVISIBLE_FILLERS or unicodedata.category(ch) == "Cf" for ch in text
    )


def collapse_whitespace(text: str) -> str:
    """One space per whitespace run: how sources are compared with the document."""
    return " ".join(text.split())


_TAG = re.compile(r"<[^>]+>")


def plain_text(html_text: str) -> str:
    """Telegram HTML without its tags and entities: what a terminal or a search index reads."""
    return html.unescape(_TAG.sub("", html_text))


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_SPOKEN = {word: value for value, word in enumerate(_UNITS[1:], start=1)}
_SPOKEN |= {word: value for value, word in enumerate(_TEENS, start=10)}


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip

# Russian numerals in the cases people write them ("семи странами", "тридцати четырёх"), and
# Azerbaijani ones as normalised (ASCII); "один", "одна", "bir" stay words, as "one" does.
_RUSSIAN_UNITS = {
    1: ("один", "одна", "одно", "одного", "одной", "одному", "одним", "одном"),
    2: ("два", "две", "двух", "двум", "двумя"),
    3: ("три", "трех", "трем", "тремя"),
    4: ("четыре", "четырех", "четырем", "четырьмя"),
    5: ("пять", "пяти", "пятью"),
    6: ("шесть", "шести", "шестью"),
    7: ("семь", "семи", "семью"),
    8: ("восемь", "восьми", "восемью"),
    9: ("девять", "девяти", "девятью"),
    10: ("десять", "десяти", "десятью"),
    11: ("одиннадцать", "одиннадцати", "одиннадцатью"),
    12: ("двенадцать", "двенадцати"),
    13: ("тринадцать", "тринадцати"),
    14: ("четырнадцать", "четырнадцати"),
    15: ("пятнадцать", "пятнадцати"),
    16: ("шестнадцать", "шестнадцати"),
    17: ("семнадцать", "семнадцати"),
    18: ("восемнадцать", "восемнадцати"),
    19: ("девятнадцать", "девятнадцати"),
}
_RUSSIAN_TENS = {
    20: ("двадцать", "двадцати", "двадцатью"),
    30: ("тридцать", "тридцати", "тридцатью"),
    40: ("сорок", "сорока"),
    50: ("пятьдесят", "пятидесяти"),
}
# No "beş" (5): folded it is "bes", as is "bəs" ("and what about"), which opens questions.
_AZERBAIJANI_UNITS = {"bir": 1, "iki": 2, "uc": 3, "dord": 4, "alti": 6, "yeddi": 7, "sekkiz": 8,
                      "doqquz": 9}  # fmt: skip
_AZERBAIJANI_TENS = {"on": 10, "iyirmi": 20, "otuz": 30, "qirx": 40, "elli": 50}
_SPOKEN |= {word: value for value, words in _RUSSIAN_UNITS.items() for word in words}
_SPOKEN |= _AZERBAIJANI_UNITS
_TENS |= {word: value for value, words in _RUSSIAN_TENS.items() for word in words}
_TENS |= _AZERBAIJANI_TENS
# A word that is a figure only before a unit ("on bir" is 11; "on" alone is English), and the
# words for one, which alone are more often a pronoun than a figure.
_TENS_BEFORE_UNITS = frozenset({"on"})
_ONES = frozenset({"one", "bir", *_RUSSIAN_UNITS[1]})
_ELONGATED = re.compile(r"(.)\1{2,}")


def spoken_years(words: list[str]) -> list[str]:
    """'twenty sixteen' and 'two thousand sixteen' as '2016', so years match however typed."""
    out: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        following = words[position + 1 : position + 4]
        if word == "twenty" and following and 10 <= _SPOKEN.get(following[0], 0) <= 19:
            out.append(str(2000 + _SPOKEN[following[0]]))
            position += 2
            continue
        if word == "two" and following[:1] == ["thousand"]:
            rest = [w for w in following[1:] if w != "and"][:1]
            if rest and rest[0] in _SPOKEN:
                out.append(str(2000 + _SPOKEN[rest[0]]))
                position += 2 + following[1:].index(rest[0]) + 1
                continue
        out.append(word)
        position += 1
    return out


# Every word the two functions below can change or start a change at; most texts hold none
# and are passed as they are. "one" alone stays a word: only after "twenty" or "two thousand"
# is it read as a figure, and those are in the set.
NUMBER_WORDS = (frozenset(_SPOKEN) | frozenset(_TENS) | {"two", "twenty"}) - _ONES


# The words for "year" in Russian and Azerbaijani (as normalised), and the endings an ordinal
# figure takes before them ("16-м году", "17-й год", "16-cı ildə", "16cı ildə").
_YEAR_WORDS = frozenset({"год", "году", "года", "годе", "г", "il", "ilde", "ili", "ilin", "ilinde"})
_ORDINAL_ENDINGS = frozenset(
    {"й", "м", "го", "ом", "ый", "ой", "ий", "ым", "ci", "cu", "inci", "uncu"}
)
# Without an ordinal ending, only the locative names a year ("в 16 году"): "21 год" and
# "16 ildə" are spans of years.
_YEAR_LOCATIVES = frozenset({"году", "годе"})
# The endings a year takes without the word for year: "в 17-м", "с 16-го" ("17-й" may be any
# seventeenth thing).
_YEAR_ENDINGS = frozenset({"м", "го", "ом"})
_YEAR_MARKS = _YEAR_WORDS | _YEAR_ENDINGS


# Russian ordinals said for a year ("в шестнадцатом году"), by their stem: the year in full.
_RUSSIAN_ORDINALS = {
    stem: value
    for value, stem in enumerate(
        ("десят", "одиннадцат", "двенадцат", "тринадцат", "четырнадцат", "пятнадцат",
         "шестнадцат", "семнадцат", "восемнадцат", "девятнадцат"),
        start=10,
    )
}  # fmt: skip


def full_years(words: list[str]) -> list[str]:
    """'в 16-м году', 'в 17 году', '16-cı ildə', 'в 17-м': a year of two figures before the
    word for year, or with the ending of a year, is the year in full, and the ending no word."""
    if _YEAR_MARKS.isdisjoint(words):
        return words
    out: list[str] = []
    for word in words:
        if word in _YEAR_ENDINGS and out and len(out[-1]) in (2, 4) and out[-1].isdigit():
            if len(out[-1]) == 2:
                out[-1] = _full_year(out[-1])
            continue  # "в 17-м", "в 2016-м": the year, its ending no word
        if word in _YEAR_WORDS and out:
            last, ordinal = out[-1], False
            if last in _ORDINAL_ENDINGS and len(out) > 1 and out[-2].isdigit():
                out.pop()
                last, ordinal = out[-1], True
            elif last[:2].isdigit() and last[2:] in _ORDINAL_ENDINGS:
                last, ordinal = last[:2], True
            if len(last) == 2 and last.isdigit() and (ordinal or word in _YEAR_LOCATIVES):
                out[-1] = _full_year(last)
            elif last[:-2] in _RUSSIAN_ORDINALS or last[:-3] in _RUSSIAN_ORDINALS:
                value = _RUSSIAN_ORDINALS.get(last[:-2]) or _RUSSIAN_ORDINALS[last[:-3]]
                out[-1] = str(2000 + value)  # "шестнадцатом", "шестнадцатый" + году
        out.append(word)
    return out


def _full_year(figures: str) -> str:
    """ "17" as "2017", "98" as "1998"."""
    return str((2000 if figures < "40" else 1900) + int(figures))


def spoken_numbers(words: list[str]) -> list[str]:
    """Years as `spoken_years` and `full_years` read them, then 'seven' as '7' and 'thirty
    four' as '34', so a figure matches however typed ("3-way" and "three-way" alike). "one"
    stays a word: it is more often a pronoun than a figure."""
    words = full_years(words)
    if NUMBER_WORDS.isdisjoint(words):
        return list(words)
    words = spoken_years(words)
    out: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        if word in _TENS:
            value = _TENS[word]
            unit = words[position + 1] if position + 1 < len(words) else ""
            if 1 <= _SPOKEN.get(unit, 0) <= 9:
                out.append(str(value + _SPOKEN[unit]))
                position += 2
                continue
            out.append(word if word in _TENS_BEFORE_UNITS else str(value))
        elif word in _SPOKEN and word not in _ONES:
            out.append(str(_SPOKEN[word]))
        else:
            out.append(word)
        position += 1
    return out


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """An English plural's singular, by spelling alone: 'countries' → 'country', 'buddies' →
    'buddy', 'americans' → 'american'; other words unchanged."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def shortened_runs(word: str) -> list[str]:
    """'hellooo' → ['helo', 'helloo']: a letter typed three or more times, once and twice."""
    if not _ELONGATED.search(word):
        return []
    return [_ELONGATED.sub(r"\1", word), _ELONGATED.sub(r"\1\1", word)]
