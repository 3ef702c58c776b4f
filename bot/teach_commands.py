"""`python -m bot teach` and `python -m bot taught`: the operators' teaching for scripts and
tests, on the same store (DATABASE_URL, else DATABASE_PATH) and with the same checks as
teaching from Telegram."""

from __future__ import annotations

import argparse
import asyncio
from typing import TextIO

from bot.engine import QAEngine
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeError
from bot.settings import Settings
from bot.store import StoreError, open_store, store_exists
from bot.teaching import Refusal, export_yaml, exported, teach, with_taught


def command_teach(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    """Teach QUESTION as a phrasing of --intent; exit 1 with the reason when refused."""
    try:
        base = load_knowledge(settings.knowledge_folder)
        with open_store(settings.database) as store:
            taught = asyncio.run(store.taught.all())
            verdict = teach(
                base, taught, args.intent, args.question, answered_wrongly=args.answered_wrongly
            )
            if isinstance(verdict, Refusal):
                print(f"refused: {verdict}", file=stderr)
                return 1
            added = asyncio.run(
                store.taught.add(verdict.fact_id, verdict.language, verdict.question)
            )
    except (KnowledgeError, StoreError) as error:
        print(error, file=stderr)
        return 1
    if added is None:  # taught by someone else meanwhile
        print(f"refused: “{verdict.question}” is taught already", file=stderr)
        return 1
    print(f"taught #{added.id} ({added.language}): {added.question} → {added.fact_id}", file=stdout)
    return 0


def command_taught(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    """List the taught phrasings; --export prints them as YAML to paste, --clear-exported
    removes from the store those the YAML now holds."""
    try:
        base = load_knowledge(settings.knowledge_folder)
        if not store_exists(settings.database):
            taught = []
        else:
            with open_store(settings.database, read_only=not args.clear_exported) as store:
                taught = asyncio.run(store.taught.all())
                if args.clear_exported:
                    done = exported(base, taught)
                    removed = asyncio.run(store.taught.remove([p.id for p in done], reopen=False))
                    print(f"removed {removed} exported phrasing(s) from the store", file=stdout)
                    return 0
    except (KnowledgeError, StoreError) as error:
        print(error, file=stderr)
        return 1
    if args.export:
        stdout.write(export_yaml(base, taught))
        return 0
    for phrasing in taught:
        print(
            f"#{phrasing.id}\t{phrasing.fact_id}\t{phrasing.language}\t{phrasing.question}",
            file=stdout,
        )
    if not taught:
        print("no taught phrasings", file=stdout)
    return 0


def with_taught_from(settings: Settings, engine: QAEngine, stderr: TextIO) -> QAEngine:
    """`engine` with the taught phrasings of the store, read-only; a database that cannot
    be read is said in one line, and the YAML answers alone."""
    if not store_exists(settings.database):
        return engine
    try:
        with open_store(settings.database, read_only=True) as store:
            taught = asyncio.run(store.taught.all())
    except StoreError as error:
        print(f"taught phrasings not used: {error}", file=stderr)
        return engine
    return QAEngine(with_taught(engine.kb, taught)) if taught else engine


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    teach_parser = sub.add_parser(
        "teach", help="teach a question as one more phrasing of a fact (stored in the database)"
    )
    teach_parser.add_argument("--intent", required=True, help="the fact id to teach it to")
    teach_parser.add_argument(
        "--answered-wrongly",
        action="store_true",
        help="the bot answers it with another fact, and that answer was wrong",
    )
    teach_parser.add_argument("question")
    teach_parser.set_defaults(handler=command_teach)
    taught = sub.add_parser("taught", help="the taught phrasings")
    taught.add_argument("--export", action="store_true", help="as YAML, ready to paste")
    taught.add_argument(
        "--clear-exported",
        action="store_true",
        help="remove from the store the phrasings the YAML now holds",
    )
    taught.set_defaults(handler=command_taught)
