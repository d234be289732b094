"""yamllint-style helpers: write files into a temp dir, lint them, compare (code, line, col)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from oomcfg.lint.engine import LintOptions, LintResult, lint_paths

HEADER = "oomcfg: 1\ndescription: test\n"


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Create ``files`` (relative path -> dedented text) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def lint_tree(
    root: Path, files: dict[str, str], *, version: int | None = None, strict: bool = False
) -> LintResult:
    """Write ``files`` and lint the whole directory."""
    write_tree(root, files)
    return lint_paths([root], LintOptions(systemd_version=version, strict=strict))


def problems(result: LintResult, code: str) -> list[tuple[str, int, int]]:
    """(file name, line, col) of every finding with ``code``."""
    return [
        (Path(f.pos.path).name, f.pos.line, f.pos.col)
        for f in result.findings
        if f.code == code and f.pos is not None
    ]


def profile_problems(
    root: Path, body: str, code: str, *, version: int | None = None
) -> list[tuple[int, int]]:
    """Lint one profile (``HEADER`` + dedented ``body``); (line, col) of ``code`` findings.

    Line numbers count the two header lines, so line 3 is the body's first line.
    """
    result = lint_tree(root, {"p.yaml": HEADER + textwrap.dedent(body)}, version=version)
    loader_errors = [f for f in result.findings if f.code < "OC100"]
    assert not loader_errors, [f.format() for f in loader_errors]
    return [(line, col) for _, line, col in problems(result, code)]


def file_problems(
    root: Path, files: dict[str, str], code: str, *, version: int | None = None
) -> list[tuple[str, int, int]]:
    """Lint hand-written unit/sysctl files; (file name, line, col) of ``code`` findings."""
    return problems(lint_tree(root, files, version=version), code)
