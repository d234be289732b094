"""Inline suppression: ``# oomcfg: disable=CODE[,CODE...] [reason]`` on the line or above.

Works the same in profiles (a trailing YAML comment, or a comment line above
the value), unit files and sysctl.d files (comment lines only: those formats
have no trailing comments, a ``#`` after a value is part of the value). Codes
or slugs may be given. A suppression that silences nothing is itself reported
(``unused-suppression``), so stale ones do not pile up; so is one that names no
rule (a typo such as ``OC1100``, or nothing), which would otherwise silence nothing
without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lint import find_rule

UNUSED_CODE, UNUSED_SLUG = "OC301", "unused-suppression"
#: ``disable=`` then a comma-separated list of codes or slugs (possibly empty: reported,
#: not ignored); whatever follows after a space is a free-text reason.
_DIRECTIVE = re.compile(r"[#;]\s*oomcfg:\s*disable=([\w-]*(?:\s*,\s*[\w-]+)*)")


@dataclass(slots=True)
class Suppression:
    """One ``disable=`` comment: where it is and which codes it names."""

    pos: Position
    codes: frozenset[str]
    used: set[str] = field(default_factory=set)
    #: names that are no rule's code or slug (a typo silences nothing: say so)
    unknown: tuple[str, ...] = ()


def scan(text: str, path: str, *, trailing: bool = True) -> dict[int, Suppression]:
    """Line -> suppression for every ``oomcfg: disable=`` comment in ``text``.

    ``trailing=False`` (unit and sysctl.d files) accepts whole-line comments
    only: there a ``#`` after a value is part of the value, not a comment.
    """
    found: dict[int, Suppression] = {}
    if "disable=" not in text:
        return found  # the common case, and the only cost for a 10,000-service profile
    for lineno, line in enumerate(text.split("\n"), start=1):
        match = _DIRECTIVE.search(line) if "disable=" in line else None
        if match is None or not (trailing or line[: match.start()].strip() == ""):
            continue
        names = [n.strip() for n in match[1].split(",") if n.strip()]
        rules = {n: find_rule(n) for n in names}
        codes = frozenset(r.code for r in rules.values() if r is not None)
        unknown = tuple(n for n, r in rules.items() if r is None)
        pos = Position(path, lineno, match.start() + 1)
        found[lineno] = Suppression(pos, codes, set(), unknown)
    return found


class Suppressor:
    """Applies scanned suppressions to findings and reports the unused ones."""

    def __init__(self) -> None:
        self.by_path: dict[str, dict[int, Suppression]] = {}

    def add_file(self, path: str, text: str, *, trailing: bool = True) -> None:
        """Scan one linted file (only linted files can suppress); see :func:`scan`."""
        self.by_path[path] = scan(text, path, trailing=trailing)

    def keep(self, finding: Diagnostic) -> bool:
        """False when a suppression on the finding's line or the line above names its code."""
        pos = finding.pos
        table = self.by_path.get(pos.path) if pos is not None else None
        if not table or pos is None:
            return True
        for line in (pos.line, pos.line - 1):
            sup = table.get(line)
            if sup is not None and finding.code in sup.codes:
                sup.used.add(finding.code)
                return False
        return True

    def unused(self) -> Iterable[Diagnostic]:
        """One warning per suppression (or named code) that silenced nothing."""
        for table in self.by_path.values():
            for sup in table.values():
                if sup.unknown or not (sup.codes or sup.unknown):
                    yield _no_rule(sup)
                idle = sorted(sup.codes - sup.used)
                if idle:
                    yield Diagnostic(
                        UNUSED_CODE,
                        f"suppression of {', '.join(idle)} matches no finding",
                        sup.pos, Severity.WARNING, UNUSED_SLUG, "remove it",
                    )  # fmt: skip


def _no_rule(sup: Suppression) -> Diagnostic:
    """A ``disable=`` that names no rule (a typo, or nothing at all) silences nothing."""
    what = f"names no rule: {', '.join(sup.unknown)}" if sup.unknown else "names no rule"
    return Diagnostic(
        UNUSED_CODE, f"suppression {what}", sup.pos, Severity.WARNING, UNUSED_SLUG,
        "write a rule code or slug (oomcfg rules lists them), or remove it",
    )  # fmt: skip
