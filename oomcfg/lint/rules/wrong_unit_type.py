"""Shared logic of OC115-OC117: a directive on a unit type that ignores it.

systemd reads each directive only in the sections of the unit types that
support it (systemd.exec(5), systemd.resource-control(5), systemd.service(5));
elsewhere it logs "Unknown key" and goes on, and the setting silently does
nothing. The three rules differ only in the directive family they watch.
"""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.lint.directives import oom_entries, service_directives
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos
from oomcfg.lint.view import PolicyView
from oomcfg.units import DIRECTIVES, Family


def _accepting(family: Family) -> frozenset[str]:
    """Unit types that accept every directive of ``family`` (one table: oomcfg.units)."""
    types = [d.unit_types for d in DIRECTIVES if d.family == family]
    return frozenset.intersection(*types) if types else frozenset()


class WrongUnitTypeRule(Rule):
    """Base of the "directive on a unit type that ignores it" rules (not registered itself)."""

    family: Family
    what: str

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Profile services (unit files are checked per file, where the key is written)."""
        if view.kind != "profile":
            return
        accepting = _accepting(self.family)
        for svc in view.services:
            if svc.unit_type in accepting:
                continue  # the common case, checked in O(1): every directive of the family fits
            for directive, setting in service_directives(svc):
                if directive.family == self.family and svc.unit_type not in directive.unit_types:
                    yield self._wrong(directive.name, svc.unit_type, directive.unit_types,
                                      svc.at(setting))  # fmt: skip

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Every assignment of the family in a unit type that does not take it."""
        for entry, directive in oom_entries(unit):
            if directive.family == self.family and unit.unit_type not in directive.unit_types:
                yield self._wrong(entry.key, unit.unit_type, directive.unit_types,
                                  entry_pos(entry))  # fmt: skip

    def _wrong(
        self, name: str, utype: str, allowed: frozenset[str], pos: Position | None
    ) -> Diagnostic:
        return self.finding(
            f"{name}= is {self.what}; a .{utype} unit ignores it",
            pos,
            f"accepted by: {', '.join(sorted('.' + t for t in allowed))}",
        )
