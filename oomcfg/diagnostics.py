"""Positions and diagnostics shared by the loader, lint, validate and reports.

A diagnostic is a value: where (``path:line:col``), what (a stable code and a
message that says what is wrong and what is allowed), and how bad (severity).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; ``error`` fails a run, ``warning`` only with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file; ``line`` and ``col`` are 1-based, 0 means the whole file."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{max(self.col, 1)}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: ``path:line:col: severity[CODE]: message``."""

    code: str
    message: str
    pos: Position | None = None
    severity: Severity = Severity.ERROR
    slug: str = ""
    hint: str = ""

    def format(self) -> str:
        """Render the one-line form used by text output and error messages."""
        where = f"{self.pos}: " if self.pos is not None else ""
        text = f"{where}{self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, line, column, then code: stable output for reviews."""
        if self.pos is None:
            return ("", 0, 0, self.code)
        return (self.pos.path, self.pos.line, self.pos.col, self.code)
