"""Where the knowledge folder is when KNOWLEDGE_DIR does not say: a checkout, an installed
wheel's data files, or the working directory. Settings decide; this only looks."""

from __future__ import annotations

import sys
from pathlib import Path

DOCUMENT_FILE = "document.txt"


def find_knowledge_dir() -> Path:
    """The first candidate folder holding the document; the checkout's when none does."""
    candidates = [
        Path(__file__).resolve().parents[2] / "knowledge",  # checkout, editable install, image
        Path(sys.prefix) / "share" / "milcoop-bot" / "knowledge",  # wheel data files
        Path.cwd() / "knowledge",
    ]
    for candidate in candidates:
        if (candidate / DOCUMENT_FILE).is_file():
            return candidate
    return candidates[0]
