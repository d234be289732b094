"""OC120: memory protection on a service the OOM policy says to kill first."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

EXPENDABLE_AT = 500  # the "expendable" tier and above


class ProtectionOnExpendable(Rule):
    """A service with oom_score_adj >= 500 also reserves memory with memory.min/low.

    A high ``oom_score_adj`` says "kill this first"; ``memory.min`` and
    ``memory.low`` say "keep this in memory, reclaim from others". Together
    they make the kernel reclaim from the important services to protect a
    process that it will then kill first anyway.

    Bad::

        batch: {unit: batch.service, tier: expendable, memory: {low: 2G}}

    Good::

        batch: {unit: batch.service, tier: expendable, memory: {max: 2G}}

    Source: Documentation/admin-guide/cgroup-v2.rst (memory.low),
    Documentation/filesystems/proc.rst (oom_score_adj).
    """

    code = "OC120"
    slug = "protection-on-expendable"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag min/low (not 0) on services at 500 or above."""
        for svc in view.services:
            if svc.adj is None or svc.adj < EXPENDABLE_AT:
                continue
            for name in ("min", "low"):
                prot = svc.memory.get(name)
                if prot is not None and prot.value.value > 0:
                    yield self.finding(
                        f"{svc.name}: oom_score_adj {svc.adj} marks it to be killed first, "
                        f"yet memory.{name} {prot.text} protects its memory from reclaim",
                        svc.at(prot),
                        f"drop memory.{name}, or lower the service's score",
                    )
