"""What a lint rule is and what it gets to look at.

A rule is a class with a stable ``code`` (``OC1xx``), a ``slug``, a default
``severity`` and a docstring that is its documentation (``oomcfg rules CODE``)
and its SARIF help. It overrides only the ``check_*`` hooks it needs; each
hook receives already-parsed values, never a path to re-read, so one lint run
parses every file exactly once whatever the number of rules (performance P3).

Hooks:

* :meth:`Rule.check_policy`: a :class:`~oomcfg.lint.view.PolicyView`, the same
  shape for a profile and for a set of hand-written unit/sysctl files, so most
  OOM-policy rules are written once;
* :meth:`Rule.check_unit_file` / :meth:`Rule.check_unit_group`: one unit file or
  drop-in, or a unit with all its fragments in the order systemd applies them;
* :meth:`Rule.check_sysctl_file` / :meth:`Rule.check_sysctl_files`: one
  sysctl.d file, or all of them in apply order.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.sysctld import SysctlEntry
from oomcfg.unitfile import UnitEntry, UnitFileParse

if TYPE_CHECKING:
    from oomcfg.lint.view import PolicyView


class LintContext(NamedTuple):
    """Options that change what a rule reports; ``systemd_version`` None means "current"."""

    systemd_version: int | None = None


class UnitFile(NamedTuple):
    """One parsed unit file or drop-in and what its location says about it.

    ``unit`` is the unit (or template, prefix, or bare type) it belongs to: the
    file name for a unit file, the ``.d`` directory's stem for a drop-in.
    ``managed`` marks oomcfg's own drop-in (its file name or marker line).
    """

    parse: UnitFileParse
    unit: str
    unit_type: str
    is_dropin: bool
    managed: bool

    @property
    def path(self) -> str:
        """The file's path as given on the command line."""
        return self.parse.path


class UnitGroup(NamedTuple):
    """A unit and every fragment that applies to it, in systemd's order."""

    unit: str
    unit_type: str
    fragments: tuple[UnitFile, ...]

    def entries(self) -> Iterator[tuple[UnitFile, UnitEntry]]:
        """Every assignment of every fragment, in apply order."""
        for fragment in self.fragments:
            for entry in fragment.parse.entries:
                yield fragment, entry


class SysctlFile(NamedTuple):
    """One parsed sysctl.d file; ``managed`` marks oomcfg's own."""

    path: str
    entries: tuple[SysctlEntry, ...]
    managed: bool


def entry_pos(entry: UnitEntry | SysctlEntry) -> Position:
    """Where an assignment starts."""
    return Position(entry.path, entry.line, entry.col)


class Rule:
    """Base class of every lint rule: metadata plus empty hooks to override."""

    code: ClassVar[str]
    slug: ClassVar[str]
    severity: ClassVar[Severity]

    def finding(self, message: str, pos: Position | None, hint: str = "") -> Diagnostic:
        """A diagnostic carrying this rule's code, slug and default severity."""
        return Diagnostic(self.code, message, pos, self.severity, self.slug, hint)

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation: its docstring, dedented."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first line of the documentation."""
        return cls.doc().split("\n", 1)[0]

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Findings for a profile or a set of unit/sysctl files (see PolicyView)."""
        return iter(())

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Findings for one unit file or drop-in."""
        return iter(())

    def check_unit_group(self, group: UnitGroup, ctx: LintContext) -> Iterator[Diagnostic]:
        """Findings for a unit across its fragments."""
        return iter(())

    def check_sysctl_file(self, sysctl: SysctlFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Findings for one sysctl.d file."""
        return iter(())

    def check_sysctl_files(
        self, files: Sequence[SysctlFile], ctx: LintContext
    ) -> Iterator[Diagnostic]:
        """Findings across all sysctl.d files, in apply order."""
        return iter(())
