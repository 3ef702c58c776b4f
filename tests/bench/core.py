"""Figures of the knowledge core: accuracy beside two naive peers, speed, scaling, start-up
and memory. Printed by `make bench`; nothing here is a pass/fail test."""

from __future__ import annotations

import dataclasses
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.evaluation import Example, Report, evaluate, load_examples
from bot.kb import Fact, KnowledgeBase, load_knowledge
from bot.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
KNOWLEDGE = ROOT / "knowledge"
WRATIO_CUTOFF = 85.0
TFIDF_CUTOFF = 0.5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(
    predict: Callable[[str], str | None], questions: list[str], rounds: int = 5
) -> list[float]:
    """Seconds per question, every question `rounds` times (after one warm-up pass)."""
    for question in questions:
        predict(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            predict(question)
            times.append(time.perf_counter() - started)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


class WRatioPeer:
    """Naive peer 1: rapidfuzz extractOne with WRatio over every phrasing, fixed cut-off."""

    name = f"rapidfuzz WRatio extractOne (cut-off {WRATIO_CUTOFF:.0f})"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.choices = [q for fact in kb.facts for q in fact.questions]
        self.fact_ids = [fact.id for fact in kb.facts for _ in fact.questions]

    def __call__(self, question: str) -> str | None:
        found = process.extractOne(
            question,
            self.choices,
            scorer=fuzz.WRatio,
            processor=str.lower,
            score_cutoff=WRATIO_CUTOFF,
        )
        return self.fact_ids[found[2]] if found else None


class TfidfPeer:
    """Naive peer 2: TF-IDF cosine similarity (scikit-learn) against every phrasing."""

    name = f"TF-IDF cosine, scikit-learn (cut-off {TFIDF_CUTOFF})"

    def __init__(self, kb: KnowledgeBase) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        phrasings = [q for fact in kb.facts for q in fact.questions]
        self.fact_ids = [fact.id for fact in kb.facts for _ in fact.questions]
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(phrasings)

    def __call__(self, question: str) -> str | None:
        scores = (self.matrix @ self.vectorizer.transform([question]).T).toarray().ravel()
        best = int(scores.argmax())
        return self.fact_ids[best] if scores[best] >= TFIDF_CUTOFF else None


def scaled(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """The knowledge base with `factor` times the facts and phrasings: each copy's phrasings
    are the originals with generated words, so the vocabulary grows too."""
    rng = random.Random(seed)
    facts: list[Fact] = list(kb.facts)
    for copy in range(1, factor):
        for fact in kb.facts:
            if fact.slot:
                continue
            marker = f"topic{copy}x{rng.randrange(10**6)}"
            questions = tuple(f"{q} {marker} w{rng.randrange(5000)}" for q in fact.questions)
            facts.append(
                dataclasses.replace(
                    fact, id=f"{fact.id}_{copy}", command=None, questions=questions, related=()
                )
            )
    return dataclasses.replace(kb, facts=tuple(facts))


def startup_in_fresh_process() -> tuple[float, float, float]:
    """(load+validate, matcher build, whole process) seconds, measured in a new interpreter."""
    code = (
        "import time; t0=time.perf_counter();"
        "from bot.engine import QAEngine; from bot.kb import load_knowledge;"
        f"t1=time.perf_counter(); kb=load_knowledge({str(KNOWLEDGE)!r});"
        "t2=time.perf_counter(); QAEngine(kb); t3=time.perf_counter();"
        "print(t2-t1, t3-t2, t3-t0)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    load, build, total = (float(x) for x in output)
    return load, build, total


def ask_peak_memory_mb() -> float:
    """Peak resident memory of one `python -m bot ask` run, read by that process itself from
    VmHWM (ru_maxrss would also count the forked copy of this big benchmark process)."""
    code = (
        "import io, contextlib; from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['ask', 'Which exercises were held?'])\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(status)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return int(output.split()[-1]) / 1024


def report_line(name: str, report: Report, seconds: list[float]) -> str:
    return (
        f"  {name:<46} accuracy {report.accuracy:7.2%}  rejection {report.rejection:7.2%}  "
        f"wrong answers {report.wrong_answers:3d}  median {ms(statistics.median(seconds))}"
    )


def run() -> None:
    kb = load_knowledge(KNOWLEDGE)
    matcher = Matcher(kb)
    ours = lambda q: matcher.match(q).fact_id  # noqa: E731
    peers: list[tuple[str, Callable[[str], str | None]]] = [
        ("ours (weighted F + entities + rapidfuzz)", ours),
        (WRatioPeer.name, WRatioPeer(kb)),
        (TfidfPeer.name, TfidfPeer(kb)),
    ]
    print("== Knowledge core (issue 2) ==")
    for label, filename in (("labelled set", "questions.yaml"), ("held-out set", "holdout.yaml")):
        path = DATA / filename
        if not path.exists():
            continue
        examples: list[Example] = load_examples(path)
        scope = sum(e.fact_id is not None for e in examples)
        print(
            f"{label} ({filename}: {len(examples)} questions, {scope} in scope, "
            f"{len(examples) - scope} out of scope):"
        )
        questions = [e.question for e in examples]
        for name, predict in peers:
            report = evaluate(examples, predict)
            print(report_line(name, report, timed(predict, questions, rounds=1)))

    questions = [e.question for e in load_examples(DATA / "questions.yaml")]
    print("time per question (ours; every labelled question x5, after warm-up):")
    for factor in (1, 10, 100):
        base = kb if factor == 1 else scaled(kb, factor)
        started = time.perf_counter()
        big = matcher if factor == 1 else Matcher(base)
        build = time.perf_counter() - started
        phrasings = sum(len(fact.questions) for fact in base.facts)
        times = timed(
            lambda q, m=big: m.match(q).fact_id, questions, rounds=5 if factor < 100 else 2
        )
        print(
            f"  KB x{factor:<4} {len(base.facts):5d} facts {phrasings:6d} phrasings: "
            f"median {ms(statistics.median(times))}  p99 {ms(percentile(times, 0.99))}  "
            f"(build {build:.2f} s)"
        )
    load, build, total = startup_in_fresh_process()
    print(
        f"start-up in a fresh process: load+validate {load:.3f} s, build matcher {build:.3f} s, "
        f"total incl. imports {total:.3f} s (target < 1 s)"
    )
    print(f"peak memory of `python -m bot ask`: {ask_peak_memory_mb():.1f} MB (target < 100 MB)")


if __name__ == "__main__":
    run()
