"""The figures of an evaluation (bot/evaluation.py), counted and printed the way
`rasa test nlu` does: per-fact precision, recall and F1 with out-of-scope as its own label,
in-scope accuracy, out-of-scope rejection, confident wrong answers and the confusions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

OUT_OF_SCOPE = "out_of_scope"


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
    """Everything `python -m bot evaluate` prints, also used by `make bench`. A unit is a
    question, a part of a multi-part message, or a turn of a dialogue."""

    total: int = 0
    in_scope: int = 0
    in_scope_correct: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    wrong_answers: int = 0
    per_fact: list[FactScore] = field(default_factory=list)
    confusions: list[tuple[str, str, str]] = field(default_factory=list)
    # Further yes/no figures, by name: (yes, out of), e.g. "gap notes".
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    unit: str = "questions"  # what `total` counts

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
            f"{self.unit}: {self.total}",
            f"in-scope accuracy: {self.accuracy:.2%} ({self.in_scope_correct}/{self.in_scope})",
            f"out-of-scope rejection: {self.rejection:.2%} ({self.rejected}/{self.out_of_scope})",
            f"confident wrong answers: {self.wrong_answers}",
        ]
        lines += [f"{name}: {yes}/{total}" for name, (yes, total) in self.counts.items()]
        if self.confusions:
            lines += ["", "confusions (expected -> predicted: question):"]
            lines += [f"  {exp} -> {got}: {q}" for exp, got, q in self.confusions]
        return "\n".join(lines)


class Tally:
    """Counts units one by one, then makes the Report."""

    def __init__(self, unit: str = "questions") -> None:
        self._report = Report(unit=unit)
        self._right: Counter[str] = Counter()
        self._predicted: Counter[str] = Counter()
        self._support: Counter[str] = Counter()

    def record(
        self, expected: str | None, got: str | None, right: bool, question: str, note: str = ""
    ) -> None:
        """One unit: the fact expected (None: out of scope), the one given, and whether the
        reply is right (a right fact can still be a wrong reply; `note` says why)."""
        report = self._report
        wanted, label = expected or OUT_OF_SCOPE, got or OUT_OF_SCOPE
        report.total += 1
        self._support[wanted] += 1
        self._predicted[label] += 1
        if right and label == wanted:
            self._right[label] += 1
        if not right:
            report.confusions.append((wanted, f"{label} ({note})" if note else label, question))
        if got is not None and got != expected:
            report.wrong_answers += 1
        if expected is None:
            report.out_of_scope += 1
            report.rejected += right
        else:
            report.in_scope += 1
            report.in_scope_correct += right

    def count(self, name: str, yes: bool) -> None:
        """One more yes/no figure beside the accuracy, e.g. whether a gap note was given."""
        done, total = self._report.counts.get(name, (0, 0))
        self._report.counts[name] = (done + yes, total + 1)

    def report(self) -> Report:
        report = self._report
        report.per_fact = []
        for label in sorted(set(self._support) | set(self._predicted)):
            predicted, support = self._predicted[label], self._support[label]
            precision = self._right[label] / predicted if predicted else 0.0
            recall = self._right[label] / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            report.per_fact.append(FactScore(label, precision, recall, f1, support))
        return report
