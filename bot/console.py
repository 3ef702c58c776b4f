"""The console chat: the same answers as on Telegram, for a terminal without a token, and a
conversation like a private chat there: follow-ups resolve against the last answer, a blank
line gets no reply. Its language is a chat's chosen language there (`chat --lang`, else
English): the console's own words, cards and commands in it, and a message that tells its own
language answered in that."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.answers import Answer
from bot.commands import GREETING_NAMELESS, START, Audience, commands_for
from bot.dialogue import Context
from bot.engine import QAEngine
from bot.i18n import ENGLISH, N_, gettext
from bot.text import is_blank, plain_text

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})
# The console's own words (bot/i18n.py), in the chat's language.
GREETING = N_(
    "Console chat about Azerbaijan's bilateral and multilateral military cooperation.\n"
    "Ask a question, type /help for the topics, /quit (or Ctrl-D) to leave."
)
HELP = N_(
    "Ask me a question about the document, for example “Which exercises were held in 2016?” "
    "or “Is Japan a partner?”."
)
TOPIC_COMMANDS = N_("Topic commands:")
QUIT = N_("/quit - leave the chat")
UNKNOWN_COMMAND = N_("Unknown command /{command}. Type /help to see the commands.")
_HELP_COMMANDS = frozenset(command.name for command in commands_for(Audience.EVERYONE)) - {"start"}


def greeting(language: str = ENGLISH) -> str:
    """The chat's first lines."""
    return gettext(language, GREETING) + "\n"


def start_text(engine: QAEngine, language: str = ENGLISH) -> str:
    """/start as on Telegram, with the example questions (buttons there) written out."""
    topics = ", ".join(f"/{topic.command}" for topic in engine.topics if topic.command)
    examples = "\n".join(f"  {question}" for question in engine.examples(language=language))
    start = plain_text(gettext(language, START).format(topics=topics))
    return f"{gettext(language, GREETING_NAMELESS)} {start}\n{examples}"


def help_text(engine: QAEngine, language: str = ENGLISH) -> str:
    """/help as on Telegram, in plain text, with /quit since a terminal has no close button."""
    topics = engine.localiser.topics(engine.topics, language)
    commands = "\n".join(f"  /{t.command} - {t.title}" for t in topics if t.command)
    return (
        f"{gettext(language, HELP)}\n{gettext(language, TOPIC_COMMANDS)}\n{commands}\n"
        f"  {gettext(language, QUIT)}"
    )


class ConsoleChat:
    """One console conversation: each answer or card shown becomes the context of the next
    line, as in a private chat on Telegram (nothing is kept once the chat ends)."""

    def __init__(self, engine: QAEngine, language: str = ENGLISH) -> None:
        self.engine = engine
        self.language = language
        self.context: Context | None = None

    def reply(self, line: str) -> str | None:
        """The reply to one line, or None for a blank line: it asks nothing."""
        if is_blank(line):
            return None
        text = line.strip()
        language = self.language
        if not text.startswith("/"):
            return self._shown(self.engine.ask(text, self.context, default=language))
        engine = self.engine
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        if name == "start":  # with a topic, like a deep link: t.me/<bot>?start=exercises
            topic = argument.strip().lower()
            card = None
            if topic:
                card = engine.command(topic, language=language) or engine.card(
                    topic, language=language
                )
            return self._shown(card) if card is not None else start_text(engine, language)
        if name in _HELP_COMMANDS:
            return help_text(engine, language)
        answer = engine.command(name, argument, engine.language_of(argument) or language)
        if answer is None:
            return gettext(language, UNKNOWN_COMMAND).format(command=name)
        return self._shown(answer)

    def _shown(self, answer: Answer) -> str:
        self.context = Context.after(answer, self.context)
        return answer.text


def reply_to_console(engine: QAEngine, line: str) -> str:
    """What the console chat answers to a line on its own, outside any conversation ("" for
    a blank line): commands like in Telegram, anything else is a question."""
    return ConsoleChat(engine).reply(line) or ""


def chat(
    engine: QAEngine,
    stdout: TextIO,
    read_line: Callable[[str], str] = input,
    language: str = ENGLISH,
) -> int:
    """Answer line after line until /quit, Ctrl-D or Ctrl-C, carrying the conversation."""
    stdout.write(greeting(language))
    conversation = ConsoleChat(engine, language)
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
