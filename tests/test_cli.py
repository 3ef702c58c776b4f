"""`python -m bot` as scripts use it: ask (text and JSON), chat, evaluate."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.cli import main, reply_to_console, unanswered_yaml
from bot.engine import QAEngine
from tests.conftest import ROOT

JSON_KEYS = {"question", "matched", "intent", "confidence", "text", "html", "suggestions"}


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def test_ask_prints_the_exercises_with_their_source() -> None:
    result = run_bot("ask", "Which exercises were held?")
    assert result.returncode == 0, result.stderr
    assert "TURAZ Shahini" in result.stdout and "Anadolu Gartali" in result.stdout
    assert "Source: > Trainings such as" in result.stdout
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


def test_no_command_without_token_opens_the_chat() -> None:
    result = run_bot(stdin="hello\n")
    assert result.returncode == 0
    assert "Console chat" in result.stdout


def test_evaluate_prints_the_rasa_style_report() -> None:
    result = run_bot("evaluate")
    assert result.returncode == 0, result.stderr
    for heading in ("precision", "recall", "f1", "in-scope accuracy", "out-of-scope rejection"):
        assert heading in result.stdout
    assert "exercises_2016" in result.stdout and "out_of_scope" in result.stdout


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
    from bot.store import Store

    database = tmp_path / "bot.sqlite3"
    with Store(database) as store:
        for text in ("What is the budget?", "what is the budget?", "Who is the minister?"):
            store.log_question(
                text=text, intent=None, matched=False, confidence=0.1, chat_type="private"
            )
        store.log_question(
            text="Which exercises?",
            intent="exercises_2016",
            matched=True,
            confidence=0.9,
            chat_type="private",
        )
    result = run_bot("unanswered", env={"DATABASE_PATH": str(database)})
    assert result.returncode == 0, result.stderr
    import yaml

    assert yaml.safe_load(result.stdout) == ["what is the budget?", "who is the minister?"]
    assert "asked 2x" in result.stdout
