"""The one table of fixed commands: handlers, menus, help and reserved names all follow it."""

from __future__ import annotations

import pytest
from telegram.ext import CommandHandler

from bot.commands import FIXED_COMMANDS, RESERVED_NAMES, Audience, commands_for
from bot.console import reply_to_console
from bot.engine import QAEngine
from bot.kb.rules import COMMAND_NAME, command_problem
from bot.telegram.app import FIXED_HANDLERS, build_application
from bot.telegram.menu import menu
from bot.telegram.state import BotState
from bot.telegram.texts import help_text

# Assembled at run time: no token-like literal in the tree. Nothing is sent with it.
TOKEN = "123456789:" + "commands_test_" + "z" * 21


def test_every_fixed_command_has_a_handler_and_no_handler_is_off_the_table() -> None:
    assert set(FIXED_HANDLERS) == {command.name for command in FIXED_COMMANDS}


def test_names_are_unique_valid_and_reserved() -> None:
    names = [command.name for command in FIXED_COMMANDS]
    assert len(names) == len(set(names))
    assert all(COMMAND_NAME.fullmatch(name) for name in names)
    assert frozenset(names) == RESERVED_NAMES
    assert all(len(command.description) <= 256 for command in FIXED_COMMANDS)


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_a_fact_cannot_take_a_fixed_command(name: str) -> None:
    assert command_problem(name) == f"command '/{name}' is reserved"


def test_a_fact_may_take_any_other_valid_name() -> None:
    assert command_problem("exercises") is None
    assert command_problem("settings") is None  # not the bot's: free for the knowledge base
    assert "refused by Telegram" in (command_problem("Bad-Name") or "")


def test_the_application_registers_exactly_the_table(engine: QAEngine, tmp_path) -> None:
    from bot.settings import Settings

    settings = Settings(token=TOKEN, database_path=tmp_path / "bot.sqlite3")
    application = build_application(settings, engine)
    try:
        registered = {
            name
            for handlers in application.handlers.values()
            for handler in handlers
            if isinstance(handler, CommandHandler)
            for name in handler.commands
        }
        assert registered == RESERVED_NAMES
    finally:
        application.bot_data.store.close()


def test_each_audience_sees_its_commands_and_the_topics(engine: QAEngine) -> None:
    topics = {topic.command for topic in engine.topics if topic.command}
    everyone = {c.command for c in menu(engine, Audience.EVERYONE)}
    group_admins = {c.command for c in menu(engine, Audience.GROUP_ADMINS)}
    operators = {c.command for c in menu(engine, Audience.OPERATORS)}
    assert everyone == topics | {"help", "language"}
    assert group_admins == everyone | {"subscribe", "unsubscribe"}
    assert operators == everyone | {c.name for c in commands_for(Audience.OPERATORS)}
    assert "start" not in everyone  # Telegram's own Start button sends it
    assert not everyone & {c.name for c in commands_for(Audience.OPERATORS)}


def test_help_names_the_group_commands_from_the_table(engine: QAEngine) -> None:
    state = BotState()
    state.engine = engine
    text = help_text(state, "ThisBot")
    for command in commands_for(Audience.GROUP_ADMINS):
        assert f"/{command.name}" in text


def test_console_help_answers_the_same_commands_as_telegram(engine: QAEngine) -> None:
    shows = {"start": "Try one of these:"}  # /start greets with example questions, as there
    for command in commands_for(Audience.EVERYONE):
        assert shows.get(command.name, "Topic commands:") in reply_to_console(
            engine, f"/{command.name}"
        )
    assert "Unknown command /stats" in reply_to_console(engine, "/stats")


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("/overview", "cooperation_growth"),
        ("/about", "about"),
        ("/partners@SomeBot", "partners"),
        ("/partners Japan", "partner_check"),
        ("/exercises EFES", "exercise_info"),
    ],
)
def test_a_topic_command_asked_as_text_is_its_card(engine: QAEngine, text: str, fact: str) -> None:
    """Inline mode and `python -m bot ask` pass commands to `ask` as text: "/overview" is the
    overview card, not whatever its word matches."""
    answer = engine.ask(text)
    assert answer.matched and answer.fact_id == fact
    assert answer.question == text


def test_an_unknown_command_asked_as_text_falls_back(engine: QAEngine) -> None:
    assert not engine.ask("/nonsense").matched
    assert engine.ask("/partners Япония").language == "ru"
