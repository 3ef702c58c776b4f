"""`make bench`: every figure the issues ask for, section by section.

Usage: python tests/bench/run.py [SECTION ...]   (default: all sections, in the order of SECTIONS)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# Run as a script, this folder would come first on sys.path; the project root must instead.
sys.path[0] = str(Path(__file__).resolve().parents[2])

SECTIONS = (
    "core",
    "groups",
    "words",
    "teaching",
    "e2e",
    "broadcast",
    "fairness",
    "webhook",
    "replicas",
    "metrics",
    "fuzz",
)


def main(argv: list[str]) -> None:
    import importlib

    chosen = [name for name in argv if name in SECTIONS] or list(SECTIONS)
    for name in chosen:
        started = time.perf_counter()
        module = importlib.import_module(f"tests.bench.{name}")
        module.run()
        print(f"({name} section took {time.perf_counter() - started:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
