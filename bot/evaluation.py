"""Scoring the matcher on a labelled question set, reported the way `rasa test nlu` does.

Labelled files are YAML lists of `{q: question, intent: fact id or null}`: "intent" is the
label's name in these files as in `ask --json`, the one place outside the code it is used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    """One labelled question; fact_id None means the document does not answer it."""

    question: str
    fact_id: str | None


@dataclass(frozen=True)
class FactScore:
    """How well one fact (or out-of-scope) is recognised."""

    fact_id: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """Everything `python -m bot evaluate` prints, also used by `make bench`."""

    total: int = 0
    in_scope: int = 0
    in_scope_correct: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    wrong_answers: int = 0
    per_fact: list[FactScore] = field(default_factory=list)
    confusions: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.in_scope_correct / self.in_scope if self.in_scope else 0.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 0.0

    def format(self) -> str:
        lines = [
            f"{'fact':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
        ]
        for score in self.per_fact:
            lines.append(
                f"{score.fact_id:<24}{score.precision:>10.3f}{score.recall:>10.3f}"
                f"{score.f1:>10.3f}{score.support:>9}"
            )
        lines += [
            "",
            f"questions: {self.total}",
            f"in-scope accuracy: {self.accuracy:.2%} ({self.in_scope_correct}/{self.in_scope})",
            f"out-of-scope rejection: {self.rejection:.2%} ({self.rejected}/{self.out_of_scope})",
            f"confident wrong answers: {self.wrong_answers}",
        ]
        if self.confusions:
            lines += ["", "confusions (expected -> predicted: question):"]
            lines += [f"  {exp} -> {got}: {q}" for exp, got, q in self.confusions]
        return "\n".join(lines)


def load_examples(path: Path | str) -> list[Example]:
    """Read `- q: ...\\n  intent: id|null` items; a clear error names a malformed entry."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{q, intent}} items")
    examples = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise ValueError(f"{path}: item {number} needs a 'q' string and an 'intent'")
        label = item.get("intent")
        examples.append(Example(item["q"], None if label in (None, "null") else str(label)))
    return examples


def evaluate(examples: Iterable[Example], predict: Callable[[str], str | None]) -> Report:
    """Per-fact precision/recall/F1 with out-of-scope as its own label."""
    report = Report()
    true_positive: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for example in examples:
        got = predict(example.question)
        expected = example.fact_id or OUT_OF_SCOPE
        label = got or OUT_OF_SCOPE
        report.total += 1
        support[expected] += 1
        predicted[label] += 1
        if label == expected:
            true_positive[label] += 1
        else:
            report.confusions.append((expected, label, example.question))
            if got is not None:
                report.wrong_answers += 1
        if example.fact_id is None:
            report.out_of_scope += 1
            report.rejected += got is None
        else:
            report.in_scope += 1
            report.in_scope_correct += got == example.fact_id
    for label in sorted(set(support) | set(predicted)):
        precision = true_positive[label] / predicted[label] if predicted[label] else 0.0
        recall = true_positive[label] / support[label] if support[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_fact.append(FactScore(label, precision, recall, f1, support[label]))
    return report
