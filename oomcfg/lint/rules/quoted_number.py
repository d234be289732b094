"""OC146: a quoted number in a unit or sysctl file (quotes are not stripped)."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, UnitFile, entry_pos
from oomcfg.lint.values import quoted_number


class QuotedNumber(Rule):
    """An OOM value written in quotes: OOMScoreAdjust="-500" is not a number to systemd.

    Neither systemd (for these directives) nor sysctl.d strips quotes, so
    ``OOMScoreAdjust="-500"``, ``MemoryMax='2G'`` or ``vm.swappiness = "10"``
    are invalid values: systemd ignores the setting, the kernel refuses the
    write. Quotes habitually carried over from YAML or shell are the usual
    cause.

    Bad::

        OOMScoreAdjust="-500"

    Good::

        OOMScoreAdjust=-500

    Source: systemd.syntax(7) (quoting applies only to settings that take lists),
    sysctl.d(5).
    """

    code = "OC146"
    slug = "quoted-number"
    severity = Severity.ERROR

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Quoted values of OOM directives."""
        for entry in unit.parse.entries:
            if directive(entry.key) is not None:
                yield from self._check(entry.key + "=", entry.value, entry_pos(entry))

    def check_sysctl_file(self, sysctl: SysctlFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Quoted sysctl values."""
        for entry in sysctl.entries:
            yield from self._check(entry.key + " =", entry.value, entry_pos(entry))

    def _check(self, what: str, text: str, pos: Position) -> Iterator[Diagnostic]:
        inner = quoted_number(text)
        if inner is not None:
            yield self.finding(
                f"{what} {text}: the quotes are part of the value, so it is not a number",
                pos,
                f"write {inner} without quotes",
            )
