"""Common words for `make bench`: whether the checked-in list (knowledge/common_words.txt) still
matches wordfreq, which only the bench environment installs. The line ends with ok or FAIL."""

from __future__ import annotations

from types import ModuleType

from tests.support.scripts import load_tool


def generator() -> ModuleType:
    """tools/common_words.py, which is a script, not a package module."""
    return load_tool("common_words")


def run() -> None:
    print("== Common words the typo corrector leaves alone (issue 10) ==")
    tool = generator()
    try:
        import wordfreq  # noqa: F401
    except ImportError:
        print(
            f"  list matches {tool.LIBRARY} {tool.VERSION}: FAIL ({tool.LIBRARY} is not installed)"
        )
        return
    expected = tool.render(tool.build_list())
    same = tool.LIST.read_text(encoding="utf-8") == expected
    words = expected.count("\n") - tool.HEADER.count("\n")
    verdict = "ok" if same else "FAIL (run `make words`)"
    print(f"  list of {words} words matches {tool.LIBRARY} {tool.VERSION}: {verdict}")


if __name__ == "__main__":
    run()
