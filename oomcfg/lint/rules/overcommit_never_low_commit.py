"""OC104: strict overcommit (mode 2) with a ratio that leaves RAM unusable."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

DEFAULT_RATIO = 50  # vm.rst: overcommit_ratio defaults to 50
MIN_SENSIBLE_RATIO = 80


class OvercommitNeverLowCommit(Rule):
    """vm.overcommit_memory = 2 with overcommit_ratio < 80: allocations fail with RAM free.

    In mode 2 the kernel refuses any allocation beyond
    ``CommitLimit = (RAM - hugetlb) * overcommit_ratio / 100 + swap``. With the
    default ratio of 50 and no swap, programs can commit only half of RAM:
    ``malloc`` and ``fork`` fail while ``free`` shows gigabytes available,
    and the failures land on whichever process asks next, not on the biggest.
    Unless ``overcommit_kbytes`` sizes the limit instead, raise the ratio (or
    add swap) so that CommitLimit covers what the workload really commits.

    Bad::

        sysctl: {vm.overcommit_memory: 2}

    Good::

        sysctl: {vm.overcommit_memory: 2, vm.overcommit_ratio: 90}

    Source: Documentation/admin-guide/sysctl/vm.rst (overcommit_memory, overcommit_ratio),
    Documentation/mm/overcommit-accounting.rst.
    """

    code = "OC104"
    slug = "overcommit-never-low-commit"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag mode 2 whose (explicit or default) ratio is below 80 and kbytes is unset."""
        if view.sysctl_int("vm.overcommit_memory") != 2 or view.sysctl_int("vm.overcommit_kbytes"):
            return
        ratio = view.sysctl_int("vm.overcommit_ratio")
        effective = DEFAULT_RATIO if ratio is None else ratio
        if effective >= MIN_SENSIBLE_RATIO:
            return
        where = "vm.overcommit_ratio" if ratio is not None else "vm.overcommit_memory"
        yield self.finding(
            f"vm.overcommit_memory = 2 with overcommit_ratio {effective}"
            f"{'' if ratio is not None else ' (the default)'}: CommitLimit = (RAM - hugetlb) * "
            f"{effective}/100 + swap, so without swap {100 - effective}% of RAM can never be "
            "committed and allocations fail while memory is free",
            view.sysctl_pos(where),
            f"set vm.overcommit_ratio to at least {MIN_SENSIBLE_RATIO}, or size swap to cover it",
        )
