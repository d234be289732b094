"""OC108: overcommit_ratio/overcommit_kbytes set while overcommit_memory is not 2."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class OvercommitTuningWithoutNever(Rule):
    """vm.overcommit_ratio or vm.overcommit_kbytes set, but overcommit_memory is not 2.

    Both only size CommitLimit, which the kernel enforces in mode 2 ("never
    overcommit") alone. In modes 0 and 1 they change nothing, so a reviewer
    reading the profile believes in a limit the host does not have.

    Bad::

        sysctl: {vm.overcommit_memory: 0, vm.overcommit_ratio: 90}

    Good::

        sysctl: {vm.overcommit_memory: 2, vm.overcommit_ratio: 90}

    Source: Documentation/admin-guide/sysctl/vm.rst (overcommit_ratio),
    Documentation/mm/overcommit-accounting.rst.
    """

    code = "OC108"
    slug = "overcommit-tuning-without-never"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag each tuning key when the mode is known and not 2."""
        mode = view.sysctl_int("vm.overcommit_memory")
        if mode is None or mode == 2:
            return
        for key in ("vm.overcommit_ratio", "vm.overcommit_kbytes"):
            if key in view.sysctl:
                yield self.finding(
                    f"{key} has no effect: vm.overcommit_memory is {mode}, and CommitLimit "
                    "is only enforced in mode 2",
                    view.sysctl_pos(key),
                    f"remove {key}, or set vm.overcommit_memory: 2 if strict accounting is meant",
                )
