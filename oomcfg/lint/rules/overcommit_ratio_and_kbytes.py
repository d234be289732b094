"""OC103: ``vm.overcommit_ratio`` and ``vm.overcommit_kbytes`` both set."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class OvercommitRatioAndKbytes(Rule):
    """vm.overcommit_ratio and vm.overcommit_kbytes are both set: only the last write counts.

    The two are alternative ways to size CommitLimit in mode 2, and writing
    one sets the other to 0. With both in the configuration, which one wins
    depends on the order the files are applied in, and a reviewer cannot tell
    from the profile which CommitLimit the host gets.

    Bad::

        sysctl: {vm.overcommit_memory: 2, vm.overcommit_ratio: 80, vm.overcommit_kbytes: 8388608}

    Good::

        sysctl: {vm.overcommit_memory: 2, vm.overcommit_ratio: 80}

    Source: Documentation/admin-guide/sysctl/vm.rst (overcommit_kbytes, overcommit_ratio).
    """

    code = "OC103"
    slug = "overcommit-ratio-and-kbytes"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag the pair when both are present (a 0 still zeroes the other on write)."""
        if "vm.overcommit_ratio" in view.sysctl and "vm.overcommit_kbytes" in view.sysctl:
            yield self.finding(
                "vm.overcommit_ratio and vm.overcommit_kbytes are both set; writing one zeroes "
                "the other, so CommitLimit depends on which is written last",
                view.sysctl_pos("vm.overcommit_kbytes"),
                "keep only one of them",
            )
