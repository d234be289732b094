"""Diagnostics of the line-oriented parsers: unit files (OC2xx) and sysctl.d files (OC25x).

Both parsers name each problem by kind (``"utf8"``, ``"no_equals"``, ...) in
their own ``SYNTAX_CODES`` table and must stay readable on binary junk, where
nearly every "line" is a problem: :func:`capped` keeps the first
:data:`MAX_SHOWN` and counts the rest in one closing diagnostic for the file.
"""

from __future__ import annotations

from collections.abc import Mapping

from oomcfg.diagnostics import Diagnostic, Position, Severity

MAX_SHOWN = 50  # binary junk would otherwise give one finding per "line"


def add_problem(
    diags: list[Diagnostic],
    kind: str,
    pos: Position,
    message: str,
    severity: Severity = Severity.ERROR,
    *,
    codes: Mapping[str, tuple[str, str]],
) -> None:
    """Append a diagnostic whose code and slug come from the parser's ``codes`` table.

    Each parser binds its table once: ``_add = partial(add_problem, codes=SYNTAX_CODES)``.
    """
    code, slug = codes[kind]
    diags.append(Diagnostic(code, message, pos, severity, slug))


def capped(
    diags: list[Diagnostic], path: str, junk: tuple[str, str], what: str
) -> list[Diagnostic]:
    """At most :data:`MAX_SHOWN` diagnostics, then ``junk`` (code, slug) counting the rest."""
    if len(diags) <= MAX_SHOWN:
        return diags
    rest = len(diags) - MAX_SHOWN
    note = Diagnostic(
        junk[0], f"{rest} more syntax problems not shown: is this a {what} at all?",
        Position(path), Severity.ERROR, junk[1],
    )  # fmt: skip
    return [*diags[:MAX_SHOWN], note]
