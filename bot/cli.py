"""`python -m bot`: ask, chat, check, evaluate, unanswered and run (DESIGN.md section 4), teach
and taught (issue 12)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

import yaml

from bot import store_commands, teach_commands
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.i18n import ENGLISH, LANGUAGES
from bot.kb.model import TRANSLATED, KnowledgeError, Problem
from bot.settings import Settings, SettingsError, load_settings


def _settings(stderr: TextIO) -> Settings | None:
    try:
        return load_settings()
    except SettingsError as error:
        print(error, file=stderr)
        return None


def _engine(settings: Settings, stderr: TextIO, *, taught: bool = False) -> QAEngine | None:
    """The engine of the knowledge folder; with `taught`, also of the phrasings operators
    taught (in DATABASE_PATH), as the bot answers (not for `run`, which lays them over itself,
    nor `evaluate`, which scores the YAML)."""
    try:
        engine = QAEngine.load(settings.knowledge_folder)
        return teach_commands.with_taught_from(settings, engine, stderr) if taught else engine
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=stderr)
        print(
            f"knowledge base has {len(error.problems)} problem(s); run `python -m bot check`",
            file=stderr,
        )
        return None


# Line breaks JSON leaves unescaped but line readers split on (JavaScript, str.splitlines).
_JSON_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _questions(arguments: Sequence[str], stdin: Iterable[bytes]) -> Iterator[str]:
    """The questions, as valid Unicode: stdin is read as bytes and each line decoded on its
    own, so invalid UTF-8 becomes U+FFFD in that line and never costs the lines after it."""
    if arguments:
        for argument in arguments:  # undo the locale's decoding, then decode as UTF-8
            yield os.fsencode(argument).decode("utf-8", "replace")
        return
    for line in stdin:
        yield line.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8", "replace")


def json_line(obj: object) -> str:
    """One JSON object on one line, whatever its strings hold."""
    line = json.dumps(obj, ensure_ascii=False)
    for raw, escaped in _JSON_LINE_BREAKS.items():
        line = line.replace(raw, escaped)
    return line


def command_ask(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    """One answer per question, in order. With --conversation the questions are successive
    messages of one chat, each read in the context the answers before left; without it each
    stands alone. A blank line is still answered (the fallback), so that output line n always
    answers input line n."""
    engine = _engine(settings, stderr, taught=True)
    if engine is None:
        return 1
    first = True
    context: Context | None = None
    for question in _questions(args.question, sys.stdin.buffer):
        answer = engine.ask(question, context, args.lang)
        if args.conversation:
            context = Context.after(answer, context)
        if args.json:
            stdout.write(json_line(answer.as_json()) + "\n")
        else:
            if not first:
                stdout.write("\n")
            stdout.write(answer.text + "\n")
        stdout.flush()
        first = False
    return 0


def command_chat(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    from bot.console import chat

    engine = _engine(settings, stderr, taught=True)
    # No --lang when the console opens without the `chat` command.
    language = getattr(args, "lang", None) or ENGLISH
    return 1 if engine is None else chat(engine, stdout, language=language)


def collision_problems(engine: QAEngine) -> list[Problem]:
    """Phrasings of different facts that the matcher cannot tell apart, located in their file."""
    return [
        Problem(
            c.second.file,
            c.second.line,
            f"'{c.second_question}' ({c.second.id}) reads the same to the matcher as "
            f"'{c.first_question}' ({c.first.id}); reword one of them",
        )
        for c in engine.matcher.collisions()
    ]


def command_check(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    """Schema problems, then (for a loadable base) phrasings the matcher cannot tell apart;
    the folder is read and the matcher built once."""
    directory = Path(args.knowledge) if args.knowledge else settings.knowledge_folder
    try:
        engine = QAEngine.load(directory)
    except KnowledgeError as error:
        problems = list(error.problems)
    else:
        problems = collision_problems(engine) + engine.gaps.problems()
    for problem in problems:
        print(problem, file=stdout)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=stderr)
        return 1
    phrasings = sum(len(fact.questions) for fact in engine.kb.facts)
    per_language = "".join(
        f", {sum(len(f.translations[language].questions) for f in engine.kb.facts)} in {language}"
        for language in TRANSLATED
        if all(language in fact.translations for fact in engine.kb.facts)
    )
    print(
        f"OK: {len(engine.kb.facts)} facts, {phrasings} phrasings{per_language} in {directory}",
        file=stdout,
    )
    return 0


def command_evaluate(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    from bot.evaluation import IN_LANGUAGE, Dialogue, Item, evaluate_items, load_items

    engine = _engine(settings, stderr)
    if engine is None:
        return 1
    try:
        items = load_items(args.file)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"cannot read {args.file}: {error}", file=stderr)
        return 1
    report = evaluate_items(items, engine.ask)  # what users get: the engine, not the matcher
    stdout.write(report.format() + "\n")
    by_language: dict[str, list[Item]] = {}
    for item in items:
        first = item.turns[0].question if isinstance(item, Dialogue) else item.question
        by_language.setdefault(engine.language_of(first) or "-", []).append(item)
    if len(by_language) > 1 or "en" not in by_language:
        stdout.write("\nper language of the question (- : none it tells):\n")
        for language, written in sorted(by_language.items()):
            known = language if language in LANGUAGES else None
            part = evaluate_items(written, engine.ask, known)
            replied = part.counts.get(IN_LANGUAGE)
            stdout.write(
                f"  {language}: {part.total} {part.unit}, in-scope accuracy {part.accuracy:.2%}"
                f", out-of-scope rejection {part.rejection:.2%}"
                + (f", replies in {language} {replied[0]}/{replied[1]}" if replied else "")
                + "\n"
            )
    return 0


def command_unanswered(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    import asyncio

    from bot.store import StoreError, open_store, store_exists
    from bot.store.questions import unanswered_yaml

    if not store_exists(settings.database):
        stdout.write("# no questions recorded yet\n[]\n")
        return 0
    try:  # read-only: no journal switch, no migration, works in a read-only folder
        with open_store(settings.database, read_only=True) as store:
            rows = asyncio.run(store.questions.unanswered(args.limit))
    except StoreError as error:
        print(error, file=stderr)
        return 1
    stdout.write(unanswered_yaml(rows))
    return 0


def command_run(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    if not settings.token:
        print(
            "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather, or try `python -m bot chat`",
            file=stderr,
        )
        return 1
    engine = _engine(settings, stderr)
    if engine is None:
        return 1
    from bot.telegram.app import run_bot

    return run_bot(settings, engine)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about Azerbaijan's bilateral and multilateral military "
        "cooperation from one document. Without a command: the Telegram bot when "
        "TELEGRAM_BOT_TOKEN is set (in the environment or .env), else the console chat.",
    )
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="the questions are successive messages of one chat: follow-ups such as "
        "'and Spain?' resolve against the earlier ones (default: each stands alone)",
    )
    ask.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language of every reply (default: each question's own, else English)",
    )
    ask.add_argument("question", nargs="*", help="questions; read stdin when none")
    ask.set_defaults(handler=command_ask)
    chat = sub.add_parser("chat", help="console conversation")
    chat.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the chat's language: its own words, and the reply to a message that does not "
        "tell its language (default: English)",
    )
    chat.set_defaults(handler=command_chat)
    check = sub.add_parser("check", help="validate the knowledge base")
    check.add_argument(
        "--knowledge", help="knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)"
    )
    check.set_defaults(handler=command_check)
    evaluate = sub.add_parser("evaluate", help="score the answers on a labelled set")
    evaluate.add_argument(
        "file",
        help="YAML list of {q, intent: fact id or null}, {q, parts: [...]} or {dialogue: [...]}"
        " items (tests/data/*.yaml)",
    )
    evaluate.set_defaults(handler=command_evaluate)
    unanswered = sub.add_parser("unanswered", help="most frequent unanswered questions as YAML")
    unanswered.add_argument("--limit", type=int, default=20)
    unanswered.set_defaults(handler=command_unanswered)
    sub.add_parser("run", help="the Telegram bot").set_defaults(handler=command_run)
    teach_commands.add_parsers(sub)
    store_commands.add_parsers(sub)
    return parser


def utf8_stdio() -> None:
    """UTF-8 in and out whatever the locale (LC_ALL=C would make it ASCII and crash on "ə");
    what cannot be encoded or decoded is replaced, never a reason to stop."""
    for stream, errors in (
        (sys.stdin, "replace"),
        (sys.stdout, "replace"),
        (sys.stderr, "backslashreplace"),
    ):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors=errors)


def main(argv: Sequence[str] | None = None) -> int:
    utf8_stdio()
    args = build_parser().parse_args(argv)
    settings = _settings(sys.stderr)
    if settings is None:
        return 1
    if args.command is None:
        handler = command_run if settings.token else command_chat
        return handler(args, settings, sys.stdout, sys.stderr)
    return int(args.handler(args, settings, sys.stdout, sys.stderr))
