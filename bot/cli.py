"""`python -m bot`: ask, chat, check, evaluate, unanswered and run (DESIGN.md section 4)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from bot.engine import QAEngine
from bot.knowledge import KnowledgeError, Problem, default_knowledge_dir

DEFAULT_QUESTIONS = Path("tests/data/questions.yaml")
EXIT_USAGE = 2
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


def _engine(stderr: TextIO) -> QAEngine | None:
    try:
        return QAEngine.load()
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=stderr)
        print(
            f"knowledge base has {len(error.problems)} problem(s); run `python -m bot check`",
            file=stderr,
        )
        return None


def _questions(arguments: Sequence[str], stdin: TextIO) -> Iterator[str]:
    if arguments:
        yield from arguments
        return
    for line in stdin:
        yield line.rstrip("\n")


def command_ask(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    engine = _engine(stderr)
    if engine is None:
        return 1
    first = True
    for question in _questions(args.question, sys.stdin):
        answer = engine.ask(question)
        if args.json:
            stdout.write(json.dumps(answer.as_json(), ensure_ascii=False) + "\n")
        else:
            if not first:
                stdout.write("\n")
            stdout.write(answer.text + "\n")
        stdout.flush()
        first = False
    return 0


def reply_to_console(engine: QAEngine, line: str) -> str:
    """What the console chat answers: commands like in Telegram, anything else is a question."""
    text = line.strip()
    if text.startswith("/"):
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        if name in {"start", "help"}:
            commands = "\n".join(f"  /{t.command} - {t.title}" for t in engine.topics if t.command)
            return (
                "Ask me a question about the document, for example "
                "“Which exercises were held in 2016?” or “Is Japan a partner?”.\n"
                f"Topic commands:\n{commands}\n  /quit - leave the chat"
            )
        answer = engine.command(name, argument)
        if answer is None:
            return f"Unknown command /{name}. Type /help to see the commands."
        return answer.text
    return engine.ask(text).text


def command_chat(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    engine = _engine(stderr)
    if engine is None:
        return 1
    stdout.write(
        "Console chat about Azerbaijan's bilateral and multilateral military cooperation.\n"
        "Ask a question, type /help for the topics, /quit (or Ctrl-D) to leave.\n"
    )
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return 0
        if line.strip().lower() in QUIT_WORDS:
            return 0
        stdout.write(reply_to_console(engine, line) + "\n\n")
        stdout.flush()


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


def command_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Schema problems, then (for a loadable base) phrasings the matcher cannot tell apart;
    the folder is read and the matcher built once."""
    directory = Path(args.knowledge) if args.knowledge else default_knowledge_dir()
    try:
        engine = QAEngine.load(directory)
    except KnowledgeError as error:
        problems = list(error.problems)
    else:
        problems = collision_problems(engine)
    for problem in problems:
        print(problem, file=stdout)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=stderr)
        return 1
    phrasings = sum(len(fact.questions) for fact in engine.kb.facts)
    print(f"OK: {len(engine.kb.facts)} facts, {phrasings} phrasings in {directory}", file=stdout)
    return 0


def command_evaluate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from bot.evaluation import evaluate, load_examples

    engine = _engine(stderr)
    if engine is None:
        return 1
    try:
        examples = load_examples(args.file)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.file}: {error}", file=stderr)
        return 1
    report = evaluate(examples, lambda q: engine.matcher.match(q).intent)
    stdout.write(report.format() + "\n")
    return 0


def command_unanswered(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from bot.settings import SettingsError, load_settings
    from bot.store import Store

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=stderr)
        return 1
    if not settings.database_path.exists():
        stdout.write("# no questions recorded yet\n[]\n")
        return 0
    with Store(settings.database_path) as store:
        rows = store.unanswered(args.limit)
    stdout.write(unanswered_yaml(rows))
    return 0


def unanswered_yaml(rows: Sequence[tuple[str, int]]) -> str:
    """Unanswered questions as YAML phrasings, ready to paste under a fact's `questions:`."""
    if not rows:
        return "# no unanswered questions\n[]\n"
    lines = ["# most frequent unanswered questions (count); paste under a fact's questions:"]
    lines += [f"- {json.dumps(text, ensure_ascii=False)}  # asked {count}x" for text, count in rows]
    return "\n".join(lines) + "\n"


def command_run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=stderr)
        return 1
    if not settings.token:
        print(
            "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather, or try `python -m bot chat`",
            file=stderr,
        )
        return 1
    engine = _engine(stderr)
    if engine is None:
        return 1
    from bot.telegram.app import run_bot

    return run_bot(settings, engine)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about Azerbaijan's bilateral and multilateral military "
        "cooperation from one document. Without a command: the Telegram bot when "
        "TELEGRAM_BOT_TOKEN is set, else the console chat.",
    )
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument("question", nargs="*", help="questions; read stdin when none")
    ask.set_defaults(handler=command_ask)
    sub.add_parser("chat", help="console conversation").set_defaults(handler=command_chat)
    check = sub.add_parser("check", help="validate the knowledge base")
    check.add_argument(
        "--knowledge", help="knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)"
    )
    check.set_defaults(handler=command_check)
    evaluate = sub.add_parser("evaluate", help="score the matcher on a labelled question set")
    evaluate.add_argument("file", nargs="?", default=str(DEFAULT_QUESTIONS))
    evaluate.set_defaults(handler=command_evaluate)
    unanswered = sub.add_parser("unanswered", help="most frequent unanswered questions as YAML")
    unanswered.add_argument("--limit", type=int, default=20)
    unanswered.set_defaults(handler=command_unanswered)
    sub.add_parser("run", help="the Telegram bot").set_defaults(handler=command_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        handler = command_run if os.environ.get("TELEGRAM_BOT_TOKEN") else command_chat
        return handler(args, sys.stdout, sys.stderr)
    return int(args.handler(args, sys.stdout, sys.stderr))
