"""`python -m bot ask` and `chat` on hostile input and hostile locales, in subprocesses: stdin
that is not UTF-8, a C locale without Python's UTF-8 mode, line separators inside questions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# Python turns LC_ALL=C into UTF-8 by itself (PEP 538/540) unless told not to, as embedded and
# older systems do: then stdin and stdout are ASCII.
C_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def run(*args: str | bytes, stdin: bytes = b"", env: dict[str, str] | None = None) -> bytes:
    """Run `python -m bot ARGS`; return its stdout as bytes, after checking it exited 0."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LC_", "PYTHONUTF8", "PYTHONIOENCODING", "TELEGRAM_", "KNOWLEDGE"))
    }
    environment.update(env or {}, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr
    return result.stdout


def json_lines(stdout: bytes) -> list[dict[str, object]]:
    """Strictly UTF-8, one object per "\n"-terminated line."""
    text = stdout.decode("utf-8")  # raises on a raw 0xFF
    assert text.endswith("\n")
    return [json.loads(line) for line in text.removesuffix("\n").split("\n")]


def test_hostile_stdin_loses_no_line_and_stays_one_json_object_per_line() -> None:
    """Invalid UTF-8 is replaced in its own line; CRLF and a missing last newline are lines;
    U+2028/U+2029/U+0085, which JSON allows raw but JavaScript and str.splitlines() break
    lines at, are escaped."""
    stdin = (
        b"Is Japan a partner?\r\n"
        b"\xff\xfe broken \xc3\n"
        b"\xe2\x80 half\n"
        + "Is Japan\u2028a partner?\nexercises\u2029in 2016\nnext\x85line\n\x1c\x0b\n".encode()
        + b"Who are the partners?"
    )
    stdout = run("ask", "--json", stdin=stdin)
    for raw in ("\u2028", "\u2029", "\x85"):
        assert raw.encode() not in stdout
    answers = json_lines(stdout)
    assert [a["question"] for a in answers] == [
        "Is Japan a partner?",
        "\ufffd\ufffd broken \ufffd",
        "\ufffd half",
        "Is Japan\u2028a partner?",
        "exercises\u2029in 2016",
        "next\x85line",
        "\x1c\x0b",
        "Who are the partners?",
    ]
    assert answers[0]["intent"] == "partner_check" and answers[-1]["intent"] == "partners"
    assert answers[1]["matched"] is False
    assert len(stdout.decode("utf-8").splitlines()) == len(answers)  # every break escaped


def test_ask_json_reads_and_writes_utf8_whatever_the_locale() -> None:
    stdin = "Is Türkiye a partner?\nWhich exercises were held? ə\n".encode()
    answers = json_lines(run("ask", "--json", stdin=stdin, env=C_LOCALE))
    assert answers[0]["question"] == "Is Türkiye a partner?"
    assert answers[0]["intent"] == "partner_check"
    assert answers[1]["question"] == "Which exercises were held? ə"
    assert "• TURAZ Shahini" in str(answers[1]["text"])


def test_ask_takes_arguments_with_invalid_utf8_in_a_c_locale() -> None:
    out = run("ask", b"Is \xffJapan a partner?", "Is Türkiye a partner?", env=C_LOCALE)
    text = out.decode("utf-8")
    assert "No. Japan is not among" in text and "Yes. Turkey is among" in text


def test_chat_reads_and_writes_utf8_in_a_c_locale() -> None:
    out = run("chat", stdin="Is Türkiye a partner?\n/start\n/quit\n".encode(), env=C_LOCALE)
    text = out.decode("utf-8")
    assert "Yes. Turkey is among" in text and "Try one of these:" in text
