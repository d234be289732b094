"""Positions and diagnostics shared by the loader, lint, validate and reports.

A diagnostic is a value: where (``path:line:col``), what (a stable code and a
message that says what is wrong and what is allowed), and how bad (severity).
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    """How bad a finding is; ``error`` fails a run, ``warning`` only with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Position(NamedTuple):
    """A place in a file; ``line`` and ``col`` are 1-based, 0 means the whole file.

    A named tuple, not a frozen dataclass: the loader records one for every
    value of a profile (54,000 at 10,000 services), and a tuple is built in
    one C call where a frozen dataclass sets each field through
    ``object.__setattr__`` (P3/P4). Equally immutable; it also orders by
    (path, line, col), which is the order diagnostics are reported in.
    """

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{max(self.col, 1)}"


class Diagnostic(NamedTuple):
    """One problem: ``path:line:col: severity[CODE]: message``.

    A named tuple like :class:`Position`: defining a frozen dataclass costs
    about a millisecond of every command's start (P1/P7), building one more.
    """

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
