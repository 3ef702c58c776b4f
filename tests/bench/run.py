"""`make bench`: every figure the issues ask for, section by section."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import core


def main() -> None:
    core.run()


if __name__ == "__main__":
    main()
