"""Shared logic of OC130-OC133: a directive older systemd versions do not know.

systemd logs "Unknown key name" for a directive it does not know and ignores
it, so a ManagedOOM setting on a systemd 245 host protects nothing. The
versions come from :data:`oomcfg.units.DIRECTIVES` (NEWS), the table render
uses to omit what ``--systemd-version`` lacks.
"""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.lint.directives import directive, oom_entries, service_directives
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos
from oomcfg.lint.view import PolicyView
from oomcfg.units import Directive


class NeedsVersionRule(Rule):
    """Base of the version rules (not registered itself): ``names`` lists the watched ones."""

    names: frozenset[str]

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Profile services (unit files are checked per file)."""
        version = ctx.systemd_version
        if version is None or view.kind != "profile":
            return
        for svc in view.services:
            for known, setting in service_directives(svc):
                if known.name in self.names and version < known.since:
                    yield self._too_old(known.name, known, version, svc.at(setting))

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Every watched directive in a file, against --systemd-version."""
        version = ctx.systemd_version
        if version is None:
            return
        for entry, known in oom_entries(unit):
            if known.name in self.names and version < self._since(entry.key, known):
                yield self._too_old(entry.key, known, version, entry_pos(entry))

    @staticmethod
    def _since(key: str, known: Directive) -> int:
        """The version that knows this spelling (the new name of a renamed one is later)."""
        if known.old_name is not None and key == known.name:
            return max(known.since, known.renamed_in)
        return known.since

    def _too_old(
        self, key: str, known: Directive, version: int, pos: Position | None
    ) -> Diagnostic:
        since = self._since(key, known)
        hint = f"needs systemd >= {since}; drop it for older hosts"
        old = known.old_name
        if old is not None and key == known.name and directive(old) and version >= known.since:
            hint = f"systemd {version} knows it as {old}="
        return self.finding(
            f"{key}= is unknown to systemd {version} (added in {since}); it is ignored", pos, hint
        )
