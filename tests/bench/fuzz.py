"""The Fuzz figure (issue 9): hypothesis-generated hostile questions through the engine and
the Telegram rendering, and through `python -m bot ask --json` in one process reading stdin.
Each figure is printed beside its target with ok or FAIL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from bot.cli import json_line
from bot.engine import QAEngine
from bot.limits import visible_len
from bot.telegram.render import card_message, inline_article
from tests.support.fuzzing import own_tags, questions, reply_problems

ROOT = Path(__file__).resolve().parents[2]
ENGINE_QUESTIONS = 20_000
CLI_QUESTIONS = 500


@dataclass
class Findings:
    """What went wrong, counted, with the first example of each kind."""

    questions: int = 0
    cut_to_fit: int = 0  # replies over the limit before fitting: the fit was needed
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, question: str) -> None:
        self.counts[kind] += 1
        self.examples.setdefault(kind, repr(question[:80]))


def generation(count: int) -> Any:
    """Hypothesis run as a generator only: `count` examples, no shrinking, no example database
    (a figure counts what it finds; it does not stop at the first)."""
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def fuzz_engine(engine: QAEngine, tags: frozenset[str], count: int) -> Findings:
    """`count` generated questions, each through what the bot does with one: the answer, its
    message, its inline card, its JSON line."""
    findings = Findings()

    @generation(count)
    @given(questions)
    def one(question: str) -> None:
        findings.questions += 1
        try:
            answer = engine.ask(question)
            text, _keyboard = card_message(answer)
            inline = inline_article(answer).input_message_content.message_text
            line = json_line(answer.as_json())
        except Exception:  # the figure counts them; the first is shown
            findings.add("exception", question + "\n" + traceback.format_exc(limit=3))
            return
        findings.cut_to_fit += visible_len(answer.html) > 4096
        for reply in (text, inline, json.loads(line)["html"]):
            for problem in reply_problems(reply, tags):
                findings.add(problem, question)
        if "\n" in line or "\u2028" in line or "\u2029" in line:
            findings.add("JSON over several lines", question)

    one()
    return findings


def fuzz_cli(count: int) -> tuple[Findings, float]:
    """`count` generated questions, one per line (newlines inside them become spaces), written
    to one `python -m bot ask --json` as bytes: lone surrogates make invalid UTF-8 on purpose."""
    generated: list[str] = []

    @generation(count)
    @given(questions)
    def collect(question: str) -> None:
        generated.append(question)

    collect()
    lines = [
        q.replace("\n", " ").replace("\r", " ").encode("utf-8", "surrogatepass") for q in generated
    ]
    findings = Findings(questions=len(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LC_"))}
    env.update(PYTHONPATH=str(ROOT), LC_ALL="C")  # and a C locale, for good measure
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or result.stderr:
        findings.add("exception", result.stderr.decode("utf-8", "replace")[-500:])
    try:
        out = result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        findings.add("output not UTF-8", "")
        out = result.stdout.decode("utf-8", "replace")
    replies = out.splitlines()  # every Unicode line break: one object per line even so
    if len(replies) != len(lines):
        findings.add("JSON over several lines", f"{len(replies)} lines for {len(lines)}")
    tags = own_tags(QAEngine.load(ROOT / "knowledge"))
    for raw, reply in zip(lines, replies, strict=False):
        expected = raw.decode("utf-8", "replace")
        try:
            obj = json.loads(reply)
        except ValueError:
            findings.add("invalid JSON", expected)
            continue
        if obj["question"] != expected.removesuffix("\r"):
            findings.add("question changed", expected)
        for problem in reply_problems(obj["html"], tags):
            findings.add(problem, expected)
    return findings, seconds


def verdict(value: int, target: int = 0) -> str:
    return "ok" if value <= target else "FAIL"


def show(title: str, findings: Findings, seconds: float) -> None:
    print(f"{title}: {findings.questions} questions in {seconds:.1f} s", flush=True)
    rows = (
        ("exceptions", findings.counts["exception"]),
        ("replies over 4096 UTF-16 units", findings.counts["over 4096 UTF-16 units"]),
        ("unescaped user < in HTML", findings.counts["unescaped <"]),
        ("HTML Telegram would refuse", findings.counts["invalid HTML"]),
    )
    for label, value in rows:
        print(f"  {label:32} {value:6d}   target 0: {verdict(value)}")
    shown = {"exception", "over 4096 UTF-16 units", "unescaped <", "invalid HTML"}
    for kind, value in findings.counts.items():
        if kind in shown:
            continue
        print(f"  {kind:32} {value:6d}   target 0: FAIL")
    if findings.cut_to_fit:
        print(f"  (answers over 4096 units before fitting, cut to fit: {findings.cut_to_fit})")
    for kind, example in findings.examples.items():
        print(f"  first {kind}: {example}")


def run() -> None:
    print("== Fuzz (issue 9): hypothesis-generated hostile questions ==", flush=True)
    engine = QAEngine.load(ROOT / "knowledge")
    tags = own_tags(engine)
    started = time.perf_counter()
    findings = fuzz_engine(engine, tags, ENGINE_QUESTIONS)
    show("engine + Telegram rendering", findings, time.perf_counter() - started)
    enough = findings.questions >= ENGINE_QUESTIONS
    print(
        f"  {'questions generated':32} {findings.questions:6d}   target ≥ {ENGINE_QUESTIONS}: "
        f"{'ok' if enough else 'FAIL'}"
    )
    cli, seconds = fuzz_cli(CLI_QUESTIONS)
    show("`python -m bot ask --json`, one process, stdin, LC_ALL=C", cli, seconds)


if __name__ == "__main__":
    run()
