"""Figures of the knowledge core (issues 2 and 10), each beside its target with ok or FAIL:
accuracy of the engine on every labelled set, naive peers for comparison, speed per message,
cost at 10 and 100 times the knowledge base, start-up and memory. Printed by `make bench`;
nothing here is a pass/fail test."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.engine import QAEngine
from bot.evaluation import (
    IN_LANGUAGE,
    Example,
    Report,
    evaluate,
    evaluate_items,
    load_examples,
)
from bot.kb import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from tests.support.labelled import (
    FIRST_SETS,
    LANGUAGE_OF,
    LANGUAGE_SETS,
    NEW_SETS,
    items,
    messages,
    scaled,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
KNOWLEDGE = ROOT / "knowledge"
WRATIO_CUTOFF = 85.0
TFIDF_CUTOFF = 0.5
# The first sets may not fall below what `python -m bot evaluate` gave on 4258b79, the commit
# before the engine read messages by clauses: (in-scope accuracy, out-of-scope rejection).
BASELINE = "4258b79"
# As the counts themselves: 108/113 rounded to 0.9558 would fail 108/113 again.
BASELINES = {"questions": (287 / 295, 86 / 87), "holdout": (108 / 113, 35 / 37)}
NEW_TARGETS = (0.97, 0.95)  # issue 10, on each new set
LANGUAGE_TARGETS = (0.95, 0.95)  # issue 11, in each language
IN_LANGUAGE_TARGET = 0.98  # issue 11: the reply in the question's language
SPEED_MEDIAN = 0.3e-3  # engine.ask on the real knowledge base, per message
SPEED_P99 = 1e-3
LANGUAGES_MEDIAN = 0.5e-3  # issue 11: every language, without embeddings
LANGUAGES_P99 = 2e-3
SCALE_MEDIAN = 3e-3  # matcher.match at 100 times the knowledge base
SCALE_GROWTH = 10.0  # 10x -> 100x: at most linear
STARTUP = 1.5  # issue 11, with all three languages (1 s when the knowledge base was English)
MEMORY_MB = 100.0


def mark(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(predict: Callable[[str], object], questions: list[str], rounds: int = 5) -> list[float]:
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


def accuracy(engine: QAEngine) -> dict[str, Report]:
    """Every labelled set through QAEngine.ask, each figure beside its target."""
    print(f"accuracy of QAEngine.ask (targets: the first sets not below {BASELINE}'s figures):")
    reports = {}
    for name in (*FIRST_SETS, *NEW_SETS, *LANGUAGE_SETS):
        if name == LANGUAGE_SETS[0]:
            print("  (issue 11: questions in Russian and Azerbaijani)")
        language = LANGUAGE_OF.get(name)
        report = reports[name] = evaluate_items(items(name), engine.ask, language)
        accuracy, rejection = BASELINES.get(name, LANGUAGE_TARGETS if language else NEW_TARGETS)
        source = f" ({BASELINE})" if name in BASELINES else ""
        counts = "".join(f"; {what} {yes}/{of}" for what, (yes, of) in report.counts.items())
        print(
            f"  {name:<15} in-scope accuracy      {report.accuracy:7.2%} "
            f"({report.in_scope_correct}/{report.in_scope} {report.unit}{counts})  "
            f"target >= {accuracy:.2%}{source}: {mark(report.accuracy >= accuracy)}"
        )
        if report.out_of_scope:
            print(
                f"  {name:<15} out-of-scope rejection {report.rejection:7.2%} "
                f"({report.rejected}/{report.out_of_scope})  "
                f"target >= {rejection:.2%}{source}: {mark(report.rejection >= rejection)}"
            )
        if language:
            yes, of = report.counts[IN_LANGUAGE]
            print(
                f"  {name:<15} replies in {language}          {yes / of:7.2%} ({yes}/{of})  "
                f"target >= {IN_LANGUAGE_TARGET:.2%}: {mark(yes / of >= IN_LANGUAGE_TARGET)}"
            )
    return reports


def detection(engine: QAEngine) -> None:
    """How often bot/language.py tells each set's language, message by message (issue 11
    asks for the figure printed). A message that does not tell ("2016", "Turkey?") is
    undecided: its reply takes the chat's language, else English."""
    print("language detection (bot/language.py), per message:")
    groups = [("English sets", "en", messages((*FIRST_SETS, *NEW_SETS)))]
    groups += [(name, LANGUAGE_OF[name], messages([name])) for name in LANGUAGE_SETS]
    for label, language, texts in groups:
        found = [engine.language_of(text) for text in texts]
        right, undecided = found.count(language), found.count(None)
        wrong = len(found) - right - undecided
        print(
            f"  {label:<15} {right / len(found):7.2%} {language} ({right}/{len(found)}), "
            f"undecided {undecided}, another language {wrong}"
        )


def peers(kb: KnowledgeBase, ours: dict[str, Report]) -> None:
    """Two naive matchers on the first sets: ours must beat both on both figures."""
    print("naive peers on the first sets (target: below ours on accuracy and on rejection):")
    for peer in (WRatioPeer(kb), TfidfPeer(kb)):
        for name in FIRST_SETS:
            examples: list[Example] = load_examples(DATA / f"{name}.yaml")
            report = evaluate(examples, peer)
            median = statistics.median(timed(peer, [e.question for e in examples], rounds=1))
            beaten = report.accuracy < ours[name].accuracy and (
                report.rejection < ours[name].rejection
            )
            print(
                f"  {peer.name:<44} {name:<9} accuracy {report.accuracy:7.2%}  rejection "
                f"{report.rejection:7.2%}  wrong answers {report.wrong_answers:3d}  median "
                f"{ms(median)}: {mark(beaten)}"
            )


def speed(engine: QAEngine) -> None:
    texts = messages((*FIRST_SETS, *NEW_SETS))
    times = timed(engine.ask, texts)
    median, p99 = statistics.median(times), percentile(times, 0.99)
    print(f"speed of QAEngine.ask on the real knowledge base ({len(texts)} labelled messages x5):")
    print(f"  median {ms(median)}  target < {ms(SPEED_MEDIAN)}: {mark(median < SPEED_MEDIAN)}")
    print(f"  p99    {ms(p99)}  target < {ms(SPEED_P99)}: {mark(p99 < SPEED_P99)}")
    # Issue 11: the same in all three languages, the knowledge base holding all three.
    texts += messages(LANGUAGE_SETS)
    times = timed(engine.ask, texts)
    median, p99 = statistics.median(times), percentile(times, 0.99)
    print(f"  in English, Azerbaijani and Russian ({len(texts)} messages x5, issue 11):")
    print(
        f"  median {ms(median)}  target < {ms(LANGUAGES_MEDIAN)}: {mark(median < LANGUAGES_MEDIAN)}"
    )
    print(f"  p99    {ms(p99)}  target < {ms(LANGUAGES_P99)}: {mark(p99 < LANGUAGES_P99)}")


def scale(kb: KnowledgeBase, matcher: Matcher) -> None:
    """matcher.match on questions.yaml with the knowledge base copied 10 and 100 times."""
    questions = [e.question for e in load_examples(DATA / "questions.yaml")]
    print("cost at scale (matcher.match, every question of questions.yaml, after warm-up):")
    medians = {}
    for factor, target in ((1, SPEED_MEDIAN), (10, SCALE_MEDIAN), (100, SCALE_MEDIAN)):
        base = kb if factor == 1 else scaled(kb, factor)
        started = time.perf_counter()
        big = matcher if factor == 1 else Matcher(base)
        build = time.perf_counter() - started
        phrasings = sum(len(fact.questions) for fact in base.facts)
        times = timed(big.match, questions, rounds=5 if factor < 100 else 3)
        medians[factor] = median = statistics.median(times)
        print(
            f"  KB x{factor:<4} {len(base.facts):5d} facts {phrasings:6d} phrasings: median "
            f"{ms(median)} (p99 {ms(percentile(times, 0.99))}, build {build:.2f} s)  "
            f"target <= {ms(target)}: {mark(median <= target)}"
        )
    growth = medians[100] / medians[10]
    print(
        f"  growth of the median from x10 to x100: {growth:.1f} times  "
        f"target <= {SCALE_GROWTH:.0f} (linear): {mark(growth <= SCALE_GROWTH)}"
    )


def run() -> None:
    kb = load_knowledge(KNOWLEDGE)
    engine = QAEngine(kb)
    print("== Knowledge core (issues 2 and 10) ==")
    ours = accuracy(engine)
    detection(engine)
    peers(kb, ours)
    speed(engine)
    scale(kb, engine.matcher)
    load, build, total = startup_in_fresh_process()
    print(
        f"start-up in a fresh process: load+validate {load:.3f} s, build matcher {build:.3f} s, "
        f"total incl. imports {total:.3f} s  target < {STARTUP:.1f} s (issue 11): "
        f"{mark(total < STARTUP)}"
    )
    memory = ask_peak_memory_mb()
    print(
        f"peak memory of `python -m bot ask`: {memory:.1f} MB  target < {MEMORY_MB:.0f} MB: "
        f"{mark(memory < MEMORY_MB)}"
    )


if __name__ == "__main__":
    run()
