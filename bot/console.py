"""The console chat: the same answers as on Telegram, for a terminal without a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.commands import Audience, commands_for
from bot.engine import QAEngine

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})
GREETING = (
    "Console chat about Azerbaijan's bilateral and multilateral military cooperation.\n"
    "Ask a question, type /help for the topics, /quit (or Ctrl-D) to leave.\n"
)
_HELP_COMMANDS = frozenset(command.name for command in commands_for(Audience.EVERYONE)) - {"start"}


def start_text(engine: QAEngine) -> str:
    """/start as on Telegram, with the example questions (buttons there) written out."""
    topics = ", ".join(f"/{topic.command}" for topic in engine.topics if topic.command)
    examples = "\n".join(f"  {question}" for question in engine.examples())
    return (
        "Hello! I answer questions about one document: the bilateral and multilateral "
        "military cooperation of the Ministry of Defence of Azerbaijan. Every answer cites the "
        "sentence it comes from.\n\n"
        f"Ask in your own words, or open a topic: {topics}. /help explains more.\n\n"
        f"Try one of these:\n{examples}"
    )


def reply_to_console(engine: QAEngine, line: str) -> str:
    """What the console chat answers: commands like in Telegram, anything else is a question."""
    text = line.strip()
    if not text.startswith("/"):
        return engine.ask(text).text
    name, _, argument = text[1:].partition(" ")
    name = name.split("@", 1)[0].lower()
    if name == "start":  # with a topic, like a deep link: t.me/<bot>?start=exercises
        topic = argument.strip().lower()
        card = (engine.command(topic) or engine.card(topic)) if topic else None
        return card.text if card is not None else start_text(engine)
    if name in _HELP_COMMANDS:
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


def chat(engine: QAEngine, stdout: TextIO, read_line: Callable[[str], str] = input) -> int:
    """Answer line after line until /quit, Ctrl-D or Ctrl-C."""
    stdout.write(GREETING)
    while True:
        try:
            line = read_line("you> ")
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return 0
        if line.strip().lower() in QUIT_WORDS:
            return 0
        stdout.write(reply_to_console(engine, line) + "\n\n")
        stdout.flush()
