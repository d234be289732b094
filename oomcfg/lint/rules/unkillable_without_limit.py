"""OC110: an unkillable service (oom_score_adj -1000) without a memory limit."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView
from oomcfg.model import OOM_SCORE_ADJ_MIN


class UnkillableWithoutLimit(Rule):
    """oom_score_adj -1000 without memory.max or memory.high: a leak kills everything else.

    -1000 removes a process from the OOM killer's candidates entirely. If that
    process leaks, the kernel kills every other process on the host, one by
    one, and then panics, because the only thing using memory cannot be
    touched. Cap such a service with ``memory.max`` (its own cgroup OOM then
    stops it) or use -999/-900, which only put it last.

    Bad::

        services:
          agent: {unit: agent.service, oom_score_adj: -1000}

    Good::

        services:
          agent: {unit: agent.service, oom_score_adj: -1000, memory: {max: 512M}}

    Source: Documentation/filesystems/proc.rst (oom_score_adj), mm/oom_kill.c.
    """

    code = "OC110"
    slug = "unkillable-without-limit"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag adj -1000 with neither max nor high (infinity counts as none)."""
        for svc in view.services:
            if svc.adj != OOM_SCORE_ADJ_MIN:
                continue
            if svc.finite("max") or svc.finite("high"):
                continue
            yield self.finding(
                f"{svc.name}: oom_score_adj -1000 makes it unkillable, and it has no memory "
                "limit: if it leaks, everything else on the host is killed first",
                svc.at(svc.oom_score_adj),
                "add memory.max, or use -999 (killed last) instead of -1000",
            )
