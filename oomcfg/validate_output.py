"""Text and JSON renderings of a validate :class:`~oomcfg.validate.Report` (pure).

The JSON structure is documented in docs/validate.md and versioned
(``"version": 1``); scripts should read ``findings[].code`` and ``status``,
never parse the text form.
"""

from __future__ import annotations

from typing import Any, TextIO

from oomcfg.findings import Expansion, Finding, Report

JSON_VERSION = 1
#: A ``scope: type`` service reaches every unit of the type: the text form
#: names at most this many of them (JSON lists all).
SHOWN_UNITS = 5
#: The terminal table folds an expected/actual value longer than this.
_VALUE_MAX = 16


def render_text(report: Report) -> str:
    """One block per finding (``object: status[CODE]: expected X, actual Y`` + cause + fix)."""
    lines: list[str] = []
    for f in report.findings:
        lines.append(f"{f.object}: {f.status}[{f.code}]: expected {f.expected}, actual {f.actual}")
        lines.append(f"  cause: {f.cause}")
        lines.append(f"  fix:   {f.fix}")
    lines.extend(expansion_line(e) for e in report.expanded)
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def expansion_line(e: Expansion) -> str:
    """``oomtpl@.service (template): 2 units checked: oomtpl@a.service, oomtpl@b.service``."""
    if not e.units:
        return f"{e.unit} ({e.scope}): no unit loaded"
    count = f"{len(e.units)} unit{'' if len(e.units) == 1 else 's'} checked"
    names = ", ".join(e.units[:SHOWN_UNITS])
    more = len(e.units) - SHOWN_UNITS
    if more > 0:
        names += f", ... and {more} more (--format json lists all)"
    return f"{e.unit} ({e.scope}): {count}: {names}"


def _summary(report: Report) -> str:
    verdict = {0: "OK", 1: "DRIFT", 4: "CANNOT CHECK"}.get(int(report.exit_code), "")
    return (
        f"validate: {verdict}: {report.checked} checked, {report.tally('drift')} drift, "
        f"{report.tally('not-running')} not running, {report.tally('unknown')} cannot check"
    )


def report_dict(report: Report) -> dict[str, Any]:
    """The documented JSON structure as plain data."""
    return {
        "version": JSON_VERSION,
        "exit_code": int(report.exit_code),
        "summary": {
            "checked": report.checked,
            "drift": report.tally("drift"),
            "not_running": report.tally("not-running"),
            "unknown": report.tally("unknown"),
        },
        "findings": [_finding_dict(f) for f in report.findings],
        "instances": [
            {"service": e.service, "unit": e.unit, "scope": e.scope, "units": list(e.units)}
            for e in report.expanded
        ],
    }


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "slug": f.slug,
        "status": f.status,
        "kind": f.kind,
        "object": f.object,
        "expected": f.expected,
        "actual": f.actual,
        "cause": f.cause,
        "fix": f.fix,
        "file": f.file,
        "pid": f.pid,
    }


def render_json(report: Report) -> str:
    """``report_dict`` as indented JSON with a trailing newline."""
    import json  # noqa: PLC0415 - the text form (the default) does not need it (start-up)

    return json.dumps(report_dict(report), indent=2) + "\n"


def write_table(report: Report, stream: TextIO) -> None:
    """A rich table on a terminal (rich comes with Typer); plain text when it is missing.

    Only used when stdout is a tty: pipes and CI logs get :func:`render_text`,
    whose lines stay stable for grep and for tests.
    """
    try:
        from rich.console import Console  # noqa: PLC0415 - only for a terminal
        from rich.table import Table  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415
    except ImportError:
        stream.write(render_text(report))
        return
    console = Console(file=stream)
    if report.findings:
        # The object comes first in the widest column, on a line of its own: on an
        # 80-column terminal a column of its own was cut to "kernel.panic_on_o…",
        # which names nothing. Long values fold onto more lines; nothing is cut.
        table = Table("code", "status")
        for name in ("expected", "actual"):
            table.add_column(name, overflow="fold", max_width=_VALUE_MAX)
        table.add_column("object / cause / fix", overflow="fold", ratio=1)
        for f in report.findings:
            # Text(), not str: a cause may hold "[Service]", which rich would read as markup.
            what = Text.assemble((f.object, "bold"), f"\n{f.cause}\nfix: {f.fix}")
            table.add_row(*(Text(c) for c in (f.code, f.status, f.expected, f.actual)), what)
        console.print(table)
    for expansion in report.expanded:
        console.print(Text(expansion_line(expansion)))
    console.print(Text(_summary(report)))
