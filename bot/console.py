"""The console chat: the same answers as on Telegram, for a terminal without a token, and a
conversation like a private chat there: follow-ups resolve against the last answer, a blank
line gets no reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.answers import Answer
from bot.commands import Audience, commands_for
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.text import is_blank

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


def help_text(engine: QAEngine) -> str:
    """/help as on Telegram, in plain text, with /quit since a terminal has no close button."""
    commands = "\n".join(f"  /{t.command} - {t.title}" for t in engine.topics if t.command)
    return (
        "Ask me a question about the document, for example "
        "“Which exercises were held in 2016?” or “Is Japan a partner?”.\n"
        f"Topic commands:\n{commands}\n  /quit - leave the chat"
    )


class ConsoleChat:
    """One console conversation: each answer or card shown becomes the context of the next
    line, as in a private chat on Telegram (nothing is kept once the chat ends)."""

    def __init__(self, engine: QAEngine) -> None:
        self.engine = engine
        self.context: Context | None = None

    def reply(self, line: str) -> str | None:
        """The reply to one line, or None for a blank line: it asks nothing."""
        if is_blank(line):
            return None
        text = line.strip()
        if not text.startswith("/"):
            return self._shown(self.engine.ask(text, self.context))
        engine = self.engine
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        if name == "start":  # with a topic, like a deep link: t.me/<bot>?start=exercises
            topic = argument.strip().lower()
            card = (engine.command(topic) or engine.card(topic)) if topic else None
            return self._shown(card) if card is not None else start_text(engine)
        if name in _HELP_COMMANDS:
            return help_text(engine)
        answer = engine.command(name, argument)
        if answer is None:
            return f"Unknown command /{name}. Type /help to see the commands."
        return self._shown(answer)

    def _shown(self, answer: Answer) -> str:
        self.context = Context.after(answer, self.context)
        return answer.text


def reply_to_console(engine: QAEngine, line: str) -> str:
    """What the console chat answers to a line on its own, outside any conversation ("" for
    a blank line): commands like in Telegram, anything else is a question."""
    return ConsoleChat(engine).reply(line) or ""


def chat(engine: QAEngine, stdout: TextIO, read_line: Callable[[str], str] = input) -> int:
    """Answer line after line until /quit, Ctrl-D or Ctrl-C, carrying the conversation."""
    stdout.write(GREETING)
    conversation = ConsoleChat(engine)
    while True:
        try:
            line = read_line("you> ")
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return 0
        if line.strip().lower() in QUIT_WORDS:
            return 0
        reply = conversation.reply(line)
        if reply is None:
            continue
        stdout.write(reply + "\n\n")
        stdout.flush()
