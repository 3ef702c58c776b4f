"""`python -m bot migrate-store`: a SQLite store copied into PostgreSQL, for a bot moving to
replicas (bot/store/transfer.py does the copy)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bot.settings import Settings
from bot.store import StoreError, is_postgres_url

_SQLITE = "sqlite:"


def command_migrate_store(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    """Copy, then print each table's rows in both; exit 1 with the reason when refused, when
    the copy failed (nothing is copied then) or when a count differs."""
    if not args.source.startswith(_SQLITE) or len(args.source) == len(_SQLITE):
        print("--from: expected sqlite:PATH, the SQLite file to copy", file=stderr)
        return 1
    target = args.target or settings.database_url
    if target is None or not is_postgres_url(target):
        print(
            "--to: expected postgresql://user:password@host/database (or set DATABASE_URL, "
            "which keeps the password out of the process list)",
            file=stderr,
        )
        return 1
    source = Path(args.source[len(_SQLITE) :])
    from bot.store.postgres import describe_url
    from bot.store.transfer import copy_store

    try:
        counts = copy_store(source, target)
    except StoreError as error:
        print(error, file=stderr)
        return 1
    print(f"{'table':<14} {'sqlite':>9} {'postgresql':>11}", file=stdout)
    for count in counts:
        mark = "" if count.source == count.target else "  differs"
        print(f"{count.table:<14} {count.source:>9} {count.target:>11}{mark}", file=stdout)
    differ = [count.table for count in counts if count.source != count.target]
    if differ:
        print(f"the copy is incomplete: the counts differ in {', '.join(differ)}", file=stderr)
        return 1
    total = sum(count.source for count in counts)
    print(f"copied {total} rows from {source} into {describe_url(target)}", file=stdout)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = sub.add_parser(
        "migrate-store",
        help="copy a SQLite store into an empty PostgreSQL database and compare the counts",
    )
    migrate.add_argument(
        "--from", dest="source", required=True, metavar="sqlite:PATH", help="the SQLite file"
    )
    migrate.add_argument(
        "--to",
        dest="target",
        metavar="postgresql://…",
        help="the empty PostgreSQL database (default: DATABASE_URL)",
    )
    migrate.set_defaults(handler=command_migrate_store)
