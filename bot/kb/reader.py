"""Reading the knowledge folder's YAML while collecting problems instead of stopping at the
first, so one `check` run lists every mistake as `file:line: what is wrong`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.kb.model import Problem
from bot.kb.yaml_lines import LineDict, line_of, load_with_lines


class ProblemLog:
    """The problems found so far, and the YAML reading that reports into it."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.unreadable = False  # a file failed to parse: cross-references may be incomplete

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    @staticmethod
    def display(path: Path) -> str:
        """The path as the user will look it up: relative to where they stand, if inside."""
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def read_yaml(self, path: Path) -> Any:
        """The file's YAML with line numbers, or None after reporting why it cannot be read."""
        name = self.display(path)
        try:
            return load_with_lines(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else 1
            what = error.problem or "invalid YAML"
            self.add(name, line, f"YAML syntax error: {what}")
        except (OSError, UnicodeDecodeError) as error:
            self.add(name, 1, f"cannot read file: {error}")
        self.unreadable = True
        return None

    def fields(self, name: str, entry: LineDict, allowed: frozenset[str], where: str = "") -> None:
        """A field written twice or not one of `allowed`; `where` prefixes the message
        ("gap: ") when the mapping sits inside another."""
        for key, key_line in entry.duplicate_keys:
            self.add(name, key_line, f"{where}field '{key}' appears twice")
        for key in entry:
            if key not in allowed:
                self.add(name, line_of(entry, key), f"{where}unknown field '{key}'")

    def required_text(self, name: str, entry: LineDict, key: str) -> str:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(name, entry.line, f"missing field '{key}'")
            return ""
        if not isinstance(value, str | int):
            self.add(name, line_of(entry, key), f"'{key}' must be text")
            return ""
        return str(value).strip()

    def text_list(self, name: str, entry: LineDict, key: str, *, required: bool) -> list[str]:
        """A field that may be one text or a list of texts, as a list."""
        value = entry.get(key)
        if value is None:
            if required:
                self.add(name, entry.line, f"missing field '{key}'")
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.add(name, line_of(entry, key), f"'{key}' must be text or a list of texts")
            return []
        result: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str | int | float) or not str(item).strip():
                self.add(name, line_of(items, index), f"'{key}' item must be non-empty text")
                continue
            result.append(str(item).strip())
        if required and not result:
            self.add(name, line_of(entry, key), f"'{key}' is empty")
        return result
