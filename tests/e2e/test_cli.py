"""`python -m bot` as scripts use it: ask (text and JSON), chat, evaluate."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import reply_to_console
from bot.engine import QAEngine
from bot.store import Store
from bot.store.questions import unanswered_yaml
from bot.store.records import AskedQuestion
from tests.conftest import ROOT

JSON_KEYS = {
    "question",
    "matched",
    "intent",
    "confidence",
    "text",
    "html",
    "suggestions",
    "language",
}
SETTINGS_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "KNOWLEDGE_DIR",
    "DATABASE_URL",
)
# Assembled at run time: no token-like literal in the tree.
WELL_FORMED_TOKEN = "123456789:" + "cli_test_" + "y" * 26


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
        check=False,
    )


def test_ask_prints_the_exercises_with_their_source() -> None:
    result = run_bot("ask", "Which exercises were held?")
    assert result.returncode == 0, result.stderr
    assert "TURAZ Shahini" in result.stdout and "Anadolu Gartali" in result.stdout
    assert "Source: Trainings such as" in result.stdout
    assert "<b>" not in result.stdout


def test_ask_json_reads_stdin_one_object_per_line_in_order() -> None:
    questions = [
        "Which exercises were held?",
        "Is Iraq a partner?",
        "What is the budget?",
        "hi",
        "",
    ]
    result = run_bot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    objects = [json.loads(line) for line in lines]
    for question, obj in zip(questions, objects, strict=True):
        assert set(obj) == JSON_KEYS
        assert obj["question"] == question
        assert 0.0 <= obj["confidence"] <= 1.0
        assert "<" not in obj["text"]
    assert objects[0]["intent"] == "exercises_2016" and objects[0]["matched"] is True
    assert objects[1]["intent"] == "partner_check" and "No." in objects[1]["text"]
    assert objects[2]["matched"] is False and objects[2]["intent"] is None
    assert objects[2]["suggestions"] and all(isinstance(s, str) for s in objects[2]["suggestions"])
    assert objects[3]["matched"] is True and objects[3]["intent"] == "greeting"
    assert objects[4]["matched"] is False
    assert {obj["language"] for obj in objects} == {"en"}


def test_ask_json_gives_each_replys_language_and_lang_forces_one() -> None:
    questions = ["Сколько стран подписали соглашения?", "Which exercises were held?"]
    result = run_bot("ask", "--json", stdin="\n".join(questions) + "\n")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [obj["language"] for obj in objects] == ["ru", "en"]
    assert objects[0]["text"].startswith("Соглашения о сотрудничестве")
    result = run_bot("ask", "--json", "--lang", "az", *questions)
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [obj["language"] for obj in objects] == ["az", "az"]
    assert "Mənbə (ingilis dilində orijinal mətn): Trainings such as" in objects[1]["text"]
    assert run_bot("ask", "--lang", "fr", "hi").returncode == 2  # not a language it speaks


def test_ask_answers_each_argument() -> None:
    result = run_bot("ask", "--json", "Is Japan a partner?", "Is Turkey a partner?")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["text"].split("\n\n")[1][:3] for a in answers] == ["No.", "Yes"]


def test_chat_answers_questions_and_commands() -> None:
    result = run_bot("chat", stdin="Is Japan a partner?\n/exercises\n/help\n/nonsense\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "No. Japan is not among" in result.stdout
    assert "Multinational Special Mission Units Training" in result.stdout
    assert "/partners" in result.stdout
    assert "Unknown command /nonsense" in result.stdout


CONVERSATION = [
    "Is Italy a partner?",
    "and Spain?",
    "and its capital?",  # about Italy, but not in the document: refused, context kept
    "",  # a blank line still gets its line, the fallback, and changes nothing
    "How many agreements were signed?",
    "and in 2016?",  # alone, the 2016 trainings; after the agreements, 2016's agreements
    "Which exercises were held?",
    "when?",  # alone, nothing; after the exercises, their card
    "Is Chile a partner? And Poland?",
    "and Spain?",
]


def ask_json(*flags: str) -> list[dict]:
    result = run_bot("ask", "--json", *flags, stdin="\n".join(CONVERSATION) + "\n")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [obj["question"] for obj in objects] == CONVERSATION
    assert all(set(obj) == JSON_KEYS for obj in objects)
    return objects


def test_ask_conversation_carries_context_from_line_to_line() -> None:
    objects = ask_json("--conversation")
    intents = [obj["intent"] for obj in objects]
    assert intents == [
        "partner_check",
        "partner_check",
        None,
        None,
        "agreements_signed",
        "agreements_2016",
        "exercises_2016",
        "exercises_2016",
        "partner_check",
        "partner_check",
    ]
    assert "Yes. Spain is among" in objects[1]["text"]
    assert objects[2]["matched"] is False and objects[3]["matched"] is False
    assert "7 countries" in objects[5]["text"]
    assert "TURAZ Shahini" in objects[7]["text"]
    both = objects[8]["text"]
    assert "No. Chile is not among" in both and "Yes. Poland is among" in both


def test_ask_without_conversation_reads_every_line_alone() -> None:
    alone = ask_json()
    assert alone[5]["intent"] == "exercises_2016"  # "and in 2016?" with nothing before it
    assert alone[7]["matched"] is False and alone[7]["intent"] is None  # "when?"


def test_ask_conversation_takes_arguments_as_the_messages() -> None:
    result = run_bot("ask", "--conversation", "Which exercises were held?", "when?")
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("\n\nTrainings held in the first half of 2016\n")
    assert len(answers) == 2 and "TURAZ Shahini" in answers[1]


def test_chat_carries_context_and_ignores_blank_lines() -> None:
    result = run_bot("chat", stdin="How many agreements were signed?\n\n   \nand in 2016?\n")
    assert result.returncode == 0, result.stderr
    assert "Agreements signed in 2016" in result.stdout and "7 countries" in result.stdout
    assert "could not find" not in result.stdout


def test_no_command_without_token_opens_the_chat() -> None:
    result = run_bot(stdin="hello\n")
    assert result.returncode == 0
    assert "Console chat" in result.stdout


def test_evaluate_prints_the_rasa_style_report() -> None:
    result = run_bot("evaluate", "tests/data/questions.yaml")
    assert result.returncode == 0, result.stderr
    for heading in ("precision", "recall", "f1", "in-scope accuracy", "out-of-scope rejection"):
        assert heading in result.stdout
    assert "exercises_2016" in result.stdout and "out_of_scope" in result.stdout


def test_evaluate_reports_each_language_of_the_questions(tmp_path: Path) -> None:
    labelled = tmp_path / "mixed.yaml"
    labelled.write_text(
        "- {q: 'Сколько стран подписали соглашения с Азербайджаном?', intent: agreements_signed}\n"
        "- {q: 'Какое население Турции?', intent: null}\n"
        "- {q: 'Azərbaycan neçə ölkə ilə saziş imzalayıb?', intent: agreements_signed}\n"
        "- {q: 'Which exercises were held?', intent: exercises_2016}\n",
        encoding="utf-8",
    )
    result = run_bot("evaluate", str(labelled))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("per language of the question", 1)[1].splitlines()
    assert any(
        line.startswith("  ru: 2 questions") and "replies in ru 2/2" in line for line in lines
    )
    assert any(line.startswith("  az: 1 questions") for line in lines)
    assert any(line.startswith("  en: 1 questions") for line in lines)


def test_run_without_token_says_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(ROOT / "tests")
    assert main(["run"]) == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_run_with_malformed_setting_names_it() -> None:
    result = run_bot("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "not-a-token" not in result.stderr
    assert "Traceback" not in result.stderr


def test_console_reply_matches_the_engine(engine: QAEngine) -> None:
    assert (
        reply_to_console(engine, "Which exercises were held?")
        == engine.ask("Which exercises were held?").text
    )
    assert "Unknown command" in reply_to_console(engine, "/zzz")


def test_unanswered_yaml_is_pasteable() -> None:
    import yaml

    text = unanswered_yaml([("what is the budget", 3), ('a "quoted" one', 1)])
    assert yaml.safe_load(text) == ["what is the budget", 'a "quoted" one']


def test_unanswered_command_reads_the_store(tmp_path) -> None:
    database = tmp_path / "bot.sqlite3"
    asked = [
        AskedQuestion(text, None, False, 0.1, "private")
        for text in ("What is the budget?", "what is the budget?", "Who is the minister?")
    ]
    asked.append(AskedQuestion("Which exercises?", "exercises_2016", True, 0.9, "private"))
    with Store(database) as store:
        asyncio.run(store.questions.log(asked))
    result = run_bot("unanswered", env={"DATABASE_PATH": str(database)})
    assert result.returncode == 0, result.stderr
    import yaml

    assert yaml.safe_load(result.stdout) == ["what is the budget?", "who is the minister?"]
    assert "asked 2x" in result.stdout


def test_evaluate_needs_a_file() -> None:
    """The labelled sets belong to the tests; the command does not reach into that tree."""
    result = run_bot("evaluate")
    assert result.returncode == 2
    assert "file" in result.stderr


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_token_in_dotenv_starts_the_bot_not_the_console(tmp_path: Path) -> None:
    """`make run` is `python -m bot`: a token kept in .env selects the Telegram bot, which here
    reports the unreachable Bot API instead of opening the console chat."""
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={WELL_FORMED_TOKEN}\n"
        f"TELEGRAM_API_BASE_URL=http://127.0.0.1:{closed_port()}/bot\n"
        f"DATABASE_PATH={tmp_path / 'bot.sqlite3'}\n",
        encoding="utf-8",
    )
    result = run_bot(stdin="hello\n", cwd=tmp_path)
    assert result.returncode == 1
    assert "Console chat" not in result.stdout
    assert "cannot reach the Bot API" in result.stderr
    assert WELL_FORMED_TOKEN.split(":")[1] not in result.stderr


def test_knowledge_dir_in_dotenv_is_the_one_every_command_uses(
    tmp_path: Path, knowledge_copy: Path
) -> None:
    """KNOWLEDGE_DIR kept only in .env: check and ask read that folder, like /reload does."""
    (knowledge_copy / "extra.yaml").write_text("- id: broken\n  title: [unclosed\n")
    (tmp_path / ".env").write_text(f"KNOWLEDGE_DIR={knowledge_copy}\n", encoding="utf-8")
    checked = run_bot("check", cwd=tmp_path)
    assert checked.returncode == 1
    assert "extra.yaml" in checked.stdout and "YAML syntax error" in checked.stdout
    asked = run_bot("ask", "Which exercises were held?", cwd=tmp_path)
    assert asked.returncode == 1
    assert "extra.yaml" in asked.stderr
