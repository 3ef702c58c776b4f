"""The question log: what was asked and how it was answered, for statistics and for the
unanswered list operators turn into new phrasings. It never records who asked."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from bot.i18n import ENGLISH, N_, gettext
from bot.store.interface import Connection, Row, StoreDatabase
from bot.store.records import (
    UNANSWERED_MAX_CHARS,
    AskedQuestion,
    Unanswered,
    UnansweredStatus,
    normalise_question,
)

MAX_QUESTION_CHARS = 1000  # what is kept of one question: enough for any real one
# A question the bot answered since, asked again and not answered (or voted down), is
# listed again.
_REOPEN = "status = CASE unanswered.status WHEN 'answered' THEN 'open' ELSE unanswered.status END"
# The list's YAML comments (the code writes their "# "): in the operator's language in
# Telegram, in English on the command line.
NONE_UNANSWERED = N_("no unanswered questions")
UNANSWERED_HEADING = N_(
    "most frequent unanswered questions (count); paste under a fact's questions:"
)
ASKED = N_("asked {count}x")


def stored_text(text: str) -> str:
    """A question as the log keeps it: at most MAX_QUESTION_CHARS characters, and valid UTF-8
    that every store accepts (a lone surrogate, which Python strings allow and SQLite refuses,
    and a NUL character, which PostgreSQL's text refuses, become U+FFFD)."""
    text = text[:MAX_QUESTION_CHARS].replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


class Questions:
    """Counts questions; unmatched ones also feed the unanswered list."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def log(self, questions: Iterable[AskedQuestion]) -> None:
        """Record a batch in one transaction, each text capped (a 10 MB message is not kept
        whole). There is deliberately no user field: the log must not tie questions to people."""
        batch = [replace(q, text=stored_text(q.text)) for q in questions]
        now = self._db.clock()

        rows = [
            (
                now,
                question.text,
                question.fact_id,
                int(question.matched),
                float(question.confidence),
                question.chat_type,
            )
            for question in batch
        ]
        missed = [
            (key, as_asked(question.text), now, now)
            for question in batch
            if not question.matched and (key := normalise_question(question.text))
        ]

        def work(conn: Connection) -> None:
            conn.executemany(
                """
                INSERT INTO questions (asked_at, text, fact_id, matched, confidence, chat_type)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                rows,
            )
            if missed:
                conn.executemany(
                    f"""
                    INSERT INTO unanswered (normalised, text, count, first_seen, last_seen)
                    VALUES (?, ?, 1, ?, ?)
                    ON CONFLICT (normalised) DO UPDATE SET text = excluded.text,
                        count = unanswered.count + 1, last_seen = excluded.last_seen,
                        {_REOPEN}
                    """,
                    missed,
                )

        await self._db.write(work)

    async def unanswered(self, limit: int = 20) -> list[tuple[str, int]]:
        """Normalised unanswered questions still open, most frequent first, ties by most
        recent."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                """
                SELECT normalised, count FROM unanswered WHERE status = 'open' AND count > 0
                ORDER BY count DESC, last_seen DESC, normalised LIMIT ?
                """,
                (limit,),
            ).fetchall()
        )
        return [(row["normalised"], row["count"]) for row in rows]

    async def to_review(self, limit: int = 20, offset: int = 0) -> list[Unanswered]:
        """The open questions an operator can teach from: unanswered or voted down, the most
        often first (ties: the most recent)."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                """
                SELECT * FROM unanswered WHERE status = 'open'
                ORDER BY count + wrong DESC, last_seen DESC, id LIMIT ? OFFSET ?
                """,
                (limit, offset),
            ).fetchall()
        )
        return [_unanswered(row) for row in rows]

    async def review_count(self) -> int:
        """How many questions `to_review` lists in all."""
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT COUNT(*) AS n FROM unanswered WHERE status = 'open'"
            ).fetchone()
        )
        return int(row["n"])

    async def get_unanswered(self, question_id: int) -> Unanswered | None:
        row = await self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM unanswered WHERE id = ? AND status = 'open'", (question_id,)
            ).fetchone()
        )
        return _unanswered(row) if row is not None else None

    async def answered_since(self, question_id: int) -> bool:
        """Mark a question the bot now answers: no longer listed, unless asked again and not
        answered (or voted down)."""
        return await self._set_status(question_id, UnansweredStatus.ANSWERED)

    async def refuse(self, question_id: int) -> bool:
        """Mark a question rightly refused (the document does not say it): no longer listed."""
        return await self._set_status(question_id, UnansweredStatus.REFUSED)

    async def _set_status(self, question_id: int, status: UnansweredStatus) -> bool:
        def work(conn: Connection) -> bool:
            cursor = conn.execute(
                "UPDATE unanswered SET status = ? WHERE id = ? AND status = 'open'",
                (status.value, question_id),
            )
            return bool(cursor.rowcount)

        return await self._db.write(work)

    async def answered_wrongly(self, text: str, *, suggested: str | None = None) -> None:
        """The asker voted an answer down: the question joins the list to review, flagged,
        with the topic they chose instead when they chose one."""
        key = normalise_question(stored_text(text))
        if not key:
            return
        now = self._db.clock()

        def work(conn: Connection) -> None:
            conn.execute(
                f"""
                INSERT INTO unanswered
                    (normalised, text, count, wrong, suggested, first_seen, last_seen)
                VALUES (?, ?, 0, 1, ?, ?, ?)
                ON CONFLICT (normalised) DO UPDATE SET text = excluded.text,
                    wrong = unanswered.wrong + 1,
                    suggested = COALESCE(excluded.suggested, unanswered.suggested),
                    last_seen = excluded.last_seen, {_REOPEN}
                """,
                (key, as_asked(text), suggested, now, now),
            )

        await self._db.write(work)

    async def down_voted(self, limit: int = 5) -> list[tuple[str, int]]:
        """The questions most often voted down, with their counts."""
        rows = await self._db.read(
            lambda conn: conn.execute(
                """
                SELECT normalised, wrong FROM unanswered WHERE wrong > 0
                ORDER BY wrong DESC, last_seen DESC, id LIMIT ?
                """,
                (limit,),
            ).fetchall()
        )
        return [(row["normalised"], row["wrong"]) for row in rows]

    async def totals(self, *, top: int) -> tuple[int, int, list[tuple[str, int]]]:
        """(questions, answered, the `top` most asked facts with their counts)."""

        def work(conn: Connection) -> tuple[Any, list[Row]]:
            totals = conn.execute(
                "SELECT COUNT(*) AS total, COALESCE(SUM(matched), 0) AS answered FROM questions"
            ).fetchone()
            facts = conn.execute(
                """
                SELECT fact_id, COUNT(*) AS n FROM questions
                WHERE matched = 1 AND fact_id IS NOT NULL
                GROUP BY fact_id ORDER BY n DESC, fact_id LIMIT ?
                """,
                (top,),
            ).fetchall()
            return totals, facts

        totals, facts = await self._db.read(work)
        return (
            int(totals["total"]),
            int(totals["answered"]),
            [(row["fact_id"], row["n"]) for row in facts],
        )


def as_asked(text: str) -> str:
    """A question's wording as kept for review: spaces collapsed, case kept (a name keeps its
    capital), as long as its key."""
    return " ".join(stored_text(text).split())[:UNANSWERED_MAX_CHARS].rstrip()


def _unanswered(row: Row) -> Unanswered:
    return Unanswered(row["id"], row["text"], row["count"], row["wrong"], row["suggested"])


def unanswered_yaml(rows: Sequence[tuple[str, int]], language: str = ENGLISH) -> str:
    """Unanswered questions as YAML phrasings, ready to paste under a fact's `questions:`;
    the comments in `language`."""
    if not rows:
        return f"# {gettext(language, NONE_UNANSWERED)}\n[]\n"
    asked = gettext(language, ASKED)
    lines = [f"# {gettext(language, UNANSWERED_HEADING)}"]
    lines += [
        f"- {json.dumps(text, ensure_ascii=False)}  # {asked.format(count=count)}"
        for text, count in rows
    ]
    return "\n".join(lines) + "\n"
