"""OC140: deprecated, removed or renamed OOM spellings in unit files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos

#: old key -> (what to write instead, why, last version where the old key is right)
DEPRECATED: Mapping[str, tuple[str, str, int]] = {
    "MemoryLimit": (
        "MemoryMax=", "cgroup v1 only; deprecated since 231 and ignored on the unified hierarchy",
        0,
    ),
    "OOMAdjust": ("OOMScoreAdjust=", "the pre-2010 oom_adj (-17..15) interface; removed", 0),
    "ManagedOOMMemoryPressureLimitPercent": (
        "ManagedOOMMemoryPressureLimit=", "renamed in systemd 248", 247,
    ),
}  # fmt: skip


class DeprecatedDirective(Rule):
    """MemoryLimit=, OOMAdjust= or ManagedOOMMemoryPressureLimitPercent= in a unit file.

    ``MemoryLimit=`` is the cgroup-v1 limit, ignored on the unified hierarchy
    every current distro uses; ``OOMAdjust=`` is the pre-2010 spelling of
    ``OOMScoreAdjust=``; the pressure limit lost its ``Percent`` suffix in
    systemd 248 (the old name is right only with ``--systemd-version 247``).

    Bad::

        [Service]
        MemoryLimit=1G

    Good::

        [Service]
        MemoryMax=1G

    Source: systemd.resource-control(5) ("Deprecated Options"), systemd NEWS 231 and 248.
    """

    code = "OC140"
    slug = "deprecated-directive"
    severity = Severity.WARNING

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag each old spelling unless --systemd-version still needs it."""
        for entry in unit.parse.entries:
            known = DEPRECATED.get(entry.key)
            if known is None:
                continue
            instead, why, needed_until = known
            if ctx.systemd_version is not None and ctx.systemd_version <= needed_until:
                continue
            yield self.finding(f"{entry.key}= is {why}", entry_pos(entry), f"use {instead}")
