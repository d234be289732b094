"""The ``lint``, ``rules`` and ``schema`` commands, minus Typer: values in, exit code out.

``cli.py`` parses options and calls these; they write to the streams they are
given, so tests can call them directly and the CLI stays a thin layer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from oomcfg.errors import ExitCode
from oomcfg.lint import RULES
from oomcfg.lint.catalog import rule_docs
from oomcfg.lint.engine import LintOptions, LintResult, lint_paths
from oomcfg.report import Summary, render_report


def run_lint(
    paths: Sequence[Path], fmt: str, options: LintOptions, out: TextIO, err: TextIO
) -> ExitCode:
    """Lint ``paths``, print the report in ``fmt``; skipped/unreadable notes go to ``err``."""
    if options.config is not None and (problem := _config_problem(options.config)):
        err.write(f"oomcfg: lint configuration {options.config} cannot be read: {problem}\n")
        return ExitCode.INVALID_INPUT
    result = lint_paths(paths, options)
    summary = _summary(result)
    out.write(render_report(fmt, result.findings, rule_docs(), summary, _base()))
    _notes(result, err)
    return result.exit_code(options.strict)


def _config_problem(config: Path) -> str:
    """Why ``--config FILE`` cannot be used ('' if it can): missing, not a file, unreachable."""
    try:
        mode = config.stat().st_mode
        if not stat.S_ISREG(mode):
            return "not a regular file"
        # open it too: a file root could read is not readable by everyone (EACCES)
        os.close(os.open(config, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
    except OSError as error:  # not Path.is_file(): it raises for ENAMETOOLONG
        return error.strerror or str(error)
    return ""


def _base() -> Path:
    """SARIF's SRCROOT: the working directory, or ``/`` when it was removed under us."""
    try:
        return Path.cwd()
    except OSError:  # getcwd(3): ENOENT for a deleted directory; every URI is then absolute
        return Path("/")


def _summary(result: LintResult) -> Summary:
    return Summary(
        files=len(result.linted),
        skipped=tuple((str(s.path), s.reason) for s in result.skipped if not s.quiet),
        unreadable=tuple((str(u.path), u.reason) for u in result.unreadable),
    )


def _notes(result: LintResult, err: TextIO) -> None:
    """Say what was not linted, so a typo'd path never passes silently."""
    for skipped in result.skipped:
        if not skipped.quiet:
            err.write(f"oomcfg: skipped {skipped.path}: {skipped.reason}\n")
    quiet = sum(1 for s in result.skipped if s.quiet)
    if quiet:
        err.write(f"oomcfg: skipped {quiet} other file(s) that are not profiles, units or sysctl\n")
    for unreadable in result.unreadable:
        err.write(f"oomcfg: cannot read {unreadable.path}: {unreadable.reason}\n")
    if not result.linted and not result.unreadable:
        err.write("oomcfg: nothing to lint in the given paths\n")


def run_rules(code: str | None, out: TextIO, err: TextIO) -> ExitCode:
    """List the rules, or explain one (its docstring) by code or slug."""
    docs = rule_docs()
    if code is None:
        for rule in RULES:
            out.write(f"{rule.code}  {rule.slug:<36} {rule.severity.value:<8} {rule.summary()}\n")
        return ExitCode.OK
    doc = docs.get(code.upper()) or next((d for d in docs.values() if d.slug == code), None)
    if doc is None:
        err.write(f"oomcfg: unknown rule {code!r}; 'oomcfg rules' lists them\n")
        return ExitCode.USAGE
    out.write(f"{doc.code} {doc.slug} (default severity: {doc.severity.value})\n\n")
    out.write((doc.doc or doc.summary) + "\n")
    return ExitCode.OK


def run_schema(out: TextIO) -> ExitCode:
    """Print the profile format's JSON Schema (generated from the loader's field specs)."""
    import json  # noqa: PLC0415 - only this command prints JSON by itself (lint start-up)

    from oomcfg.schema import json_schema  # noqa: PLC0415

    out.write(json.dumps(json_schema(), indent=2, sort_keys=False) + "\n")
    return ExitCode.OK
