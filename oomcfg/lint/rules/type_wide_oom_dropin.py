"""OC143: OOM settings in a drop-in that reaches many units at once."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import oom_entries
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos
from oomcfg.unitfile import UNIT_TYPES


class TypeWideOomDropin(Rule):
    """An OOM directive in a type-wide (service.d/) or prefix (foo-.service.d/) drop-in.

    ``service.d/`` applies to every service on the host, including sshd and
    systemd's own; ``foo-.service.d/`` to every ``foo-*.service``, including
    ones installed later. An ``OOMScoreAdjust=`` or ``MemoryMax=`` there
    changes far more than the author probably reviewed. oomcfg only writes
    such drop-ins for a profile that says ``scope: type`` or ``scope: prefix``.

    Bad::

        # /etc/systemd/system/service.d/oom.conf
        [Service]
        MemoryMax=2G

    Good::

        # /etc/systemd/system/worker.service.d/oom.conf
        [Service]
        MemoryMax=2G

    Source: systemd.unit(5) (drop-in directories, "-" prefixes, top-level type drop-ins).
    """

    code = "OC143"
    slug = "type-wide-oom-dropin"
    severity = Severity.WARNING

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag OOM directives in hand-written drop-ins of a bare type or a dash prefix."""
        if not unit.is_dropin or unit.managed or not _is_wide(unit.unit):
            return  # oomcfg renders wide drop-ins only for an explicit profile "scope:"
        for entry, _ in oom_entries(unit):
            yield self.finding(
                f"{entry.key}= in {unit.unit}.d/ applies to every matching unit on the host",
                entry_pos(entry),
                "put it in the drop-in directory of the units you mean",
            )


def _is_wide(unit: str) -> bool:
    stem = unit.rsplit(".", 1)[0]
    return unit in UNIT_TYPES or stem.endswith("-")
